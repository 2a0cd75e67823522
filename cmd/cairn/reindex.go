package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-audit/cairn/index/duckdb"
)

// runReindex rebuilds the index from its sources: the index is derived data,
// so it can always be thrown away and made again.
func runReindex(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reindex", "")
	data := dataFlag(fs, e)
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: reindex takes no arguments", errUsage)
	}
	if url := findServer(*data); url != "" {
		return fmt.Errorf("a server is running at %s: stop it before reindexing", url)
	}
	// The writer's lock keeps other writers out while the sources are read;
	// the index is deleted right after.
	idx, err := openWriter(ctx, *data, duckdb.DefaultConfig())
	if err != nil {
		return err
	}
	sources, err := idx.Sources(ctx)
	idx.Close()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(*data, "index")); err != nil {
		return fmt.Errorf("remove old index: %w", err)
	}
	fmt.Fprintf(e.stderr, "rebuilding the index from %d sources\n", len(sources))
	return runIngest(ctx, e, append([]string{"-data", *data}, sources...))
}
