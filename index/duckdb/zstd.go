package duckdb

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// fastZstd is the Parquet codec of a segment's columns: zstd's fastest
// level. It compresses with the system's libzstd when there is one: its
// level 1 compresses the raw records as small as the pure-Go encoder's
// fastest level in two thirds of the time (make bench's first 3,000 files,
// 26 MB in 1 MiB pages: 18.4 against 28.4 ms), and compression is an
// eighth of ingest. Without it, and to decompress, it is the pure-Go codec.
type fastZstd struct {
	pure  zstd.Codec
	level int
}

// fastestZstd compresses the segments' columns. It is shared, so that the
// pure-Go encoders it keeps serve every segment instead of being made again
// for each (libzstd's states are kept in zstdContexts).
var fastestZstd = &fastZstd{pure: zstd.Codec{Level: zstd.SpeedFastest}, level: 1}

// pureDefaultLevel gives the pure-Go encoder's default level to the
// columns that its fastest level compresses noticeably worse. Column by
// column on make bench's week, its fastest level against its default:
// eventID +54%, requestID +37%, eventTime +15%, the resources' region +12%,
// type +4%, account +4% and role +3%; the other columns, nine tenths of the
// bytes, within ±1% of the whole, in less time. libzstd's level 1 needs no
// exceptions: against the pure-Go default level on these columns, eventID
// -20%, requestID -11%, eventTime +9%, region +6%, the others within ±1%,
// and the whole week's segments 2.2% smaller (135.8 → 132.8 MB).
var pureDefaultLevel = map[string]bool{
	"eventTime": true, "eventID": true, "requestID": true,
	"resources.list.element.type": true, "resources.list.element.account": true,
	"resources.list.element.region": true, "resources.list.element.role": true,
}

// nativeZstd reports whether the system's libzstd was opened. CAIRN_NATIVE=0
// keeps cairn to its pure-Go code.
var nativeZstd = sync.OnceValue(func() bool {
	return os.Getenv("CAIRN_NATIVE") != "0" && openLibzstd()
})

// zstdContexts keeps libzstd's compression states, a megabyte or so each,
// from one page to the next. It is not a sync.Pool: the collector empties
// those, and every cycle would make and free new states in C's heap.
var zstdContexts = make(chan unsafe.Pointer, 2*runtime.GOMAXPROCS(0))

func getZstdContext() unsafe.Pointer {
	select {
	case p := <-zstdContexts:
		return p
	default:
		return newZstdContext()
	}
}

func putZstdContext(p unsafe.Pointer) {
	select {
	case zstdContexts <- p:
	default:
		freeZstdContext(p)
	}
}

func (c *fastZstd) String() string                            { return "ZSTD" }
func (c *fastZstd) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *fastZstd) Decode(dst, src []byte) ([]byte, error) { return c.pure.Decode(dst, src) }

func (c *fastZstd) Encode(dst, src []byte) ([]byte, error) {
	if !nativeZstd() {
		return c.pure.Encode(dst, src)
	}
	return appendLibzstd(dst[:0], src, c.level)
}

// appendLibzstd appends src, compressed by libzstd at level, to dst.
func appendLibzstd(dst, src []byte, level int) ([]byte, error) {
	ctx := getZstdContext()
	if ctx == nil {
		return nil, fmt.Errorf("zstd: cannot allocate a compression context")
	}
	defer putZstdContext(ctx)
	dst = slices.Grow(dst, zstdBound(len(src)))
	n, ok := zstdCompress(ctx, dst[len(dst):cap(dst)], src, level)
	if !ok {
		return nil, fmt.Errorf("zstd: compressing %d bytes failed", len(src))
	}
	return dst[:len(dst)+n], nil
}
