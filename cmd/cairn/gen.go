package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/sim"
)

func runGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen", "")
	cfg := sim.DefaultConfig()
	cfg.RegisterFlags(fs)
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q; give the folder with -out", errUsage, pos[0])
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	stats, err := sim.Generate(ctx, cfg)
	if err != nil {
		return err
	}
	stats.Print(e.stdout)
	return nil
}

// demoEvents is the size of the demo organisation: a month of a small
// company, generated in seconds.
const demoEvents = 300_000

// ensureDemo generates the demo organisation into DATA/demo once, and
// returns the folder.
func ensureDemo(ctx context.Context, e *env, data string) (string, error) {
	dir := filepath.Join(data, "demo")
	done := filepath.Join(data, "demo.generated")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Events = dir, demoEvents
	fmt.Fprintf(e.stderr, "generating the demo organisation (%d events over %d days) into %s\n", cfg.Events, cfg.Days, dir)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if _, err := sim.Generate(ctx, cfg); err != nil {
		return "", fmt.Errorf("generate demo: %w", err)
	}
	// Its cost report too, so that cost report and cost spikes answer at
	// once. The import replaces the period, so a repeat is harmless.
	store, err := cost.OpenStore(costDir(data))
	if err != nil {
		return "", err
	}
	if _, err := store.Import(ctx, cost.DefaultImportConfig(), filepath.Join(dir, "cost", "cur")); err != nil {
		return "", fmt.Errorf("import the demo's cost report: %w", err)
	}
	// The marker is written last, so an interrupted generation starts over.
	return dir, os.WriteFile(done, nil, 0o644)
}
