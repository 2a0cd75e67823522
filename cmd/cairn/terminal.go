package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// terminalText wraps the writer of text meant for a person (tables, time
// lines, explanations, errors): an event's fields are whatever a caller
// sent, and a control character in them could retitle the terminal, or
// move the cursor and write over a line. Such characters, bytes that are
// not UTF-8, and the marks that turn text right to left are written
// escaped (\x1b, \u202e); tabs and line breaks pass. A table's cells go
// through cellText too.
func terminalText(w io.Writer) io.Writer { return textWriter{w} }

// forPeople is e with its stdout for text meant for a person.
func (e *env) forPeople() *env {
	c := *e
	c.stdout = terminalText(e.stdout)
	return &c
}

type textWriter struct{ w io.Writer }

func (t textWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, escapeControls(p, "\n\t")); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cellText is s for one cell of a table: a line break or tab in it, as
// well as what terminalText escapes, is escaped, so that a field cannot
// start a row of its own.
func cellText(s string) string { return escapeControls([]byte(s), "") }

// escapeControls returns b with control characters other than those in
// keep, bytes that are not UTF-8 and bidirectional marks escaped.
func escapeControls(b []byte, keep string) string {
	clean := true
	for _, c := range b {
		if c < 0x20 && strings.IndexByte(keep, c) < 0 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var out strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&out, `\x%02x`, b[i])
		case r < 0x20 && !strings.ContainsRune(keep, r) || r >= 0x7f && r <= 0x9f:
			fmt.Fprintf(&out, `\x%02x`, r)
		case bidiControl(r):
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.Write(b[i : i+n])
		}
		i += n
	}
	return out.String()
}

// bidiControl reports whether r changes the direction text is shown in,
// which can make a value read as another.
func bidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// csvCell keeps a spreadsheet from running a value as a formula: one that
// begins with = + - @, a tab or a carriage return gets a leading '. Only
// text is changed, and only for CSV, which people open in spreadsheets;
// JSON carries values as they are.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
