//go:build !linux || !cgo

package sim

import "unsafe"

// Elsewhere than on Linux, log files are compressed by the pure-Go gzip
// writer: the system's ISA-L is looked for by its Linux name only.

func openIgzip() bool                                          { return false }
func newIgzip() unsafe.Pointer                                 { return nil }
func freeIgzip(unsafe.Pointer)                                 {}
func igzipCompress(unsafe.Pointer, []byte, []byte) (int, bool) { return 0, false }
