package cloudtrail

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

// A log file of CloudTrail's is decompressed whole, so that the Reader
// parses it in place (reader_fast.go): in one call to the system's
// libdeflate when there is one, which inflates at 1.0 GB/s where the
// pure-Go reader manages 0.57 (make bench's first 5,000 files), and by the
// pure-Go reader otherwise. A file too large for that (most are a few
// kilobytes), or one that either finds anything wrong with, goes through
// the streaming reader, so memory stays bounded and a damaged file is
// reported just as before.
const (
	maxWholeCompressed = 1 << 20
	maxWholePlain      = 16 << 20
)

const fhcrc = 1 << 1 // the gzip header flag of a header checksum

// readWhole turns whole-file decompression on; tests turn it off to
// compare it with the stream.
var readWhole = true

// libdeflate reports whether the system's libdeflate was opened.
// CAIRN_NATIVE=0 keeps cairn to its pure-Go code.
var libdeflate = sync.OnceValue(func() bool {
	return os.Getenv("CAIRN_NATIVE") != "0" && openLibdeflate()
})

// wholeGzip holds a small gzip file; it is pooled, so that its buffer
// serves the next file.
type wholeGzip struct {
	compressed []byte
}

var wholeGzips = sync.Pool{New: func() any { return new(wholeGzip) }}

// read reads the compressed file, up to maxWholeCompressed bytes. It
// reports whether that was all of it.
func (w *wholeGzip) read(br *bufio.Reader) (complete bool, err error) {
	if w.compressed == nil {
		w.compressed = make([]byte, 0, 64<<10)
	}
	w.compressed = w.compressed[:0]
	for len(w.compressed) <= maxWholeCompressed {
		if len(w.compressed) == cap(w.compressed) {
			w.compressed = slices.Grow(w.compressed, cap(w.compressed))
		}
		n, err := br.Read(w.compressed[len(w.compressed):cap(w.compressed)])
		w.compressed = w.compressed[:len(w.compressed)+n]
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// inflate decompresses what read read into a buffer of its own, which the
// caller keeps: records are slices of it (see Reader.input). It reports
// false when it cannot: the file is larger than maxWholePlain, holds more
// than one gzip member, or is damaged.
func (w *wholeGzip) inflate() ([]byte, bool) {
	in := w.compressed
	// A gzip member is at least 18 bytes long. libdeflate skips a header
	// checksum (flag FHCRC, which CloudTrail does not set) that the
	// streaming reader checks: such a file is left to the latter.
	if len(in) < 18 || in[3]&fhcrc != 0 {
		return nil, false
	}
	// It ends with its decompressed size, modulo 2³².
	size := int(binary.LittleEndian.Uint32(in[len(in)-4:]))
	if size > maxWholePlain {
		return nil, false
	}
	out := make([]byte, size+1) // +1: never a zero-length buffer, and room to see a lying size
	if !libdeflate() {
		return inflateGo(in, out, size)
	}
	d := getInflater()
	if d == nil {
		return nil, false
	}
	defer putInflater(d)
	read, wrote, ok := gunzipMember(d, in, out)
	if !ok || read != len(in) || wrote != size {
		return nil, false
	}
	return out[:size:size], true
}

// inflateGo is inflate's pure-Go decompression of one gzip member in into
// out, which holds size+1 bytes.
func inflateGo(in, out []byte, size int) ([]byte, bool) {
	src := bytes.NewReader(in)
	zr, err := getGzip(src)
	if err != nil {
		return nil, false
	}
	zr.Multistream(false)
	// The size's bytes, then the member's end: only there does the reader
	// check the trailer, and a trailer cut short ends a read of more bytes
	// than there are with the same io.ErrUnexpectedEOF as a sound end.
	_, err = io.ReadFull(zr, out[:size])
	var more int
	if err == nil {
		more, err = zr.Read(out[size:])
	}
	zr.Multistream(true)
	gzipPool.Put(zr)
	if err != io.EOF || more != 0 || src.Len() != 0 {
		return nil, false // damaged, more than one member, or a lying size
	}
	return out[:size:size], true
}

// release returns w to the pool unless a large file made it large.
func (w *wholeGzip) release() {
	if cap(w.compressed) > maxWholeCompressed/4 {
		return
	}
	wholeGzips.Put(w)
}

// inflaters keeps libdeflate's decompressors from one file to the next. It
// is not a sync.Pool: the collector empties those, and every cycle would
// make and free new ones in C's heap.
var inflaters = make(chan unsafe.Pointer, 2*runtime.GOMAXPROCS(0))

func getInflater() unsafe.Pointer {
	select {
	case d := <-inflaters:
		return d
	default:
		return newInflater()
	}
}

func putInflater(d unsafe.Pointer) {
	select {
	case inflaters <- d:
	default:
		freeInflater(d)
	}
}
