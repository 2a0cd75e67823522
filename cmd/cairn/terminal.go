package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// terminalText wraps the writer of text meant for a person (tables, time
// lines, explanations): an event's fields are whatever a caller sent, and
// a control character in them could retitle the terminal, or move the
// cursor and write over a line. Such characters, and bytes that are not
// UTF-8, are written escaped (\x1b); tabs and line breaks pass.
func terminalText(w io.Writer) io.Writer { return textWriter{w} }

// forPeople is e with its stdout for text meant for a person.
func (e *env) forPeople() *env {
	c := *e
	c.stdout = terminalText(e.stdout)
	return &c
}

type textWriter struct{ w io.Writer }

func (t textWriter) Write(p []byte) (int, error) {
	clean := true
	for _, c := range p {
		if c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return t.w.Write(p)
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, p[i])
		case r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.Write(p[i : i+n])
		}
		i += n
	}
	if _, err := io.WriteString(t.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
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
