package duckdb

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/parquet-go/parquet-go"
)

// rowOf renders an event as a segment row, its strings held by the row.
func rowOf(e *cairn.Event) segmentRow {
	return rowInto(e, newRowStrings(1), 0)
}

// optValue is opt for a string the row owns.
func optValue(s string) *string { return opt(&s) }

// TestReadAtMostStopsAtTheEnd: reading a small segment through a large
// buffer costs about what reading it through one of its own size costs.
// Compaction merges the small segments of a day that way; left to
// parquet-go, the large buffer cost ten times the allocations.
func TestReadAtMostStopsAtTheEnd(t *testing.T) {
	events := benchEvents(50)
	rows := make([]segmentRow, len(events))
	for i := range events {
		rows[i] = rowOf(&events[i])
	}
	path := filepath.Join(t.TempDir(), "seg.parquet")
	if err := writeSegmentFile(path, rows); err != nil {
		t.Fatal(err)
	}
	read := func(bufRows int) float64 {
		return testing.AllocsPerRun(3, func() {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := parquet.NewGenericReader[segmentRow](f)
			defer r.Close()
			left, got := r.NumRows(), 0
			buf := make([]segmentRow, bufRows)
			for {
				n, err := readAtMost(r, buf, &left)
				got += n
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if got != len(rows) || left != 0 {
				t.Fatalf("read %d rows with %d left, want %d and 0", got, left, len(rows))
			}
		})
	}
	exact, large := read(len(rows)), read(1024)
	if large > 2*exact {
		t.Errorf("a 1024-row buffer took %.0f allocations, a 50-row one %.0f", large, exact)
	}
}

// TestResourceKeys: the column a resource filter searches holds every ID
// and ARN once, each between bars, and is NULL without resources.
func TestResourceKeys(t *testing.T) {
	for _, tc := range []struct {
		refs []cairn.ResourceRef
		want string
	}{
		{nil, ""},
		{[]cairn.ResourceRef{{ID: "i-1"}}, "|i-1|"},
		{[]cairn.ResourceRef{{ID: "b", ARN: "arn:aws:s3:::b"}, {ARN: "arn:aws:iam::1:role/r"}}, "|b|arn:aws:s3:::b|arn:aws:iam::1:role/r|"},
		{[]cairn.ResourceRef{{ID: "arn:aws:sns:us-east-1:1:t", ARN: "arn:aws:sns:us-east-1:1:t"}}, "|arn:aws:sns:us-east-1:1:t|"},
	} {
		if got := resourceKeys(tc.refs); got != tc.want {
			t.Errorf("resourceKeys(%v) = %q, want %q", tc.refs, got, tc.want)
		}
	}
}

// writeSegmentFile writes rows, sorted by time, as a segment file, for
// tests that make segments of their own rows.
func writeSegmentFile(path string, rows []segmentRow) error {
	slices.SortStableFunc(rows, func(a, b segmentRow) int { return a.EventTime.Compare(b.EventTime) })
	w, err := newSegmentWriter(path)
	if err != nil {
		return err
	}
	if err := w.write(rows); err != nil {
		w.abort()
		return err
	}
	return w.close()
}
