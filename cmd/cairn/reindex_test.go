package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReindexNamesWhatChangedInItsSources: the index is rebuilt from its
// sources as they are, and a log file that was rewritten or deleted since
// it was indexed, which CloudTrail never does, is named.
func TestReindexNamesWhatChangedInItsSources(t *testing.T) {
	f := makeFixture(t)
	data := filepath.Join(t.TempDir(), "data")
	if r := runCairn(t, nil, "ingest", "-quiet", "-data", data, f.dir); !strings.Contains(r.stdout, "120 new") {
		t.Fatalf("ingest: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	day := filepath.Join(f.dir, "AWSLogs", "o-abc123", "111122223333", "CloudTrail", "us-east-1", "2026", "03", "10")
	changed := filepath.Join(day, "111122223333_CloudTrail_us-east-1_20260310T1000Z_0000000000000000.json.gz")
	gone := filepath.Join(day, "111122223333_CloudTrail_us-east-1_20260310T1100Z_0000000000000001.json.gz")
	write(t, day, filepath.Base(changed), gz(`{"Records":[]}`))
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	r := runCairn(t, nil, "reindex", "-data", data)
	if r.code != 1 || !strings.Contains(r.stderr, "changed AWSLogs/o-abc123/") || !strings.Contains(r.stderr, "0000000000000000.json.gz: ") ||
		!strings.Contains(r.stderr, "gone AWSLogs/o-abc123/") || !strings.Contains(r.stderr, "0000000000000001.json.gz: indexed on ") ||
		!strings.Contains(r.stderr, "check the trail with cairn verify") {
		t.Errorf("reindex: exit %d\n%s", r.code, r.stderr)
	}
}

// Reindexing a folder that holds no index says so, and makes nothing.
func TestReindexWithoutAnIndex(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing")
	r := runCairn(t, nil, "reindex", "-data", missing)
	if r.code != 1 || !strings.Contains(r.stderr, "no data folder at "+missing) {
		t.Errorf("reindex of a missing folder: exit %d, %s", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("reindex made %s: %v", missing, err)
	}
	empty := t.TempDir()
	if r := runCairn(t, nil, "reindex", "-data", empty); r.code != 1 || !strings.Contains(r.stderr, "no index in "+empty) {
		t.Errorf("reindex of an empty folder: exit %d, %s", r.code, r.stderr)
	}
}

// A folder of logs passed as -data is named as not a data folder, not read
// as an index without events; an empty folder is a new data folder.
func TestReadingAFolderThatIsNotData(t *testing.T) {
	logs := t.TempDir()
	if err := os.MkdirAll(filepath.Join(logs, "AWSLogs", "111122223333"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"search"}, {"sql", "SELECT 1"}, {"timeline", "i-0abc"}} {
		r := runCairn(t, nil, append(args, "-data", logs)...)
		if r.code != 1 || !strings.Contains(r.stderr, logs+" is not a cairn data folder") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s -data on a folder of logs: exit %d\n%s%s", args[0], r.code, r.stdout, r.stderr)
		}
	}
	if r := runCairn(t, nil, "search", "-data", t.TempDir()); r.code != 0 || !strings.Contains(r.stdout, "no events match") ||
		!strings.HasPrefix(r.stderr, "the index holds no events: run cairn ingest URL") {
		t.Errorf("search of an empty data folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestReindexWithASourceGone: a source that cannot be read any more (a
// trail moved to another mount) stops the reindex before it deletes a
// thing; -drop rebuilds from the others; an old index left aside by an
// interrupted reindex is never deleted.
func TestReindexWithASourceGone(t *testing.T) {
	f := makeFixture(t)
	other := filepath.Join(t.TempDir(), "other")
	if err := os.CopyFS(other, os.DirFS(f.dir)); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	// The fixture holds a corrupt file: every run names it, and exits 1.
	if r := runCairn(t, nil, "ingest", "-quiet", "-data", data, f.dir, other); !strings.Contains(r.stdout, "120 new") {
		t.Fatalf("ingest: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	count := func() string {
		t.Helper()
		return runCairn(t, nil, "sql", "-data", data, "-format", "csv", "SELECT count(*) FROM events").stdout
	}
	before := count()
	moved := other + ".moved"
	if err := os.Rename(other, moved); err != nil {
		t.Fatal(err)
	}
	r := runCairn(t, nil, "reindex", "-data", data)
	if r.code != 1 || !strings.Contains(r.stderr, "the rebuilt index would lose its events") || !strings.Contains(r.stderr, "-drop URL") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("reindex with a source gone: exit %d\n%s", r.code, r.stderr)
	}
	if got := count(); got != before {
		t.Errorf("the refused reindex changed the index: %s, before %s", got, before)
	}
	if r := runCairn(t, nil, "reindex", "-data", data, "-drop", "file:///nowhere"); r.code == 0 || !strings.Contains(r.stderr, "no such source") {
		t.Errorf("-drop of a source the index lacks: exit %d\n%s", r.code, r.stderr)
	}
	// Named as a path, as it was ingested, not as its URL.
	r = runCairn(t, nil, "reindex", "-data", data, "-drop", other+"/")
	if !strings.Contains(r.stderr, "rebuilding the index from 1 source\n") || !strings.Contains(r.stdout, "120 new") {
		t.Errorf("reindex -drop: exit %d\n%s", r.code, r.stderr)
	}
	if got := count(); got != before {
		t.Errorf("after reindex -drop: %s events, before %s (the two sources hold the same events)", got, before)
	}
	if _, err := os.Stat(filepath.Join(data, "index.before-reindex")); !os.IsNotExist(err) {
		t.Errorf("the old index was left aside: %v", err)
	}
	// An interrupted reindex left the old index aside: it is not touched.
	if err := os.Mkdir(filepath.Join(data, "index.before-reindex"), 0o700); err != nil {
		t.Fatal(err)
	}
	if r := runCairn(t, nil, "reindex", "-data", data); r.code != 1 || !strings.Contains(r.stderr, "was interrupted") {
		t.Errorf("reindex beside an old index: exit %d\n%s", r.code, r.stderr)
	}
}
