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
	dir := filepath.Join(*data, "index")
	sources, err := knownSources(ctx, *data)
	if err != nil {
		return err
	}
	// Take the writer's lock before deleting, so that no other writer is
	// cut off mid-commit.
	idx, err := openWriter(ctx, *data, duckdb.DefaultConfig())
	if err != nil {
		return err
	}
	idx.Close()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove old index: %w", err)
	}
	fmt.Fprintf(e.stderr, "rebuilding the index from %d sources\n", len(sources))
	return runIngest(ctx, e, append([]string{"-data", *data}, sources...))
}

// knownSources lists the sources the index was built from.
func knownSources(ctx context.Context, data string) ([]string, error) {
	idx, err := openWriter(ctx, data, duckdb.DefaultConfig())
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	t, err := idx.Sources(ctx)
	if err != nil {
		return nil, err
	}
	return t, nil
}
