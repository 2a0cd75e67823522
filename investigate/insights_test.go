package investigate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
	"github.com/cairn-audit/cairn/investigate"
)

// insightTrail writes cloudtrailtest.InsightTrail into a folder.
func insightTrail(t *testing.T, lastMinutes bool) (dir string, day0 time.Time) {
	t.Helper()
	records, day0 := cloudtrailtest.InsightTrail(lastMinutes)
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trail.json"), records, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, day0
}

func TestInsightsFindBurstsAndErrors(t *testing.T) {
	dir, day0 := insightTrail(t, false)
	idx := openIndex(t, dir)
	ctx := context.Background()
	found, err := investigate.Insights(ctx, idx, day0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		t.Fatalf("found %d Insights, want the denied reads and the terminations: %+v", len(found), found)
	}
	day9 := day0.AddDate(0, 0, 8)

	errs := found[0]
	if errs.Type != cloudtrail.InsightErrorRate || errs.EventName != "GetParameter" || errs.ErrorCode != "AccessDeniedException" {
		t.Errorf("first Insight: %s %s %s, want the error rate of GetParameter AccessDeniedException", errs.Type, errs.EventName, errs.ErrorCode)
	}
	if !errs.Start.Equal(day9.Add(9*time.Hour)) || !errs.End.Equal(day9.Add(9*time.Hour+40*time.Minute)) || errs.Count != 40 {
		t.Errorf("denied reads: %s to %s, %d errors; want 09:00 to 09:40, 40", errs.Start, errs.End, errs.Count)
	}
	if errs.BaselineRate != 0 || errs.Ongoing {
		t.Errorf("denied reads: baseline %g, ongoing %v; want 0, false", errs.BaselineRate, errs.Ongoing)
	}
	for _, a := range errs.Attributions {
		if a.Attribute == "errorCode" {
			t.Errorf("an error-rate Insight is attributed by error code: %+v", a)
		}
	}

	burst := found[1]
	if burst.Type != cloudtrail.InsightCallRate || burst.EventName != "TerminateInstances" || burst.ErrorCode != "" {
		t.Errorf("second Insight: %s %s, want the call rate of TerminateInstances", burst.Type, burst.EventName)
	}
	if !burst.Start.Equal(day9.Add(12*time.Hour)) || burst.Minutes() != 10 || burst.Count != 30 || burst.FirstRate != 3 {
		t.Errorf("terminations: from %s for %d minutes, %d calls, %g a minute first; want 12:00, 10, 30, 3", burst.Start, burst.Minutes(), burst.Count, burst.FirstRate)
	}
	// One termination a day for the week before: 7 in 10,080 minutes.
	if want := 7.0 / 10080; burst.BaselineRate != want || burst.BaselinePeak != 1 {
		t.Errorf("terminations' baseline: %g a minute, peak %d; want %g, 1", burst.BaselineRate, burst.BaselinePeak, want)
	}
	by := map[string]cloudtrail.InsightAttribution{}
	for _, a := range burst.Attributions {
		by[a.Attribute] = a
	}
	who := by["userIdentityArn"]
	if len(who.Insight) != 1 || who.Insight[0].Value != "arn:aws:iam::111122223333:user/bob" || who.Insight[0].Average != 3 {
		t.Errorf("terminations by: %+v, want bob at 3 a minute", who.Insight)
	}
	if len(who.Baseline) != 1 || who.Baseline[0].Value != "arn:aws:iam::111122223333:user/alice" {
		t.Errorf("terminations by, the week before: %+v, want alice", who.Baseline)
	}
	if e := by["errorCode"]; len(e.Insight) != 1 || e.Insight[0].Value != "null" {
		t.Errorf("terminations' error codes: %+v, want null (none failed)", e.Insight)
	}

	// The records: a Start and an End sharing an ID, stable from one run
	// to the next.
	records := burst.Records()
	if len(records) != 2 || records[0].InsightDetails.State != "Start" || records[1].InsightDetails.State != "End" ||
		records[0].SharedEventID != records[1].SharedEventID || records[0].EventID == records[1].EventID {
		t.Fatalf("records: %+v", records)
	}
	end := records[1]
	if end.EventTime != "2026-03-09T12:10:00Z" || end.InsightDetails.InsightContext.Statistics.InsightDuration != 10 ||
		end.InsightDetails.InsightContext.Statistics.BaselineDuration != 10080 || end.EventCategory != "Insight" || end.EventType != "AwsCloudTrailInsight" {
		t.Errorf("End record: %+v", end)
	}
	again, err := investigate.Insights(ctx, idx, day0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[1].Records()[1].EventID != end.EventID {
		t.Errorf("a second run gave other IDs")
	}

	// Bounds select by start. Activity that began before since is not
	// taken for new where it goes on after it; the minutes of since do not
	// cut the week before it short.
	for _, c := range []struct {
		since, until time.Time
		want         int
	}{
		{day9.Add(10 * time.Hour), time.Time{}, 1},
		{day0, day9.Add(9 * time.Hour), 0},
		{day9.Add(9 * time.Hour), day9.Add(9*time.Hour + time.Minute), 1},
		{day9.Add(9*time.Hour + 5*time.Minute), day9.Add(10 * time.Hour), 1},  // the bucket that holds since counts
		{day9.Add(9*time.Hour + 20*time.Minute), day9.Add(10 * time.Hour), 0}, // the denied reads began at 09:00
		{day9.Add(12*time.Hour + 5*time.Minute), time.Time{}, 1},
	} {
		got, err := investigate.Insights(ctx, idx, c.since, c.until)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Errorf("Insights(%s, %s): %d, want %d", c.since, c.until, len(got), c.want)
		}
	}
}

