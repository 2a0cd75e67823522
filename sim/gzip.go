package sim

import (
	"bytes"
	"os"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/gzip"
)

// igzip reports whether the system's ISA-L was opened. CAIRN_NATIVE=0
// keeps cairn to its pure-Go code.
var igzip = sync.OnceValue(func() bool {
	return os.Getenv("CAIRN_NATIVE") != "0" && openIgzip()
})

// logGzipper compresses whole log files, one gzip member each. Where the
// system has ISA-L it does that work: its level 2 compresses the
// simulator's records 1.7× as fast as the pure-Go writer's fastest level,
// as small, and compression was two fifths of generation's CPU.
// The bytes differ between the two, the records they hold do not; a data
// set is byte for byte the same for a seed on one machine.
type logGzipper struct {
	native unsafe.Pointer // ISA-L's state; nil for the pure-Go writer
	gz     *gzip.Writer   // made when first needed
}

func newLogGzipper() *logGzipper {
	if igzip() {
		return &logGzipper{native: newIgzip()}
	}
	return &logGzipper{}
}

// compress appends src, gzipped, to dst.
func (g *logGzipper) compress(dst *bytes.Buffer, src []byte) error {
	if g.native != nil && len(src) > 0 {
		// Deflate's worst case, stored blocks, adds 5 bytes per 64 KiB;
		// the gzip header and trailer 18.
		dst.Grow(len(src) + len(src)/1024 + 64)
		out := dst.AvailableBuffer()
		if n, ok := igzipCompress(g.native, src, out[:cap(out)]); ok {
			dst.Write(out[:n])
			return nil
		}
	}
	if g.gz == nil {
		g.gz, _ = gzip.NewWriterLevel(nil, gzip.BestSpeed)
	}
	g.gz.Reset(dst)
	g.gz.Write(src)
	return g.gz.Close()
}

// close frees ISA-L's state.
func (g *logGzipper) close() {
	if g.native != nil {
		freeIgzip(g.native)
		g.native = nil
	}
}
