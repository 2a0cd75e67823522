package duckdb

import (
	"encoding/binary"
	"errors"
)

// errDeltaShort says that a DELTA_BINARY_PACKED run goes on past the bytes
// given: the caller decompresses more of the page and tries again.
var errDeltaShort = errors.New("delta-binary-packed values end past the bytes given")

var errDeltaInvalid = errors.New("invalid delta-binary-packed values")

// maxDeltaValues bounds the values of one run: a page holds a few thousand.
const maxDeltaValues = 1 << 24

// decodeDeltaInt32 decodes the DELTA_BINARY_PACKED INT32 values at the start
// of b into dst, and returns them with the number of bytes they took. A
// DELTA_LENGTH_BYTE_ARRAY page begins with its values' lengths in this form
// and goes on with the values themselves, so the byte after the lengths is
// the first value's: parquet-go's decoder does not say where that is.
// Arithmetic wraps at 32 bits, as the writer's does.
func decodeDeltaInt32(b []byte, dst []int32) ([]int32, int, error) {
	pos := 0
	uvarint := func() (uint64, error) {
		v, n := binary.Uvarint(b[pos:])
		switch {
		case n == 0:
			return 0, errDeltaShort
		case n < 0:
			return 0, errDeltaInvalid
		}
		pos += n
		return v, nil
	}
	zigzag := func() (uint32, error) {
		v, err := uvarint()
		return uint32(int64(v>>1) ^ -int64(v&1)), err
	}
	blockSize, err := uvarint()
	if err != nil {
		return dst, 0, err
	}
	miniblocks, err := uvarint()
	if err != nil {
		return dst, 0, err
	}
	total, err := uvarint()
	if err != nil {
		return dst, 0, err
	}
	last, err := zigzag()
	if err != nil {
		return dst, 0, err
	}
	if blockSize == 0 || blockSize%128 != 0 || blockSize > 1<<16 || miniblocks == 0 || blockSize%miniblocks != 0 ||
		(blockSize/miniblocks)%32 != 0 || total > maxDeltaValues {
		return dst, 0, errDeltaInvalid
	}
	perMini := int(blockSize / miniblocks)
	dst = dst[:0]
	if total > 0 {
		dst = append(dst, int32(last))
	}
	for uint64(len(dst)) < total {
		minDelta, err := zigzag()
		if err != nil {
			return dst, 0, err
		}
		if len(b)-pos < int(miniblocks) {
			return dst, 0, errDeltaShort
		}
		widths := b[pos : pos+int(miniblocks)]
		pos += int(miniblocks)
		// The miniblocks after the last value are left out, whatever
		// their widths say; the one it ends in is whole.
		for _, w := range widths {
			if uint64(len(dst)) == total {
				break
			}
			if w > 32 {
				return dst, 0, errDeltaInvalid
			}
			size := perMini * int(w) / 8
			if len(b)-pos < size {
				return dst, 0, errDeltaShort
			}
			packed := b[pos : pos+size]
			for i := 0; i < perMini && uint64(len(dst)) < total; i++ {
				last += minDelta + unpackBits(packed, i, uint(w))
				dst = append(dst, int32(last))
			}
			pos += size
		}
	}
	return dst, pos, nil
}

// unpackBits returns the i-th value of width w (at most 32) of bits packed
// least significant first.
func unpackBits(packed []byte, i int, w uint) uint32 {
	if w == 0 {
		return 0
	}
	bit := uint(i) * w
	var word [8]byte
	copy(word[:], packed[bit/8:])
	return uint32(binary.LittleEndian.Uint64(word[:])>>(bit%8)) & uint32(uint64(1)<<w-1)
}
