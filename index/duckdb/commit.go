package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sync/errgroup"
)

// Commit implements cairn.Index.
func (x *Index) Commit(ctx context.Context, b *cairn.Batch) (cairn.CommitResult, error) {
	if x.writer == nil {
		return cairn.CommitResult{}, fmt.Errorf("commit: the index was opened read-only")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	if err := ctx.Err(); err != nil {
		return cairn.CommitResult{}, err
	}

	res := cairn.CommitResult{Events: len(b.Events), NewByObject: make([]int, len(b.Objects))}
	// Which object each event came from is not part of the batch; callers
	// that need per-object counts pass events in object order and set
	// Objects[i].Events, so the counts can be attributed by position.
	bounds := make([]int, len(b.Objects))
	n := 0
	for i, o := range b.Objects {
		n += o.Events
		bounds[i] = n
	}

	// Deduplicate against the index and within the batch.
	days := map[string]*dayKeys{}
	pinned := map[string]bool{}
	eventDays := make([]string, len(b.Events))
	var names dayNamer
	for i := range b.Events {
		day := names.of(b.Events[i].EventTime)
		eventDays[i] = day
		if days[day] == nil {
			d, err := x.loadDay(ctx, day)
			if err != nil {
				return res, err
			}
			days[day] = d
			pinned[day] = true
		}
	}
	type added struct {
		d *dayKeys
		k eventKey
	}
	var undo []added
	fresh := map[string][]int{} // the new events of each day
	obj := 0
	for i := range b.Events {
		for obj < len(bounds) && i >= bounds[obj] {
			obj++
		}
		e := &b.Events[i]
		d := days[eventDays[i]]
		k := keyOf(e.RecipientAccountID, e.EventID)
		fingerprint := recordPrint(e.Raw)
		if stored, dup := d.keys[k]; dup {
			res.Duplicates++
			if stored != 0 && stored != fingerprint && obj < len(bounds) {
				res.Conflicts = append(res.Conflicts, cairn.Conflict{Object: obj, EventID: e.EventID})
			}
			continue
		}
		x.dedup.add(d, k, fingerprint)
		undo = append(undo, added{d, k})
		fresh[eventDays[i]] = append(fresh[eventDays[i]], i)
		res.New++
		if obj < len(bounds) {
			res.NewByObject[obj]++
		}
	}
	rollback := func() {
		for _, a := range undo {
			x.dedup.remove(a.d, a.k)
		}
	}

	if err := x.writeSegments(ctx, b.Events, fresh); err != nil {
		rollback()
		return res, err
	}
	// The events are published: their objects' states go with them even if
	// the caller gives up now (a Ctrl-C), or the next ingest would read
	// every object again. Recording them takes milliseconds.
	if err := x.recordObjects(context.WithoutCancel(ctx), b.Objects, res.NewByObject); err != nil {
		// The events are committed; only the objects' states are not, so the
		// next ingest reads those objects again and deduplication keeps it
		// idempotent.
		return res, err
	}
	x.dedup.evict(pinned)
	// A long ingest is compacted when it ends (Compact); meanwhile a day is
	// merged only when its segments pile up.
	perDay := map[string]int{}
	for _, s := range x.manifest.Segments {
		perDay[s.Day]++
	}
	crowded := map[string]bool{}
	for day := range pinned {
		if perDay[day] >= maxDaySegments {
			crowded[day] = true
		}
	}
	if err := x.compact(ctx, crowded, maxDaySegments); err != nil {
		x.log.Warn("compaction failed; will retry after the next commit", "err", err)
	}
	return res, nil
}

// loadDay returns the keys of a day's stored events, loading them from the
// day's segments when they are not in memory.
func (x *Index) loadDay(ctx context.Context, day string) (*dayKeys, error) {
	if d := x.dedup.day(day); d != nil {
		return d, nil
	}
	keys := map[eventKey]uint64{}
	var files []string
	for _, s := range x.manifest.Segments {
		if s.Day == day {
			files = append(files, quote(x.abs(s.Path)))
		}
	}
	if len(files) > 0 {
		rows, err := x.writer.QueryContext(ctx, "SELECT coalesce(recipientAccountId, ''), eventID FROM read_parquet(["+strings.Join(files, ",")+"])")
		if err != nil {
			return nil, fmt.Errorf("load event keys of %s: %w", day, err)
		}
		defer rows.Close()
		var account, id string
		for rows.Next() {
			if err := rows.Scan(&account, &id); err != nil {
				return nil, err
			}
			keys[keyOf(account, id)] = 0 // the record's print is not known
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return x.dedup.put(day, keys), nil
}

func (x *Index) abs(rel string) string { return filepath.Join(x.dir, filepath.FromSlash(rel)) }

// writeSegments writes the chosen events, given by day, as segments, in
// parallel, and commits them to the manifest. Each segment's rows are made
// on the core that writes it: commits are ingest's bottleneck, and what
// they do on one core leaves the other idle, as decoding is ahead.
func (x *Index) writeSegments(ctx context.Context, events []cairn.Event, byDay map[string][]int) error {
	if len(byDay) == 0 {
		return nil
	}
	began := time.Now()
	pieces := splitDays(events, byDay, runtime.GOMAXPROCS(0))
	next := *x.manifest
	next.Segments = slices.Clone(x.manifest.Segments)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, p := range pieces {
		p.staged = filepath.Join(x.dir, "staging", fmt.Sprintf("new-%s-%d.parquet", p.day, i))
		g.Go(func() error { return writeSegment(p.staged, events, p.events) })
	}
	err := g.Wait()
	var written []string
	cleanup := func() {
		for _, p := range pieces {
			removeSegment(p.staged)
		}
		for _, p := range written {
			removeSegment(p)
		}
	}
	if err != nil {
		cleanup()
		return err
	}
	for _, p := range pieces {
		seg, path, err := x.installSegment(&next, p.day, p.staged)
		if err != nil {
			cleanup()
			return err
		}
		written = append(written, path)
		seg.Rows = int64(len(p.events))
		seg.MinTime = events[p.events[0]].EventTime.UTC()
		seg.MaxTime = events[p.events[len(p.events)-1]].EventTime.UTC()
		next.Segments = append(next.Segments, seg)
	}
	if err := syncFolders(written); err != nil {
		cleanup()
		return err
	}
	if err := x.publish(&next); err != nil {
		cleanup()
		return err
	}
	rows := 0
	for _, p := range pieces {
		rows += len(p.events)
	}
	x.log.Debug("committed events", "events", rows, "segments", len(pieces), "took", time.Since(began))
	return nil
}

// piece is the events of one new segment.
type piece struct {
	day    string
	events []int // indexes into the batch, in time order
	staged string
}

// minPiece is the fewest rows worth a segment of their own when a day is
// split.
const minPiece = 8 * 1024

// splitDays makes the segments of a commit: a day each, except that a day
// larger than the commit's share of a core is cut into consecutive time
// ranges, so that every core writes. Ingest reads a day of every account
// and region at a time, so most commits hold one day, whose segment was
// written on one core while the other decoded (make bench's trail, back to
// back on a busy machine: 44.5 → 39.1 s); a commit across midnight holds a
// large day and a small one.
func splitDays(events []cairn.Event, byDay map[string][]int, cores int) []*piece {
	total := 0
	for _, idx := range byDay {
		total += len(idx)
	}
	share := max(1, (total+cores-1)/cores)
	var out []*piece
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		idx := byDay[day]
		slices.SortStableFunc(idx, func(a, b int) int { return events[a].EventTime.Compare(events[b].EventTime) })
		n := max(1, min((len(idx)+share/2)/share, len(idx)/minPiece))
		for i := range n {
			out = append(out, &piece{day: day, events: idx[i*len(idx)/n : (i+1)*len(idx)/n]})
		}
	}
	return out
}

// installSegment moves a staged file and its needle file, which their
// writer fsynced (segmentWriter.close), into its day's folder as the next
// segment. A new day's folder is made durable in its parent at once; the
// caller fsyncs the day folders (syncFolders) before it publishes, so that
// the manifest never lists a file that a crash could lose.
func (x *Index) installSegment(m *manifest, day, staged string) (segment, string, error) {
	m.NextSegment++
	rel := fmt.Sprintf("events/day=%s/seg-%012d.parquet", day, m.NextSegment)
	final := x.abs(rel)
	if dir := filepath.Dir(final); !exists(dir) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return segment{}, "", err
		}
		if err := file.SyncDir(filepath.Dir(dir)); err != nil {
			return segment{}, "", err
		}
	}
	if err := os.Rename(needlesPath(staged), needlesPath(final)); err != nil {
		return segment{}, "", err
	}
	if err := os.Rename(staged, final); err != nil {
		return segment{}, "", err
	}
	st, err := os.Stat(final)
	if err != nil {
		return segment{}, "", err
	}
	return segment{Path: rel, Day: day, Bytes: st.Size()}, final, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// syncFolders fsyncs the folders of installed files, each once: a commit
// installs a day's segments in one folder.
func syncFolders(paths []string) error {
	done := map[string]bool{}
	for _, p := range paths {
		dir := filepath.Dir(p)
		if done[dir] {
			continue
		}
		if err := file.SyncDir(dir); err != nil {
			return err
		}
		done[dir] = true
	}
	return nil
}

// publish makes a new manifest current: on disk, and for the next query's
// view. The view is made again only when a query comes: rebinding it to
// every segment at every commit cost a long ingest time that grew with the
// index (make bench's 2,000,000 events: 0.44 s of CPU over 229 segments).
func (x *Index) publish(next *manifest) error {
	next.Version = x.manifest.Version + 1
	sort.SliceStable(next.Segments, func(i, j int) bool { return next.Segments[i].Path < next.Segments[j].Path })
	if err := writeManifest(x.dir, next); err != nil {
		return fmt.Errorf("commit manifest: %w", err)
	}
	x.manifest = next
	x.viewMu.Lock()
	x.viewWant = next
	x.viewMu.Unlock()
	return nil
}

// recordObjects commits the objects' states: appended to a staging table,
// then moved into the catalog in one statement, which is far cheaper than
// binding thousands of parameters.
func (x *Index) recordObjects(ctx context.Context, objs []cairn.ObjectState, newBy []int) error {
	if len(objs) == 0 {
		return nil
	}
	err := x.writer.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "stage_obj")
		if err != nil {
			return err
		}
		for i, o := range objs {
			at := o.IngestedAt
			if at.IsZero() {
				at = time.Now()
			}
			newCount := o.New
			if i < len(newBy) && o.Status == cairn.ObjectDone {
				newCount = newBy[i]
			}
			if err := app.AppendRow(o.Source, o.Key, o.Size, o.ETag, int32(o.Events), int32(newCount), string(o.Status), o.Reason, at.UTC()); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err == nil {
		replacing := slices.ContainsFunc(objs, func(o cairn.ObjectState) bool { return !o.Unrecorded })
		err = x.replaceObjects(ctx, replacing)
	}
	x.writer.ExecContext(context.WithoutCancel(ctx), "DELETE FROM stage_obj")
	if err != nil {
		return fmt.Errorf("record ingest state: %w", err)
	}
	return nil
}

// replaceObjects moves the staged states into the catalog, replacing those
// of the same objects when replacing, in one transaction. The catalog has no
// primary key: its index tripled the catalog's size (make bench's 107,086
// objects: 6.5 MiB without, 15 MiB with, and 24 MiB once replacements had
// churned it), and a hash join finds the states to replace as fast. That
// join scans the whole catalog, so it is left out when every staged object
// is known to be unrecorded: on make bench's trail it cost 2.5% of ingest.
func (x *Index) replaceObjects(ctx context.Context, replacing bool) error {
	tx, err := x.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if replacing {
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog.objects AS o USING stage_obj AS s
		WHERE o.source = s.source AND o.key = s.key`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO catalog.objects SELECT * FROM stage_obj"); err != nil {
		return err
	}
	return tx.Commit()
}

// Objects implements cairn.Index.
func (x *Index) Objects(ctx context.Context, source string) (map[string]cairn.ObjectState, error) {
	return x.objectStates(ctx, `SELECT key, size, etag, events, new, status, reason, ingested_at
		FROM catalog.objects WHERE source = ?`, source)
}

// ObjectStates implements cairn.Index. The keys are appended to a table
// and joined with the catalog, which scans the catalog's keys once per
// call: bound as one list parameter instead, 50,000 keys took 0.87 s to
// look up in an empty catalog, with ingest waiting.
func (x *Index) ObjectStates(ctx context.Context, source string, keys []string) (map[string]cairn.ObjectState, error) {
	if len(keys) == 0 {
		return map[string]cairn.ObjectState{}, nil
	}
	if x.writer == nil {
		return nil, fmt.Errorf("objects: the index was opened read-only")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	err := x.writer.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "stage_key")
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := app.AppendRow(k); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	defer x.writer.ExecContext(context.WithoutCancel(ctx), "DELETE FROM stage_key")
	if err != nil {
		return nil, err
	}
	return x.objectStatesLocked(ctx, `SELECT o.key, size, etag, events, new, status, reason, ingested_at
		FROM catalog.objects AS o JOIN stage_key AS k ON o.key = k.key WHERE o.source = ?`, source)
}

func (x *Index) objectStates(ctx context.Context, query, source string) (map[string]cairn.ObjectState, error) {
	if x.writer == nil {
		return nil, fmt.Errorf("objects: the index was opened read-only")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	return x.objectStatesLocked(ctx, query, source)
}

// objectStatesLocked runs a query of object states, whose one parameter is
// the source, with writeMu held.
func (x *Index) objectStatesLocked(ctx context.Context, query, source string) (map[string]cairn.ObjectState, error) {
	rows, err := x.writer.QueryContext(ctx, query, source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]cairn.ObjectState{}
	for rows.Next() {
		o := cairn.ObjectState{Source: source}
		var status string
		if err := rows.Scan(&o.Key, &o.Size, &o.ETag, &o.Events, &o.New, &status, &o.Reason, &o.IngestedAt); err != nil {
			return nil, err
		}
		o.Status = cairn.ObjectStatus(status)
		out[o.Key] = o
	}
	return out, rows.Err()
}

// tsLiteral renders a time for comparison with eventTime, of the same type
// so that the comparison is pushed into the Parquet scan.
func tsLiteral(t time.Time) string {
	return "TIMESTAMPTZ '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "+00'"
}
