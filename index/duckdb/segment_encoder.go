package duckdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// segmentEncoder writes segment rows as a Parquet file, a column at a time.
// Segments are read with parquet-go and by the engine, but written here:
// parquet-go's generic writer, shredding rows through reflection into
// column buffers and dictionaries, took 1.43 s of the 6.91 s of CPU that
// ingesting make bench's week took, and this encoder about half of that.
//
// The file is the one parquet-go wrote for segmentRow: its schema (taken
// from parquet-go, see segmentLayout), V2 data pages compressed with zstd,
// and for every column chunk its statistics (but the raw record's) and an
// offset index. The columns tagged dict are RLE_DICTIONARY, the other byte
// arrays DELTA_LENGTH_BYTE_ARRAY (their lengths apart from their bytes:
// PLAIN, which interleaves them, made eventID 8% larger), times and
// booleans PLAIN. A column chunk is one data page, but for the byte arrays
// outside dictionaries, whose pages are cut after a megabyte: fetching an
// event reads one page of raw records (rows.go). There is no column index:
// every column that queries filter on has one page a row group, whose
// bounds are the chunk's statistics.
type segmentEncoder struct {
	w       *bufio.Writer
	offset  int64 // bytes written to the file so far
	columns []*columnEncoder
	rows    int // rows of the row group being built
	total   int64
	groups  []format.RowGroup
	indexes [][]format.PageLocation // each chunk's pages, in the order written

	// scratch space reused from page to page
	levels, values, packed []byte
	header                 bytes.Buffer
	thrift                 *thrift.Encoder
}

// pageSize is the size after which a page of plain byte arrays is cut. A
// search reads a page of raw records for each event it returns, so the
// events of a resource cost a page each: against 1 MiB pages, 512 KiB
// took an instance's timeline of 719 events from 181 to 111 ms over make
// bench's 2,000,000 events, for 16 MB more index (590 → 606 MB, the gzip
// archive being 634 MB); 256 KiB made the index larger than the archive.
const pageSize = 512 << 10

func newSegmentEncoder() *segmentEncoder {
	l := segmentLayout()
	e := &segmentEncoder{w: bufio.NewWriterSize(nil, 64<<10)}
	e.thrift = thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&e.header))
	for i := range l.leaves {
		e.columns = append(e.columns, newColumnEncoder(&l.leaves[i]))
	}
	return e
}

// reset makes the encoder write a new file to w.
func (e *segmentEncoder) reset(w io.Writer) {
	e.w.Reset(w)
	e.offset, e.rows, e.total = 0, 0, 0
	e.groups, e.indexes = e.groups[:0], e.indexes[:0]
	for _, c := range e.columns {
		c.resetChunk()
	}
}

// write adds rows to the file. The rows are only read: their strings are
// copied into the encoder's buffers.
func (e *segmentEncoder) write(rows []segmentRow) error {
	if err := e.begin(); err != nil {
		return err
	}
	for _, c := range e.columns {
		clear(c.byAddress) // rows of an earlier call may be gone, and their memory reused
	}
	for len(rows) > 0 {
		n := min(len(rows), rowGroupRows-e.rows)
		for _, c := range e.columns {
			if err := c.addRows(e, rows[:n], e.rows); err != nil {
				return err
			}
		}
		e.rows += n
		rows = rows[n:]
		if e.rows == rowGroupRows {
			if err := e.flushRowGroup(); err != nil {
				return err
			}
		}
	}
	return nil
}

