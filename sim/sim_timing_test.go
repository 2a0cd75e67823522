package sim

import (
	"context"
	"testing"
)

// BenchmarkGenerate measures generation speed: events per second and
// uncompressed JSON bytes per second, gzip and files included.
func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	cfg := DefaultConfig()
	cfg.Days = 31
	cfg.Events = 1_000_000
	cfg.NoCost = true
	var events, raw int64
	for b.Loop() {
		cfg.Out = b.TempDir()
		st, err := Generate(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		events += st.Events
		raw = st.RawBytes
	}
	b.SetBytes(raw)
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkGenerateCPU measures generation without writing log files, to
// separate the generator's own cost from the file system's.
func BenchmarkGenerateCPU(b *testing.B) {
	b.ReportAllocs()
	cfg := DefaultConfig()
	cfg.Days = 31
	cfg.Events = 1_000_000
	cfg.NoCost = true
	cfg.discard = true
	var events, raw int64
	for b.Loop() {
		cfg.Out = b.TempDir()
		st, err := Generate(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		events += st.Events
		raw = st.RawBytes
	}
	b.SetBytes(raw)
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
