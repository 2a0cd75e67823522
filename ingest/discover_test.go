package ingest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
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

// walkAll ranges over discover and returns the keys it yielded, sorted, the
// folders it skipped, and the error that ended it.
func walkAll(ctx context.Context, src *Source, listers int) (keys, skipped []string, err error) {
	for info, e := range discover(ctx, src, listers, func(key, why string) { skipped = append(skipped, key) }) {
		if e != nil {
			err = e
			break
		}
		keys = append(keys, info.Key)
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

// TestDiscoverStops: a consumer that stops early, a listing that fails
// and a cancelled context each end the walk, and no lister is left behind.
func TestDiscoverStops(t *testing.T) {
	st, _ := layoutStore(t)
	before := runtime.NumGoroutine()

	src := &Source{URL: "file:///test", Store: st}
	n := 0
	for _, err := range discover(context.Background(), src, 8, func(string, string) {}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}

	boom := errors.New("listing refused")
	failing := &Source{URL: "file:///test", Store: &failingStore{BlobStore: st, prefix: "AWSLogs/o-abc/222222222222/CloudTrail/eu-west-1/", err: boom}}
	if _, _, err := walkAll(context.Background(), failing, 8); !errors.Is(err, boom) {
		t.Errorf("a failing listing ended the walk with %v, want %v", err, boom)
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
