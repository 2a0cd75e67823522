package cloudtrail

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The cursor checks, as it walks a record, that the record is valid JSON,
// so that the Reader need not have the whole record validated first (which
// took a tenth of ingest). It is stricter than JSON where that is cheaper
// and the case is rare: it gives up on a string with an escaped UTF-16
// surrogate and on values nested deeper than maxSkipDepth. Giving up is
// never wrong: the Reader then reads the record with the full decoder,
// which accepts or rejects it and says why.

// maxSkipDepth bounds the nesting the cursor passes over; deeper records
// are left to the full decoder, whose limit is far higher.
const maxSkipDepth = 64

// Bytes repeated across a word, for looking at 8 bytes at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialBytes marks, in the high bit of each byte, the bytes of w that end
// the plain run of a string: a quote, a backslash, a control character or a
// byte of a multi-byte UTF-8 sequence. A byte above the first marked one may
// be marked falsely; the first is always right.
func specialBytes(w uint64) uint64 {
	quote := w ^ ('"' * ones)
	backslash := w ^ ('\\' * ones)
	return ((quote-ones) & ^quote | (backslash-ones) & ^backslash | (w - 0x20*ones) | w) & highs
}

// stringEnd returns the index just past the closing quote of the string
// whose opening quote is b[i], and whether it holds escapes; end is -1 when
// the string is not valid JSON or is one the cursor leaves to the decoder.
func stringEnd(b []byte, i int) (end int, escaped bool) {
	j := i + 1
	for {
		for j+8 <= len(b) {
			m := specialBytes(binary.LittleEndian.Uint64(b[j:]))
			if m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		if j >= len(b) {
			return -1, false
		}
		switch ch := b[j]; {
		case ch == '"':
			return j + 1, escaped
		case ch == '\\':
			n := escapeLen(b[j:])
			if n == 0 {
				return -1, false
			}
			j += n
			escaped = true
		case ch < 0x20:
			return -1, false
		case ch < utf8.RuneSelf: // marked falsely, or a plain byte in the tail
			j++
		default:
			r, n := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && n == 1 {
				return -1, false
			}
			j += n
		}
	}
}

// escapeLen returns the length of the escape sequence at the start of b, or
// 0 when it is invalid or escapes a UTF-16 surrogate.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		r := rune(0)
		for _, h := range b[2:6] {
			switch {
			case '0' <= h && h <= '9':
				r = r<<4 | rune(h-'0')
			case 'a' <= h && h <= 'f':
				r = r<<4 | rune(h-'a'+10)
			case 'A' <= h && h <= 'F':
				r = r<<4 | rune(h-'A'+10)
			default:
				return 0
			}
		}
		if 0xD800 <= r && r <= 0xDFFF {
			return 0
		}
		return 6
	}
	return 0
}

// numberEnd returns the index just past the JSON number at b[i], or -1.
func numberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digitsEnd(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digitsEnd(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsEnd(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
