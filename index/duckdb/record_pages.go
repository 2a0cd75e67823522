package duckdb

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// A search fetches its events' raw records a page of records each, and the
// events of a resource or a user are spread over a day's pages: an
// instance's timeline of 719 events reads hundreds. A page holds its
// values' lengths, then the values, compressed as one zstd frame; so it is
// read and decompressed only as far as the last record asked of it, where
// parquet-go decompresses it whole. Over make bench's 2,000,000 events that
// timeline went from 111 to 85 ms. This reads the pages cairn's encoder
// writes (a DataPageV2 of a required column, DELTA_LENGTH_BYTE_ARRAY, zstd)
// and leaves any other to parquet-go.

// errNotRecordPage says that a page is not one recordsOfPage reads; the
// caller reads it through parquet-go.
var errNotRecordPage = errors.New("not a page of records this reader knows")

var recordDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(64<<20)) // pages are 512 KiB
	if err != nil {
		panic(err) // only for invalid options
	}
	return d
}}

// maxRecordPage bounds the size a page may say it decompresses to: the
// encoder cuts pages at pageSize, and a record is at most CloudTrail's
// 256 KB, so a page that says more is damaged, and left to parquet-go.
const maxRecordPage = 16 << 20

// recordReaders read pages for the decoder, 32 KiB at a time.
var recordReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

// recordBuffers hold pages decompressed: got copies what it keeps.
var recordBuffers = sync.Pool{New: func() any { return new([]byte) }}

// recordsOfPage reads the values at rows (ascending, counted from the page's
// first row) of the page at loc of a column chunk compressed with codec,
// and passes each to got, which must copy what it keeps.
func recordsOfPage(f io.ReaderAt, loc format.PageLocation, codec format.CompressionCodec, rows []int64, got func(raw []byte) error) error {
	if codec != format.Zstd || loc.CompressedPageSize <= 0 || len(rows) == 0 {
		return errNotRecordPage
	}
	// The page is read as the decoder asks for it, so that what follows
	// the last record asked for is not read either.
	section := io.NewSectionReader(f, loc.Offset, int64(loc.CompressedPageSize))
	r := recordReaders.Get().(*bufio.Reader)
	r.Reset(section)
	defer func() {
		r.Reset(nil)
		recordReaders.Put(r)
	}()
	var h format.PageHeader
	if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(r)).Decode(&h); err != nil {
		return errNotRecordPage
	}
	read, _ := section.Seek(0, io.SeekCurrent)
	headerSize := int(read) - r.Buffered()
	v2, ok := h.DataPageHeaderV2.Get()
	compressed, set := v2.IsCompressed.Get()
	switch {
	case h.Type != format.DataPageV2 || !ok || v2.Encoding != format.DeltaLengthByteArray || (set && !compressed),
		v2.DefinitionLevelsByteLength != 0 || v2.RepetitionLevelsByteLength != 0, // a required column's
		v2.NumNulls != 0 || v2.NumValues != v2.NumRows || rows[len(rows)-1] >= int64(v2.NumRows),
		h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxRecordPage,
		headerSize+int(h.CompressedPageSize) != int(loc.CompressedPageSize):
		return errNotRecordPage
	}
	dec := recordDecoders.Get().(*zstd.Decoder)
	defer recordDecoders.Put(dec)
	if err := dec.Reset(r); err != nil {
		return err
	}
	defer dec.Reset(nil) // lets go of the reader
	buf := recordBuffers.Get().(*[]byte)
	defer recordBuffers.Put(buf)
	plain := slices.Grow((*buf)[:0], int(h.UncompressedPageSize))
	*buf = plain
	more := func(n int) error { // decompresses n more bytes, or to the end
		n = min(n, int(h.UncompressedPageSize)-len(plain))
		if n <= 0 {
			return io.ErrUnexpectedEOF
		}
		k, err := io.ReadFull(dec, plain[len(plain):len(plain)+n])
		plain = plain[:len(plain)+k]
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil // the page's size said more; the lengths will tell
		}
		return err
	}
	if err := more(8 << 10); err != nil {
		return err
	}
	var lengths []int32
	var start int // of the first value
	for {
		var err error
		lengths, start, err = decodeDeltaInt32(plain, lengths)
		if err == nil {
			break
		}
		if err != errDeltaShort {
			return err
		}
		if err := more(len(plain)); err != nil {
			return err
		}
	}
	if len(lengths) != int(v2.NumValues) {
		return errDeltaInvalid
	}
	for _, n := range lengths {
		if n < 0 {
			return errDeltaInvalid
		}
	}
	offset, row := start, int64(0)
	for _, want := range rows {
		for ; row < want; row++ {
			offset += int(lengths[row])
		}
		end := offset + int(lengths[row])
		if end > len(plain) {
			if err := more(end - len(plain)); err != nil {
				return err
			}
			if end > len(plain) {
				return io.ErrUnexpectedEOF
			}
		}
		if err := got(plain[offset:end]); err != nil {
			return err
		}
	}
	return nil
}

// pageOf returns the index of the page of a chunk's offset index that holds
// row (counted from the row group's first row).
func pageOf(oi parquet.OffsetIndex, row int64) int {
	lo, hi := 0, oi.NumPages()-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if oi.FirstRowIndex(mid) <= row {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
