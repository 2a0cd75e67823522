package cloudtrail

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestSpecialBytes: in any word, the first byte specialBytes marks is the
// first quote, backslash, control character or non-ASCII byte, whatever
// the bytes after it are.
func TestSpecialBytes(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	rng := rand.New(rand.NewPCG(1, 2))
	var w [8]byte
	for pos := range 8 {
		for v := range 256 {
			for range 64 {
				for i := range w {
					switch {
					case i < pos:
						w[i] = byte(0x20 + rng.IntN(0x60)) // plain, but maybe a quote or backslash
						for special(w[i]) {
							w[i] = byte(0x20 + rng.IntN(0x60))
						}
					case i == pos:
						w[i] = byte(v)
					default:
						w[i] = byte(rng.IntN(256))
					}
				}
				first := 8
				for i, c := range w {
					if special(c) {
						first = i
						break
					}
				}
				got := bits.TrailingZeros64(specialBytes(binary.LittleEndian.Uint64(w[:]))) / 8
				if got != first {
					t.Fatalf("specialBytes(%q) marks byte %d first, want %d", w, got, first)
				}
			}
		}
	}
}
