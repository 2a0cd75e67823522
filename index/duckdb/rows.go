package duckdb

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/parquet-go/parquet-go"
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
// the pages that hold those rows, through the page index, and decodes each
// record again: the raw record is the event, byte for byte, and decoding it
// costs a few microseconds where reading thirty more columns of the same
// rows cost a millisecond. The engine read the row group of every column
// whole: 6 ms an event against about 0.6 ms here.
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
	var first int64 // the first row of the current row group
	i := 0
	for _, rg := range seg.pf.RowGroups() {
		n := rg.NumRows()
		if i == len(rows) {
			break
		}
		if int64(rows[i]) >= first+n {
			first += n
			continue
		}
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for ; i < len(rows) && int64(rows[i]) < first+n; i++ {
			raw, err := readValue(pages, int64(rows[i])-first)
			if err != nil {
				pages.Close()
				return nil, fmt.Errorf("read row %d of %s: %w", rows[i], path, err)
			}
			e, err := decodeStored(raw)
			if err != nil {
				pages.Close()
				return nil, fmt.Errorf("row %d of %s: %w", rows[i], path, err)
			}
			events = append(events, e)
		}
		pages.Close()
		first += n
	}
	if i < len(rows) {
		return nil, fmt.Errorf("row %d is past the end of %s", rows[i], path)
	}
	return events, nil
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
	// copied out: a page of records is a megabyte.
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
