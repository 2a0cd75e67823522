package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
)

// runReindex rebuilds the index from its sources: the index is derived data,
// so it can always be thrown away and made again, as long as its sources
// can still be read. The old index is kept aside until the rebuild has
// read every source, and put back if it stops.
func runReindex(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reindex", "")
	data := dataFlag(fs, e)
	var drop stringList
	fs.Var(&drop, "drop", "a source to rebuild without, when it can no longer be read (repeatable)")
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
	dir, aside := filepath.Join(*data, "index"), filepath.Join(*data, "index.before-reindex")
	if _, err := os.Stat(aside); err == nil {
		return cairn.WithHint(fmt.Errorf("a reindex of %s was interrupted: %s holds the index from before it", *data, aside),
			"move it back to "+dir+" (in place of the one there), or delete it if the rebuilt index is whole")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		if _, err := os.Stat(*data); err != nil {
			return cairn.WithHint(fmt.Errorf("no data folder at %s", *data), "run cairn ingest or cairn serve first, or pass -data")
		}
		return cairn.WithHint(fmt.Errorf("no index in %s to rebuild", *data), "cairn ingest SOURCE makes one")
	}
	// The writer's lock keeps other writers out while the sources are read.
	idx, err := openWriter(ctx, *data, duckdb.DefaultConfig())
	if err != nil {
		return err
	}
	sources, err := idx.Sources(ctx)
	if err != nil {
		idx.Close()
		return err
	}
	keep, err := readableSources(ctx, sources, drop)
	if err != nil {
		idx.Close()
		return err
	}
	former, err := objectsOf(ctx, idx, keep)
	idx.Close()
	if err != nil {
		return err
	}
	if err := os.Rename(dir, aside); err != nil {
		return fmt.Errorf("set the old index aside: %w", err)
	}
	fmt.Fprintf(e.stderr, "rebuilding the index from %d %s\n", len(keep), plural(len(keep), "source", "sources"))
	ingestErr := runIngest(ctx, e, append([]string{"-data", *data}, keep...))
	if ingestErr != nil && !errors.As(ingestErr, new(*unreadFilesError)) {
		// The rebuild stopped before it read every source (Ctrl-C, a store
		// that failed): the old index is whole, the new one is not.
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("%w; the index from before is in %s (removing the partial one failed: %v)", ingestErr, aside, err)
		}
		if err := os.Rename(aside, dir); err != nil {
			return fmt.Errorf("%w; the index from before is in %s: %v", ingestErr, aside, err)
		}
		return fmt.Errorf("%w; the index is as it was before the reindex", ingestErr)
	}
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("remove the old index: %w", err)
	}
	idx, err = openWriter(ctx, *data, duckdb.DefaultConfig())
	if err != nil {
		return err
	}
	now, err := objectsOf(ctx, idx, keep)
	idx.Close()
	if err != nil {
		return err
	}
	if n := reportDepartures(e, former, now); n > 0 && ingestErr == nil {
		return &exitError{1, fmt.Errorf("%d log files changed or disappeared since they were first indexed; the index now holds the sources as they are", n)}
	}
	return ingestErr
}

// readableSources returns the sources to rebuild from: all but those
// dropped, each of which must open, or the rebuild would lose its events.
func readableSources(ctx context.Context, sources, given []string) ([]string, error) {
	var drop []string
	for _, d := range given {
		// A folder may be named as it was ingested: a path, not its URL.
		if u := ingest.SourceURL(d); slices.Contains(sources, u) {
			drop = append(drop, u)
			continue
		}
		return nil, cairn.WithHint(fmt.Errorf("-drop %s: the index has no such source", d), "its sources: "+strings.Join(sources, ", "))
	}
	var keep, unreadable []string
	for _, src := range sources {
		if slices.Contains(drop, src) {
			continue
		}
		if _, err := ingest.OpenSource(ctx, src); err != nil {
			unreadable = append(unreadable, oneLine(err.Error()))
			continue
		}
		keep = append(keep, src)
	}
	if len(keep) == 0 && len(unreadable) == 0 {
		return nil, errors.New("-drop leaves no source to rebuild from: delete the data folder to start again")
	}
	if len(unreadable) > 0 {
		return nil, cairn.WithHint(fmt.Errorf("%s: the rebuilt index would lose %s events", strings.Join(unreadable, "; "), plural(len(unreadable), "its", "their")),
			"bring it back where it was, or pass -drop URL to rebuild without it; the index is left as it is")
	}
	return keep, nil
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
