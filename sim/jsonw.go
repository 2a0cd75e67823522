package sim

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// jw is an append-style JSON builder. The simulator writes millions of
// records per minute, so it appends into one reused byte slice instead of
// building values and marshalling them by reflection. Callers open and close
// objects and arrays in pairs; the builder only tracks where commas go.
type jw struct {
	b     []byte
	depth int
	first [32]bool
}

func (w *jw) reset() { w.b = w.b[:0]; w.depth = 0 }

func (w *jw) comma() {
	if w.first[w.depth] {
		w.first[w.depth] = false
		return
	}
	w.b = append(w.b, ',')
}

// begin starts a top-level object.
func (w *jw) begin() {
	w.b = append(w.b, '{')
	w.depth++
	w.first[w.depth] = true
}

func (w *jw) key(k string) {
	w.comma()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// obj opens an object under key k; end closes it.
func (w *jw) obj(k string) {
	w.key(k)
	w.b = append(w.b, '{')
	w.depth++
	w.first[w.depth] = true
}

func (w *jw) end() {
	w.b = append(w.b, '}')
	w.depth--
}

// arr opens an array under key k; endArr closes it.
func (w *jw) arr(k string) {
	w.key(k)
	w.b = append(w.b, '[')
	w.depth++
	w.first[w.depth] = true
}

func (w *jw) endArr() {
	w.b = append(w.b, ']')
	w.depth--
}

// elem opens an object as an array element.
func (w *jw) elem() {
	w.comma()
	w.b = append(w.b, '{')
	w.depth++
	w.first[w.depth] = true
}

func (w *jw) elemStr(v string) {
	w.comma()
	w.quote(v)
}

func (w *jw) str(k, v string) {
	w.key(k)
	w.quote(v)
}

// strs writes a string value made of parts, which must need no escaping.
func (w *jw) strs(k string, parts ...string) {
	w.key(k)
	w.b = append(w.b, '"')
	for _, p := range parts {
		w.b = append(w.b, p...)
	}
	w.b = append(w.b, '"')
}

// strb writes a string value from bytes.
func (w *jw) strb(k string, v []byte) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = append(w.b, v...)
	w.b = append(w.b, '"')
}

func (w *jw) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jw) float(k string, v float64) {
	w.key(k)
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
}

func (w *jw) boolean(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jw) null(k string) {
	w.key(k)
	w.b = append(w.b, "null"...)
}

// raw writes v, which must be valid JSON, under key k.
func (w *jw) raw(k string, v []byte) {
	w.key(k)
	w.b = append(w.b, v...)
}

// time writes t as CloudTrail does: UTC, second precision, Z.
func (w *jw) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendTime(w.b, t)
	w.b = append(w.b, '"')
}

// appendTime appends t as YYYY-MM-DDTHH:MM:SSZ without going through
// time.Format, which is measurably slower in the record loop.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

const hexDigits = "0123456789abcdef"

// quote appends s as a JSON string.
func (w *jw) quote(s string) {
	w.b = appendQuoted(w.b, s)
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
