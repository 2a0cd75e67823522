package cloudtrail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// Format is the shape of a log file, detected from its content.
type Format int

const (
	// FormatEnvelope is CloudTrail's own {"Records":[…]} object.
	FormatEnvelope Format = iota + 1
	// FormatArray is a bare JSON array of records.
	FormatArray
	// FormatLines is one record per top-level object: JSON lines,
	// concatenated objects, or a single event.
	FormatLines
)

func (f Format) String() string {
	switch f {
	case FormatEnvelope:
		return "Records envelope"
	case FormatArray:
		return "JSON array"
	case FormatLines:
		return "JSON lines"
	}
	return "unknown"
}

// ErrNotCloudTrail is wrapped by the errors of content that is no CloudTrail
// log at all (empty, or JSON of another shape), as opposed to a log that is
// damaged (truncated, corrupt gzip, invalid JSON).
var ErrNotCloudTrail = errors.New("not a CloudTrail log")

type notCloudTrailError struct{ msg string }

func (e *notCloudTrailError) Error() string { return e.msg }
func (e *notCloudTrailError) Unwrap() error { return ErrNotCloudTrail }

func notCloudTrail(format string, args ...any) error {
	return &notCloudTrailError{fmt.Sprintf(format, args...)}
}

// readOptions are shared by the reader and the decoder. Duplicate names are
// allowed because rejecting them would quarantine a whole file for a quirk
// that loses nothing (and checking them costs time); invalid UTF-8 is
// rejected because the raw record must be storable as text.
var readOptions = jsontext.AllowDuplicateNames(true)

// Reader streams the records of one log file. A small file, most of them,
// is decompressed whole and its records are slices of it; a larger one is
// streamed, and the Reader holds one record in memory at a time, never the
// whole file. A Reader is not safe for concurrent use.
type Reader struct {
	raw   *bufio.Reader // pooled; see Close
	rest  *bufio.Reader // pooled: what the streaming gunzip reads, when it is not raw
	plain *bufio.Reader // pooled, over zr
	zr    *gzip.Reader  // pooled
	whole *wholeGzip    // pooled; the file read whole (inflate.go)
	// input is the file decompressed whole, when it was (inflate.go): the
	// decoder parses it in place, and records are slices of it, neither
	// copied into the decoder's buffer nor out of it.
	input  []byte
	dec    *jsontext.Decoder
	rec    recorder
	gz     bool
	skip   int64 // bytes dropped before the decoder (a byte order mark)
	format Format
	// eventBridge: every top-level object is an EventBridge event (no
	// envelope), and NextEvent decodes with DecodeEventBridge.
	eventBridge bool

	// fast: records are read from input without the decoder, from pos on;
	// taken of them so far (reader_fast.go).
	fast  bool
	pos   int
	taken int

	state   readState
	lines   bool   // the first top-level object was a record, not an envelope (always so for EventBridge events)
	pending []byte // a record read while detecting the format
	n       int    // records returned
	offset  int64  // offset of the last record returned
	err     error  // sticky
}

type readState int

const (
	stTop      readState = iota // between top-level values
	stArray                     // inside a top-level array
	stEnvelope                  // inside an envelope's Records array
	stEnvRest                   // inside an envelope, after a Records array
)

// NewReader detects compression (gzip, by its magic bytes) and the file's
// shape, and returns a Reader positioned before the first record (it reads
// that record ahead). It fails on empty input, corrupt gzip, and content
// that is not a CloudTrail log; the error is one line that says where.
//
// Call Close when done, so that the Reader's buffers serve the next file:
// CloudTrail delivers many small files, and allocating 150 KB of buffers
// and a decompressor for each of them costs more than reading them.
func NewReader(r io.Reader) (*Reader, error) { return newReader(r, false) }

