package file

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-audit/cairn"
)

// List reads only the directories that keys with the prefix can be in, and
// does not descend into directories that roll up into a common prefix.
func TestListReadsOnlyReachableDirectories(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"AWSLogs/111/CloudTrail/us-east-1/2026/03/14/a.json",
		"AWSLogs/111/CloudTrail/us-east-1/2026/03/15/b.json",
		"AWSLogs/111/CloudTrail/eu-west-1/2026/03/14/c.json",
		"AWSLogs/222/CloudTrail/us-east-1/2026/03/14/d.json",
		"other/x/y/z",
	} {
		if err := s.Put(t.Context(), k, strings.NewReader(k), cairn.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var read []string
	readDir = func(name string) ([]os.DirEntry, error) {
		mu.Lock()
		rel := strings.TrimPrefix(strings.TrimPrefix(name, s.root), string(os.PathSeparator))
		read = append(read, rel)
		mu.Unlock()
		return os.ReadDir(name)
	}
	t.Cleanup(func() { readDir = os.ReadDir })

	for _, tc := range []struct {
		opts     cairn.ListOptions
		wantKeys int
		wantDirs []string
	}{
		{cairn.ListOptions{Prefix: "AWSLogs/111/CloudTrail/us-east-1/2026/03/1"}, 2, []string{
			"AWSLogs/111/CloudTrail/us-east-1/2026/03",
			"AWSLogs/111/CloudTrail/us-east-1/2026/03/14",
			"AWSLogs/111/CloudTrail/us-east-1/2026/03/15",
		}},
		// The common prefix needs one object found below it, no more.
		{cairn.ListOptions{Prefix: "AWSLogs/", Delimiter: "/"}, 2, []string{
			"AWSLogs",
			"AWSLogs/111", "AWSLogs/111/CloudTrail", "AWSLogs/111/CloudTrail/eu-west-1",
			"AWSLogs/111/CloudTrail/eu-west-1/2026", "AWSLogs/111/CloudTrail/eu-west-1/2026/03",
			"AWSLogs/111/CloudTrail/eu-west-1/2026/03/14",
			"AWSLogs/222", "AWSLogs/222/CloudTrail", "AWSLogs/222/CloudTrail/us-east-1",
			"AWSLogs/222/CloudTrail/us-east-1/2026", "AWSLogs/222/CloudTrail/us-east-1/2026/03",
			"AWSLogs/222/CloudTrail/us-east-1/2026/03/14",
		}},
		{cairn.ListOptions{Prefix: "nope/deep/"}, 0, []string{"nope/deep"}},
	} {
		read = nil
		n := 0
		for _, err := range s.List(t.Context(), tc.opts) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		slices.Sort(read)
		if n != tc.wantKeys || !slices.Equal(read, tc.wantDirs) {
			t.Errorf("List(%+v): %d entries, read %q; want %d entries, read %q", tc.opts, n, read, tc.wantKeys, tc.wantDirs)
		}
	}
}
