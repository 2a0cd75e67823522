package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/sim"
)

func healthEvent(id, instance, code string) string {
	return fmt.Sprintf(`{"version":"0","id":"%s","detail-type":"AWS Health Event","source":"aws.health","account":"111122223333","time":"2026-03-14T01:00:00Z","region":"us-east-1","resources":["%s"],"detail":{"service":"EC2","eventTypeCode":"%s","eventTypeCategory":"scheduledChange","startTime":"Sat, 28 Mar 2026 03:00:00 GMT","statusCode":"upcoming","affectedEntities":[{"entityValue":"%s"}]}}`,
		id, instance, code, instance)
}

func stateChange(id, instance, state, at string) string {
	return fmt.Sprintf(`{"version":"0","id":"%s","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"%s","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:111122223333:instance/%s"],"detail":{"instance-id":"%s","state":"%s"}}`,
		id, at, instance, instance, state)
}

func s3Event(id string) string {
	return `{"version":"0","id":"` + id + `","detail-type":"Object Created","source":"aws.s3","account":"111122223333","time":"2026-03-14T02:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::bucket"],"detail":{"bucket":{"name":"bucket"},"object":{"key":"k"}}}`
}

func openTestIndex(t *testing.T) *duckdb.Index {
	t.Helper()
	idx, err := duckdb.Open(context.Background(), func() duckdb.Config { c := duckdb.DefaultConfig(); c.Dir = t.TempDir(); return c }())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

// AWS Health events and EC2 state changes in EventBridge form are read
// beside CloudTrail logs, deduplicated like them, and found by resource.
func TestIngestEventBridge(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	write(t, root, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz",
		logFile([]int{1, 2}, "111122223333"))
	// Health delivers at least once: the first event comes twice.
	h1 := healthEvent("h-0001", "i-0aaa", "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED")
	h2 := healthEvent("h-0002", "i-0ccc", "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED")
	write(t, root, "health/aws.health.jsonl", []byte(h1+"\n"+h2+"\n"+h1+"\n"))
	write(t, root, "health/aws.ec2.jsonl.gz", gz(stateChange("s-0001", "i-0aaa", "stopping", "2026-03-14T03:10:05Z")+"\n"+
		stateChange("s-0002", "i-0aaa", "stopped", "2026-03-14T03:11:05Z")+"\n"))
	// An array with an event of another kind: ours are kept, the other is
	// counted as skipped.
	write(t, root, "events/array.json", []byte("[\n"+stateChange("s-0003", "i-0bbb", "running", "2026-03-14T04:00:00Z")+",\n"+s3Event("o-1")+",\n"+
		healthEvent("h-0003", "i-0bbb", "AWS_EC2_INSTANCE_STOP_SCHEDULED")+"\n]\n"))
	// None of ours: skipped with a notice.
	write(t, root, "events/s3.jsonl", []byte(s3Event("o-2")+"\n"+s3Event("o-3")+"\n"))
	// An unusable event is left out and the object's other event kept; an
	// object of nothing but unusable events is quarantined.
	broken1 := stateChange("s-0009", "i-0ddd", "running", "2026-03-14T05:00:00Z")
	write(t, root, "events/broken.jsonl", []byte(broken1+"\n"+
		`{"id":"s-0010","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"soon"}`+"\n"))
	write(t, root, "events/allbroken.jsonl", []byte(
		`{"id":"s-0011","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"soon"}`+"\n"))

	idx := openTestIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	notices := map[string]cairn.ObjectState{}
	cfg := DefaultConfig()
	cfg.Notice = func(st cairn.ObjectState) { notices[st.Key] = st }
	sum, err := Run(ctx, cfg, idx, src)
	if !errors.Is(err, ErrFailedObjects) {
		t.Fatalf("want ErrFailedObjects, got %v", err)
	}
	// 2 CloudTrail + 3 Health lines + 2 state changes + 2 of ours in the
	// array + 1 of the object read in part.
	want := Summary{Listed: 7, Objects: 7, Events: 10, New: 9, Duplicates: 1, Failed: 1, Skipped: 1, SkippedEvents: 1, UnusableRecords: 1}
	sum.Elapsed = 0
	if sum != want {
		t.Fatalf("summary %+v\nwant    %+v\nnotices %v", sum, want, notices)
	}
	if !strings.Contains(sum.String(), "1 skipped (and 1 events of other kinds)") {
		t.Errorf("summary line %q", sum)
	}
	for key, want := range map[string]struct {
		status cairn.ObjectStatus
		reason string
	}{
		"events/s3.jsonl":        {cairn.ObjectSkipped, "2 EventBridge events from aws.s3 (Object Created), none of them AWS Health, an EC2 state change or a CloudTrail record"},
		"events/array.json":      {cairn.ObjectDone, "1 of 3 EventBridge events are of other kinds (aws.s3 (Object Created)); the 2 AWS Health, EC2 state-change and CloudTrail events were read"},
		"events/broken.jsonl":    {cairn.ObjectDone, fmt.Sprintf(`read in part: record 2 (offset %d) s-0010 has an unusable time "soon", so it was left out; the other record was read`, len(broken1)+1)},
		"events/allbroken.jsonl": {cairn.ObjectQuarantined, `record 1 (offset 0) s-0011 has an unusable time "soon"`},
	} {
		st, ok := notices[key]
		if !ok || st.Status != want.status || st.Reason != want.reason {
			t.Errorf("notice for %s: %+v\nwant %s %q", key, st, want.status, want.reason)
		}
	}
	if len(notices) != 4 {
		t.Errorf("%d notices, want 4: %v", len(notices), notices)
	}

	search := func(f cairn.Filter) []string {
		t.Helper()
		page, err := idx.Search(ctx, f, cairn.Cursor{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Events {
			got = append(got, e.EventSource+" "+e.EventName+" "+e.EventID)
		}
		slices.Sort(got)
		return got
	}
	if got := search(cairn.Filter{ResourceID: "i-0aaa"}); !slices.Equal(got, []string{
		"aws.ec2 InstanceStateChange s-0001",
		"aws.ec2 InstanceStateChange s-0002",
		"aws.health AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED h-0001",
	}) {
		t.Errorf("events of i-0aaa: %q", got)
	}
	if got := search(cairn.Filter{ResourceID: "arn:aws:ec2:us-east-1:111122223333:instance/i-0bbb"}); len(got) != 2 {
		t.Errorf("events of i-0bbb by ARN: %q", got)
	}
	if got := search(cairn.Filter{EventSource: "aws.health"}); len(got) != 3 {
		t.Errorf("Health events: %q", got)
	}
	if got := search(cairn.Filter{EventID: "o-1"}); len(got) != 0 {
		t.Errorf("an event of another kind was stored: %q", got)
	}
	if got := search(cairn.Filter{EventID: "s-0009"}); len(got) != 1 {
		t.Errorf("the usable event of an object read in part: %q", got)
	}
	page, err := idx.Search(ctx, cairn.Filter{EventID: "h-0001"}, cairn.Cursor{}, 10)
	if err != nil || len(page.Events) != 1 || string(page.Events[0].Raw) != h1 {
		t.Fatalf("raw event of h-0001 not kept verbatim: %v %v", page.Events, err)
	}

	// A second run reads nothing (the quarantined object is read again
	// only when it changes); the same events under another name add
	// nothing either.
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 0 || sum.New != 0 || sum.Unchanged != 7 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	os.Remove(filepath.Join(root, "events", "broken.jsonl"))
	write(t, root, "health/copy/aws.health.jsonl", []byte(h2+"\n"+h1+"\n"))
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 1 || sum.Events != 2 || sum.New != 0 || sum.Duplicates != 2 {
		t.Fatalf("copy: %+v %v", sum, err)
	}
}

// The health/ folder of cairn gen's output is found beside AWSLogs/, and
// every Health event and state change that a scenario names can be found.
func TestIngestGenOutputReadsHealth(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a trail")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Events, cfg.Days, cfg.Accounts, cfg.Regions, cfg.NoCost = dir, 20_000, 31, 2, []string{"us-east-1"}, true
	st, err := sim.Generate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	idx := openTestIndex(t)
	src, err := OpenSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	icfg := DefaultConfig()
	icfg.Notice = func(st cairn.ObjectState) { notices = append(notices, st.Key+": "+st.Reason) }
	sum, err := Run(ctx, icfg, idx, src)
	if err != nil || sum.Failed != 0 {
		t.Fatalf("ingest: %+v %v\n%s", sum, err, strings.Join(notices, "\n"))
	}
	for _, n := range notices {
		if strings.HasPrefix(n, "health/") {
			t.Errorf("notice about Health events: %s", n)
		}
	}
	count := func(f cairn.Filter) int {
		t.Helper()
		n := 0
		var c cairn.Cursor
		for {
			page, err := idx.Search(ctx, f, c, 1000)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Events)
			if page.Next.IsZero() {
				return n
			}
			c = page.Next
		}
	}
	if n := count(cairn.Filter{EventSource: "aws.health"}); n != st.Health || n == 0 {
		t.Errorf("%d Health events in the index, gen wrote %d", n, st.Health)
	}
	if n := count(cairn.Filter{EventSource: "aws.ec2"}); n != st.EC2Changes || n == 0 {
		t.Errorf("%d state changes in the index, gen wrote %d", n, st.EC2Changes)
	}

	b, err := os.ReadFile(filepath.Join(dir, "scenarios.json"))
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []sim.Scenario
	if err := json.Unmarshal(b, &scenarios); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, s := range scenarios {
		for _, id := range slices.Concat(s.HealthEventIDs, s.StateChangeIDs) {
			page, err := idx.Search(ctx, cairn.Filter{EventID: id, ResourceID: s.Resource}, cairn.Cursor{}, 10)
			if err != nil || len(page.Events) != 1 {
				t.Errorf("scenario %s: event %s of %s not found (%v)", s.ID, id, s.Resource, err)
			}
			found++
		}
	}
	if found == 0 {
		t.Error("no scenario names a Health event or state change")
	}
}

// TestIngestCloudTrailThroughEventBridge: an archive of EventBridge events
// "via CloudTrail" (a rule's target, Firehose to S3) is read as the
// CloudTrail records they carry; the same record delivered by the trail
// too is kept once.
func TestIngestCloudTrailThroughEventBridge(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	write(t, root, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz",
		logFile([]int{1}, "111122223333"))
	via := func(id, rec string) string {
		return `{"version":"0","id":"` + id + `","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"111122223333",` +
			`"time":"2026-03-14T03:00:00Z","region":"us-east-1","resources":[],"detail":` + rec + `}`
	}
	write(t, root, "firehose/2026/03/14/events.jsonl", []byte(via("e-1", record(1, "111122223333"))+"\n"+via("e-2", record(2, "111122223333"))+"\n"+s3Event("o-1")+"\n"))
	idx := openTestIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, DefaultConfig(), idx, src)
	if err != nil || sum.New != 2 || sum.Duplicates != 1 || sum.SkippedEvents != 1 || sum.Failed != 0 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	page, err := idx.Search(ctx, cairn.Filter{EventID: "00000000-0000-4000-8000-000000000002"}, cairn.Cursor{}, 10)
	if err != nil || len(page.Events) != 1 || string(page.Events[0].Raw) != record(2, "111122223333") {
		t.Fatalf("the record sent through EventBridge: %+v, %v", page.Events, err)
	}
}
