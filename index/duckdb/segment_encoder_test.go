package duckdb

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// encoderRows are rows that take every path of the encoder: NULL, empty
// and present strings, both booleans and NULL, rows without resources,
// with one, with several and with hundreds, resources with absent fields, raw records
// large enough to cut pages, and more than a row group.
func encoderRows(n int) []segmentRow {
	return rowsFrom(rand.New(rand.NewPCG(7, 8)), n, "")
}

// rowsFrom makes n rows from rng; odd, when not empty, stands in for a
// third of the strings.
func rowsFrom(rng *rand.Rand, n int, odd string) []segmentRow {
	str := func(s string) *string { return &s }
	maybe := func(s string) *string {
		switch {
		case rng.IntN(3) == 0:
			return nil
		case odd != "" && rng.IntN(3) == 0:
			return str(odd)
		}
		return str(s)
	}
	flag := func() *bool {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return &boolTrue
		}
		return &boolFalse
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]segmentRow, n)
	for i := range rows {
		r := &rows[i]
		r.EventTime = start.Add(time.Duration(i) * time.Second)
		r.EventID = fmt.Sprintf("%08x-0000-4000-8000-%012x", rng.Uint32(), i)
		r.EventName = maybe([]string{"RunInstances", "GetObject", "AssumeRole"}[rng.IntN(3)])
		r.AWSRegion = maybe("eu-west-1")
		r.ErrorCode = nil // NULL in every row of a row group: a dictionary column with no dictionary
		if i >= rowGroupRows {
			r.ErrorCode = maybe("AccessDenied")
		}
		r.ErrorMessage = maybe(fmt.Sprintf("denied %d", rng.IntN(1000)))
		r.ReadOnly, r.ManagementEvent, r.MFAAuthenticated = flag(), flag(), flag()
		r.UserName = maybe(fmt.Sprintf("user-%d", rng.IntN(40)))
		r.SessionName = maybe("") // present and empty is not NULL
		switch rng.IntN(4) {
		case 0: // no resources: NULL
		case 1:
			r.Resources = []segmentResource{}
		default:
			n := 1 + rng.IntN(3)
			if rng.IntN(100) == 0 { // RunInstances of a fleet: more than a byte counts
				n = 250 + rng.IntN(300)
			}
			for k := range n {
				r.Resources = append(r.Resources, segmentResource{
					ID: maybe(fmt.Sprintf("i-%017x", rng.IntN(500))), ARN: maybe("arn:aws:ec2:eu-west-1:123456789012:instance/x"),
					Type: str("AWS::EC2::Instance"), Role: maybe([]string{"created", "changed"}[k%2]),
				})
			}
		}
		r.EventJSON = fmt.Sprintf(`{"eventID":%q,"pad":%q}`, r.EventID, strings.Repeat("x", rng.IntN(3000)))
	}
	return rows
}

// TestSegmentEncoderRoundTrips: what the encoder writes, parquet-go reads
// back as the rows written, and as it reads its own writer's file of them,
// with the same statistics in every column chunk; a row fetched through
// the offset index is the row written.
func TestSegmentEncoderRoundTrips(t *testing.T) {
	rows := encoderRows(rowGroupRows + 1500)
	pf := checkRoundTrip(t, rows)
	leaf, _ := pf.Schema().Lookup("eventJson")
	for _, row := range []int{0, 1, 777, rowGroupRows - 1, rowGroupRows, len(rows) - 1} {
		rg := pf.RowGroups()[row/rowGroupRows]
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		raw, err := readValue(pages, int64(row%rowGroupRows))
		pages.Close()
		if err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		if string(raw) != rows[row].EventJSON {
			t.Errorf("row %d fetched through the offset index is not the row written", row)
		}
	}
	if n := len(pf.OffsetIndexes()); n != 2*len(segmentLayout().leaves) {
		t.Errorf("%d offset indexes, want one a column chunk", n)
	}
}

// FuzzSegmentEncoder: rows with any bytes in their strings, in any number,
// pass checkRoundTrip.
func FuzzSegmentEncoder(f *testing.F) {
	f.Add(uint64(1), uint16(10), "")
	f.Add(uint64(2), uint16(700), "\xff\x00\"")
	f.Add(uint64(3), uint16(3), "arn:aws:ec2:eu-west-1:123456789012:instance/x")
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, odd string) {
		rows := rowsFrom(rand.New(rand.NewPCG(seed, 9)), int(n)%2500, odd)
		checkRoundTrip(t, rows)
	})
}

// checkRoundTrip writes rows with the encoder and with parquet-go's
// writer, and holds the first to the rows and to the second's statistics.
func checkRoundTrip(t *testing.T, rows []segmentRow) *parquet.File {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "seg.parquet")
	if err := writeSegmentFile(path, rows); err != nil {
		t.Fatal(err)
	}
	got := readSegmentFile(t, path)
	if diff := cmp.Diff(rows, got); diff != "" {
		t.Fatalf("rows read back differ (-written +read):\n%s", diff)
	}

	theirs := filepath.Join(dir, "theirs.parquet")
	f, err := os.Create(theirs)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[segmentRow](f, parquet.Compression(fastestZstd), parquet.MaxRowsPerRowGroup(rowGroupRows))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	pf := openParquet(t, path)
	ours, their := pf.Metadata().RowGroups, openParquet(t, theirs).Metadata().RowGroups
	if len(ours) != len(their) {
		t.Fatalf("%d row groups, parquet-go wrote %d", len(ours), len(their))
	}
	for g := range ours {
		for c := range ours[g].Columns {
			o, p := ours[g].Columns[c].MetaData, their[g].Columns[c].MetaData
			if o.PathInSchema[0] == "eventJson" {
				continue
			}
			if o.NumValues != p.NumValues || o.Statistics.NullCount != p.Statistics.NullCount ||
				!bytes.Equal(o.Statistics.MinValue, p.Statistics.MinValue) || !bytes.Equal(o.Statistics.MaxValue, p.Statistics.MaxValue) {
				t.Errorf("row group %d, %v: values %d, nulls %d, bounds %q–%q; parquet-go: %d, %d, %q–%q", g, o.PathInSchema,
					o.NumValues, o.Statistics.NullCount, o.Statistics.MinValue, o.Statistics.MaxValue,
					p.NumValues, p.Statistics.NullCount, p.Statistics.MinValue, p.Statistics.MaxValue)
			}
		}
	}
	return pf
}

