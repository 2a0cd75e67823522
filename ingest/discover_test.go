package ingest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/google/go-cmp/cmp"
)

// layoutStore is an org trail's layout: accounts, regions and days, with
// digest and Insights trees beside the logs.
func layoutStore(t *testing.T) (cairn.BlobStore, []string) {
	t.Helper()
	st, err := file.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var keys []string
	put := func(key string) {
		if err := st.Put(ctx, key, strings.NewReader("{}"), cairn.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, account := range []string{"111111111111", "222222222222", "333333333333"} {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for day := 1; day <= 4; day++ {
				for n := range 3 {
					key := fmt.Sprintf("AWSLogs/o-abc/%s/CloudTrail/%s/2026/03/%02d/%s_CloudTrail_%s_202603%02dT0000Z_%d.json.gz", account, region, day, account, region, day, n)
					put(key)
					keys = append(keys, key)
				}
			}
		}
		put("AWSLogs/o-abc/" + account + "/CloudTrail-Digest/us-east-1/2026/03/01/digest.json.gz")
		put("AWSLogs/o-abc/" + account + "/CloudTrail-Insight/us-east-1/2026/03/01/insight.json.gz")
	}
	slices.Sort(keys)
	return st, keys
}

// walkAll walks a whole source and returns the keys it yielded, sorted, the
// folders it skipped or could not list (with their reasons), and the error
// that ended it.
func walkAll(ctx context.Context, src *Source, listers int) (keys, skipped []string, err error) {
	notice := func(st cairn.ObjectState) {
		if st.Status == cairn.ObjectQuarantined {
			skipped = append(skipped, st.Key+": "+st.Reason)
			return
		}
		skipped = append(skipped, st.Key)
	}
	for f, e := range walk(ctx, src, []string{""}, listers, nil, notice, &outage{}) {
		if e != nil {
			err = e
			break
		}
		keys = append(keys, f.object.Key)
	}
	slices.Sort(keys)
	slices.Sort(skipped)
	return keys, skipped, err
}

// TestDiscoverListsInParallel: however many folders are listed at once,
// every object is found once, and the digest and Insights trees are skipped
// with a notice, never listed.
func TestDiscoverListsInParallel(t *testing.T) {
	st, want := layoutStore(t)
	counted := &countingStore{BlobStore: st}
	src := &Source{URL: "file:///test", Store: counted}
	for _, listers := range []int{1, 2, 8, 64} {
		counted.lists.Store(0)
		keys, skipped, err := walkAll(context.Background(), src, listers)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, keys); diff != "" {
			t.Errorf("%d listers: keys (-want +got):\n%s", listers, diff)
		}
		if len(skipped) != 6 {
			t.Errorf("%d listers: skipped %v, want the 3 digest and 3 Insights trees", listers, skipped)
		}
		// The root, AWSLogs, o-abc, 3 accounts, their 3 CloudTrail
		// folders, 6 regions, 6 years, 6 months and 24 days.
		if got := counted.lists.Load(); got != 51 {
			t.Errorf("%d listers: %d folders listed, want 51", listers, got)
		}
	}
}

// TestDiscoverStops: a consumer that stops early, the source's own listing
// failing and a cancelled context each end the walk, and no lister is left
// behind. A folder within that cannot be listed is named, and the walk
// lists the others.
func TestDiscoverStops(t *testing.T) {
	st, _ := layoutStore(t)
	before := runtime.NumGoroutine()

	src := &Source{URL: "file:///test", Store: st}
	n := 0
	for _, err := range walk(context.Background(), src, []string{""}, 8, nil, func(cairn.ObjectState) {}, &outage{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}

	boom := errors.New("listing refused")
	region := "AWSLogs/o-abc/222222222222/CloudTrail/eu-west-1/"
	failing := &Source{URL: "file:///test", Store: &failingStore{BlobStore: st, prefix: region, err: boom}}
	keys, skipped, err := walkAll(context.Background(), failing, 8)
	if err != nil || !slices.Contains(skipped, region+": cannot list: listing refused") {
		t.Errorf("a failing folder: walk ended with %v, noticed %q", err, skipped)
	}
	if len(keys) == 0 || slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, region) }) {
		t.Errorf("a failing folder: %d keys listed, some of it", len(keys))
	}
	failingRoot := &Source{URL: "file:///test", Store: &failingStore{BlobStore: st, prefix: "", err: boom}}
	if _, _, err := walkAll(context.Background(), failingRoot, 8); !errors.Is(err, boom) {
		t.Errorf("the source's own listing failing ended the walk with %v, want %v", err, boom)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := walkAll(ctx, src, 8); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled walk ended with %v, want %v", err, context.Canceled)
	}

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before the walks, %d after", before, after)
	}
}

