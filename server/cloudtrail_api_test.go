package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/cairn-audit/cairn"
)

var testCreds = Credentials{AccessKeyID: "AKIACAIRNTEST", SecretAccessKey: "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}

// testBase is the newest test event's time, second-precise as CloudTrail's.
var testBase = time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)

type testServer struct {
	URL string
	idx *fakeIndex
	log *syncBuffer
	srv *Server
}

// startServer serves idx on 127.0.0.1 until the test ends.
func startServer(t *testing.T, events []cairn.Event) *testServer {
	t.Helper()
	ts := &testServer{idx: newFakeIndex(events), log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(DefaultConfig(), ts.idx, []Credentials{testCreds, {AccessKeyID: "AKIAOTHER", SecretAccessKey: "other"}}, log)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	ts.URL, ts.srv = hs.URL, s
	return ts
}

// sdkClient is the official CloudTrail client pointed at url, without any
// shared configuration from the environment.
//
// It keeps the SDK's standard retryer. Against a server as fast as this one
// on loopback, the SDK's transport sometimes closes its own connection while
// reading a good response (its request body wrapper reports io.EOF from
// WriteTo once closed; aws/aws-sdk-go-v2#2737), and the SDK classifies that
// "use of closed network connection" as retryable. None of the errors tested
// here is retryable, so each error test still sends one request.
func sdkClient(url string, creds aws.CredentialsProvider) *cloudtrail.Client {
	return cloudtrail.New(cloudtrail.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(url),
		Credentials:  creds,
	})
}

func staticCreds(c Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")
}

func eventIDs(events []cairn.Event) []string {
	var ids []string
	for _, e := range events {
		ids = append(ids, e.EventID)
	}
	return ids
}

func lookupAll(t *testing.T, c *cloudtrail.Client, in *cloudtrail.LookupEventsInput) ([]types.Event, int) {
	t.Helper()
	var (
		out   []types.Event
		pages int
	)
	p := cloudtrail.NewLookupEventsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		out = append(out, page.Events...)
	}
	return out, pages
}

func sdkEventIDs(events []types.Event) []string {
	var ids []string
	for _, e := range events {
		ids = append(ids, aws.ToString(e.EventId))
	}
	return ids
}

func TestLookupEventsPaginatesWithSDK(t *testing.T) {
	events := testEvents(137, testBase)
	ts := startServer(t, events)
	c := sdkClient(ts.URL, staticCreds(testCreds))

	got, pages := lookupAll(t, c, &cloudtrail.LookupEventsInput{})
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (50 + 50 + 37)", pages)
	}
	want := eventIDs(ts.idx.events) // newest first, ties by key
	if diff := cmp.Diff(want, sdkEventIDs(got)); diff != "" {
		t.Fatalf("event IDs (-want +got):\n%s", diff)
	}

	// Every field of one event as AWS fills it.
	byID := map[string]cairn.Event{}
	for _, e := range events {
		byID[e.EventID] = e
	}
	for _, ge := range got {
		e := byID[aws.ToString(ge.EventId)]
		wantUser := map[string]string{"IAMUser": "alice", "AssumedRole": "bob", "Root": "root"}[e.Principal.Type]
		if u := aws.ToString(ge.Username); u != wantUser {
			t.Errorf("%s: Username = %q, want %q", e.EventID, u, wantUser)
		}
		if ro := aws.ToString(ge.ReadOnly); ro != e.ReadOnly.String() {
			t.Errorf("%s: ReadOnly = %q, want %q", e.EventID, ro, e.ReadOnly.String())
		}
		if !aws.ToTime(ge.EventTime).Equal(e.EventTime) {
			t.Errorf("%s: EventTime = %v, want %v", e.EventID, aws.ToTime(ge.EventTime), e.EventTime)
		}
		if aws.ToString(ge.CloudTrailEvent) != string(e.Raw) {
			t.Errorf("%s: CloudTrailEvent differs from the raw record", e.EventID)
		}
		if aws.ToString(ge.AccessKeyId) != e.Principal.AccessKeyID || aws.ToString(ge.EventName) != e.EventName ||
			aws.ToString(ge.EventSource) != e.EventSource {
			t.Errorf("%s: got %+v", e.EventID, ge)
		}
		if len(ge.Resources) != 1 || aws.ToString(ge.Resources[0].ResourceName) != e.Resources[0].ID ||
			aws.ToString(ge.Resources[0].ResourceType) != "AWS::EC2::Instance" {
			t.Errorf("%s: Resources = %+v", e.EventID, ge.Resources)
		}
	}

	// A smaller page size pages more often, still without gaps or repeats.
	got, pages = lookupAll(t, c, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(7)})
	if pages != 20 {
		t.Errorf("MaxResults 7: pages = %d, want 20", pages)
	}
	if diff := cmp.Diff(want, sdkEventIDs(got)); diff != "" {
		t.Fatalf("MaxResults 7: event IDs (-want +got):\n%s", diff)
	}
}

