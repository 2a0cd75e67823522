package duckdb

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

// The system's libzstd, opened at run time so that cairn builds and runs
// without it. Its ABI has been stable since 1.0.
static void *(*zstd_create)(void);
static size_t (*zstd_free)(void *cctx);
static size_t (*zstd_compress)(void *cctx, void *dst, size_t cap, const void *src, size_t n, int level);
static unsigned (*zstd_is_error)(size_t code);
static size_t (*zstd_bound)(size_t n);

static int zstd_load(void) {
	void *h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) return 0;
	zstd_create = (void *(*)(void))dlsym(h, "ZSTD_createCCtx");
	zstd_free = (size_t (*)(void *))dlsym(h, "ZSTD_freeCCtx");
	zstd_compress = (size_t (*)(void *, void *, size_t, const void *, size_t, int))dlsym(h, "ZSTD_compressCCtx");
	zstd_is_error = (unsigned (*)(size_t))dlsym(h, "ZSTD_isError");
	zstd_bound = (size_t (*)(size_t))dlsym(h, "ZSTD_compressBound");
	return zstd_create && zstd_free && zstd_compress && zstd_is_error && zstd_bound;
}

static void *zstd_new(void) { return zstd_create(); }
static void zstd_release(void *cctx) { zstd_free(cctx); }
static size_t zstd_max(size_t n) { return zstd_bound(n); }

// zstd_encode returns the compressed size, or 0 on an error (a zstd frame
// is never empty).
static size_t zstd_encode(void *cctx, void *dst, size_t cap, const void *src, size_t n, int level) {
	size_t r = zstd_compress(cctx, dst, cap, src, n, level);
	return zstd_is_error(r) ? 0 : r;
}
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// fastZstd is the Parquet codec of most of a segment's columns: zstd's
// fastest level. It compresses with the system's libzstd when there is one:
// its level 1 compresses the raw records as small as the pure-Go encoder's
// fastest level in two thirds of the time (make bench's first 3,000 files,
// 26 MB in 1 MiB pages: 18.4 against 28.4 ms), and compression is an
// eighth of ingest. Without it, and to decompress, it is the pure-Go codec.
type fastZstd struct {
	pure  zstd.Codec
	ctxs  sync.Pool // *zstdContext
	level C.int
}

// fastestZstd compresses the columns not tagged zstd (see segmentRow). It
// is shared, so that its pooled contexts, with their tables, serve every
// segment instead of being made again for each.
var fastestZstd = &fastZstd{pure: zstd.Codec{Level: zstd.SpeedFastest}, level: 1}

// nativeZstd reports whether the system's libzstd was opened. CAIRN_NATIVE=0
// keeps cairn to its pure-Go code.
var nativeZstd = sync.OnceValue(func() bool {
	return os.Getenv("CAIRN_NATIVE") != "0" && C.zstd_load() == 1
})

// zstdContext is libzstd's compression state, kept from one page to the
// next; it is freed when the pool lets it go.
type zstdContext struct{ p unsafe.Pointer }

func (c *fastZstd) String() string                            { return "ZSTD" }
func (c *fastZstd) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *fastZstd) Decode(dst, src []byte) ([]byte, error) { return c.pure.Decode(dst, src) }

func (c *fastZstd) Encode(dst, src []byte) ([]byte, error) {
	if !nativeZstd() {
		return c.pure.Encode(dst, src)
	}
	ctx, _ := c.ctxs.Get().(*zstdContext)
	if ctx == nil {
		ctx = &zstdContext{p: C.zstd_new()}
		if ctx.p == nil {
			return nil, fmt.Errorf("zstd: cannot allocate a compression context")
		}
		runtime.AddCleanup(ctx, func(p unsafe.Pointer) { C.zstd_release(p) }, ctx.p)
	}
	defer c.ctxs.Put(ctx)
	bound := int(C.zstd_max(C.size_t(len(src))))
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:bound]
	var in unsafe.Pointer
	if len(src) > 0 {
		in = unsafe.Pointer(&src[0])
	}
	n := C.zstd_encode(ctx.p, unsafe.Pointer(&dst[0]), C.size_t(bound), in, C.size_t(len(src)), c.level)
	if n == 0 {
		return nil, fmt.Errorf("zstd: compressing %d bytes failed", len(src))
	}
	return dst[:n], nil
}
