package duckdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/cairn-audit/cairn"
)

// TestSourceSummaries: each source's counts by status, its events and the
// first of its quarantined objects, and of those read in part, by key, as
// the health page shows them.
func TestSourceSummaries(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	objs := []cairn.ObjectState{
		{Source: "file:///a", Key: "k1", Events: 2, Status: cairn.ObjectDone, Unrecorded: true},
		{Source: "file:///a", Key: "digest", Status: cairn.ObjectSkipped, Reason: "digest file", Unrecorded: true},
		{Source: "s3://b", Key: "k2", Events: 1, Status: cairn.ObjectDone, Unrecorded: true},
	}
	for i := range 5 {
		objs = append(objs, cairn.ObjectState{Source: "file:///a", Key: fmt.Sprintf("bad%d", 4-i), Status: cairn.ObjectQuarantined,
			Reason: "truncated JSON", Unrecorded: true})
	}
	for i := range 4 {
		objs = append(objs, cairn.ObjectState{Source: "file:///a", Key: fmt.Sprintf("part%d", 3-i), Status: cairn.ObjectDone,
			Reason: cairn.ReadInPartNote + "record 2 (offset 9) has no eventTime, so it was left out", Unrecorded: true})
	}
	objs = append(objs, cairn.ObjectState{Source: "file:///a", Key: "noted", Status: cairn.ObjectDone,
		Reason: "read again: its modification time changed", Unrecorded: true})
	// k1's second event is its first delivered again.
	if _, err := x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil), testEvent(1, nil), testEvent(2, nil)}, Objects: objs}); err != nil {
		t.Fatal(err)
	}
	sums, err := x.SourceSummaries(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums[0].Source != "file:///a" || sums[1].Source != "s3://b" {
		t.Fatalf("summaries: %+v", sums)
	}
	a := sums[0]
	if a.Counts[cairn.ObjectDone] != 6 || a.Counts[cairn.ObjectSkipped] != 1 || a.Counts[cairn.ObjectQuarantined] != 5 ||
		a.Events != 2 || a.New != 1 || a.Last.IsZero() || a.More != 2 || a.InPart != 4 {
		t.Errorf("file:///a: %+v", a)
	}
	var keys []string
	for _, o := range a.Quarantined {
		keys = append(keys, o.Key+" "+o.Reason)
	}
	if fmt.Sprint(keys) != "[bad0 truncated JSON bad1 truncated JSON bad2 truncated JSON]" {
		t.Errorf("quarantined shown: %v", keys)
	}
	keys = nil
	for _, o := range a.ReadInPart {
		keys = append(keys, o.Key)
	}
	if fmt.Sprint(keys) != "[part0 part1 part2]" {
		t.Errorf("read in part shown: %v", keys)
	}
	if b := sums[1]; b.Counts[cairn.ObjectDone] != 1 || len(b.Quarantined) != 0 || b.More != 0 || b.InPart != 0 {
		t.Errorf("s3://b: %+v", b)
	}
}
