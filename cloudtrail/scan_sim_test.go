package cloudtrail_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/sim"
)

// An external test package: the simulator imports cloudtrail (to sign its
// digests).

// TestScanSimulatedRecords: every record of a simulated organisation takes
// the fast path and decodes as json.Unmarshal decodes it.
func TestScanSimulatedRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a simulated organisation")
	}
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Days, cfg.Events, cfg.Seed, cfg.NoCost = t.TempDir(), 2, 20_000, 3, true
	if _, err := sim.Generate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(filepath.Join(cfg.Out, "AWSLogs"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".gz" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rd, err := cloudtrail.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer rd.Close()
		for {
			raw, err := rd.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !cloudtrail.ScanAgrees(t, raw) {
				t.Fatalf("scanRecord gave up on a simulated record: %q", raw)
			}
			n++
		}
	})
	if n < 20_000 {
		t.Fatalf("read %d records, want at least 20,000", n)
	}
}
