package duckdb

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"golang.org/x/sync/errgroup"
)

// rowAt is a row of one of a search's segment files.
type rowAt struct {
	file int // index into the search's files
	row  uint32
}

// readAt reads the events at some rows, a file per core, and returns them
// in the order asked.
func (x *Index) readAt(ctx context.Context, files []string, at []rowAt) ([]cairn.Event, error) {
	byFile := map[int][]int{} // file → indexes into at
	for i, a := range at {
		byFile[a.file] = append(byFile[a.file], i)
	}
	out := make([]cairn.Event, len(at))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for fi, idx := range byFile {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(at[a].row, at[b].row) })
			rows := make([]uint32, len(idx))
			for k, i := range idx {
				rows[k] = at[i].row
			}
			evs, err := x.readRows(files[fi], rows)
			if err != nil {
				return err
			}
			for k, i := range idx {
				out[i] = evs[k] // each goroutine writes its own indexes
			}
			return nil
		})
	}
	return out, g.Wait()
}

// readRows returns the events at some rows of a segment file, in the order
// of rows (ascending). It reads only the eventJson column, and of it only
// the pages that hold those rows, through the page index, each as far as
// the last row it is read for (record_pages.go), and decodes each record
// again: the raw record is the event, byte for byte, and decoding it costs
// a few microseconds where reading thirty more columns of the same rows
// cost a millisecond. The engine read the row group of every column whole:
// 6 ms an event against about 0.6 ms here.
func (x *Index) readRows(path string, rows []uint32) ([]cairn.Event, error) {
	seg, err := x.segs.acquire(path)
	if err != nil {
		return nil, err
	}
	defer x.segs.release(seg)
	leaf, ok := seg.pf.Schema().Lookup("eventJson")
	if !ok {
		return nil, fmt.Errorf("segment %s has no eventJson column", path)
	}
	events := make([]cairn.Event, 0, len(rows))
	got := func(raw []byte) error {
		e, err := decodeStored(bytes.Clone(raw)) // the event keeps its record, not the page
		if err != nil {
			return fmt.Errorf("row %d: %w", rows[len(events)], err)
		}
		events = append(events, e)
		return nil
	}
	var first int64 // the first row of the current row group
	i := 0
	for g, rg := range seg.pf.RowGroups() {
		n := rg.NumRows()
		if i == len(rows) {
			break
		}
		if int64(rows[i]) >= first+n {
			first += n
			continue
		}
		end := i
		for end < len(rows) && int64(rows[end]) < first+n {
			end++
		}
		codec := seg.pf.Metadata().RowGroups[g].Columns[leaf.ColumnIndex].MetaData.Codec
		if err := readGroupRows(seg.f, rg.ColumnChunks()[leaf.ColumnIndex], codec, rows[i:end], first, got); err != nil {
			return nil, fmt.Errorf("read rows of %s: %w", path, err)
		}
		i, first = end, first+n
	}
	if i < len(rows) {
		return nil, fmt.Errorf("row %d is past the end of %s", rows[i], path)
	}
	if err := storedAccounts(seg.pf, rows, events); err != nil {
		return nil, fmt.Errorf("read rows of %s: %w", path, err)
	}
	return events, nil
}

// storedAccounts gives the events whose records name no recipient account
// the one the segment holds for them: ingest takes it from the folder that
// delivered the record (CloudTrail's first records name none). Such rows
// are rare, and are read through parquet-go, a row at a time.
func storedAccounts(pf *parquet.File, rows []uint32, events []cairn.Event) error {
	var leaf parquet.LeafColumn
	var found bool
	var first int64
	g := 0
	for k := range events {
		if events[k].RecipientAccountID != "" {
			continue
		}
		if !found {
			if leaf, found = pf.Schema().Lookup("recipientAccountId"); !found {
				return nil
			}
		}
		groups := pf.RowGroups()
		for g < len(groups) && int64(rows[k]) >= first+groups[g].NumRows() {
			first += groups[g].NumRows()
			g++
		}
		if g == len(groups) {
			return fmt.Errorf("row %d is past the end", rows[k])
		}
		err := readGroupRowsThrough(groups[g].ColumnChunks()[leaf.ColumnIndex], rows[k:k+1], first, func(v []byte) error {
			events[k].RecipientAccountID = string(v)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readGroupRows passes the values at some rows of a row group's column
// chunk to got, in order: a page at a time, each through recordsOfPage when
// it can read it, else through parquet-go. first is the row group's first
// row in the file.
func readGroupRows(f io.ReaderAt, chunk parquet.ColumnChunk, codec format.CompressionCodec, rows []uint32, first int64, got func([]byte) error) error {
	oi, err := chunk.OffsetIndex()
	if err != nil || oi.NumPages() == 0 {
		return readGroupRowsThrough(chunk, rows, first, got)
	}
	rel := make([]int64, 0, len(rows))
	for i := 0; i < len(rows); {
		p := pageOf(oi, int64(rows[i])-first)
		next := int64(math.MaxInt64)
		if p+1 < oi.NumPages() {
			next = oi.FirstRowIndex(p + 1)
		}
		rel = rel[:0]
		end := i
		for ; end < len(rows) && int64(rows[end])-first < next; end++ {
			rel = append(rel, int64(rows[end])-first-oi.FirstRowIndex(p))
		}
		loc := format.PageLocation{Offset: oi.Offset(p), CompressedPageSize: int32(oi.CompressedPageSize(p)), FirstRowIndex: oi.FirstRowIndex(p)}
		err := recordsOfPage(f, loc, codec, rel, got)
		if errors.Is(err, errNotRecordPage) {
			err = readGroupRowsThrough(chunk, rows[i:end], first, got)
		}
		if err != nil {
			return err
		}
		i = end
	}
	return nil
}

// readGroupRowsThrough is readGroupRows through parquet-go's pages, which
// decompresses each page whole.
func readGroupRowsThrough(chunk parquet.ColumnChunk, rows []uint32, first int64, got func([]byte) error) error {
	pages := chunk.Pages()
	defer pages.Close()
	for _, row := range rows {
		raw, err := readValue(pages, int64(row)-first)
		if err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		if err := got(raw); err != nil {
			return err
		}
	}
	return nil
}

// readValue reads the byte array at a row of a column chunk. Seeking to a
// row of the page read last reuses it rather than decompressing it again.
func readValue(pages parquet.Pages, row int64) ([]byte, error) {
	if err := pages.SeekToRow(row); err != nil {
		return nil, err
	}
	p, err := pages.ReadPage()
	if err != nil {
		return nil, err
	}
	// The page's buffers go back to the reader's pool once the value is
	// copied out: a page of records is half a megabyte.
	defer parquet.Release(p)
	var v [1]parquet.Value
	n, err := p.Values().ReadValues(v[:])
	if n == 0 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.Clone(v[0].ByteArray()), nil
}

// decodeStored decodes a stored record: a CloudTrail record, or an AWS
// Health or EC2 state-change event in EventBridge form, which has no
// eventID of its own.
func decodeStored(raw []byte) (cairn.Event, error) {
	e, err := cloudtrail.Decode(raw)
	if err != nil {
		var err2 error
		if e, err2 = cloudtrail.DecodeEventBridge(raw); err2 != nil {
			return cairn.Event{}, err
		}
	}
	e.EventTime = e.EventTime.UTC().Truncate(time.Microsecond)
	return e, nil
}
