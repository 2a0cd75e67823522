package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestSaysWhatItCannotRead: a folder with nothing in it and a URL of
// a kind cairn does not read are told apart from an ingest that found
// nothing new.
func TestIngestSaysWhatItCannotRead(t *testing.T) {
	data, empty := t.TempDir(), t.TempDir()
	r := runCairn(t, nil, "ingest", "-quiet", "-data", data, empty)
	if r.code != 0 || !strings.Contains(r.stderr, "holds no files; give the folder or bucket CloudTrail delivers to") {
		t.Errorf("an empty folder: exit %d, %q", r.code, r.stderr)
	}
	r = runCairn(t, nil, "ingest", "-quiet", "-data", data, "ftp://example.com/trail")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "not ftp://") {
		t.Errorf("an FTP URL: exit %d, %q", r.code, r.stderr)
	}
}

// A file named with a line break and an escape sequence is named in one
// line of notice: a name cannot forge a notice of its own.
func TestIngestNoticeIsOneLine(t *testing.T) {
	data, trail := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(trail, "bad\nquarantined other.json: fine\x1b[31m.json"), []byte(`{"Records":[`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCairn(t, nil, "ingest", "-quiet", "-data", data, trail)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 2 || !strings.Contains(r.stderr, `quarantined bad\x0aquarantined other.json: fine\x1b[31m.json: record 1: truncated JSON`) {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}
