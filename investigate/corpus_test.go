package investigate_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
	"github.com/cairn-audit/cairn/investigate"
)

// TestCorpusTimelines builds timelines and explanations over the real
// corpus (CloudTrail records nobody here wrote): for every instance that a
// call started, stopped, rebooted or terminated, the timeline holds that
// call in order, and why names a cause with its principal at that moment.
func TestCorpusTimelines(t *testing.T) {
	dir := cloudtrailtest.Corpus(t, "cloudtrail")
	idx := openIndex(t, dir)
	ctx := context.Background()
	tab, err := idx.Query(ctx, `SELECT r.id AS id, eventTime, eventID, eventName FROM (
		SELECT unnest(resources) AS r, eventTime, eventID, eventName FROM events
		WHERE eventSource = 'ec2.amazonaws.com' AND errorCode IS NULL
		  AND eventName IN ('StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances'))
		WHERE r.id LIKE 'i-%' ORDER BY eventTime LIMIT 50`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) == 0 {
		t.Skip("the corpus holds no successful instance state change")
	}
	x := investigate.New(idx, investigate.DefaultConfig())
	for _, row := range tab.Rows {
		id, eventID, name := row[0].(string), row[2].(string), row[3].(string)
		at, ok := row[1].(time.Time)
		if !ok {
			if at, err = time.Parse(time.RFC3339Nano, row[1].(string)); err != nil {
				t.Fatalf("eventTime %v: %v", row[1], err)
			}
		}
		tl, err := x.Timeline(ctx, id, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(tl.Entries, func(a, b investigate.Entry) int { return a.Time.Compare(b.Time) }) {
			t.Errorf("timeline of %s is not in time order", id)
		}
		if !slices.ContainsFunc(tl.Entries, func(e investigate.Entry) bool { return e.EventID == eventID }) {
			t.Errorf("timeline of %s misses its %s %s", id, name, eventID)
			continue
		}
		ex, err := x.Why(ctx, id, at, 30*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Cause == nil || (ex.Verdict != investigate.VerdictAPICall && ex.Verdict != investigate.VerdictServiceAction) {
			t.Errorf("why %s at %s (%s): verdict %s, no cause: %s", id, at.Format(time.RFC3339), name, ex.Verdict, ex.Summary)
			continue
		}
		if ex.Cause.Who == nil || ex.Cause.Who.Name == "" {
			t.Errorf("why %s at %s: the cause names nobody: %s", id, at.Format(time.RFC3339), ex.Summary)
		}
		if d := ex.Cause.Time.Sub(at); d > time.Minute || d < -30*time.Minute {
			t.Errorf("why %s at %s: cause %s at %s is not at the change", id, at.Format(time.RFC3339), ex.Cause.EventName, ex.Cause.Time.Format(time.RFC3339))
		}
		t.Logf("%s", ex.Summary)
	}
}
