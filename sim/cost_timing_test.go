package sim

import (
	"context"
	"testing"
)

// BenchmarkCostReport measures writing the cost report of a month, which
// runs after the streams, alone on one goroutine of its own.
func BenchmarkCostReport(b *testing.B) {
	b.ReportAllocs()
	cfg := DefaultConfig()
	cfg.Events = 50_000
	cfg.discard = true
	cfg.Out = b.TempDir()
	cfg.normalise()
	o := newOrg(&cfg)
	streams := newStreams(o, &cfg, planScenarios(o, &cfg))
	for _, s := range streams {
		if err := s.run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	var rows int
	for b.Loop() {
		st := newStats()
		if err := writeCost(o, &cfg, streams, st); err != nil {
			b.Fatal(err)
		}
		rows = st.CostRows
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
