package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// retireAfter is how long a segment replaced by compaction stays on disk, so
// that a reader still using an older manifest finds its files.
const retireAfter = 10 * time.Minute

// maxDaySegments is how many segments a day may gather during an ingest
// before a commit merges them.
const maxDaySegments = 32

// Compact merges the segments of every day that has at least
// Config.CompactAt of them into one, and deletes long-retired segments.
// Ingest calls it when a run ends.
func (x *Index) Compact(ctx context.Context) error {
	if x.writer == nil {
		return fmt.Errorf("compact: the index was opened read-only")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	days := map[string]bool{}
	for _, s := range x.manifest.Segments {
		days[s.Day] = true
	}
	return x.compact(ctx, days, x.cfg.CompactAt)
}

// compact merges the segments of each given day that has at least atLeast
// segments into one, and deletes long-retired segments.
func (x *Index) compact(ctx context.Context, days map[string]bool, atLeast int) error {
	for day := range days {
		var merge []segment
		for _, s := range x.manifest.Segments {
			if s.Day == day {
				merge = append(merge, s)
			}
		}
		if len(merge) < atLeast {
			continue
		}
		if err := x.merge(ctx, day, merge); err != nil {
			return err
		}
	}
	return x.deleteRetired(ctx)
}

func (x *Index) merge(ctx context.Context, day string, merge []segment) error {
	files := make([]string, len(merge))
	out := segment{Day: day, MinTime: merge[0].MinTime, MaxTime: merge[0].MaxTime}
	for i, s := range merge {
		files[i] = x.abs(s.Path)
		out.Rows += s.Rows
		if s.MinTime.Before(out.MinTime) {
			out.MinTime = s.MinTime
		}
		if s.MaxTime.After(out.MaxTime) {
			out.MaxTime = s.MaxTime
		}
	}
	staged := filepath.Join(x.dir, "staging", "merge-"+day+".parquet")
	os.Remove(staged)
	rows, err := mergeSegmentFiles(staged, files)
	if err != nil {
		return fmt.Errorf("compact %s: %w", day, err)
	}
	if rows != out.Rows {
		os.Remove(staged)
		return fmt.Errorf("compact %s: merged %d rows, the segments hold %d", day, rows, out.Rows)
	}
	next := *x.manifest
	seg, path, err := x.installSegment(&next, day, staged)
	if err != nil {
		return fmt.Errorf("compact %s: %w", day, err)
	}
	seg.Rows, seg.MinTime, seg.MaxTime = out.Rows, out.MinTime, out.MaxTime
	next.Segments = slices.DeleteFunc(slices.Clone(x.manifest.Segments), func(s segment) bool {
		return slices.ContainsFunc(merge, func(m segment) bool { return m.Path == s.Path })
	})
	next.Segments = append(next.Segments, seg)
	now := time.Now().UTC()
	next.Retired = slices.Clone(x.manifest.Retired)
	for _, m := range merge {
		next.Retired = append(next.Retired, retired{Path: m.Path, At: now})
	}
	if err := x.publish(ctx, &next); err != nil {
		os.Remove(path)
		return err
	}
	x.log.Debug("compacted segments", "day", day, "segments", len(merge), "rows", out.Rows)
	return nil
}

// deleteRetired removes segments retired long enough ago.
func (x *Index) deleteRetired(ctx context.Context) error {
	cutoff := time.Now().Add(-retireAfter)
	var keep []retired
	var gone []string
	for _, r := range x.manifest.Retired {
		if r.At.Before(cutoff) {
			gone = append(gone, r.Path)
		} else {
			keep = append(keep, r)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	next := *x.manifest
	next.Retired = keep
	if err := x.publish(ctx, &next); err != nil {
		return err
	}
	for _, p := range gone {
		if err := os.Remove(x.abs(p)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
