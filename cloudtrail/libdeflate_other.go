//go:build !linux || !cgo

package cloudtrail

import "unsafe"

// Elsewhere than on Linux, log files are decompressed by the streaming
// pure-Go reader: the system's libdeflate is looked for by its Linux name
// only.

func openLibdeflate() bool                                         { return false }
func newInflater() unsafe.Pointer                                  { return nil }
func freeInflater(unsafe.Pointer)                                  {}
func gunzipMember(unsafe.Pointer, []byte, []byte) (int, int, bool) { return 0, 0, false }