// close writes the last row group, the offset indexes and the footer, and
// flushes; the file itself is the caller's.
func (e *segmentEncoder) close() error {
	if err := e.begin(); err != nil {
		return err
	}
	if e.rows > 0 {
		if err := e.flushRowGroup(); err != nil {
			return err
		}
	}
	// The offset indexes, one after another as parquet-go reads them.
	k := 0
	for g := range e.groups {
		for c := range e.groups[g].Columns {
			chunk := &e.groups[g].Columns[c]
			b, err := e.marshal(&format.OffsetIndex{PageLocations: e.indexes[k]})
			if err != nil {
				return err
			}
			chunk.OffsetIndexOffset, chunk.OffsetIndexLength = e.offset, int32(len(b))
			if err := e.put(b); err != nil {
				return err
			}
			k++
		}
	}
	l := segmentLayout()
	footer, err := e.marshal(&format.FileMetaData{
		Version: 2, Schema: l.schema, NumRows: e.total, RowGroups: e.groups,
		CreatedBy: "cairn", ColumnOrders: l.orders,
	})
	if err != nil {
		return err
	}
	if err := e.put(footer); err != nil {
		return err
	}
	if err := e.put(binary.LittleEndian.AppendUint32(nil, uint32(len(footer)))); err != nil {
		return err
	}
	if err := e.put([]byte(parquetMagic)); err != nil {
		return err
	}
	return e.w.Flush()
}

// parquetMagic begins and ends a Parquet file.
const parquetMagic = "PAR1"

// begin writes the start of the file, once.
func (e *segmentEncoder) begin() error {
	if e.offset > 0 {
		return nil
	}
	return e.put([]byte(parquetMagic))
}

func (e *segmentEncoder) put(b []byte) error {
	n, err := e.w.Write(b)
	e.offset += int64(n)
	return err
}

// marshal encodes a Thrift structure; the bytes are valid until the next
// call.
func (e *segmentEncoder) marshal(v any) ([]byte, error) {
	e.header.Reset()
	if err := e.thrift.Encode(v); err != nil {
		return nil, err
	}
	return e.header.Bytes(), nil
}

// flushRowGroup writes every column's chunk of the row group being built.
func (e *segmentEncoder) flushRowGroup() error {
	g := format.RowGroup{NumRows: int64(e.rows), FileOffset: e.offset, Ordinal: int16(len(e.groups))}
	for _, c := range e.columns {
		meta, err := c.finishChunk(e)
		if err != nil {
			return err
		}
		start := e.offset
		meta.DataPageOffset += start
		if c.dictionaryUsed() {
			meta.DictionaryPageOffset = start
		}
		locations := make([]format.PageLocation, len(c.pages))
		for i, p := range c.pages {
			p.Offset += start
			locations[i] = p
		}
		if err := e.put(c.chunk); err != nil {
			return err
		}
		g.Columns = append(g.Columns, format.ColumnChunk{FileOffset: start, MetaData: meta})
		g.TotalByteSize += meta.TotalUncompressedSize
		g.TotalCompressedSize += meta.TotalCompressedSize
		e.indexes = append(e.indexes, locations)
		c.resetChunk()
	}
	e.groups = append(e.groups, g)
	e.total += int64(e.rows)
	e.rows = 0
	return nil
}

// columnEncoder builds one column's chunk of a row group: its current page
// in the clear, and the pages done, compressed, in chunk.
type columnEncoder struct {
	*segmentLeaf

	// the page being built
	defs, reps []byte   // a level for each value, null or not
	values     []byte   // int64s, or a byte per boolean, or byte arrays one after another
	offsets    []uint32 // where each byte array starts in values, and the end of the last
	indexes    []int32  // dictionary indexes, for a dictionary column
	nulls      int
	firstRow   int // in the row group
	pageRows   int

	// the row group's dictionary, for a dictionary column
	dict      map[string]int32
	dictPlain []byte
	byAddress []addressed // see dictIndex

	// the chunk being built
	chunkValues, chunkNulls, chunkUncompressed int64
	chunk                                      []byte
	pages                                      []format.PageLocation // offsets from the chunk's start
	min, max                                   []byte
	bounded                                    bool // min and max hold a value
}

func newColumnEncoder(l *segmentLeaf) *columnEncoder {
	c := &columnEncoder{segmentLeaf: l}
	if l.dictionary {
		c.dict = map[string]int32{}
		c.byAddress = make([]addressed, 512)
	}
	return c
}

func (c *columnEncoder) resetChunk() {
	c.chunk, c.pages = c.chunk[:0], c.pages[:0]
	c.min, c.max, c.bounded = c.min[:0], c.max[:0], false
	c.chunkValues, c.chunkNulls, c.chunkUncompressed = 0, 0, 0
	c.dictPlain = c.dictPlain[:0]
	clear(c.dict)
	clear(c.byAddress)
	c.resetPage(0)
}

