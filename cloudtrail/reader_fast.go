package cloudtrail

import (
	"bytes"
	"io"

	"github.com/cairn-audit/cairn"
)

// A file decompressed whole in the shape CloudTrail writes
// ({"Records":[…]}, and nothing else) is read without the JSON decoder: the
// cursor that fills each record checks, as it goes, that the record is
// valid JSON (scan_strict.go), and tells where it ends. Having the decoder
// validate every record before the cursor read it took a tenth of ingest's
// CPU. At anything else (a record the cursor gives up on, which includes
// every invalid one, or more after the Records array) the Reader hands over
// to the decoder where the fast path stopped, and the decoder reads on as
// it reads any file: the same records, the same errors.

// readFast turns the fast path on; tests turn it off to compare.
var readFast = true

// fastResult is what the fast path found next.
type fastResult int

const (
	fastRecord   fastResult = iota // a record
	fastEnd                        // the end of the file
	fastHandOver                   // something for the decoder
)

// envelopeStart returns the offset just past `{"Records":[` (white space
// allowed) at the start of b, or -1.
func envelopeStart(b []byte) int {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return -1
	}
	i = skipSpace(b, i+1)
	if !bytes.HasPrefix(b[i:], []byte(`"Records"`)) {
		return -1
	}
	i = skipSpace(b, i+len(`"Records"`))
	if i == len(b) || b[i] != ':' {
		return -1
	}
	i = skipSpace(b, i+1)
	if i == len(b) || b[i] != '[' {
		return -1
	}
	return i + 1
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// startFast enters the fast path when the file is in memory and in
// CloudTrail's shape, and reads its first record ahead, as step does for
// any file. It reports false when the decoder is to read the file from its
// start.
func (r *Reader) startFast() bool {
	start := envelopeStart(r.input)
	if !readFast || start < 0 {
		return false
	}
	r.fast, r.pos = true, start
	raw, _, _, found := r.nextFast(false)
	switch found {
	case fastRecord:
		r.pending = raw
	case fastEnd:
		r.err = io.EOF
	case fastHandOver:
		r.fast, r.taken = false, 0
		return false
	}
	r.setFormat(FormatEnvelope)
	r.state = stEnvelope
	return true
}

// nextFast finds the next record after r.pos, and decodes it when decode
// is set; decodeErr is the record's decoding error.
func (r *Reader) nextFast(decode bool) (raw []byte, ev cairn.Event, decodeErr error, found fastResult) {
	b := r.input
	i := skipSpace(b, r.pos)
	if i < len(b) && b[i] == ']' {
		// The file must end with the envelope's '}'.
		j := skipSpace(b, i+1)
		if j < len(b) && b[j] == '}' && skipSpace(b, j+1) == len(b) {
			return nil, cairn.Event{}, nil, fastEnd
		}
		return nil, cairn.Event{}, nil, fastHandOver
	}
	if r.taken > 0 {
		if i == len(b) || b[i] != ',' {
			return nil, cairn.Event{}, nil, fastHandOver
		}
		i = skipSpace(b, i+1)
	}
	if i == len(b) || b[i] != '{' {
		return nil, cairn.Event{}, nil, fastHandOver
	}
	var n int
	if decode {
		var scanned bool
		if ev, n, decodeErr, scanned = decodeAt(b[i:]); !scanned {
			return nil, cairn.Event{}, nil, fastHandOver
		}
	} else {
		c := cursor{b: b[i:], ok: true}
		if c.skip(); !c.ok {
			return nil, cairn.Event{}, nil, fastHandOver
		}
		n = c.i
	}
	r.pos, r.offset = i+n, int64(i)
	r.taken++
	return b[i : i+n : i+n], ev, decodeErr, fastRecord
}

// handOver positions the decoder after the records the fast path took, in
// the envelope's Records array, and leaves the fast path.
func (r *Reader) handOver() error {
	r.fast = false
	d := r.dec
	d.Reset(bytes.NewBuffer(r.input), readOptions)
	for range 3 { // {, "Records", [
		if _, err := d.ReadToken(); err != nil {
			return r.wrap(err)
		}
	}
	for range r.taken {
		if err := d.SkipValue(); err != nil {
			return r.wrap(err)
		}
	}
	r.state = stEnvelope
	return nil
}