func newReader(r io.Reader, eventBridge bool) (*Reader, error) {
	br := getBuffer(r)
	rd := &Reader{raw: br, eventBridge: eventBridge, lines: eventBridge}
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		if src, err = rd.gunzip(br); err != nil {
			rd.Close()
			return nil, err
		}
	}
	rd.skipBOM(src)
	in := io.Reader(&rd.rec)
	if bb, ok := src.(*bytes.Buffer); ok {
		rd.input, in = bb.Bytes(), bb
	} else {
		rd.rec.r = src
	}
	if d, ok := decoderPool.Get().(*jsontext.Decoder); ok {
		d.Reset(in, readOptions)
		rd.dec = d
	} else {
		rd.dec = jsontext.NewDecoder(in, readOptions)
	}
	if rd.input != nil && !eventBridge && rd.startFast() {
		return rd, nil
	}
	switch k := rd.dec.PeekKind(); k {
	case '{', '[':
	case 0, ']', '}':
		_, err := rd.dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return nil, notCloudTrail("empty file: no JSON data")
		}
		return nil, rd.wrap(err)
	default:
		// Text that begins as a value would (this…, as true) is no value.
		if _, err := rd.dec.ReadToken(); err != nil {
			return nil, rd.wrap(err)
		}
		return nil, notCloudTrail("%s: the top-level JSON value is %s, not an object or array", rd.notWhat(), kindName(k))
	}
	raw, err := rd.step()
	if err != nil && err != io.EOF {
		return nil, err
	}
	rd.pending, rd.err = raw, err
	return rd, nil
}

// gunzip returns the decompressed input: all of it when the file is small
// (inflate.go), and otherwise a stream.
func (rd *Reader) gunzip(br *bufio.Reader) (io.Reader, error) {
	rd.gz = true
	var compressed gzipSource = br
	if readWhole {
		w := wholeGzips.Get().(*wholeGzip)
		rd.whole = w
		complete, err := w.read(br)
		switch {
		case err != nil:
			return nil, fmt.Errorf("read error: %w", err)
		case !complete:
			rd.rest = getBuffer(io.MultiReader(bytes.NewReader(w.compressed), br))
			compressed = rd.rest
		default:
			if plain, ok := w.inflate(); ok {
				return bytes.NewBuffer(plain), nil
			}
			// The streaming reader says what is wrong, or reads what
			// inflate does not (several gzip members, padding).
			compressed = bytes.NewReader(w.compressed)
		}
	}
	zr, err := getGzip(compressed)
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip header: %v", gzipReason(err))
	}
	zr.Multistream(false)
	rd.zr = zr
	rd.plain = getBuffer(gzipErrReader{&memberReader{zr, compressed}})
	return rd.plain, nil
}

// memberReader reads the members of a gzip file one after another, as
// gzip -d does, and takes zero bytes after the last one for the padding
// that tapes and some copying tools add, not for a member that is broken.
// Its gzip.Reader reads from src directly (src is an io.ByteReader), so
// that src is where a member ends.
type memberReader struct {
	zr  *gzip.Reader
	src gzipSource
}

// gzipSource is what memberReader reads: a bufio.Reader or a bytes.Reader.
type gzipSource interface {
	io.Reader
	io.ByteScanner
}

func (m *memberReader) Read(p []byte) (int, error) {
	for {
		n, err := m.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		// A member ended: the file ends, is padded, or has another.
		b, err := m.src.ReadByte()
		switch {
		case err == io.EOF:
			return n, io.EOF
		case err != nil:
			return n, err
		case b == 0:
			return n, m.padding()
		case b != 0x1f: // not the start of another member
			return n, errAfterGzip
		}
		m.src.UnreadByte()
		if err := m.zr.Reset(m.src); err != nil {
			return n, err
		}
		m.zr.Multistream(false)
		if n > 0 {
			return n, nil
		}
	}
}

// padding reads the rest of the file, which must be zero bytes.
func (m *memberReader) padding() error {
	for {
		switch b, err := m.src.ReadByte(); {
		case err == io.EOF:
			return io.EOF
		case err != nil:
			return err
		case b != 0:
			return errAfterPadding
		}
	}
}