func (c *columnEncoder) resetPage(firstRow int) {
	c.defs, c.reps, c.values, c.indexes = c.defs[:0], c.reps[:0], c.values[:0], c.indexes[:0]
	c.offsets = append(c.offsets[:0], 0)
	c.nulls, c.firstRow, c.pageRows = 0, firstRow, 0
}

// addRows adds the column's values of some rows, the first of which is row
// first of the row group.
func (c *columnEncoder) addRows(e *segmentEncoder, rows []segmentRow, first int) error {
	for i := range rows {
		r := &rows[i]
		switch c.kind {
		case leafTime:
			t := r.EventTime.UnixMicro()
			c.values = binary.LittleEndian.AppendUint64(c.values, uint64(t))
			c.boundInt64(t)
		case leafString:
			c.addString(rowString(r, c.offset))
		case leafOptString:
			c.addString(rowOptString(r, c.offset))
		case leafOptBool:
			c.addBool(rowOptBool(r, c.offset))
		case leafResourceStr:
			c.addResources(r.Resources)
		}
		c.pageRows++
		if c.splits && len(c.values) >= pageSize {
			if err := c.flushPage(e); err != nil {
				return err
			}
			c.resetPage(first + i + 1)
		}
	}
	return nil
}

// addResources adds a row's value of a field of its resources: NULL when
// the row has none, and one value a resource otherwise. The definition
// levels are those of the list: 0 for a NULL list, 1 for an empty one, 2
// for a resource without the field and 3 for one with it.
func (c *columnEncoder) addResources(refs []segmentResource) {
	if refs == nil {
		c.reps = append(c.reps, 0)
		c.null(0)
		return
	}
	if len(refs) == 0 {
		c.reps = append(c.reps, 0)
		c.null(1)
		return
	}
	for i := range refs {
		rep := byte(1) // the list goes on
		if i == 0 {
			rep = 0 // a row begins: byte(i) would begin one at every 256th resource
		}
		c.reps = append(c.reps, rep)
		c.addString(resourceString(&refs[i], c.offset))
	}
}

// addString adds an optional or required string.
func (c *columnEncoder) addString(s *string) {
	if s == nil {
		c.null(c.maxDef - 1)
		return
	}
	if c.maxDef > 0 {
		c.defs = append(c.defs, c.maxDef)
	}
	if c.dict != nil {
		c.indexes = append(c.indexes, c.dictIndex(*s))
		return
	}
	c.values = append(c.values, *s...)
	c.offsets = append(c.offsets, uint32(len(c.values)))
	if c.stats {
		c.bound(unsafeBytes(*s))
	}
}

// addBool adds an optional boolean.
func (c *columnEncoder) addBool(b *bool) {
	if b == nil {
		c.null(c.maxDef - 1)
		return
	}
	c.defs = append(c.defs, c.maxDef)
	v := byte(0)
	if *b {
		v = 1
	}
	c.values = append(c.values, v)
	c.bound(flagBytes[v : v+1])
}

var flagBytes = []byte{0, 1}

// dictIndex returns a value's index in the row group's dictionary, adding
// it if it is new. The decoder gives repeated values one copy (and one
// userIdentity to the records of one principal), so most values are found
// by their address in a small cache before they are hashed. Addresses are
// only trusted within one call of write, while the rows keep them alive.
func (c *columnEncoder) dictIndex(s string) int32 {
	p := unsafe.StringData(s)
	slot := &c.byAddress[(uintptr(unsafe.Pointer(p))>>4)%uintptr(len(c.byAddress))]
	if slot.p == p && slot.n == len(s) && p != nil {
		return slot.index
	}
	i, ok := c.dict[s]
	if !ok {
		i = int32(len(c.dict))
		c.dict[strings.Clone(s)] = i
		c.dictPlain = appendPlain(c.dictPlain, s)
	}
	*slot = addressed{p, len(s), i}
	return i
}

