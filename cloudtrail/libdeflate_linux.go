//go:build linux && cgo

package cloudtrail

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

// The system's libdeflate, opened at run time so that cairn builds and runs
// without it. libdeflate_gzip_decompress_ex has been in its ABI since 1.0.
static void *(*ld_alloc)(void);
static void (*ld_free)(void *d);
static int (*ld_gunzip)(void *d, const void *in, size_t in_n, void *out, size_t out_avail,
	size_t *actual_in, size_t *actual_out);

static int ld_load(void) {
	void *h = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h) return 0;
	ld_alloc = (void *(*)(void))dlsym(h, "libdeflate_alloc_decompressor");
	ld_free = (void (*)(void *))dlsym(h, "libdeflate_free_decompressor");
	ld_gunzip = (int (*)(void *, const void *, size_t, void *, size_t, size_t *, size_t *))
		dlsym(h, "libdeflate_gzip_decompress_ex");
	return ld_alloc && ld_free && ld_gunzip;
}

static void *ld_new(void) { return ld_alloc(); }
static void ld_release(void *d) { ld_free(d); }

// ld_inflate decompresses the first gzip member of in into out; it returns
// libdeflate's result (0 is success).
static int ld_inflate(void *d, const void *in, size_t in_n, void *out, size_t out_avail,
	size_t *actual_in, size_t *actual_out) {
	return ld_gunzip(d, in, in_n, out, out_avail, actual_in, actual_out);
}
*/
import "C"

import "unsafe"

// openLibdeflate opens the system's libdeflate; it reports false when
// there is none.
func openLibdeflate() bool { return C.ld_load() == 1 }

// newInflater makes a decompressor; nil when out of memory.
func newInflater() unsafe.Pointer { return C.ld_new() }

func freeInflater(d unsafe.Pointer) { C.ld_release(d) }

// gunzipMember decompresses the first gzip member of in into out, and says
// how many bytes it read and wrote. in and out must not be empty.
func gunzipMember(d unsafe.Pointer, in, out []byte) (read, wrote int, ok bool) {
	var r, w C.size_t
	res := C.ld_inflate(d, unsafe.Pointer(&in[0]), C.size_t(len(in)), unsafe.Pointer(&out[0]), C.size_t(len(out)), &r, &w)
	return int(r), int(w), res == 0
}