var (
	errAfterGzip    = errors.New("data after the end of the gzip data")
	errAfterPadding = errors.New("data after the zero bytes that pad the gzip data")
)

var utf8BOM = []byte("\xef\xbb\xbf")

// skipBOM drops a byte order mark at the start of the decompressed input.
func (rd *Reader) skipBOM(src io.Reader) {
	switch s := src.(type) {
	case *bufio.Reader:
		if bom, _ := s.Peek(3); bytes.Equal(bom, utf8BOM) {
			s.Discard(3)
			rd.skip = 3
		}
	case *bytes.Buffer:
		if bytes.HasPrefix(s.Bytes(), utf8BOM) {
			s.Next(3)
			rd.skip = 3
		}
	}
}

// Format reports the detected shape.
func (r *Reader) Format() Format { return r.format }

// Compressed reports whether the input was gzip-compressed.
func (r *Reader) Compressed() bool { return r.gz }

// Count is the number of records returned so far.
func (r *Reader) Count() int { return r.n }

// Offset is the byte offset of the last record returned, in the
// decompressed input.
func (r *Reader) Offset() int64 { return r.offset + r.skip }

// Next returns the raw bytes of the next record, exactly as in the input.
// The slice belongs to the caller. Next returns io.EOF after the last record;
// any other error is final and says where the input went wrong.
func (r *Reader) Next() ([]byte, error) {
	if r.pending != nil {
		raw := r.pending
		r.pending = nil
		r.n++
		return raw, nil
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.fast {
		switch raw, _, _, found := r.nextFast(false); found {
		case fastRecord:
			r.n++
			return raw, nil
		case fastEnd:
			r.err = io.EOF
			return nil, io.EOF
		}
		if err := r.handOver(); err != nil {
			r.err = err
			return nil, err
		}
	}
	raw, err := r.step()
	if err != nil {
		r.err = err
		return nil, err
	}
	r.n++
	return raw, nil
}

// NextEvent reads and decodes the next record. Decoding errors name the
// record's number and offset; they are not sticky, so a caller may skip a
// bad record, though ingest quarantines the whole file.
func (r *Reader) NextEvent() (cairn.Event, error) {
	if r.fast && r.pending == nil && r.err == nil {
		switch _, ev, err, found := r.nextFast(true); found {
		case fastRecord:
			r.n++
			return ev, r.placed(err)
		case fastEnd:
			r.err = io.EOF
			return cairn.Event{}, io.EOF
		}
		if err := r.handOver(); err != nil {
			r.err = err
			return cairn.Event{}, err
		}
	}
	raw, err := r.Next()
	if err != nil {
		return cairn.Event{}, err
	}
	// Next validated the record already.
	decode := decodeValid
	if r.eventBridge {
		decode = DecodeEventBridge
	}
	ev, err := decode(raw)
	return ev, r.placed(err)
}

// placed gives a record's decoding error the record's number and offset.
func (r *Reader) placed(err error) error {
	var re *RecordError
	if errors.As(err, &re) {
		re.Record, re.Offset = r.n, r.Offset()
	}
	return err
}

// step advances the state machine to the next record.
func (r *Reader) step() ([]byte, error) {
	d := r.dec
	r.rec.mark = r.rec.read
	for {
		switch r.state {
		case stTop:
			switch k := d.PeekKind(); k {
			case '[':
				if _, err := d.ReadToken(); err != nil {
					return nil, r.wrap(err)
				}
				r.setFormat(FormatArray)
				r.state = stArray
			case '{':
				if r.lines {
					r.setFormat(FormatLines)
					return r.readRecord()
				}
				raw, err := r.probe()
				if err != nil || raw != nil {
					return raw, err
				}
			case 0:
				_, err := d.ReadToken()
				if errors.Is(err, io.EOF) {
					return nil, io.EOF
				}
				return nil, r.wrap(err)
			case ']', '}':
				_, err := d.ReadToken()
				return nil, r.wrap(err)
			default:
				return nil, notCloudTrail("%s: top-level JSON value at offset %d is %s, not an object or array", r.notWhat(), r.valueOffset(), kindName(k))
			}
		case stArray, stEnvelope:
			if d.PeekKind() == ']' {
				if _, err := d.ReadToken(); err != nil {
					return nil, r.wrap(err)
				}
				if r.state == stArray {
					r.state = stTop
				} else {
					r.state = stEnvRest
				}
				continue
			}
			return r.readRecord()
		case stEnvRest:
			if d.PeekKind() == '}' {
				if _, err := d.ReadToken(); err != nil {
					return nil, r.wrap(err)
				}
				r.state = stTop
				continue
			}
			name, err := d.ReadToken()
			if err != nil {
				return nil, r.wrap(err)
			}
			if name.String() == "Records" && d.PeekKind() == '[' {
				if _, err := d.ReadToken(); err != nil {
					return nil, r.wrap(err)
				}
				r.state = stEnvelope
				continue
			}
			if err := d.SkipValue(); err != nil {
				return nil, r.wrap(err)
			}
		}
	}
}

// notWhat begins the message for content of the wrong shape.
func (r *Reader) notWhat() string {
	if r.eventBridge {
		return "not EventBridge events"
	}
	return "not a CloudTrail log"
}

func (r *Reader) setFormat(f Format) {
	if r.format == 0 {
		r.format = f
	}
}

// readRecord reads one whole value and copies it out of the decoder, or
// slices it out of input.
func (r *Reader) readRecord() ([]byte, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, r.wrap(err)
	}
	end := r.dec.InputOffset()
	r.offset = end - int64(len(v))
	if r.input != nil {
		return v[:len(v):len(v)], nil // full, so that appending to it copies
	}
	return bytes.Clone(v), nil
}