// addressed is a value of the dictionary known by its address.
type addressed struct {
	p     *byte
	n     int
	index int32
}

func (c *columnEncoder) null(def byte) {
	c.defs = append(c.defs, def)
	c.nulls++
}

// appendPlain appends a byte array PLAIN-encoded: its length, then itself.
func appendPlain(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// bound widens the chunk's bounds to take v, compared as bytes.
func (c *columnEncoder) bound(v []byte) {
	if !c.bounded {
		c.min, c.max, c.bounded = append(c.min[:0], v...), append(c.max[:0], v...), true
		return
	}
	if bytes.Compare(v, c.min) < 0 {
		c.min = append(c.min[:0], v...)
	} else if bytes.Compare(v, c.max) > 0 {
		c.max = append(c.max[:0], v...)
	}
}

// boundInt64 widens the chunk's bounds to take v, compared as a number.
func (c *columnEncoder) boundInt64(v int64) {
	le := binary.LittleEndian
	if !c.bounded || v < int64(le.Uint64(c.min)) {
		c.min = le.AppendUint64(c.min[:0], uint64(v))
	}
	if !c.bounded || v > int64(le.Uint64(c.max)) {
		c.max = le.AppendUint64(c.max[:0], uint64(v))
	}
	c.bounded = true
}

// finishChunk writes the dictionary page and the last data page, and
// returns the chunk's metadata, with offsets from the chunk's start.
func (c *columnEncoder) finishChunk(e *segmentEncoder) (format.ColumnMetaData, error) {
	var encodings []format.Encoding
	if c.maxDef > 0 || c.maxRep > 0 {
		encodings = append(encodings, format.RLE)
	}
	var stats []format.PageEncodingStats
	var dataStart int64
	if c.dictionaryUsed() {
		// A chunk's dictionary comes before its data, and it is only whole
		// at the end of the row group: a dictionary column's one data page
		// is written after it, here.
		if err := c.writeDictionaryPage(e); err != nil {
			return format.ColumnMetaData{}, err
		}
		dataStart = int64(len(c.chunk))
		encodings = append(encodings, format.Plain)
		stats = append(stats, format.PageEncodingStats{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1})
		// The dictionary holds the row group's values, and only them.
		for k := range c.dict {
			c.bound(unsafeBytes(k))
		}
	}
	if err := c.flushPage(e); err != nil {
		return format.ColumnMetaData{}, err
	}
	encodings = append(encodings, c.encoding())
	stats = append(stats, format.PageEncodingStats{PageType: format.DataPageV2, Encoding: c.encoding(), Count: int32(len(c.pages))})
	meta := format.ColumnMetaData{
		Type: c.physical, Encoding: encodings, PathInSchema: c.path, Codec: format.Zstd,
		NumValues: c.chunkValues, TotalUncompressedSize: c.chunkUncompressed, TotalCompressedSize: int64(len(c.chunk)),
		DataPageOffset: dataStart, EncodingStats: stats,
	}
	if c.stats {
		meta.Statistics.NullCount = c.chunkNulls
		if c.bounded {
			// Copies: the footer keeps every row group's, and min and max
			// serve the next row group.
			meta.Statistics.MinValue, meta.Statistics.MaxValue = bytes.Clone(c.min), bytes.Clone(c.max)
		}
	}
	return meta, nil
}

// dictionaryUsed reports whether the column chunk has a dictionary: a
// dictionary column's chunk of NULLs has none (and its page no values).
func (c *columnEncoder) dictionaryUsed() bool { return len(c.dict) > 0 }

func (c *columnEncoder) encoding() format.Encoding {
	if c.dictionaryUsed() {
		return format.RLEDictionary
	}
	if c.kind == leafTime || c.kind == leafOptBool {
		return format.Plain
	}
	return format.DeltaLengthByteArray
}

// writeDictionaryPage appends the dictionary page to the chunk.
func (c *columnEncoder) writeDictionaryPage(e *segmentEncoder) error {
	compressed, err := c.codec.Encode(e.packed[:0], c.dictPlain)
	if err != nil {
		return err
	}
	e.packed = compressed
	h := format.PageHeader{
		Type: format.DictionaryPage, UncompressedPageSize: int32(len(c.dictPlain)), CompressedPageSize: int32(len(compressed)),
		CRC:                  int32(crc32.ChecksumIEEE(compressed)),
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{NumValues: int32(len(c.dict)), Encoding: format.Plain}),
	}
	header, err := e.marshal(&h)
	if err != nil {
		return err
	}
	c.chunk = append(append(c.chunk, header...), compressed...)
	c.chunkUncompressed += int64(len(header) + len(c.dictPlain))
	return nil
}