func TestLookupEventsAttributes(t *testing.T) {
	events := testEvents(60, testBase)
	for i := 5; i < len(events); i += 10 {
		events[i].Principal = cairn.Principal{Type: "AWSService", InvokedBy: "lambda.amazonaws.com"}
	}
	ts := startServer(t, events)
	c := sdkClient(ts.URL, staticCreds(testCreds))

	attr := func(k types.LookupAttributeKey, v string) types.LookupAttribute {
		return types.LookupAttribute{AttributeKey: k, AttributeValue: aws.String(v)}
	}
	tests := []struct {
		name  string
		attrs []types.LookupAttribute
		want  func(e *cairn.Event) bool
	}{
		{"EventId", []types.LookupAttribute{attr(types.LookupAttributeKeyEventId, "ev-0042")},
			func(e *cairn.Event) bool { return e.EventID == "ev-0042" }},
		{"EventName", []types.LookupAttribute{attr(types.LookupAttributeKeyEventName, "DeleteBucket")},
			func(e *cairn.Event) bool { return e.EventName == "DeleteBucket" }},
		{"ReadOnly", []types.LookupAttribute{attr(types.LookupAttributeKeyReadOnly, "true")},
			func(e *cairn.Event) bool { return e.ReadOnly == cairn.BoolTrue }},
		{"ReadOnly false", []types.LookupAttribute{attr(types.LookupAttributeKeyReadOnly, "false")},
			func(e *cairn.Event) bool { return e.ReadOnly == cairn.BoolFalse }},
		{"Username user", []types.LookupAttribute{attr(types.LookupAttributeKeyUsername, "alice")},
			func(e *cairn.Event) bool { return e.Principal.UserName == "alice" }},
		{"Username session", []types.LookupAttribute{attr(types.LookupAttributeKeyUsername, "bob")},
			func(e *cairn.Event) bool { return e.Principal.SessionName == "bob" }},
		// The Username shown for the root user and for a service finds
		// their events.
		{"Username root", []types.LookupAttribute{attr(types.LookupAttributeKeyUsername, "root")},
			func(e *cairn.Event) bool { return e.Principal.Type == "Root" }},
		{"Username service", []types.LookupAttribute{attr(types.LookupAttributeKeyUsername, "lambda.amazonaws.com")},
			func(e *cairn.Event) bool { return e.Principal.Type == "AWSService" }},
		// An assumed role's Username is its session's name, as in AWS's
		// answers, so its role's name or ARN finds none of its events.
		{"no match: a role's name as Username", []types.LookupAttribute{attr(types.LookupAttributeKeyUsername, "Deploy")},
			func(e *cairn.Event) bool { return false }},
		{"no match: a role's ARN as Username", []types.LookupAttribute{attr(types.LookupAttributeKeyUsername, "arn:aws:iam::111122223333:role/Deploy")},
			func(e *cairn.Event) bool { return false }},
		{"ResourceType", []types.LookupAttribute{attr(types.LookupAttributeKeyResourceType, "AWS::EC2::Instance")},
			func(e *cairn.Event) bool { return true }},
		{"ResourceName", []types.LookupAttribute{attr(types.LookupAttributeKeyResourceName, "i-0003")},
			func(e *cairn.Event) bool { return e.Resources[0].ID == "i-0003" }},
		{"ResourceName ARN", []types.LookupAttribute{attr(types.LookupAttributeKeyResourceName, "arn:aws:ec2:eu-west-1:111122223333:instance/i-0004")},
			func(e *cairn.Event) bool { return e.Resources[0].ID == "i-0004" }},
		{"EventSource", []types.LookupAttribute{attr(types.LookupAttributeKeyEventSource, "s3.amazonaws.com")},
			func(e *cairn.Event) bool { return e.EventSource == "s3.amazonaws.com" }},
		{"AccessKeyId", []types.LookupAttribute{attr(types.LookupAttributeKeyAccessKeyId, "AKIAROOT")},
			func(e *cairn.Event) bool { return e.Principal.AccessKeyID == "AKIAROOT" }},
		{"no match", []types.LookupAttribute{attr(types.LookupAttributeKeyEventName, "Nothing")},
			func(e *cairn.Event) bool { return false }},
		{"combined", []types.LookupAttribute{
			attr(types.LookupAttributeKeyUsername, "bob"),
			attr(types.LookupAttributeKeyEventSource, "s3.amazonaws.com"),
			attr(types.LookupAttributeKeyReadOnly, "true"),
		}, func(e *cairn.Event) bool {
			return e.Principal.SessionName == "bob" && e.EventSource == "s3.amazonaws.com" && e.ReadOnly.True()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for i := range ts.idx.events {
				if tt.want(&ts.idx.events[i]) {
					want = append(want, ts.idx.events[i].EventID)
				}
			}
			if len(want) == 0 && !strings.HasPrefix(tt.name, "no match") {
				t.Fatal("test data selects nothing")
			}
			got, _ := lookupAll(t, c, &cloudtrail.LookupEventsInput{LookupAttributes: tt.attrs, MaxResults: aws.Int32(9)})
			if diff := cmp.Diff(want, sdkEventIDs(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A Username lookup that reads its bound of events before it fills a page
// returns what it kept, maybe nothing, with a token to go on; paging still
// finds every event, once.
func TestLookupUsernamePagesThroughShortPages(t *testing.T) {
	defer func(n int) { lookupScan = n }(lookupScan)
	lookupScan = 4
	events := testEvents(60, testBase)
	ts := startServer(t, events)
	c := sdkClient(ts.URL, staticCreds(testCreds))
	var want []string
	for _, e := range ts.idx.events {
		if e.Principal.SessionName == "bob" {
			want = append(want, e.EventID)
		}
	}
	got, pages := lookupAll(t, c, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(5), LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("bob")}}})
	if diff := cmp.Diff(want, sdkEventIDs(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if pages <= len(want)/5 {
		t.Errorf("%d pages for %d events: the bound did not cut a page short", pages, len(want))
	}
}

// LookupEvents returns CloudTrail records only: the AWS Health and EC2
// state-change events cairn keeps for timelines are EventBridge documents,
// and the events applications send (PutAuditEvents) have a shape of their
// own, which clients parsing CloudTrailEvent would choke on (AWS keeps
// those in Lake alone). Paging past them still finds every record, once.
func TestLookupEventsLeavesOutEventBridgeEvents(t *testing.T) {
	events := testEvents(60, testBase)
	for i := range events {
		e := &events[i]
		switch i % 5 {
		case 0:
			e.EventSource, e.EventName, e.EventCategory, e.EventType = "aws.ec2", "InstanceStateChange", "StateChange", "AwsServiceEvent"
		case 1:
			e.EventSource, e.EventName, e.EventCategory, e.EventType = "aws.health", "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "Health", "AwsServiceEvent"
		case 2:
			e.EventSource, e.EventName, e.EventCategory, e.EventType = "myapp", "DeleteInvoice", "ActivityAuditLog", "ActivityLog"
		}
	}
	ts := startServer(t, events)
	var want []string
	for _, e := range ts.idx.events {
		if e.EventType == "AwsApiCall" {
			want = append(want, e.EventID)
		}
	}
	c := sdkClient(ts.URL, staticCreds(testCreds))
	got, _ := lookupAll(t, c, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(7)})
	if diff := cmp.Diff(want, sdkEventIDs(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, _ = lookupAll(t, c, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("aws.ec2")}}})
	if len(got) != 0 {
		t.Errorf("EventSource aws.ec2: %d events, want none", len(got))
	}
}

func TestLookupEventsTimeRange(t *testing.T) {
	events := testEvents(60, testBase)
	ts := startServer(t, events)
	c := sdkClient(ts.URL, staticCreds(testCreds))

	// Both ends are inclusive, as AWS documents.
	start, end := testBase.Add(-30*time.Minute), testBase.Add(-9*time.Minute)
	var want []string
	for _, e := range ts.idx.events {
		if !e.EventTime.Before(start) && !e.EventTime.After(end) {
			want = append(want, e.EventID)
		}
	}
	got, _ := lookupAll(t, c, &cloudtrail.LookupEventsInput{StartTime: &start, EndTime: &end})
	if diff := cmp.Diff(want, sdkEventIDs(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if first, last := got[0].EventTime, got[len(got)-1].EventTime; !first.Equal(end) || !last.Equal(start) {
		t.Errorf("range [%v, %v], want both ends included [%v, %v]", last, first, start, end)
	}
}

// apiCode returns the AWS error code of err, or "".
func apiCode(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorCode()
	}
	return ""
}

func TestLookupEventsErrors(t *testing.T) {
	ts := startServer(t, testEvents(60, testBase))
	c := sdkClient(ts.URL, staticCreds(testCreds))
	ctx := t.Context()

	// A token from one filter is refused with another.
	first, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(5)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v, NextToken %v", err, first.NextToken)
	}
	start, end := testBase, testBase.Add(-time.Hour)
	attr := func(k types.LookupAttributeKey, v string) []types.LookupAttribute {
		return []types.LookupAttribute{{AttributeKey: k, AttributeValue: aws.String(v)}}
	}

	tests := []struct {
		name string
		in   cloudtrail.LookupEventsInput
		want any // a pointer to the SDK's typed error
	}{
		{"MaxResults 0", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(0)}, new(*types.InvalidMaxResultsException)},
		{"MaxResults 51", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, new(*types.InvalidMaxResultsException)},
		{"garbage token", cloudtrail.LookupEventsInput{NextToken: aws.String("not-a-token!")}, new(*types.InvalidNextTokenException)},
		{"token of other filter", cloudtrail.LookupEventsInput{NextToken: first.NextToken,
			LookupAttributes: attr(types.LookupAttributeKeyUsername, "alice")}, new(*types.InvalidNextTokenException)},
		{"unknown attribute", cloudtrail.LookupEventsInput{LookupAttributes: attr("Colour", "blue")}, new(*types.InvalidLookupAttributesException)},
		{"empty value", cloudtrail.LookupEventsInput{LookupAttributes: attr(types.LookupAttributeKeyEventName, "")}, new(*types.InvalidLookupAttributesException)},
		{"ReadOnly maybe", cloudtrail.LookupEventsInput{LookupAttributes: attr(types.LookupAttributeKeyReadOnly, "maybe")}, new(*types.InvalidLookupAttributesException)},
		{"repeated key", cloudtrail.LookupEventsInput{LookupAttributes: append(attr(types.LookupAttributeKeyEventName, "A"),
			attr(types.LookupAttributeKeyEventName, "B")...)}, new(*types.InvalidLookupAttributesException)},
		{"start after end", cloudtrail.LookupEventsInput{StartTime: &start, EndTime: &end}, new(*types.InvalidTimeRangeException)},
		{"start after now", cloudtrail.LookupEventsInput{StartTime: aws.Time(time.Now().Add(time.Hour))}, new(*types.InvalidTimeRangeException)},
		{"category", cloudtrail.LookupEventsInput{EventCategory: "management"}, new(*types.InvalidEventCategoryException)},
		{"insight with Username", cloudtrail.LookupEventsInput{EventCategory: types.EventCategoryInsight,
			LookupAttributes: attr(types.LookupAttributeKeyUsername, "alice")}, new(*types.InvalidLookupAttributesException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.LookupEvents(ctx, &tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.As(err, tt.want) {
				t.Fatalf("error %v (%T), want %T", err, errors.Unwrap(err), tt.want)
			}
		})
	}

}

func TestLookupEventsAuthErrors(t *testing.T) {
	ts := startServer(t, testEvents(3, testBase))
	tests := []struct {
		name  string
		creds aws.CredentialsProvider
		code  string
	}{
		{"bad secret", staticCreds(Credentials{testCreds.AccessKeyID, "wrong"}), CodeInvalidSignature},
		{"unknown key", staticCreds(Credentials{"AKIANOBODY", testCreds.SecretAccessKey}), CodeUnrecognizedClient},
		{"unsigned", aws.AnonymousCredentials{}, CodeMissingAuthenticationToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sdkClient(ts.URL, tt.creds)
			_, err := c.LookupEvents(t.Context(), &cloudtrail.LookupEventsInput{})
			if code := apiCode(err); code != tt.code {
				t.Fatalf("error %v: code %q, want %q", err, code, tt.code)
			}
			if re, ok := errors.AsType[interface {
				error
				HTTPStatusCode() int
			}](err); !ok || re.HTTPStatusCode() != http.StatusBadRequest {
				t.Errorf("error %v: want HTTP 400", err)
			}
		})
	}
	if n := ts.idx.searches; n != 0 {
		t.Errorf("index searched %d times for refused requests", n)
	}

	// The second configured key works too.
	c := sdkClient(ts.URL, staticCreds(Credentials{"AKIAOTHER", "other"}))
	if _, err := c.LookupEvents(t.Context(), &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("second key: %v", err)
	}
}

// signedPost sends a signed JSON 1.1 request that the SDK would not send.
func signedPost(t *testing.T, url, target string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentTypeJSON11)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256(body)
	cred := aws.Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: testCreds.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(t.Context(), cred, req, hex.EncodeToString(sum[:]), "cloudtrail", "ap-south-2", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestJSON11Protocol(t *testing.T) {
	ts := startServer(t, testEvents(3, testBase))
	tests := []struct {
		name, target, body string
		status             int
		code               string
	}{
		{"short target", "CloudTrail_20131101.LookupEvents", `{"MaxResults":2}`, 200, ""},
		{"namespaced target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", `{}`, 200, ""},
		{"empty body", "CloudTrail_20131101.LookupEvents", ``, 200, ""},
		{"fractional times", "CloudTrail_20131101.LookupEvents", `{"StartTime":1.7e9,"EndTime":1900000000.125}`, 200, ""},
		{"unknown operation", "CloudTrail_20131101.DeleteTrail", `{}`, 400, "UnknownOperationException"},
		{"other service", "DynamoDB_20120810.ListTables", `{}`, 400, "UnknownOperationException"},
		{"no target", "", `{}`, 400, "UnknownOperationException"},
		{"bad JSON", "CloudTrail_20131101.LookupEvents", `{"MaxResults":`, 400, "SerializationException"},
		{"wrong type", "CloudTrail_20131101.LookupEvents", `{"MaxResults":"ten"}`, 400, "SerializationException"},
		{"fractional MaxResults", "CloudTrail_20131101.LookupEvents", `{"MaxResults":2.5}`, 400, "SerializationException"},
		{"DescribeTrails", "CloudTrail_20131101.DescribeTrails", `{}`, 200, ""},
		{"GetTrail", "CloudTrail_20131101.GetTrail", `{"Name":"t"}`, 400, "TrailNotFoundException"},
		{"GetTrailStatus", "CloudTrail_20131101.GetTrailStatus", `{"Name":"t"}`, 400, "TrailNotFoundException"},
		{"ListPublicKeys", "CloudTrail_20131101.ListPublicKeys", `{}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := signedPost(t, ts.URL, tt.target, []byte(tt.body))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != contentTypeJSON11 {
				t.Errorf("Content-Type %q", ct)
			}
			if resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Error("no request ID")
			}
			if tt.code == "" {
				return
			}
			if h := resp.Header.Get("X-Amzn-Errortype"); h != tt.code {
				t.Errorf("X-Amzn-ErrorType %q, want %q", h, tt.code)
			}
			if want := `{"__type":"` + tt.code + `"`; !strings.HasPrefix(string(body), want) {
				t.Errorf("body %s, want prefix %s", body, want)
			}
		})
	}

	// Trail operations answer as an account without trails.
	c := sdkClient(ts.URL, staticCreds(testCreds))
	dt, err := c.DescribeTrails(t.Context(), &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(dt.TrailList) != 0 {
		t.Errorf("DescribeTrails: %v %+v", err, dt)
	}
	pk, err := c.ListPublicKeys(t.Context(), &cloudtrail.ListPublicKeysInput{})
	if err != nil || len(pk.PublicKeyList) != 0 {
		t.Errorf("ListPublicKeys: %v %+v", err, pk)
	}
	_, err = c.GetTrail(t.Context(), &cloudtrail.GetTrailInput{Name: aws.String("main")})
	if _, ok := errors.AsType[*types.TrailNotFoundException](err); !ok {
		t.Errorf("GetTrail: %v", err)
	}
}

func TestLookupEventsInternalErrorIsHidden(t *testing.T) {
	ts := startServer(t, testEvents(3, testBase))
	ts.idx.failWith = errors.New("duckdb: /srv/cairn/secret.db: corrupt")
	resp, body := signedPost(t, ts.URL, "CloudTrail_20131101.LookupEvents", []byte(`{}`))
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("X-Amzn-Errortype") != "InternalFailure" {
		t.Errorf("status %d, type %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
	if bytes.Contains(body, []byte("secret")) {
		t.Errorf("response leaks the internal error: %s", body)
	}
	if !strings.Contains(ts.log.String(), "secret.db") {
		t.Errorf("internal error not logged:\n%s", ts.log)
	}
}

func TestLookupUsername(t *testing.T) {
	tests := []struct {
		p    cairn.Principal
		want string
	}{
		{cairn.Principal{Type: "IAMUser", UserName: "alice"}, "alice"},
		{cairn.Principal{Type: "AssumedRole", UserName: "Deploy", SessionName: "bob"}, "bob"},
		{cairn.Principal{Type: "AssumedRole", ARN: "arn:aws:sts::1:assumed-role/R/s"}, "s"},
		{cairn.Principal{Type: "Root", UserName: "myalias"}, "root"},
		{cairn.Principal{Type: "AWSService", InvokedBy: "ec2.amazonaws.com"}, "ec2.amazonaws.com"},
		{cairn.Principal{Type: "FederatedUser", UserName: "carol", ARN: "arn:aws:sts::1:federated-user/carol"}, "carol"},
		{cairn.Principal{Type: "IdentityCenterUser", OnBehalfOf: "u-1"}, ""},
		{cairn.Principal{}, ""},
	}
	for _, tt := range tests {
		if got := lookupUsername(&tt.p); got != tt.want {
			t.Errorf("lookupUsername(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// syncBuffer is a log sink that concurrent handlers may write to while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLookupEventsListsNoResourcesAsEmpty: an event without resources has
// "Resources": [], as AWS's answers have it (aws-cli's lookup-events
// example), not no key at all.
func TestLookupEventsListsNoResourcesAsEmpty(t *testing.T) {
	events := testEvents(2, testBase)
	events[0].Resources = nil
	events[0].Raw = rawRecord(&events[0])
	ts := startServer(t, events)
	_, body := signedPost(t, ts.URL, "CloudTrail_20131101.LookupEvents", []byte(`{"LookupAttributes":[{"AttributeKey":"EventId","AttributeValue":"ev-0000"}]}`))
	if !strings.Contains(string(body), `"Resources":[]`) {
		t.Errorf("no empty Resources in %s", body)
	}
}