// probe reads a top-level object member by member to learn whether it is an
// envelope (it has a Records array, not necessarily first) or a record. It
// records the bytes it reads, so that a record can be returned exactly as
// written. It returns the record, or nil when it entered an envelope.
func (r *Reader) probe() ([]byte, error) {
	d := r.dec
	if r.input == nil {
		r.rec.start(d.InputOffset(), d.UnreadBuffer())
		defer r.rec.stop()
	}
	if _, err := d.ReadToken(); err != nil { // '{'
		return nil, r.wrap(err)
	}
	start := d.InputOffset() - 1
	var names []string
	recordLike := false
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			return nil, r.wrap(err)
		}
		name := tok.String()
		if name == "Records" {
			switch k := d.PeekKind(); k {
			case '[':
				if _, err := d.ReadToken(); err != nil {
					return nil, r.wrap(err)
				}
				r.setFormat(FormatEnvelope)
				r.state = stEnvelope
				return nil, nil
			case 0:
				_, err := d.ReadToken()
				return nil, r.wrap(err)
			default:
				return nil, notCloudTrail("not a CloudTrail log: Records at offset %d is %s, not an array", r.valueOffset(), kindName(k))
			}
		}
		if recordKeys[name] {
			recordLike = true
		}
		if len(names) < 5 {
			names = append(names, name)
		}
		if err := d.SkipValue(); err != nil {
			return nil, r.wrap(err)
		}
	}
	if _, err := d.ReadToken(); err != nil { // '}'
		return nil, r.wrap(err)
	}
	if !recordLike {
		what := "an empty object"
		if len(names) > 0 {
			what = fmt.Sprintf("keys %q", names)
		}
		return nil, notCloudTrail("not a CloudTrail log: top-level object has no Records array (%s)", what)
	}
	end := d.InputOffset()
	var raw []byte
	ok := true
	if r.input != nil {
		raw = r.input[start:end:end]
	} else {
		raw, ok = r.rec.slice(start, end)
	}
	if !ok {
		return nil, fmt.Errorf("internal error: lost record bytes at offset %d", start+r.skip)
	}
	r.setFormat(FormatLines)
	r.lines = true
	r.offset = start
	return raw, nil
}

