package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cairn-audit/cairn"
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
	// An index rebuilds from the sources its catalog names: without one,
	// there is nothing to rebuild (and no folder to make).
	if _, err := os.Stat(filepath.Join(*data, "index", "manifest.json")); err != nil {
		if _, err := os.Stat(*data); err != nil {
			return cairn.WithHint(fmt.Errorf("no data folder at %s", *data), "run cairn ingest or cairn serve first, or pass -data")
		}
		return cairn.WithHint(fmt.Errorf("no index in %s to rebuild", *data), "cairn ingest SOURCE makes one")
	}
	// The writer's lock keeps other writers out while the sources are read;
	// the index is deleted right after.
	idx, err := openWriter(ctx, *data, duckdb.DefaultConfig())
	if err != nil {
		return err
	}
	sources, err := idx.Sources(ctx)
	if err != nil {
		idx.Close()
		return err
	}
	former, err := objectsOf(ctx, idx, sources)
	idx.Close()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(*data, "index")); err != nil {
		return fmt.Errorf("remove old index: %w", err)
	}
	fmt.Fprintf(e.stderr, "rebuilding the index from %d sources\n", len(sources))
	ingestErr := runIngest(ctx, e, append([]string{"-data", *data}, sources...))
	if ctx.Err() != nil {
		return ingestErr
	}
	idx, err = openWriter(ctx, *data, duckdb.DefaultConfig())
	if err != nil {
		return err
	}
	now, err := objectsOf(ctx, idx, sources)
	idx.Close()
	if err != nil {
		return err
	}
	if n := reportDepartures(e, former, now); n > 0 && ingestErr == nil {
		return &exitError{1, fmt.Errorf("%d log files changed or disappeared since they were first indexed; the index now holds the sources as they are", n)}
	}
	return ingestErr
}

// objectsOf reads the recorded state of every object of the sources.
func objectsOf(ctx context.Context, idx *duckdb.Index, sources []string) (map[string]map[string]cairn.ObjectState, error) {
	out := make(map[string]map[string]cairn.ObjectState, len(sources))
	for _, src := range sources {
		objs, err := idx.Objects(ctx, src)
		if err != nil {
			return nil, err
		}
		out[src] = objs
	}
	return out, nil
}

// reportDepartures names, on stderr, the log files that were indexed whole
// before a rebuild and have since changed or gone from their source, and
// returns how many. CloudTrail never rewrites or deletes a log file: the
// rebuilt index holds what the sources hold now, and cairn verify tells
// whether the trail was tampered with.
func reportDepartures(e *env, former, now map[string]map[string]cairn.ObjectState) int {
	const shown = 20
	n := 0
	for _, src := range slices.Sorted(maps.Keys(former)) {
		objs := former[src]
		for _, key := range slices.Sorted(maps.Keys(objs)) {
			was := objs[key]
			if was.Status != cairn.ObjectDone {
				continue
			}
			indexed := was.IngestedAt.UTC().Format(time.RFC3339)
			is, ok := now[src][key]
			var line string
			switch {
			case !ok:
				line = fmt.Sprintf("gone %s: indexed on %s, no longer in the source", key, indexed)
			case is.Size != was.Size:
				line = fmt.Sprintf("changed %s: %d → %d bytes since it was indexed on %s", key, was.Size, is.Size, indexed)
			case is.Changed(was.Size, was.ETag):
				line = fmt.Sprintf("changed %s: rewritten (its ETag or modification time) since it was indexed on %s", key, indexed)
			default:
				continue
			}
			if n++; n <= shown {
				fmt.Fprintln(e.stderr, line)
			}
		}
	}
	if n > shown {
		fmt.Fprintf(e.stderr, "… and %d more\n", n-shown)
	}
	if n > 0 {
		fmt.Fprintln(e.stderr, "CloudTrail never rewrites or deletes a log file: check the trail with cairn verify")
	}
	return n
}
