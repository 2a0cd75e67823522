package cloudtrail

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// simHealth is an AWS Health event as the simulator writes it
// (sim/scenarios.go healthEvent): HTTP-date times, affectedEntities, the
// instance ID (not its ARN) in resources[].
const simHealth = `{"version":"0","id":"3f1c2a9e-8d4b-4c1a-9e2f-0a1b2c3d4e5f","detail-type":"AWS Health Event","source":"aws.health","account":"111122223333","time":"2026-03-10T09:00:00Z","region":"eu-west-1","resources":["i-0123456789abcdef0"],"detail":{"eventArn":"arn:aws:health:eu-west-1::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED_0a1b2c3d-4e5f-6a7b","service":"EC2","eventTypeCode":"AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED","eventTypeCategory":"scheduledChange","eventScopeCode":"ACCOUNT_SPECIFIC","communicationId":"0123456789abcdef0123456789abcdef-1","startTime":"Tue, 24 Mar 2026 02:00:00 GMT","endTime":"Tue, 24 Mar 2026 03:00:00 GMT","lastUpdatedTime":"Tue, 10 Mar 2026 09:00:00 GMT","statusCode":"upcoming","eventRegion":"eu-west-1","eventDescription":[{"language":"en_US","latestDescription":"EC2 has detected degradation of the underlying hardware hosting your instance."}],"affectedEntities":[{"entityValue":"i-0123456789abcdef0"}]}}`

// simStateChange is an EC2 state-change notification as the simulator
// writes it (sim/lifecycle.go stateChange).
const simStateChange = `{"version":"0","id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"2026-03-24T02:00:01Z","region":"eu-west-1","resources":["arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"],"detail":{"instance-id":"i-0123456789abcdef0","state":"stopping"}}`

func decodeEB(t *testing.T, raw string) cairn.Event {
	t.Helper()
	ev, err := DecodeEventBridge([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Raw, []byte(raw)) {
		t.Fatalf("Raw is not the input")
	}
	return ev
}

func TestDecodeEventBridgeHealth(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want cairn.Event
	}{
		{"fixture", strings.TrimSpace(string(readFixture(t, "health.json"))), cairn.Event{
			EventID:            "7bf73129-1428-4cd3-a780-95db273d1602",
			EventTime:          time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC),
			EventSource:        "aws.health",
			EventName:          "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
			EventType:          "AwsServiceEvent",
			EventCategory:      "Health",
			AWSRegion:          "us-east-1",
			RecipientAccountID: "123456789012",
			Principal:          cairn.Principal{Type: "AWSService", InvokedBy: "health.amazonaws.com", AccountID: "123456789012"},
			Resources: []cairn.ResourceRef{{
				ID: "i-0bbbbbbbbbbbbbbb1", ARN: "arn:aws:ec2:us-east-1:123456789012:instance/i-0bbbbbbbbbbbbbbb1",
				Type: "AWS::EC2::Instance", Account: "123456789012", Region: "us-east-1", Role: cairn.RoleReferenced,
			}},
		}},
		{"simulator", simHealth, cairn.Event{
			EventID:            "3f1c2a9e-8d4b-4c1a-9e2f-0a1b2c3d4e5f",
			EventTime:          time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
			EventSource:        "aws.health",
			EventName:          "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
			EventType:          "AwsServiceEvent",
			EventCategory:      "Health",
			AWSRegion:          "eu-west-1",
			RecipientAccountID: "111122223333",
			Principal:          cairn.Principal{Type: "AWSService", InvokedBy: "health.amazonaws.com", AccountID: "111122223333"},
			Resources: []cairn.ResourceRef{{
				ID: "i-0123456789abcdef0", ARN: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
				Type: "AWS::EC2::Instance", Account: "111122223333", Region: "eu-west-1", Role: cairn.RoleReferenced,
			}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := decodeEB(t, tc.raw)
			if d := cmp.Diff(tc.want, ev, cmpopts.IgnoreFields(cairn.Event{}, "Raw")); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if ev.ManagementEvent.Known() || ev.EventVersion != "" {
				t.Errorf("managementEvent %v, eventVersion %q: want both unset", ev.ManagementEvent, ev.EventVersion)
			}
			if ev.Principal.Key() != "service:health.amazonaws.com" || ev.Principal.Name() != "health.amazonaws.com" {
				t.Errorf("principal key %q, name %q", ev.Principal.Key(), ev.Principal.Name())
			}
		})
	}
}

