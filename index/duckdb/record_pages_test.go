package duckdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/format"
)

// TestDecodeDeltaInt32 decodes what parquet-go's encoder writes, says where
// it ends whatever follows, and asks for more of every shorter prefix.
func TestDecodeDeltaInt32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int, max int32) []int32 {
		v := make([]int32, n)
		for i := range v {
			v[i] = rng.Int32N(max)
		}
		return v
	}
	cases := map[string][]int32{
		"none":         {},
		"one":          {1234},
		"a miniblock":  random(32, 3000),
		"a block":      random(128, 3000),
		"a block more": random(129, 3000),
		"a page":       random(700, 40000),
		"equal":        slices.Repeat([]int32{1500}, 300),
		"extremes":     {0, math.MaxInt32, 0, math.MaxInt32, math.MinInt32, 7, math.MinInt32},
	}
	for name, want := range cases {
		enc, err := new(delta.BinaryPackedEncoding).EncodeInt32(nil, want)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := decodeDeltaInt32(append(slices.Clone(enc), "{\"record\":1}"...), nil)
		if err != nil || n != len(enc) || !slices.Equal(got, want) {
			t.Errorf("%s: decoded %d values ending at %d, %v; want %d ending at %d", name, len(got), n, err, len(want), len(enc))
		}
		for k := range len(enc) {
			if _, _, err := decodeDeltaInt32(enc[:k], nil); !errors.Is(err, errDeltaShort) {
				t.Errorf("%s: the first %d of %d bytes: %v, want errDeltaShort", name, k, len(enc), err)
				break
			}
		}
	}
}

