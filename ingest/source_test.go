package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSourceURLIsOpenSources: SourceURL names a source as OpenSource does.
func TestSourceURLIsOpenSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "log.json")
	if err := os.WriteFile(file, []byte(`{"Records":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{dir, dir + "/", "file://" + dir, file, "s3://bucket/prefix/", "s3://bucket"} {
		src, err := OpenSource(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := SourceURL(raw); got != src.URL {
			t.Errorf("SourceURL(%q) = %q, OpenSource names it %q", raw, got, src.URL)
		}
	}
}
