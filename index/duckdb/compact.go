package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
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

// smallSegment is the size below which a segment is gathered up with the
// other small ones of its day.
const smallSegment = 4096

// pickMerge chooses the segments of a day to merge. Small segments are
// merged once there are two; the others only once the day has atLeast
// segments in all. So a day ingested in a few large batches
// is not rewritten for nothing, while the trickle of a live day, and the few
// events that a batch of the next day's files carries, are gathered up.
func pickMerge(segs []segment, day string, atLeast int) []segment {
	var all, small []segment
	for _, s := range segs {
		if s.Day != day {
			continue
		}
		all = append(all, s)
		if s.Rows < smallSegment {
			small = append(small, s)
		}
	}
	if len(all) >= atLeast {
		return all
	}
	return small
}

// compact merges segments of each given day (see pickMerge), a day per
// core, and deletes long-retired segments.
func (x *Index) compact(ctx context.Context, days map[string]bool, atLeast int) error {
	type job struct {
		day    string
		merge  []segment
		staged string
		out    segment
	}
	var jobs []*job
	for day := range days {
		if merge := pickMerge(x.manifest.Segments, day, atLeast); len(merge) > 1 {
			jobs = append(jobs, &job{day: day, merge: merge, staged: filepath.Join(x.dir, "staging", "merge-"+day+".parquet")})
		}
	}
	if len(jobs) == 0 {
		return x.deleteRetired(ctx)
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, j := range jobs {
		g.Go(func() error {
			files := make([]string, len(j.merge))
			j.out = segment{Day: j.day, MinTime: j.merge[0].MinTime, MaxTime: j.merge[0].MaxTime}
			for i, s := range j.merge {
				files[i] = x.abs(s.Path)
				j.out.Rows += s.Rows
				if s.MinTime.Before(j.out.MinTime) {
					j.out.MinTime = s.MinTime
				}
				if s.MaxTime.After(j.out.MaxTime) {
					j.out.MaxTime = s.MaxTime
				}
			}
			removeSegment(j.staged)
			rows, err := mergeSegmentFiles(j.staged, files)
			if err != nil {
				return fmt.Errorf("compact %s: %w", j.day, err)
			}
			if rows != j.out.Rows {
				return fmt.Errorf("compact %s: merged %d rows, the segments hold %d", j.day, rows, j.out.Rows)
			}
			return nil
		})
	}
	err := g.Wait()
	removeStaged := func() {
		for _, j := range jobs {
			removeSegment(j.staged)
		}
	}
	if err != nil {
		removeStaged()
		return err
	}
	next := *x.manifest
	next.Segments = slices.Clone(x.manifest.Segments)
	next.Retired = slices.Clone(x.manifest.Retired)
	now := time.Now().UTC()
	var installed []string
	for _, j := range jobs {
		seg, path, err := x.installSegment(&next, j.day, j.staged)
		if err != nil {
			removeStaged()
			for _, p := range installed {
				removeSegment(p)
			}
			return fmt.Errorf("compact %s: %w", j.day, err)
		}
		installed = append(installed, path)
		seg.Rows, seg.MinTime, seg.MaxTime = j.out.Rows, j.out.MinTime, j.out.MaxTime
		next.Segments = slices.DeleteFunc(next.Segments, func(s segment) bool {
			return slices.ContainsFunc(j.merge, func(m segment) bool { return m.Path == s.Path })
		})
		next.Segments = append(next.Segments, seg)
		for _, m := range j.merge {
			next.Retired = append(next.Retired, retired{Path: m.Path, At: now})
		}
	}
	err = syncFolders(installed)
	if err == nil {
		err = x.publish(&next)
	}
	if err != nil {
		for _, p := range installed {
			removeSegment(p)
		}
		return err
	}
	x.log.Debug("compacted segments", "days", len(jobs))
	return x.deleteRetired(ctx)
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
	if err := x.publish(&next); err != nil {
		return err
	}
	for _, p := range gone {
		x.segs.forget(x.abs(p))
		if err := removeSegment(x.abs(p)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
