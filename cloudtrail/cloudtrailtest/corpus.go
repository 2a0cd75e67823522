package cloudtrailtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Corpus returns the folder sub of the real corpus ($CAIRN_CORPUS, which
// .ci/run sets to ../shared/corpus), or skips the test when there is none;
// with CAIRN_REQUIRE_CORPUS=1 a missing corpus fails it instead.
func Corpus(t testing.TB, sub string) string {
	t.Helper()
	root := os.Getenv("CAIRN_CORPUS")
	if root == "" {
		t.Skip("CAIRN_CORPUS is not set; .ci/run sets it to ../shared/corpus")
	}
	dir := filepath.Join(root, sub)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CAIRN_REQUIRE_CORPUS") == "1" {
			t.Fatalf("no corpus at %s: %v", dir, err)
		}
		t.Skipf("no corpus at %s", dir)
	}
	return dir
}