type countingStore struct {
	cairn.BlobStore
	lists atomic.Int64
}

func (s *countingStore) List(ctx context.Context, opts cairn.ListOptions) iter.Seq2[cairn.ListEntry, error] {
	s.lists.Add(1)
	return s.BlobStore.List(ctx, opts)
}

type failingStore struct {
	cairn.BlobStore
	prefix string
	err    error
}

func (s *failingStore) List(ctx context.Context, opts cairn.ListOptions) iter.Seq2[cairn.ListEntry, error] {
	if opts.Prefix == s.prefix {
		return func(yield func(cairn.ListEntry, error) bool) { yield(cairn.ListEntry{}, s.err) }
	}
	return s.BlobStore.List(ctx, opts)
}

// statesByDay is an index that records which objects ingest asks the
// states of, and refuses to hand out every state of a source at once.
type statesByDay struct {
	cairn.Index
	mu   sync.Mutex
	asks [][]string
}

func (x *statesByDay) Objects(context.Context, string) (map[string]cairn.ObjectState, error) {
	return nil, errors.New("ingest loaded every state of the source")
}

func (x *statesByDay) ObjectStates(ctx context.Context, source string, keys []string) (map[string]cairn.ObjectState, error) {
	x.mu.Lock()
	x.asks = append(x.asks, slices.Clone(keys))
	x.mu.Unlock()
	return x.Index.ObjectStates(ctx, source, keys)
}

// openStatesByDay opens a new index, wrapped to record the states ingest
// asks for, and root as a source.
func openStatesByDay(t *testing.T, root string) (*statesByDay, *Source) {
	t.Helper()
	ctx := context.Background()
	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	return &statesByDay{Index: idx}, src
}

// TestIngestReadsADayAtATime: what a run holds does not grow with the
// source. It asks for the states of whole days of objects (of every account
// and region) until stateChunk are waiting, after those outside the day
// folders, and reads the days in order; a second run reads nothing again.
func TestIngestReadsADayAtATime(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	id := 0
	for _, account := range []string{"111111111111", "222222222222"} {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for day := 1; day <= 3; day++ {
				folder := fmt.Sprintf("AWSLogs/o-abc/%s/CloudTrail/%s/2026/03/%02d/", account, region, day)
				for n := range 2 {
					id++
					write(t, root, fmt.Sprintf("%s%s_CloudTrail_%s_202603%02dT0000Z_%d.json.gz", folder, account, region, day, n), logFile([]int{id}, account))
				}
			}
		}
	}
	write(t, root, "extra/events.jsonl", []byte(record(1000, "111111111111")+"\n"))

	defer func(n int) { stateChunk = n }(stateChunk)
	stateChunk = 10
	x, src := openStatesByDay(t, root)
	cfg := DefaultConfig()
	var read []string
	sum, err := Run(ctx, cfg, x, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Listed != 25 || sum.Events != 25 || sum.Unchanged != 0 {
		t.Fatalf("first run: %+v", sum)
	}
	// The asks: the object outside the day folders with day 1, at once so
	// that reading starts, then days 2 and 3 (16 objects waiting once 10
	// were) in asks of at most 10.
	var sizes []int
	for _, keys := range x.asks {
		sizes = append(sizes, len(keys))
		for _, k := range keys {
			day := "" // outside the day folders: first
			if info := src.KeyInfo(k); !info.Date.IsZero() {
				day = info.Date.Format(time.DateOnly)
			}
			read = append(read, day)
		}
	}
	if want := []int{9, 10, 6}; !slices.Equal(sizes, want) {
		t.Errorf("asked for %v states at a time, want %v", sizes, want)
	}
	if !slices.IsSorted(read) || len(read) != 25 {
		t.Errorf("asked for the states of days %q, want each object once, in day order", read)
	}

	x.asks = nil
	if sum, err = Run(ctx, cfg, x, src); err != nil || sum.Unchanged != 25 || sum.Objects != 0 {
		t.Fatalf("second run: %+v, %v", sum, err)
	}
}

