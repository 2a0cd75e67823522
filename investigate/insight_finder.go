package investigate

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// InsightFinder finds Insights once per range and version of the index, so
// that the pages of a LookupEvents and the views of a web page share one
// search: over 2,000,000 events, finding them takes about a second. Safe
// for concurrent use.
type InsightFinder struct {
	q Querier
	// version names the index's state; Insights found under one version
	// are kept until it changes.
	version func(ctx context.Context) string

	mu     sync.Mutex
	keys   []string // oldest first
	found  map[string][]Insight
	finder singleflight.Group
}

// insightRanges is how many ranges an InsightFinder keeps.
const insightRanges = 8

// NewInsightFinder returns a finder over q; version should change whenever
// the index does (its event count and newest event, say), and be "" when it
// cannot tell, which has the Insights found afresh.
func NewInsightFinder(q Querier, version func(ctx context.Context) string) *InsightFinder {
	return &InsightFinder{q: q, version: version, found: map[string][]Insight{}}
}

// Find returns Insights(ctx, q, since, until), kept from an earlier call
// when the index has not changed since.
func (f *InsightFinder) Find(ctx context.Context, since, until time.Time) ([]Insight, error) {
	// Insights are judged by whole buckets: a range rounded out to them is
	// the same range, so a poller that asks for the last quarter of an
	// hour shares one search a bucket.
	since = since.UTC().Truncate(insightBucket)
	if t := until.UTC().Truncate(insightBucket); t.Before(until) {
		until = t.Add(insightBucket)
	}
	version := f.version(ctx)
	if version == "" {
		return Insights(ctx, f.q, since, until)
	}
	key := since.UTC().Format(time.RFC3339Nano) + "|" + until.UTC().Format(time.RFC3339Nano) + "|" + version
	f.mu.Lock()
	found, ok := f.found[key]
	f.mu.Unlock()
	if ok {
		return found, nil
	}
	v, err, _ := f.finder.Do(key, func() (any, error) {
		found, err := Insights(context.WithoutCancel(ctx), f.q, since, until)
		if err != nil {
			return nil, err
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.found[key]; !ok {
			f.keys = append(f.keys, key)
			f.found[key] = found
			for len(f.keys) > insightRanges {
				delete(f.found, f.keys[0])
				f.keys = f.keys[1:]
			}
		}
		return found, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]Insight), nil
}