// An Insight at the end of the data has no End record: more may come.
func TestInsightOngoingAtTheEnd(t *testing.T) {
	dir, day0 := insightTrail(t, true)
	idx := openIndex(t, dir)
	day9 := day0.AddDate(0, 0, 8)
	found, err := investigate.Insights(context.Background(), idx, day9, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 {
		t.Fatalf("found %d Insights, want 3: %+v", len(found), found)
	}
	if found[1].Ongoing {
		t.Errorf("the terminations are over, yet ongoing")
	}
	last := found[2]
	if last.EventName != "DeleteSnapshot" || !last.Ongoing || len(last.Records()) != 1 || last.Records()[0].InsightDetails.State != "Start" ||
		!last.Start.Equal(day9.Add(23*time.Hour)) {
		t.Errorf("the deletions in the data's last hour: %s from %s, ongoing %v, %d records; want DeleteSnapshot from 23:00, ongoing, a Start record only",
			last.EventName, last.Start, last.Ongoing, len(last.Records()))
	}
	// -until does not cut the activity short: it is followed to its end.
	found, err = investigate.Insights(context.Background(), idx, day9, day9.Add(12*time.Hour+time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[1].Ongoing || found[1].Minutes() != 10 {
		t.Errorf("with -until in the terminations: %+v", found)
	}
}

func TestPerMinute(t *testing.T) {
	for f, want := range map[float64]string{0: "0", 0.00002: "<0.0001", 0.000198: "0.0002", 0.15: "0.15", 2: "2", 12.5: "12", 125: "125"} {
		if got := investigate.PerMinute(f); got != want {
			t.Errorf("PerMinute(%g) = %q, want %q", f, got, want)
		}
	}
}

// countingQuerier counts the statements run through it.
type countingQuerier struct {
	investigate.Querier
	n atomic.Int32
}

func (c *countingQuerier) Query(ctx context.Context, sql string) (*cairn.Table, error) {
	c.n.Add(1)
	return c.Querier.Query(ctx, sql)
}

// TestInsightFinderKeepsUntilTheIndexChanges: the pages of one lookup share
// one search; a new version of the index is searched again.
func TestInsightFinderKeepsUntilTheIndexChanges(t *testing.T) {
	dir, day0 := insightTrail(t, false)
	q := &countingQuerier{Querier: openIndex(t, dir)}
	version := "1"
	f := investigate.NewInsightFinder(q, func(context.Context) string { return version })
	ctx := context.Background()
	first, err := f.Find(ctx, day0, time.Time{})
	if err != nil || len(first) != 2 {
		t.Fatalf("Find: %d, %v", len(first), err)
	}
	searched := q.n.Load()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if again, err := f.Find(ctx, day0, time.Time{}); err != nil || len(again) != 2 {
				t.Errorf("Find again: %d, %v", len(again), err)
			}
		})
	}
	wg.Wait()
	// The same buckets, asked for with other minutes, are the same range.
	if again, err := f.Find(ctx, day0.Add(3*time.Minute), time.Time{}); err != nil || len(again) != 2 {
		t.Errorf("Find from 00:03: %d, %v", len(again), err)
	}
	if q.n.Load() != searched {
		t.Errorf("the same range of the same index was searched again: %d statements, then %d", searched, q.n.Load())
	}
	version = "2"
	if _, err := f.Find(ctx, day0, time.Time{}); err != nil || q.n.Load() == searched {
		t.Errorf("a new version of the index was not searched again (%v)", err)
	}
	// An index that cannot say its version is searched every time.
	version = ""
	for range 2 {
		searched = q.n.Load()
		if _, err := f.Find(ctx, day0, time.Time{}); err != nil || q.n.Load() == searched {
			t.Errorf("Insights kept although the index's version is unknown (%v)", err)
		}
	}
}