// TestIngestFlatFolderInChunks: objects outside day folders are compared
// and read stateChunk at a time, and none is lost between chunks.
func TestIngestFlatFolderInChunks(t *testing.T) {
	defer func(n int) { stateChunk = n }(stateChunk)
	stateChunk = 2
	ctx := context.Background()
	root := t.TempDir()
	for i := range 5 {
		write(t, root, fmt.Sprintf("exports/%d.json.gz", i), logFile([]int{i + 1}, "111111111111"))
	}
	x, src := openStatesByDay(t, root)
	sum, err := Run(ctx, DefaultConfig(), x, src)
	if err != nil || sum.Listed != 5 || sum.New != 5 {
		t.Fatalf("run: %+v, %v", sum, err)
	}
	var asked []string
	for _, keys := range x.asks {
		if len(keys) > 2 {
			t.Errorf("asked for %d states at once, want at most 2", len(keys))
		}
		asked = append(asked, keys...)
	}
	if slices.Sort(asked); len(slices.Compact(asked)) != 5 {
		t.Errorf("asked for the states of %v, want the 5 objects once each", asked)
	}
}

// listings is a store that records the prefixes it is asked to list.
type listings struct {
	cairn.BlobStore
	mu       sync.Mutex
	prefixes []string
}

func (l *listings) List(ctx context.Context, opts cairn.ListOptions) iter.Seq2[cairn.ListEntry, error] {
	l.mu.Lock()
	l.prefixes = append(l.prefixes, opts.Prefix)
	l.mu.Unlock()
	return l.BlobStore.List(ctx, opts)
}

// TestIngestSince: a run with Since does not list the years, months and
// days of the layout that end before it, while it reads the rest, objects
// outside the layout included; a run without Since then finds the days
// left out.
func TestIngestSince(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	id := 0
	for _, day := range []string{"2025/12/31", "2026/02/27", "2026/03/13", "2026/03/14"} {
		id++
		d := strings.ReplaceAll(day, "/", "")
		write(t, root, fmt.Sprintf("AWSLogs/111111111111/CloudTrail/us-east-1/%s/111111111111_CloudTrail_us-east-1_%sT0000Z_a.json.gz", day, d), logFile([]int{id}, "111111111111"))
	}
	write(t, root, "extra/events.jsonl", []byte(record(1000, "111111111111")+"\n"))

	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	store := &listings{BlobStore: src.Store}
	src.Store = store
	cfg := DefaultConfig()
	cfg.Since = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	sum, err := Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 2 || sum.New != 2 {
		t.Fatalf("run since 14 March: %+v %v", sum, err)
	}
	for _, p := range store.prefixes {
		for _, old := range []string{"/2025/", "/2026/02/", "/2026/03/13/"} {
			if strings.Contains(p, old) {
				t.Errorf("listed %s, which ends before 14 March", p)
			}
		}
	}
	cfg.Since = time.Time{}
	if sum, err = Run(ctx, cfg, idx, src); err != nil || sum.Objects != 3 || sum.New != 3 || sum.Unchanged != 2 {
		t.Fatalf("run without Since: %+v %v", sum, err)
	}
}