// FuzzDecodeDeltaInt32: any bytes decode without a panic to values that end
// within them; values parquet-go encodes decode back.
func FuzzDecodeDeltaInt32(f *testing.F) {
	f.Add([]byte{0x80, 0x01, 0x04, 0x03, 0x02, 0x00, 0x01, 0, 0, 0, 0})
	f.Add([]byte("\x80\x01\x04\x81\x80\x80\x80\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, n, err := decodeDeltaInt32(b, nil); err == nil && (n < 0 || n > len(b)) {
			t.Fatalf("ends at %d of %d bytes", n, len(b))
		}
		want := make([]int32, len(b)/4)
		for i := range want {
			want[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		enc, err := new(delta.BinaryPackedEncoding).EncodeInt32(nil, want)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := decodeDeltaInt32(enc, nil)
		if err != nil || n != len(enc) || !slices.Equal(got, want) {
			t.Fatalf("%v decoded as %v ending at %d of %d: %v", want, got, n, len(enc), err)
		}
	})
}

// TestRecordsOfPageReadsTheRowsWritten: every page of the encoder's raw
// records is read by recordsOfPage, not left to parquet-go, and any rows of
// it come back as written, alone or together.
func TestRecordsOfPageReadsTheRowsWritten(t *testing.T) {
	rows := encoderRows(rowGroupRows + 1500)
	f, pf := encodedSegment(t, rows)
	leaf, _ := pf.Schema().Lookup("eventJson")
	rng := rand.New(rand.NewPCG(3, 4))
	pages, first := 0, 0
	for g, rg := range pf.RowGroups() {
		oi, err := rg.ColumnChunks()[leaf.ColumnIndex].OffsetIndex()
		if err != nil {
			t.Fatal(err)
		}
		codec := pf.Metadata().RowGroups[g].Columns[leaf.ColumnIndex].MetaData.Codec
		for p := range oi.NumPages() {
			pages++
			n := int(rg.NumRows()) - int(oi.FirstRowIndex(p))
			if p+1 < oi.NumPages() {
				n = int(oi.FirstRowIndex(p+1) - oi.FirstRowIndex(p))
			}
			var some []int64
			for r := range n {
				if rng.IntN(5) == 0 {
					some = append(some, int64(r))
				}
			}
			all := make([]int64, n)
			for r := range all {
				all[r] = int64(r)
			}
			loc := format.PageLocation{Offset: oi.Offset(p), CompressedPageSize: int32(oi.CompressedPageSize(p)), FirstRowIndex: oi.FirstRowIndex(p)}
			for _, want := range [][]int64{{0}, {int64(n - 1)}, some, all} {
				if len(want) == 0 {
					continue
				}
				k := 0
				err := recordsOfPage(f, loc, codec, want, func(raw []byte) error {
					if row := first + int(loc.FirstRowIndex) + int(want[k]); string(raw) != rows[row].EventJSON {
						t.Errorf("row %d: got another record", row)
					}
					k++
					return nil
				})
				if err != nil || k != len(want) {
					t.Fatalf("page %d of row group %d: %d of %d rows read: %v", p, g, k, len(want), err)
				}
			}
		}
		first += int(rg.NumRows())
	}
	if pages < 20 {
		t.Fatalf("%d pages: the test needs records spread over many", pages)
	}
}

// TestReadRowsMatchesParquetGo: rows fetched a page at a time as far as
// needed are those parquet-go reads whole.
func TestReadRowsMatchesParquetGo(t *testing.T) {
	rows := encoderRows(3000)
	f, pf := encodedSegment(t, rows)
	leaf, _ := pf.Schema().Lookup("eventJson")
	chunk := pf.RowGroups()[0].ColumnChunks()[leaf.ColumnIndex]
	codec := pf.Metadata().RowGroups[0].Columns[leaf.ColumnIndex].MetaData.Codec
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		var want []uint32
		for r := range uint32(len(rows)) {
			if rng.IntN(40) == 0 {
				want = append(want, r)
			}
		}
		var fast, through []string
		if err := readGroupRows(f, chunk, codec, want, 0, func(b []byte) error { fast = append(fast, string(b)); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := readGroupRowsThrough(chunk, want, 0, func(b []byte) error { through = append(through, string(b)); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(fast, through) || len(fast) != len(want) {
			t.Fatalf("rows %v: the two readers disagree", want)
		}
	}
}

// FuzzRecordsOfPage: a damaged page of records is an error or some bytes,
// never a panic: the index's files are read by a long-running server.
func FuzzRecordsOfPage(f *testing.F) {
	file, pf := encodedSegment(f, encoderRows(400))
	leaf, _ := pf.Schema().Lookup("eventJson")
	oi, err := pf.RowGroups()[0].ColumnChunks()[leaf.ColumnIndex].OffsetIndex()
	if err != nil {
		f.Fatal(err)
	}
	page := make([]byte, oi.CompressedPageSize(0))
	if _, err := file.ReadAt(page, oi.Offset(0)); err != nil {
		f.Fatal(err)
	}
	f.Add(uint16(0), byte(0), uint16(3))
	f.Add(uint16(5), byte(0x80), uint16(0))
	f.Add(uint16(40), byte(0xff), uint16(100))
	f.Fuzz(func(t *testing.T, at uint16, flip byte, row uint16) {
		damaged := bytes.Clone(page)
		damaged[int(at)%len(damaged)] ^= flip
		loc := format.PageLocation{CompressedPageSize: int32(len(damaged))}
		recordsOfPage(bytes.NewReader(damaged), loc, format.Zstd, []int64{0, int64(row)}, func([]byte) error { return nil })
	})
}

// encodedSegment writes rows with the encoder and opens the file.
func encodedSegment(tb testing.TB, rows []segmentRow) (*os.File, *parquet.File) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "seg.parquet")
	if err := writeSegmentFile(path, rows); err != nil {
		tb.Fatal(err)
	}
	return openParquetFile(tb, path)
}

// TestReadRowsOfOtherWriters: the rows of pages recordsOfPage does not read
// (version 1 data pages, here from parquet-go's writer) come back through
// parquet-go; parquet-go's version 2 pages it reads itself.
func TestReadRowsOfOtherWriters(t *testing.T) {
	for _, version := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) { checkOtherWriter(t, version) })
	}
}

func checkOtherWriter(t *testing.T, pageVersion int) {
	rows := encoderRows(2000)
	path := filepath.Join(t.TempDir(), "theirs.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[segmentRow](f, parquet.Compression(fastestZstd), parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.DataPageVersion(pageVersion))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, pf := openParquetFile(t, path)
	leaf, _ := pf.Schema().Lookup("eventJson")
	chunk := pf.RowGroups()[0].ColumnChunks()[leaf.ColumnIndex]
	codec := pf.Metadata().RowGroups[0].Columns[leaf.ColumnIndex].MetaData.Codec
	oi, err := chunk.OffsetIndex()
	if err != nil {
		t.Fatal(err)
	}
	loc := format.PageLocation{Offset: oi.Offset(0), CompressedPageSize: int32(oi.CompressedPageSize(0))}
	err = recordsOfPage(r, loc, codec, []int64{0}, func([]byte) error { return nil })
	if pageVersion == 1 && !errors.Is(err, errNotRecordPage) || pageVersion == 2 && err != nil {
		t.Fatalf("a version %d page: %v", pageVersion, err)
	}
	want := []uint32{0, 1, 999, 1999}
	var got []string
	if err := readGroupRows(r, chunk, codec, want, 0, func(b []byte) error { got = append(got, string(b)); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, row := range want {
		if i >= len(got) || got[i] != rows[row].EventJSON {
			t.Fatalf("row %d of parquet-go's segment read wrong", row)
		}
	}
}
