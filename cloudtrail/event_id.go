package cloudtrail

import (
	"crypto/sha256"
	"encoding/hex"
)

// DerivedEventID is the ID a record without an eventID is kept under:
// CloudTrail's first records (eventVersion 1.0, 2013–2014) have none. It
// is made from the record's bytes, so that a record delivered twice is
// kept once, and has the form of a UUID of version 8 (RFC 9562's "custom"),
// which no eventID that CloudTrail wrote has: the SHA-256 of the record,
// its first 122 bits.
func DerivedEventID(raw []byte) string {
	sum := sha256.Sum256(raw)
	sum[6] = sum[6]&0x0f | 0x80 // version 8
	sum[8] = sum[8]&0x3f | 0x80 // RFC 9562 variant
	var b [36]byte
	hex.Encode(b[0:8], sum[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], sum[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], sum[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], sum[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], sum[10:16])
	return string(b[:])
}
