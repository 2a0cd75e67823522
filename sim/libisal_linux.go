//go:build linux && cgo

package sim

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ISA-L's igzip, opened at run time so that cairn builds and runs without
// it. Only the public head of struct isal_zstream is declared here, as
// igzip_lib.h declares it (its layout is part of libisal.so.2's ABI); the
// internal state after it is left opaque and given far more room than the
// 82,320 bytes it takes in ISA-L 2.30.
struct igzip_stream {
	uint8_t *next_in;
	uint32_t avail_in;
	uint32_t total_in;
	uint8_t *next_out;
	uint32_t avail_out;
	uint32_t total_out;
	void *hufftables;
	uint32_t level;
	uint32_t level_buf_size;
	uint8_t *level_buf;
	uint16_t end_of_stream;
	uint16_t flush;
	uint16_t gzip_flag;
	uint16_t hist_bits;
	uint8_t internal_state[512 << 10];
};

// Level 2 and its buffer, ISAL_DEF_LVL2_LARGE in igzip_lib.h: the hash
// table and room for the tokens of 64 KiB of input at a time. On the
// simulator's records level 2 is as fast as level 1 and compresses as
// well as the pure-Go writer's fastest level (5.77×; level 1 5.68×).
enum { igzip_level = 2, igzip_level_buf = 4 * 1024 + 2 * 32 * 1024 + 4 * 64 * 1024, igzip_gzip = 1 };

static void (*igzip_init)(struct igzip_stream *);
static int (*igzip_stateless)(struct igzip_stream *);

static int igzip_load(void) {
	void *h = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) return 0;
	igzip_init = (void (*)(struct igzip_stream *))dlsym(h, "isal_deflate_stateless_init");
	igzip_stateless = (int (*)(struct igzip_stream *))dlsym(h, "isal_deflate_stateless");
	return igzip_init && igzip_stateless;
}

struct igzip {
	struct igzip_stream s;
	uint8_t level_buf[igzip_level_buf];
};

// The stream is cache aligned, as igzip_lib.h advises.
static void *igzip_new(void) {
	void *z;
	return posix_memalign(&z, 64, sizeof(struct igzip)) == 0 ? z : NULL;
}
static void igzip_release(void *z) { free(z); }

// igzip_compress writes src as one gzip member into dst; it returns the
// member's size, or 0 when it did not fit or igzip failed.
static size_t igzip_compress(void *z, const void *src, size_t n, void *dst, size_t cap) {
	struct igzip *g = z;
	igzip_init(&g->s);
	g->s.next_in = (uint8_t *)src;
	g->s.avail_in = n;
	g->s.next_out = dst;
	g->s.avail_out = cap;
	g->s.level = igzip_level;
	g->s.level_buf = g->level_buf;
	g->s.level_buf_size = sizeof g->level_buf;
	g->s.end_of_stream = 1;
	g->s.flush = 0;
	g->s.gzip_flag = igzip_gzip;
	if (igzip_stateless(&g->s) != 0) return 0;
	return g->s.total_out;
}
*/
import "C"

import "unsafe"

// openIgzip opens the system's ISA-L; it reports false when there is none.
func openIgzip() bool { return C.igzip_load() == 1 }

// newIgzip makes a compression state; nil when out of memory.
func newIgzip() unsafe.Pointer { return C.igzip_new() }

func freeIgzip(z unsafe.Pointer) { C.igzip_release(z) }

// igzipCompress writes src, which must not be empty, as one gzip member
// into dst and returns its size; false when it did not fit.
func igzipCompress(z unsafe.Pointer, src, dst []byte) (int, bool) {
	n := C.igzip_compress(z, unsafe.Pointer(&src[0]), C.size_t(len(src)), unsafe.Pointer(&dst[0]), C.size_t(len(dst)))
	return int(n), n > 0
}
