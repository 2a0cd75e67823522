package duckdb

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
)

func TestExpBuild(t *testing.T) {
	dir := os.Getenv("EXP_DIR")
	if dir == "" {
		t.Skip()
	}
	ctx := context.Background()
	x, err := Open(ctx, Config{Dir: dir, MemoryLimit: "512MB", CompactAt: 8, DedupKeys: 8_000_000,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	events := benchEvents(300_000)
	start := time.Now()
	for c := range slices.Chunk(events, 50_000) {
		if _, err := x.Commit(ctx, &cairn.Batch{Events: c}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("commit: %s", time.Since(start))
}
