package main

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// generation is one timed run of `cairn gen`.
type generation struct {
	Events    int64 // as asked: duplicate deliveries aside
	Wall      time.Duration
	CPU       time.Duration
	Files     int
	GzipBytes int64
}

func (g generation) rate() float64 {
	if g.Wall <= 0 {
		return 0
	}
	return float64(g.Events) / g.Wall.Seconds()
}

// medianGeneration is the run of median wall time.
func medianGeneration(runs []generation) generation {
	sorted := slices.SortedFunc(slices.Values(runs), func(a, b generation) int { return cmp.Compare(a.Wall, b.Wall) })
	return sorted[len(sorted)/2]
}

// timeGenerations runs `cairn gen` with the data set's flags cfg.Gens times,
// each into a new folder, and checks that each wrote the data set's files.
// The folders are removed only after the last run: on ext4 without a
// journal, creating files is several times slower for minutes after many
// were deleted (the allocator steps over every recently freed inode), so
// removing one run's hundred thousand files before the next would time
// that instead. The runs come last in the bench for the same reason, well
// after an earlier run's folders or an old data set were removed.
func timeGenerations(ctx context.Context, cfg config, bin string, ds *dataset) ([]generation, error) {
	root := filepath.Join(cfg.Work, "gen-timed")
	if _, err := os.Stat(root); err == nil {
		logf("removing %s, left by an interrupted run; the generation timings may be slower for it", root)
		if err := os.RemoveAll(root); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err := os.RemoveAll(root); err != nil {
			logf("could not remove %s: %v", root, err)
		}
	}()
	var runs []generation
	for i := range cfg.Gens {
		// The last run's file pages are written back before this one
		// starts, not while it runs.
		syscall.Sync()
		out := filepath.Join(root, strconv.Itoa(i+1))
		cmd := exec.CommandContext(ctx, bin, "gen", "-out", out, "-events", strconv.FormatInt(ds.Events, 10), "-seed", strconv.FormatInt(ds.Seed, 10))
		_, wall, ru, err := runChild(ctx, cmd)
		if err != nil {
			return nil, err
		}
		g := generation{Events: ds.Events, Wall: wall, CPU: cpuOf(ru)}
		if g.Files, g.GzipBytes, err = logFiles(filepath.Join(out, "AWSLogs")); err != nil {
			return nil, err
		}
		if g.Files != len(ds.Files) || g.GzipBytes != ds.GzipBytes {
			return nil, fmt.Errorf("cairn gen wrote %d log files (%s) where the data set has %d (%s): run with -regen",
				g.Files, mb(g.GzipBytes), len(ds.Files), mb(ds.GzipBytes))
		}
		logf("cairn gen: %d events in %s, %.0f events/s, CPU %s", g.Events, wall.Round(time.Millisecond), g.rate(), g.CPU.Round(time.Millisecond))
		runs = append(runs, g)
	}
	return runs, nil
}

// logFiles counts the .json.gz files under dir and their bytes.
func logFiles(dir string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += info.Size()
		return nil
	})
	return files, bytes, err
}
