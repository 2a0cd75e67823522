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
	if r := runCairn(t, nil, "search", "-data", t.TempDir()); r.code != 0 || !strings.Contains(r.stdout, "no events match") {
		t.Errorf("search of an empty data folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