// valueOffset is the offset of the value that PeekKind just looked at.
func (r *Reader) valueOffset() int64 {
	off := r.dec.InputOffset()
	for _, c := range r.dec.UnreadBuffer() {
		if !isSpace(c) && c != ':' && c != ',' {
			break
		}
		off++
	}
	return off + r.skip
}

// recordKeys are top-level names that only a CloudTrail record has; a
// top-level object with one of them is a single event, not an envelope.
var recordKeys = map[string]bool{
	"eventID": true, "eventVersion": true, "eventTime": true, "eventSource": true,
	"eventName": true, "userIdentity": true, "@timestamp": true, "recipientAccountId": true,
	"awsRegion": true, "eventType": true,
}

// wrap turns a decoder error into a one-line error that says where.
func (r *Reader) wrap(err error) error {
	if err == nil {
		return nil
	}
	var gzErr *gzipError
	if errors.As(err, &gzErr) {
		return fmt.Errorf("corrupt gzip data after %d decompressed bytes: %v", r.dec.InputOffset()+r.skip, gzErr.reason())
	}
	rec := r.n + 1
	var tooLarge *tooLargeError
	if errors.As(err, &tooLarge) {
		if tooLarge.whole {
			return tooLarge
		}
		return fmt.Errorf("record %d is %w", rec, tooLarge)
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		where := fmt.Sprintf("at offset %d", se.ByteOffset+r.skip)
		if r.gz {
			where += " (decompressed)"
		}
		if errors.Is(se.Err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("record %d: truncated JSON %s", rec, where)
		}
		return fmt.Errorf("record %d: invalid JSON %s: %v", rec, where, se.Err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("record %d: truncated JSON at offset %d", rec, r.dec.InputOffset()+r.skip)
	}
	return fmt.Errorf("read error after %d bytes: %w", r.dec.InputOffset()+r.skip, err)
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "invalid"
}

// The most a streamed file may hold, decompressed: in one record, and in
// all. A Reader holds a record whole, and ingest holds a file's events until
// they are committed, so without them one small gzip file of a repeated
// byte could take all the memory, on every run. CloudTrail's records are at
// most a few hundred kilobytes and its files a few tens of megabytes.
// Variables for tests.
var (
	maxRecordBytes int64 = 32 << 20
	maxFileBytes   int64 = 512 << 20
)

// tooLargeError is the error of a file over maxRecordBytes or
// maxFileBytes; whole says which.
type tooLargeError struct{ whole bool }

func (e *tooLargeError) Error() string {
	if e.whole {
		return fmt.Sprintf("more than %d MiB of JSON, decompressed: a file's events are read all at once; split it into smaller files", maxFileBytes>>20)
	}
	return fmt.Sprintf("larger than %d MiB: CloudTrail's records are at most a few hundred kilobytes", maxRecordBytes>>20)
}

// recorder passes reads through and, while started, keeps a copy of what
// it read so that probe can return a record's exact bytes. It refuses to
// read past the limits above.
type recorder struct {
	r    io.Reader
	on   bool
	base int64 // input offset of buf[0]
	read int64 // total bytes read from r
	mark int64 // read when the current record began
	buf  []byte
}

func (c *recorder) Read(p []byte) (int, error) {
	// Refused before reading, with no bytes: the decoder goes on with the
	// bytes a read returns and overlooks an error that comes with them.
	switch {
	case c.read > maxFileBytes:
		return 0, &tooLargeError{whole: true}
	case c.read-c.mark > maxRecordBytes:
		return 0, &tooLargeError{}
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.on {
		c.buf = append(c.buf, p[:n]...)
	}
	return n, err
}

// start begins recording at offset, given the bytes the decoder has
// buffered but not consumed (they start at offset).
func (c *recorder) start(offset int64, unread []byte) {
	c.on = true
	c.base = offset
	if c.buf == nil {
		c.buf = *recordings.Get().(*[]byte)
	}
	c.buf = append(c.buf[:0], unread...)
}

// stop ends a recording, keeping its buffer for the next unless an unusual
// object made it large.
func (c *recorder) stop() {
	c.on = false
	if cap(c.buf) > maxRecording {
		c.buf = nil
	}
	c.buf = c.buf[:0]
}

// release returns the recording's buffer for the next file's Reader.
func (c *recorder) release() {
	if b := c.buf; b != nil {
		recordings.Put(&b)
	}
	c.buf = nil
}

const maxRecording = 256 << 10

// recordings recycles recorders' buffers: probing a file copies what the
// decoder has buffered, most of a small file, and allocating that afresh
// for every file was a seventh of what ingest allocated.
var recordings = sync.Pool{New: func() any { return new([]byte) }}

func (c *recorder) slice(start, end int64) ([]byte, bool) {
	s, e := start-c.base, end-c.base
	if s < 0 || e > int64(len(c.buf)) || s > e {
		return nil, false
	}
	return bytes.Clone(c.buf[s:e]), true
}

// gzipErrReader marks decompression errors so that they are not mistaken
// for truncated JSON.
type gzipErrReader struct{ r io.Reader }

func (g gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = &gzipError{err}
	}
	return n, err
}

type gzipError struct{ err error }

func (e *gzipError) Error() string  { return "gzip: " + e.err.Error() }
func (e *gzipError) Unwrap() error  { return e.err }
func (e *gzipError) reason() string { return gzipReason(e.err) }

func gzipReason(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated gzip stream"
	case errors.Is(err, gzip.ErrChecksum):
		return "checksum mismatch"
	case errors.Is(err, gzip.ErrHeader):
		return "invalid gzip header"
	case errors.As(err, new(flate.CorruptInputError)), errors.As(err, new(flate.InternalError)):
		// The decompressor's own words for damage depend on the streams
		// it decoded before, clean ones included (its tables outlive a
		// Reset), so that a pooled one reported one file two ways.
		return "corrupt deflate data"
	}
	return err.Error()
}

