package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCostImport runs cairn cost import on the simulator's cost folder: the
// CUR (with its manifest) is imported, the FOCUS export of the same period
// is left out with a notice, a second run replaces the first with the same
// total, and a file that is no cost report fails with exit status 1 while
// the rest is imported.
func TestCostImport(t *testing.T) {
	trail := filepath.Join(t.TempDir(), "trail")
	if r := runCairn(t, nil, "gen", "-out", trail, "-events", "3000", "-days", "3", "-seed", "3"); r.code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data := filepath.Join(t.TempDir(), "data")
	costDir := filepath.Join(trail, "cost")

	r := runCairn(t, nil, "cost", "import", "-data", data, costDir)
	if r.code != 0 {
		t.Fatalf("cost import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	line := regexp.MustCompile(`(?m)^2026-03 cur-legacy-csv: (\d+) rows, total ([0-9.]+), 0 rejected; new$`).FindStringSubmatch(r.stdout)
	if line == nil || line[1] == "0" {
		t.Fatalf("cost import printed:\n%s", r.stdout)
	}
	total := line[2]
	if !strings.Contains(r.stderr, "2026-03 of this focus-1.0-csv not imported") || !strings.Contains(r.stdout, "0 inputs failed") {
		t.Errorf("the FOCUS export of the same period was not left out with a notice:\n%s%s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "cost", "manifest.json")); err != nil {
		t.Error(err)
	}

	// Again: the same store, reported as a replacement.
	r = runCairn(t, nil, "cost", "import", "-data", data, "-quiet", costDir)
	if r.code != 0 || !strings.Contains(r.stdout, "total "+total+", 0 rejected; replaced the import of ") || r.stderr != "" {
		t.Fatalf("second import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The FOCUS export alone replaces the period, with the same total.
	r = runCairn(t, nil, "cost", "import", "-data", data, "-format", "json", filepath.Join(costDir, "focus"))
	var out struct {
		Imported []struct {
			Period, Format, Total string
			Rows                  int64
			Replaced              *struct{ Format string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("json import: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(out.Imported) != 1 || out.Imported[0].Format != "focus-1.0-csv" || out.Imported[0].Total != total ||
		out.Imported[0].Replaced == nil || out.Imported[0].Replaced.Format != "cur-legacy-csv" {
		t.Errorf("json import: %+v, want the total %s", out.Imported, total)
	}

	// A file that is no cost report: exit status 1, the rest imported.
	bad := filepath.Join(t.TempDir(), "notes.csv")
	os.WriteFile(bad, []byte("name,value\nx,1\n"), 0o644)
	r = runCairn(t, nil, "cost", "import", "-data", data, bad, filepath.Join(costDir, "cur"))
	if r.code != 1 || !strings.Contains(r.stderr, "failed "+bad+": not a cost report: expected") ||
		!strings.Contains(r.stdout, "2026-03 cur-legacy-csv:") || strings.Count(r.stderr, "\n") != 2 {
		t.Errorf("import with a bad file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	for _, args := range [][]string{{"cost"}, {"cost", "bogus"}, {"cost", "import", "-data", data}} {
		if r := runCairn(t, nil, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}
