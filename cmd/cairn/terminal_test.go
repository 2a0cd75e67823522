package main

import (
	"strings"
	"testing"
)

// A field that carries terminal control sequences reaches the terminal
// escaped, so that it can neither retitle it nor write over what it shows;
// text, tabs, line breaks and other scripts pass untouched.
func TestTerminalTextEscapesControls(t *testing.T) {
	for in, want := range map[string]string{
		"alice\tGetObject\n":     "alice\tGetObject\n",
		"Zoë 東京 ✓\n":             "Zoë 東京 ✓\n",
		"\x1b]0;PWNED\a":         `\x1b]0;PWNED\x07`,
		"ok\r\x1b[2Kfake":        `ok\x0d\x1b[2Kfake`,
		"c1 \u009b31m, del \x7f": `c1 \x9b31m, del \x7f`,
		"not utf-8 \xff\xfe":     `not utf-8 \xff\xfe`,
		"txt.exe\u202egpj":       `txt.exe\u202egpj`,
	} {
		var b strings.Builder
		n, err := terminalText(&b).Write([]byte(in))
		if err != nil || n != len(in) || b.String() != want {
			t.Errorf("%q: wrote %q (%d, %v), want %q", in, b.String(), n, err, want)
		}
	}
}

// A field with a line break cannot start a table row of its own, and a
// long cell is cut between characters, not inside one.
func TestTableCells(t *testing.T) {
	forged := "mallory\n2026-11-26T16:00:00Z  alice  DeleteTrail"
	if got := clip(forged, 80); strings.Contains(got, "\n") || !strings.HasPrefix(got, `mallory\x0a2026`) {
		t.Errorf("clip(%q) = %q", forged, got)
	}
	if got := clip(strings.Repeat("─", 100), 10); got != strings.Repeat("─", 9)+"…" {
		t.Errorf("clip of box drawing = %q", got)
	}
	if got := cellText("a\tb"); got != `a\x09b` {
		t.Errorf("cellText of a tab = %q", got)
	}
}

// A value a spreadsheet would run as a formula is written as text.
func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://evil.example")`: `'=HYPERLINK("http://evil.example")`,
		"+1":                                "'+1",
		"-2+3":                              "'-2+3",
		"@SUM(A1)":                          "'@SUM(A1)",
		"\t=1":                              "'\t=1",
		"alice":                             "alice",
		"":                                  "",
		"a=b":                               "a=b",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// JSON lines stay one line a record: a record stored over several lines
// loses the whitespace between its values, and nothing else; the others
// are printed byte for byte.
func TestOneJSONLine(t *testing.T) {
	for in, want := range map[string]string{
		`{"eventID":"a", "x" : "\u00e9\/" ,"n":1.50e2}`:                           `{"eventID":"a", "x" : "\u00e9\/" ,"n":1.50e2}`,
		"{\n\t\"eventID\": \"b\",\r\n\t\"x\": \"\\u00e9 \\n\",\n\t\"n\": -0.0\n}": `{"eventID":"b","x":"\u00e9 \n","n":-0.0}`,
	} {
		if got := string(oneJSONLine([]byte(in))); got != want {
			t.Errorf("oneJSONLine(%q) = %q, want %q", in, got, want)
		}
	}
}