func TestDecodeEventBridgeStateChange(t *testing.T) {
	want := cairn.Event{
		EventID:            "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		EventTime:          time.Date(2026, 3, 24, 2, 0, 1, 0, time.UTC),
		EventSource:        "aws.ec2",
		EventName:          "InstanceStateChange",
		EventType:          "AwsServiceEvent",
		EventCategory:      "StateChange",
		AWSRegion:          "eu-west-1",
		RecipientAccountID: "111122223333",
		Principal:          cairn.Principal{Type: "AWSService", InvokedBy: "ec2.amazonaws.com", AccountID: "111122223333"},
		Resources: []cairn.ResourceRef{{
			ID: "i-0123456789abcdef0", ARN: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
			Type: "AWS::EC2::Instance", Account: "111122223333", Region: "eu-west-1", Role: cairn.RoleStateChanged,
		}},
	}
	ev := decodeEB(t, simStateChange)
	if d := cmp.Diff(want, ev, cmpopts.IgnoreFields(cairn.Event{}, "Raw")); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if s := StateOf(ev.Raw); s != "stopping" {
		t.Errorf("StateOf = %q", s)
	}

	// The fixture's two notifications, through the reader.
	r, err := NewEventBridgeReader(bytes.NewReader(readFixture(t, "ec2-state.jsonl")))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var states []string
	for {
		ev, err := r.NextEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.EventName != "InstanceStateChange" || len(ev.Resources) != 1 || ev.Resources[0].ID != "i-0bbbbbbbbbbbbbbb1" ||
			ev.Resources[0].Role != cairn.RoleStateChanged || ev.Resources[0].Type != "AWS::EC2::Instance" {
			t.Errorf("event %s: %+v", ev.EventID, ev)
		}
		states = append(states, StateOf(ev.Raw))
	}
	if r.Format() != FormatLines || strings.Join(states, ",") != "stopping,stopped" {
		t.Errorf("format %v, states %v", r.Format(), states)
	}
}

// Resources come from resources[], affectedEntities and instance-id, once
// per ID, whichever form (ID or ARN) names them.
func TestDecodeEventBridgeResources(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      []cairn.ResourceRef
	}{
		{"health: several entities, one also in resources", `{"id":"h1","detail-type":"AWS Health Event","source":"aws.health","account":"111122223333","time":"2026-03-10T09:00:00Z","region":"us-east-1",
			"resources":["arn:aws:ec2:us-east-1:111122223333:instance/i-0aaa","vol-0bbb"],
			"detail":{"eventTypeCode":"AWS_EBS_VOLUME_LOST","affectedEntities":[{"entityValue":"i-0aaa"},{"entityValue":"vol-0bbb"},{"entityValue":"arn:aws:s3:::i-bucket"},{"entityValue":""}]}}`,
			[]cairn.ResourceRef{
				{ID: "i-0aaa", ARN: "arn:aws:ec2:us-east-1:111122223333:instance/i-0aaa", Type: "AWS::EC2::Instance", Account: "111122223333", Region: "us-east-1", Role: cairn.RoleReferenced},
				{ID: "vol-0bbb", ARN: "arn:aws:ec2:us-east-1:111122223333:volume/vol-0bbb", Type: "AWS::EC2::Volume", Account: "111122223333", Region: "us-east-1", Role: cairn.RoleReferenced},
				{ID: "i-bucket", ARN: "arn:aws:s3:::i-bucket", Account: "111122223333", Region: "us-east-1", Role: cairn.RoleReferenced},
			}},
		{"state change: instance-id only", `{"id":"s1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"2026-03-10T09:00:00Z","region":"us-east-1","detail":{"instance-id":"i-0ccc","state":"running"}}`,
			[]cairn.ResourceRef{
				{ID: "i-0ccc", ARN: "arn:aws:ec2:us-east-1:111122223333:instance/i-0ccc", Type: "AWS::EC2::Instance", Account: "111122223333", Region: "us-east-1", Role: cairn.RoleStateChanged},
			}},
		{"health: account-wide, no entities", `{"id":"h2","detail-type":"AWS Health Event","source":"aws.health","account":"111122223333","time":"2026-03-10T09:00:00Z","region":"us-east-1","resources":[],"detail":{"eventTypeCode":"AWS_EC2_OPERATIONAL_ISSUE"}}`,
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := decodeEB(t, tc.raw)
			if d := cmp.Diff(tc.want, ev.Resources); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestDecodeEventBridgeOtherKinds(t *testing.T) {
	for _, tc := range []struct{ raw, kind string }{
		{`{"id":"a","detail-type":"Object Created","source":"aws.s3","account":"1","time":"2026-03-10T09:00:00Z","detail":{"bucket":{"name":"b"}}}`, "aws.s3 (Object Created)"},
		{`{"id":"b","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","time":"2026-03-10T09:00:00Z","detail":{"instance-id":"i-1","instance-action":"terminate"}}`, "aws.ec2 (EC2 Spot Instance Interruption Warning)"},
		{`{"id":"c","detail-type":"AWS Insight via CloudTrail","source":"aws.cloudtrail","time":"2026-03-10T09:00:00Z","detail":{"eventType":"AwsCloudTrailInsight"}}`, "aws.cloudtrail (AWS Insight via CloudTrail)"},
		// The detail of another kind may have any shape; no id or time is required to tell the kind.
		{`{"detail-type":"Custom","source":"my.app","detail":{"state":{"x":1},"instance-id":7}}`, "my.app (Custom)"},
	} {
		_, err := DecodeEventBridge([]byte(tc.raw))
		var ue *UnsupportedEventError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupportedEvent) || errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: err %v, want *UnsupportedEventError", tc.kind, err)
			continue
		}
		if ue.Kind() != tc.kind {
			t.Errorf("kind %q, want %q", ue.Kind(), tc.kind)
		}
	}
}

