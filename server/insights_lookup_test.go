package server

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
	ct "github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
)

// startInsightServer serves a real index of cloudtrailtest.InsightTrail,
// which holds two Insights on its ninth day.
func startInsightServer(t *testing.T) (url string, day9 time.Time) {
	t.Helper()
	records, day0 := cloudtrailtest.InsightTrail(false)
	rd, err := ct.NewReader(bytes.NewReader(records))
	if err != nil {
		t.Fatal(err)
	}
	var events []cairn.Event
	for {
		e, err := rd.NextEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	return serveIndex(t, events).URL, day0.AddDate(0, 0, 8)
}

// TestLookupInsightsWithSDK: an Insights lookup, as the console's Insights
// page or a script makes it, finds the Start and End records of the
// trail's Insights, newest first, a page at a time, by time, name or ID.
func TestLookupInsightsWithSDK(t *testing.T) {
	url, day9 := startInsightServer(t)
	c := sdkClient(url, staticCreds(testCreds))
	insight := func(in cloudtrail.LookupEventsInput) cloudtrail.LookupEventsInput {
		in.EventCategory = types.EventCategoryInsight
		in.MaxResults = aws.Int32(1)
		return in
	}
	type got struct{ State, Name, Type, At string }
	describe := func(events []types.Event) []got {
		var out []got
		for _, e := range events {
			var r ct.InsightRecord
			if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &r); err != nil {
				t.Fatal(err)
			}
			if r.EventID != aws.ToString(e.EventId) || r.InsightDetails.EventName != aws.ToString(e.EventName) ||
				r.InsightDetails.EventSource != aws.ToString(e.EventSource) || r.EventTime != e.EventTime.UTC().Format(time.RFC3339) {
				t.Errorf("the event's fields disagree with its record: %+v, %s", e, aws.ToString(e.CloudTrailEvent))
			}
			out = append(out, got{r.InsightDetails.State, r.InsightDetails.EventName, r.InsightDetails.InsightType, r.EventTime})
		}
		return out
	}

	all, pages := lookupAll(t, c, ptr(insight(cloudtrail.LookupEventsInput{})))
	want := []got{
		{"End", "TerminateInstances", ct.InsightCallRate, "2026-03-09T12:10:00Z"},
		{"Start", "TerminateInstances", ct.InsightCallRate, "2026-03-09T12:00:00Z"},
		{"End", "GetParameter", ct.InsightErrorRate, "2026-03-09T09:40:00Z"},
		{"Start", "GetParameter", ct.InsightErrorRate, "2026-03-09T09:00:00Z"},
	}
	if g := describe(all); !slices.Equal(g, want) || pages != 4 {
		t.Fatalf("in %d pages:\n got %+v\nwant %+v", pages, g, want)
	}

	// The End of activity that began before StartTime is in its range.
	from := day9.Add(12*time.Hour + 5*time.Minute)
	late, _ := lookupAll(t, c, ptr(insight(cloudtrail.LookupEventsInput{StartTime: &from})))
	if g := describe(late); !slices.Equal(g, want[:1]) {
		t.Errorf("from 12:05: %+v, want the terminations' End", g)
	}
	byName, _ := lookupAll(t, c, ptr(insight(cloudtrail.LookupEventsInput{
		LookupAttributes: lookupBy(types.LookupAttributeKeyEventName, "GetParameter")})))
	if g := describe(byName); !slices.Equal(g, want[2:]) {
		t.Errorf("EventName GetParameter: %+v", g)
	}
	byID, _ := lookupAll(t, c, ptr(insight(cloudtrail.LookupEventsInput{
		LookupAttributes: lookupBy(types.LookupAttributeKeyEventId, aws.ToString(all[1].EventId))})))
	if g := describe(byID); !slices.Equal(g, want[1:2]) {
		t.Errorf("EventId of the terminations' Start: %+v", g)
	}
	// Management lookups do not see Insights records, nor Insights lookups
	// management events.
	mgmt, _ := lookupAll(t, c, &cloudtrail.LookupEventsInput{LookupAttributes: lookupBy(types.LookupAttributeKeyEventId, aws.ToString(all[1].EventId))})
	if len(mgmt) != 0 {
		t.Errorf("a management lookup found an Insights record")
	}
}

// TestAWSCLILookupInsights: aws cloudtrail lookup-events --event-category
// insight lists the Insights records.
func TestAWSCLILookupInsights(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws CLI is not installed")
	}
	if testing.Short() {
		t.Skip("starts the aws CLI; skipped with -short")
	}
	url, _ := startInsightServer(t)
	cmd := exec.CommandContext(t.Context(), awsPath, "cloudtrail", "lookup-events", "--event-category", "insight",
		"--endpoint-url", url, "--region", "us-east-1", "--output", "json")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID="+testCreds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+testCreds.SecretAccessKey,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws lookup-events --event-category insight: %v\n%s", err, out)
	}
	var resp struct {
		Events []struct {
			EventName       string
			CloudTrailEvent string
		}
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var states []string
	for _, e := range resp.Events {
		var r ct.InsightRecord
		if err := json.Unmarshal([]byte(e.CloudTrailEvent), &r); err != nil {
			t.Fatal(err)
		}
		states = append(states, e.EventName+" "+r.InsightDetails.State)
	}
	want := []string{"TerminateInstances End", "TerminateInstances Start", "GetParameter End", "GetParameter Start"}
	if !slices.Equal(states, want) {
		t.Errorf("aws lookup-events --event-category insight: %v, want %v", states, want)
	}
}

func ptr[T any](v T) *T { return &v }

func lookupBy(k types.LookupAttributeKey, v string) []types.LookupAttribute {
	return []types.LookupAttribute{{AttributeKey: k, AttributeValue: aws.String(v)}}
}
