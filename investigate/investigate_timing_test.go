package investigate_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/investigate"
	"github.com/cairn-audit/cairn/sim"
)

// benchIndex opens the index of the whole-system benchmark (make bench
// leaves 2,000,000 events in /tmp/cairn-bench) or the one CAIRN_BENCH_DATA
// names, with the scenarios of its simulated organisation.
func benchIndex(b *testing.B) (*duckdb.Index, []sim.Scenario) {
	work := os.Getenv("CAIRN_BENCH_WORK")
	if work == "" {
		work = filepath.Join(os.TempDir(), "cairn-bench")
	}
	var scenarios []sim.Scenario
	raw, err := os.ReadFile(filepath.Join(work, "trail", "scenarios.json"))
	if err != nil {
		b.Skipf("no benchmark data set in %s (run make bench, or set CAIRN_BENCH_WORK): %v", work, err)
	}
	if err := json.Unmarshal(raw, &scenarios); err != nil {
		b.Fatal(err)
	}
	cfg := duckdb.DefaultConfig()
	cfg.Dir, cfg.ReadOnly = filepath.Join(work, "cairn-data", "index"), true
	idx, err := duckdb.Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	return idx, scenarios
}

// BenchmarkWhy explains each instance scenario of the benchmark's
// organisation once per iteration; the target is under 100 ms each.
func BenchmarkWhy(b *testing.B) {
	idx, scenarios := benchIndex(b)
	x := investigate.New(idx, investigate.DefaultConfig())
	for _, sc := range scenarios {
		if sc.Resource == "" {
			continue
		}
		b.Run(sc.Kind, func(b *testing.B) {
			for b.Loop() {
				if _, err := x.Why(context.Background(), sc.Resource, sc.Time, 30*time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTimeline builds the whole timeline of each scenario's resource.
func BenchmarkTimeline(b *testing.B) {
	idx, scenarios := benchIndex(b)
	x := investigate.New(idx, investigate.DefaultConfig())
	for _, sc := range scenarios {
		if sc.Resource == "" {
			continue
		}
		b.Run(sc.Kind, func(b *testing.B) {
			for b.Loop() {
				if _, err := x.Timeline(context.Background(), sc.Resource, time.Time{}, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