// flushPage appends the page being built to the chunk, as a V2 data page:
// its levels in the clear, its values compressed.
func (c *columnEncoder) flushPage(e *segmentEncoder) error {
	values := len(c.defs) // a level for every value, null or not
	if c.maxDef == 0 {
		values = c.pageRows
	}
	if values == 0 {
		return nil
	}
	levels := e.levels[:0]
	if c.maxRep > 0 {
		levels = appendLevels(levels, c.reps, c.maxRep)
	}
	repLen := len(levels)
	if c.maxDef > 0 {
		levels = appendLevels(levels, c.defs, c.maxDef)
	}
	e.levels = levels
	plain := c.values
	switch {
	case c.dictionaryUsed():
		var err error
		if plain, err = new(rle.DictionaryEncoding).EncodeInt32(e.values[:0], c.indexes); err != nil {
			return err
		}
		e.values = plain
	case c.kind == leafOptBool:
		plain = packBits(e.values[:0], c.values)
		e.values = plain
	case c.encoding() == format.DeltaLengthByteArray:
		var err error
		if plain, err = new(delta.LengthByteArrayEncoding).EncodeByteArray(e.values[:0], c.values, c.offsets); err != nil {
			return err
		}
		e.values = plain
	}
	compressed, err := c.codec.Encode(e.packed[:0], plain)
	if err != nil {
		return err
	}
	e.packed = compressed
	crc := crc32.Update(crc32.ChecksumIEEE(levels), crc32.IEEETable, compressed)
	h := format.PageHeader{
		Type: format.DataPageV2, UncompressedPageSize: int32(len(levels) + len(plain)),
		CompressedPageSize: int32(len(levels) + len(compressed)), CRC: int32(crc),
		DataPageHeaderV2: thrift.New(format.DataPageHeaderV2{
			NumValues: int32(values), NumNulls: int32(c.nulls), NumRows: int32(c.pageRows), Encoding: c.encoding(),
			DefinitionLevelsByteLength: int32(len(levels) - repLen), RepetitionLevelsByteLength: int32(repLen),
			IsCompressed: thrift.New(true),
		}),
	}
	header, err := e.marshal(&h)
	if err != nil {
		return err
	}
	c.pages = append(c.pages, format.PageLocation{
		Offset: int64(len(c.chunk)), CompressedPageSize: int32(len(header) + len(levels) + len(compressed)), FirstRowIndex: int64(c.firstRow),
	})
	c.chunk = append(append(append(c.chunk, header...), levels...), compressed...)
	c.chunkUncompressed += int64(len(header) + len(levels) + len(plain))
	c.chunkValues += int64(values)
	c.chunkNulls += int64(c.nulls)
	return nil
}

// appendLevels appends levels in the RLE/bit-packed hybrid encoding, at
// the width of their maximum, without the length V1 pages put first.
func appendLevels(dst, levels []byte, max byte) []byte {
	enc := rle.Encoding{BitWidth: bits.Len8(max)}
	b, err := enc.EncodeLevels(dst[len(dst):], levels)
	if err != nil { // only for a width out of range
		panic(err)
	}
	return append(dst, b...)
}

// packBits packs booleans held a byte each into bits, the first value in
// the lowest bit, as the PLAIN encoding of booleans is.
func packBits(dst, flags []byte) []byte {
	for i := 0; i < len(flags); i += 8 {
		var b byte
		for j, f := range flags[i:min(i+8, len(flags))] {
			b |= f << j
		}
		dst = append(dst, b)
	}
	return dst
}

// unsafeBytes views a string's bytes, which must not be changed.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
