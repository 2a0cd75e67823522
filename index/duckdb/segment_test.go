package duckdb

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestReadRowsStopsAtTheEnd: reading a small segment through a large
// buffer costs about what reading it through one of its own size costs.
// Compaction merges the small segments of a day that way; left to
// parquet-go, the large buffer cost ten times the allocations.
func TestReadRowsStopsAtTheEnd(t *testing.T) {
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
				n, err := readRows(r, buf, &left)
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