// TestInsightsOfASlowStreamAndOddNames: errors never seen before, two or
// three a bucket, are unusual by the hour, and begin where they began; a
// name with a NUL or a quote in it is found like any other.
func TestInsightsOfASlowStreamAndOddNames(t *testing.T) {
	dir, day0 := insightTrail(t, false)
	day9 := day0.AddDate(0, 0, 8)
	var more moreRecords
	add := func(at time.Time, name, errorCode string) { more.add(at, "us-east-1", name, "carol", errorCode) }
	// Fifteen denials over 85 minutes from 15:01, never more than two in
	// ten minutes, about ten an hour.
	for i := range 15 {
		add(day9.Add(15*time.Hour+time.Duration(i)*6*time.Minute+time.Minute), "DescribeTasks", "AccessDeniedException")
	}
	// A burst of a write whose name has a NUL and a quote.
	for i := range 12 {
		add(day9.Add(17*time.Hour+time.Duration(i)*10*time.Second), "Odd'Name\x00X", "")
	}
	more.write(t, dir)
	idx := openIndex(t, dir)
	found, err := investigate.Insights(context.Background(), idx, day9.Add(14*time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		t.Fatalf("found %d Insights, want the slow denials and the odd name: %+v", len(found), found)
	}
	slow := found[0]
	if slow.EventName != "DescribeTasks" || !slow.Start.Equal(day9.Add(15*time.Hour)) || slow.Count != 15 || slow.Minutes() != 90 {
		t.Errorf("slow denials: %s from %s for %d minutes, %d; want DescribeTasks from 15:00 for 90 minutes, 15", slow.EventName, slow.Start, slow.Minutes(), slow.Count)
	}
	if slow.BaselineRate != 0 || slow.BaselinePeak != 0 {
		t.Errorf("slow denials' week before: %g a minute, at most %d; want none: its own first calls are not its baseline", slow.BaselineRate, slow.BaselinePeak)
	}
	if odd := found[1]; odd.EventName != "Odd'Name\x00X" || odd.Count != 12 {
		t.Errorf("the odd name: %q, %d calls; want Odd'Name\\x00X, 12", odd.EventName, odd.Count)
	}
	// An until before the bucket that was found unusual, but after the
	// start it reaches back to, keeps the Insight.
	found, err = investigate.Insights(context.Background(), idx, day9.Add(14*time.Hour), day9.Add(15*time.Hour+20*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].EventName != "DescribeTasks" {
		t.Errorf("until 15:20: %+v, want the slow denials, which began at 15:00", found)
	}
}

// TestInsightsOfALoneCallAndAQuietRegion: a lone earlier call of a rarely
// used API is not where a burst began; a burst that is the last event of
// its region is judged once the index has moved on.
func TestInsightsOfALoneCallAndAQuietRegion(t *testing.T) {
	dir, day0 := insightTrail(t, false)
	day9 := day0.AddDate(0, 0, 8)
	var more moreRecords
	// A nightly job pushes an image at 11:35; mallory pushes forty at 12:00.
	more.add(day0.Add(11*time.Hour+35*time.Minute), "us-east-1", "PutImage", "cron", "")
	more.add(day9.Add(11*time.Hour+35*time.Minute), "us-east-1", "PutImage", "cron", "")
	for i := range 40 {
		more.add(day9.Add(12*time.Hour+time.Duration(i)*15*time.Second), "us-east-1", "PutImage", "mallory", "")
	}
	// A region used twice a day, then forty launches, then nothing.
	for at := day0; at.Before(day9.Add(6 * time.Hour)); at = at.Add(12 * time.Hour) {
		more.add(at, "ap-southeast-2", "CreateTags", "alice", "")
	}
	for i := range 40 {
		more.add(day9.Add(13*time.Hour+time.Duration(i)*5*time.Second), "ap-southeast-2", "RunInstances", "mallory", "")
	}
	more.write(t, dir)
	found, err := investigate.Insights(context.Background(), openIndex(t, dir), day9.Add(11*time.Hour), day9.Add(14*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range found {
		names = append(names, in.EventName+" "+in.Region+" "+in.Start.Format("15:04"))
	}
	want := []string{"TerminateInstances us-east-1 12:00", "PutImage us-east-1 12:00", "RunInstances ap-southeast-2 13:00"}
	if !slices.Equal(names, want) {
		t.Fatalf("found %v, want %v", names, want)
	}
	put := found[1]
	if who, share := put.MostlyBy(); who != "mallory" || share != 1 || put.Count != 40 {
		t.Errorf("the pushes: %d by %s (%g); want 40, all mallory's", put.Count, who, share)
	}
}

// moreRecords are records added to an insightTrail in a file of their own,
// all of account 111122223333 and service ecs, say.
type moreRecords []map[string]any

func (m *moreRecords) add(at time.Time, region, name, who, errorCode string) {
	r := map[string]any{
		"eventVersion": "1.08", "eventTime": at.Format(time.RFC3339), "eventSource": "ecs.amazonaws.com", "eventName": name,
		"awsRegion": region, "userIdentity": map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/" + who, "accountId": "111122223333"},
		"eventID": fmt.Sprintf("00000000-0000-4000-9000-%012d", len(*m)), "readOnly": errorCode != "", "eventType": "AwsApiCall",
		"managementEvent": true, "recipientAccountId": "111122223333", "eventCategory": "Management",
	}
	if errorCode != "" {
		r["errorCode"] = errorCode
	}
	*m = append(*m, r)
}

func (m moreRecords) write(t *testing.T, dir string) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Records": m})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "more.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultInsightsSinceIsTheTrails: the default range is the 90 days
// before the newest CloudTrail record; an application's event sent today
// (PutAuditEvents) does not move it away from the trail's Insights.
func TestDefaultInsightsSinceIsTheTrails(t *testing.T) {
	ctx := context.Background()
	dir, _ := insightTrail(t, true)
	idx := openIndex(t, dir)
	before, err := investigate.DefaultInsightsSince(ctx, idx)
	if err != nil || before.IsZero() {
		t.Fatalf("since %s, %v", before, err)
	}
	today := time.Now().UTC().Format(time.RFC3339)
	e, err := cloudtrail.Decode([]byte(`{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":"00000000-0000-4000-8000-0000000000a1",` +
		`"eventTime":"` + today + `","awsRegion":"us-east-1","recipientAccountId":"111122223333",` +
		`"eventData":{"version":"1.0","userIdentity":{"type":"User","principalId":"alice"},"eventSource":"myapp","eventName":"DeleteInvoice","eventTime":"` + today + `","UID":"u1","recipientAccountId":"111122223333"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Commit(ctx, &cairn.Batch{Events: []cairn.Event{e}}); err != nil {
		t.Fatal(err)
	}
	if after, err := investigate.DefaultInsightsSince(ctx, idx); err != nil || !after.Equal(before) {
		t.Errorf("after an application's event of today: since %s, %v; want %s", after, err, before)
	}
}