func openParquet(t *testing.T, path string) *parquet.File {
	t.Helper()
	_, pf := openParquetFile(t, path)
	return pf
}

// openParquetFile opens a Parquet file, and returns it also as a file, to
// read its pages directly; it is closed when the test ends.
func openParquetFile(tb testing.TB, path string) (*os.File, *parquet.File) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		tb.Fatal(err)
	}
	return f, pf
}

func readSegmentFile(t *testing.T, path string) []segmentRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := parquet.NewGenericReader[segmentRow](f)
	defer r.Close()
	out := make([]segmentRow, r.NumRows())
	left := r.NumRows()
	n, err := readAtMost(r, out, &left)
	if err != nil && n != len(out) {
		t.Fatalf("read %s: %d of %d rows: %v", path, n, len(out), err)
	}
	return out[:n]
}

// TestEngineReadsEncodedSegments: the engine reads the encoder's file as
// the rows written, and sees the statistics that it prunes row groups by.
func TestEngineReadsEncodedSegments(t *testing.T) {
	rows := encoderRows(rowGroupRows + 1500)
	path := filepath.Join(t.TempDir(), "seg.parquet")
	if err := writeSegmentFile(path, rows); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var n, users, nulls, resources, flags int
	var raw int64
	err = db.QueryRow(`SELECT count(*), count(DISTINCT userName), count(*) FILTER (errorCode IS NULL),
		sum(len(resources)), count(readOnly), sum(length(eventJson)) FROM read_parquet(?)`, path).
		Scan(&n, &users, &nulls, &resources, &flags, &raw)
	if err != nil {
		t.Fatal(err)
	}
	var wantUsers, wantNulls, wantResources, wantFlags int
	var wantRaw int64
	seen := map[string]bool{}
	for _, r := range rows {
		if r.UserName != nil && !seen[*r.UserName] {
			seen[*r.UserName] = true
			wantUsers++
		}
		if r.ErrorCode == nil {
			wantNulls++
		}
		if r.ReadOnly != nil {
			wantFlags++
		}
		wantResources += len(r.Resources)
		wantRaw += int64(len(r.EventJSON))
	}
	if n != len(rows) || users != wantUsers || nulls != wantNulls || resources != wantResources || flags != wantFlags || raw != wantRaw {
		t.Errorf("engine read rows %d, users %d, NULL errorCodes %d, resources %d, readOnly flags %d, raw bytes %d; want %d, %d, %d, %d, %d, %d",
			n, users, nulls, resources, flags, raw, len(rows), wantUsers, wantNulls, wantResources, wantFlags, wantRaw)
	}

	// Each row group's eventTime bounds, as the engine reads them.
	for g, span := range [][2]int{{0, rowGroupRows - 1}, {rowGroupRows, len(rows) - 1}} {
		var lo, hi time.Time
		err = db.QueryRow(`SELECT stats_min_value::TIMESTAMP, stats_max_value::TIMESTAMP FROM parquet_metadata(?)
			WHERE path_in_schema = 'eventTime' AND row_group_id = ?`, path, g).Scan(&lo, &hi)
		if err != nil {
			t.Fatal(err)
		}
		if want := rows[span[0]].EventTime; !lo.Equal(want) {
			t.Errorf("row group %d: eventTime min %v, want %v", g, lo, want)
		}
		if want := rows[span[1]].EventTime; !hi.Equal(want) {
			t.Errorf("row group %d: eventTime max %v, want %v", g, hi, want)
		}
	}
	// A time filter finds the rows of the first row group only through
	// its statistics being right.
	var early int
	err = db.QueryRow(`SELECT count(*) FROM read_parquet(?) WHERE eventTime <= ?`, path, rows[100].EventTime).Scan(&early)
	if err != nil {
		t.Fatal(err)
	}
	if early != 101 {
		t.Errorf("%d rows up to the 101st's time, want 101", early)
	}

	// The first row group's eventName bounds, kept from its dictionary.
	var names []string
	for _, r := range rows[:rowGroupRows] {
		if r.EventName != nil {
			names = append(names, *r.EventName)
		}
	}
	var minName, maxName string
	err = db.QueryRow(`SELECT stats_min_value, stats_max_value FROM parquet_metadata(?)
		WHERE path_in_schema = 'eventName' AND row_group_id = 0`, path).Scan(&minName, &maxName)
	if err != nil {
		t.Fatal(err)
	}
	if minName != slices.Min(names) || maxName != slices.Max(names) {
		t.Errorf("eventName bounds %q–%q, want %q–%q", minName, maxName, slices.Min(names), slices.Max(names))
	}
}

// TestSegmentEncoderWritesAnEmptyFile: a segment of no rows is a Parquet
// file that reads as none.
func TestSegmentEncoderWritesAnEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg.parquet")
	if err := writeSegmentFile(path, nil); err != nil {
		t.Fatal(err)
	}
	if rows := readSegmentFile(t, path); len(rows) != 0 {
		t.Errorf("read %d rows from an empty segment", len(rows))
	}
}