var (
	bufferPool  sync.Pool // *bufio.Reader of 64 KiB
	gzipPool    sync.Pool // *gzip.Reader
	decoderPool sync.Pool // *jsontext.Decoder, whose buffer grows to a record
)

// noInput is what a pooled decoder reads from, so that it holds on to no
// Reader.
var noInput = strings.NewReader("")

func getBuffer(r io.Reader) *bufio.Reader {
	if b, ok := bufferPool.Get().(*bufio.Reader); ok {
		b.Reset(r)
		return b
	}
	return bufio.NewReaderSize(r, 64<<10)
}

func getGzip(r io.Reader) (*gzip.Reader, error) {
	if z, ok := gzipPool.Get().(*gzip.Reader); ok {
		if err := z.Reset(r); err != nil {
			return nil, err
		}
		return z, nil
	}
	return gzip.NewReader(r)
}

// Close releases the Reader's buffers for reuse. It does not close the
// underlying reader. The Reader must not be used afterwards.
func (r *Reader) Close() error {
	if r.plain != nil {
		r.plain.Reset(nil)
		bufferPool.Put(r.plain)
		r.plain = nil
	}
	if r.zr != nil {
		gzipPool.Put(r.zr)
		r.zr = nil
	}
	if r.whole != nil {
		r.whole.release()
		r.whole = nil
	}
	if r.raw != nil {
		r.raw.Reset(nil)
		bufferPool.Put(r.raw)
		r.raw = nil
	}
	if r.rest != nil {
		r.rest.Reset(nil)
		bufferPool.Put(r.rest)
		r.rest = nil
	}
	if r.dec != nil {
		r.dec.Reset(noInput, readOptions)
		decoderPool.Put(r.dec)
	}
	r.rec.release()
	r.dec, r.pending, r.input = nil, nil, nil
	if r.err == nil {
		r.err = errClosed
	}
	return nil
}

var errClosed = errors.New("cloudtrail: reader closed")
