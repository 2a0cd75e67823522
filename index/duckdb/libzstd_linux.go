//go:build linux && cgo

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

import "unsafe"

// openLibzstd opens the system's libzstd; it reports false when there is
// none.
func openLibzstd() bool { return C.zstd_load() == 1 }

// newZstdContext makes a compression state; nil when out of memory.
func newZstdContext() unsafe.Pointer { return C.zstd_new() }

func freeZstdContext(p unsafe.Pointer) { C.zstd_release(p) }

// zstdBound is the most that n bytes compress to.
func zstdBound(n int) int { return int(C.zstd_max(C.size_t(n))) }

// zstdCompress compresses src into dst, which holds zstdBound(len(src))
// bytes, and returns the compressed size.
func zstdCompress(ctx unsafe.Pointer, dst, src []byte, level int) (int, bool) {
	var in unsafe.Pointer
	if len(src) > 0 {
		in = unsafe.Pointer(&src[0])
	}
	n := C.zstd_encode(ctx, unsafe.Pointer(&dst[0]), C.size_t(len(dst)), in, C.size_t(len(src)), C.int(level))
	return int(n), n != 0
}
