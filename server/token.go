package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// A page token is opaque to clients. It carries the cairn.Cursor and a hash
// of the filter it was issued for, so that reusing it with other parameters
// fails (AWS asks for the same parameters on every page) instead of silently
// returning a page of some other search. The layout, before unpadded
// base64url:
//
//	version   1 byte, 1
//	filter    8 bytes, the first bytes of SHA-256 over the scope and the filter
//	seconds   8 bytes, big-endian Unix seconds of Cursor.EventTime
//	nanos     4 bytes, big-endian nanoseconds
//	key       the rest, Cursor.Key
//
// Tokens are not secret and not signed: a forged token only moves the
// position within results that its bearer may read anyway.
const (
	tokenVersion   = 1
	tokenHeaderLen = 1 + 8 + 8 + 4
	maxTokenLen    = 4096
)

// Token scopes keep one API's tokens out of another's.
const (
	scopeLookupEvents  = "cloudtrail.LookupEvents"
	scopeLookupInsight = "cloudtrail.LookupEvents.insight"
	scopeSearch        = "cairn.search"
)

var errBadToken = errors.New("invalid page token")

func encodeToken(c cairn.Cursor, f cairn.Filter, scope string) string {
	b := make([]byte, tokenHeaderLen, tokenHeaderLen+len(c.Key))
	b[0] = tokenVersion
	h := filterHash(f, scope)
	copy(b[1:9], h[:])
	binary.BigEndian.PutUint64(b[9:17], uint64(c.EventTime.Unix()))
	binary.BigEndian.PutUint32(b[17:21], uint32(c.EventTime.Nanosecond()))
	b = append(b, c.Key...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken returns the cursor in s, or errBadToken when s is malformed or
// was issued for another filter.
func decodeToken(s string, f cairn.Filter, scope string) (cairn.Cursor, error) {
	// The decoder skips line breaks even when strict: a token with one is
	// not one that was issued.
	if len(s) > maxTokenLen || strings.ContainsAny(s, "\r\n") {
		return cairn.Cursor{}, errBadToken
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < tokenHeaderLen || b[0] != tokenVersion {
		return cairn.Cursor{}, errBadToken
	}
	h := filterHash(f, scope)
	if !bytes.Equal(b[1:9], h[:]) {
		return cairn.Cursor{}, errBadToken
	}
	secs, nanos := int64(binary.BigEndian.Uint64(b[9:17])), binary.BigEndian.Uint32(b[17:21])
	// Years 1 to 9999, the range of RFC 3339 and of every index.
	if nanos >= 1e9 || secs < -62135596800 || secs > 253402300799 {
		return cairn.Cursor{}, errBadToken
	}
	c := cairn.Cursor{
		EventTime: time.Unix(secs, int64(nanos)).UTC(),
		Key:       string(b[tokenHeaderLen:]),
	}
	if c.IsZero() {
		return cairn.Cursor{}, errBadToken
	}
	return c, nil
}

// filterHash identifies a filter: every field, length-prefixed so that no
// two filters share an encoding.
func filterHash(f cairn.Filter, scope string) [8]byte {
	h := sha256.New()
	var buf []byte
	str := func(s string) {
		buf = binary.AppendUvarint(buf[:0], uint64(len(s)))
		h.Write(buf)
		h.Write([]byte(s))
	}
	tm := func(t time.Time) {
		if t.IsZero() {
			str("")
			return
		}
		str(t.UTC().Format(time.RFC3339Nano))
	}
	str(scope)
	for _, s := range []string{f.EventID, f.User, f.EventName, f.EventSource, f.ResourceID, f.ResourceType,
		f.AccessKeyID, f.SourceIP, f.ErrorCode, f.ReadOnly.String(), f.Text} {
		str(s)
	}
	// Added later: hashed only when set, so that tokens of filters without
	// them stay valid.
	if f.Account != "" || f.Region != "" {
		str(f.Account)
		str(f.Region)
	}
	tm(f.Since)
	tm(f.Until)
	var out [8]byte
	copy(out[:], h.Sum(nil))
	return out
}
