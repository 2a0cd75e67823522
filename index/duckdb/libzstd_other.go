//go:build !linux || !cgo

package duckdb

import "unsafe"

// Elsewhere than on Linux, segments are compressed by the pure-Go encoder:
// the system's libzstd is looked for by its Linux name only.

func openLibzstd() bool                                            { return false }
func newZstdContext() unsafe.Pointer                               { return nil }
func freeZstdContext(unsafe.Pointer)                               {}
func zstdBound(n int) int                                          { return n }
func zstdCompress(unsafe.Pointer, []byte, []byte, int) (int, bool) { return 0, false }