func TestDecodeEventBridgeErrors(t *testing.T) {
	const ok = `"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"1","region":"us-east-1"`
	for _, tc := range []struct{ name, raw, want string }{
		{"empty", ``, "record is empty"},
		{"array", `[1]`, "is not a JSON object but an array"},
		{"invalid", `{"id":`, "truncated JSON"},
		{"garbage", `{"id":x}`, "is not valid JSON"},
		{"invalid utf8", "{\"id\":\"\xff\"," + ok + "}", "invalid UTF-8"},
		{"not eventbridge", `{"eventID":"a","eventTime":"2026-03-10T09:00:00Z"}`, "is not an EventBridge event"},
		{"source not a string", `{"source":1,"detail-type":"x"}`, "has a number at /source where a string is expected"},
		{"no id", `{"time":"2026-03-10T09:00:00Z",` + ok + `}`, "has no id"},
		{"no time", `{"id":"a",` + ok + `}`, "a has no time"},
		{"bad time", `{"id":"a","time":"yesterday",` + ok + `}`, `a has an unusable time "yesterday"`},
		{"id with newline", `{"id":"a\nb",` + ok + `}`, "has no time"},
		{"resources not strings", `{"id":"a","time":"2026-03-10T09:00:00Z","resources":[{"arn":"x"}],` + ok + `}`, "a has unusable resources: an object at /0 where a string is expected"},
		{"resources an object", `{"id":"a","time":"2026-03-10T09:00:00Z","resources":{},` + ok + `}`, "a has unusable resources"},
		{"detail not an object", `{"id":"a","time":"2026-03-10T09:00:00Z","detail":"x",` + ok + `}`, "a has a string as detail where an object is expected"},
		{"instance-id not a string", `{"id":"a","time":"2026-03-10T09:00:00Z","detail":{"instance-id":1},` + ok + `}`, "a has an unusable detail: a number at /instance-id"},
		{"health without code", `{"id":"h","time":"2026-03-10T09:00:00Z","source":"aws.health","detail-type":"AWS Health Event","detail":{"service":"EC2"}}`, "h is an AWS Health event without detail.eventTypeCode"},
		{"health without detail", `{"id":"h","time":"2026-03-10T09:00:00Z","source":"aws.health","detail-type":"AWS Health Event"}`, "without detail.eventTypeCode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeEventBridge([]byte(tc.raw))
			var re *RecordError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("err %v, want a *RecordError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			checkOneLine(t, err)
		})
	}
}

// The reader takes one event, an array or JSON lines, gzip or not, and
// returns every event's bytes as written; other kinds are skipped without
// stopping it, and a malformed event names its number.
func TestEventBridgeReader(t *testing.T) {
	other := `{"id":"o","detail-type":"Object Created","source":"aws.s3","time":"2026-03-10T09:00:00Z","detail":{}}`
	for _, tc := range []struct {
		name   string
		in     []byte
		format Format
	}{
		{"single", []byte(simHealth), FormatLines},
		{"single pretty", []byte("\n  " + simHealth + "\n"), FormatLines},
		{"lines", []byte(simHealth + "\n" + other + "\n" + simStateChange + "\n"), FormatLines},
		{"array", []byte("[\n" + simHealth + ",\n" + other + ",\n" + simStateChange + "\n]\n"), FormatArray},
		{"gzip lines", gz(t, []byte(simHealth+"\n"+other+"\n"+simStateChange+"\n")), FormatLines},
		{"bom", []byte("\xef\xbb\xbf" + simHealth), FormatLines},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewEventBridgeReader(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got []string
			others := 0
			for {
				ev, err := r.NextEvent()
				if err == io.EOF {
					break
				}
				if errors.Is(err, ErrUnsupportedEvent) {
					others++
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if string(ev.Raw) != simHealth && string(ev.Raw) != simStateChange {
					t.Errorf("raw event not verbatim: %q", ev.Raw)
				}
				got = append(got, ev.EventName)
			}
			if r.Format() != tc.format {
				t.Errorf("format %v, want %v", r.Format(), tc.format)
			}
			want := "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED,InstanceStateChange"
			if len(got) == 1 {
				want = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"
			} else if others != 1 {
				t.Errorf("%d events of other kinds, want 1", others)
			}
			if strings.Join(got, ",") != want {
				t.Errorf("events %v", got)
			}
		})
	}

	// Errors.
	for _, tc := range []struct{ name, in, want string }{
		{"scalar", `7`, "not EventBridge events: the top-level JSON value is a number"},
		{"scalar after event", simHealth + "\n7", "not EventBridge events: top-level JSON value at offset"},
		{"truncated second", simHealth + "\n" + simStateChange[:50], "record 2: truncated JSON"},
		{"bad second", simHealth + "\n" + `{"id":"x","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification"}`, "record 2 (offset " + strconv.Itoa(len(simHealth)+1) + ") x has no time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewEventBridgeReader(strings.NewReader(tc.in))
			if err == nil {
				defer r.Close()
				for err == nil {
					_, err = r.NextEvent()
				}
			}
			if err == io.EOF || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseHealth(t *testing.T) {
	h, err := ParseHealth([]byte(simHealth))
	if err != nil {
		t.Fatal(err)
	}
	want := HealthDetail{
		Service: "EC2", EventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", EventTypeCategory: "scheduledChange",
		StatusCode:  "upcoming",
		Description: "EC2 has detected degradation of the underlying hardware hosting your instance.",
		Start:       time.Date(2026, 3, 24, 2, 0, 0, 0, time.UTC),
		End:         time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC),
		LastUpdated: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
		Entities:    []string{"i-0123456789abcdef0"},
	}
	if d := cmp.Diff(want, h); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if h.Start.Location() != time.UTC {
		t.Errorf("start not in UTC: %v", h.Start.Location())
	}

	// The fixture: startTime only, no status.
	h, err = ParseHealth(readFixture(t, "health.json"))
	if err != nil || !h.Start.Equal(time.Date(2024, 3, 14, 3, 0, 0, 0, time.UTC)) || !h.End.IsZero() || h.Description != "Instance retirement" {
		t.Errorf("fixture: %+v, %v", h, err)
	}

	// RFC 3339 times, as some feeds write them; the English description wins.
	rfc := `{"source":"aws.health","detail":{"eventTypeCode":"X","startTime":"2026-03-24T02:00:00Z","endTime":"2026-03-24T04:00:00+01:00","lastUpdatedTime":"2026-03-10T09:00:00.123Z",
		"eventDescription":[{"language":"fr_FR","latestDescription":"fr"},{"language":"en_US","latestDescription":"en"}]}}`
	h, err = ParseHealth([]byte(rfc))
	if err != nil || !h.Start.Equal(want.Start) || !h.End.Equal(want.End) || h.LastUpdated.Nanosecond() != 123e6 || h.Description != "en" {
		t.Errorf("RFC 3339: %+v, %v", h, err)
	}

	// An unreadable time: the rest, and an error naming the field.
	h, err = ParseHealth([]byte(`{"source":"aws.health","detail":{"eventTypeCode":"X","startTime":"soon","statusCode":"open"}}`))
	if err == nil || !strings.Contains(err.Error(), "startTime") || h.StatusCode != "open" || h.EventTypeCode != "X" {
		t.Errorf("bad time: %+v, %v", h, err)
	}
	for _, raw := range []string{simStateChange, `{"source":"aws.health"}`, `not json`, `{"source":"aws.health","detail":{"service":1}}`} {
		if _, err := ParseHealth([]byte(raw)); err == nil {
			t.Errorf("ParseHealth(%.40s…): no error", raw)
		} else {
			checkOneLine(t, err)
		}
	}
}

func TestParseHealthTime(t *testing.T) {
	want := time.Date(2026, 2, 17, 9, 5, 28, 0, time.UTC)
	for _, s := range []string{
		"Tue, 17 Feb 2026 09:05:28 GMT", "Tue, 17 Feb 2026 09:05:28 UTC", "Tue, 17 Feb 2026 10:05:28 +0100",
		"2026-02-17T09:05:28Z", "2026-02-17T10:05:28+01:00", " 2026-02-17 09:05:28 ",
	} {
		got, err := ParseHealthTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseHealthTime(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseHealthTime("17/02/2026"); err == nil {
		t.Error("no error for an unknown form")
	}
}

func TestStateOf(t *testing.T) {
	for raw, want := range map[string]string{
		simStateChange: "stopping",
		simHealth:      "",
		`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":7}}`:         "",
		`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{}}`:                  "",
		`{"source":"aws.ec2","detail-type":"EC2 Spot Instance Interruption Warning","detail":{"state":"running"}}`: "",
		`not json`: "",
	} {
		if got := StateOf([]byte(raw)); got != want {
			t.Errorf("StateOf(%.60s…) = %q, want %q", raw, got, want)
		}
	}
}

// TestDecodeEventBridgeCloudTrailRecord: an event "via CloudTrail" is the
// CloudTrail record it carries, byte for byte, in the account it was sent
// in when the record names none.
func TestDecodeEventBridgeCloudTrailRecord(t *testing.T) {
	record := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},` +
		`"eventTime":"2026-03-10T09:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RebootInstances","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1",` +
		`"requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0abc"}]}},"responseElements":{"_return":true},"eventID":"3f1e2d4c-0000-4000-8000-000000000001",` +
		`"readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
	envelope := `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2",` +
		`"account":"111122223333","time":"2026-03-10T09:00:01Z","region":"us-east-1","resources":[],"detail":` + record + `}`
	ev, err := DecodeEventBridge([]byte(envelope))
	if err != nil {
		t.Fatal(err)
	}
	if string(ev.Raw) != record || ev.EventID != "3f1e2d4c-0000-4000-8000-000000000001" || ev.EventName != "RebootInstances" ||
		ev.Principal.UserName != "alice" || len(ev.Resources) == 0 || ev.Resources[0].ID != "i-0abc" {
		t.Errorf("event: %+v", ev)
	}
	noAccount := strings.Replace(envelope, `"recipientAccountId":"111122223333",`, "", 1)
	if ev, err := DecodeEventBridge([]byte(noAccount)); err != nil || ev.RecipientAccountID != "111122223333" {
		t.Errorf("a record without recipientAccountId: %q, %v", ev.RecipientAccountID, err)
	}
	bad := `{"id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","time":"2026-03-10T09:00:00Z","detail":"RunInstances"}`
	if _, err := DecodeEventBridge([]byte(bad)); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "has no CloudTrail record as its detail") {
		t.Errorf("a detail that is no record: %v", err)
	}
}
