package main

import (
	"testing"
	"time"
)

// TestRoundSince: a server's rounds list a source whole when it starts and
// once a day after, and in between only the days from yesterday on.
func TestRoundSince(t *testing.T) {
	start := time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC)
	yesterday := time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		listedWhole, now, want time.Time
	}{
		{time.Time{}, start, time.Time{}},
		{start, start.Add(time.Minute), yesterday.AddDate(0, 0, 1)}, // past midnight: from the 14th
		{start, start.Add(-time.Minute), yesterday},
		{start, start.Add(fullListEvery - time.Second), time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)},
		{start, start.Add(fullListEvery), time.Time{}},
		// Local time does not move the days: the layout's are UTC.
		{start, start.In(time.FixedZone("UTC+10", 10*3600)).Add(time.Hour), yesterday.AddDate(0, 0, 1)},
	} {
		if got := roundSince(tc.listedWhole, tc.now); !got.Equal(tc.want) {
			t.Errorf("listed whole at %v, round at %v: since %v, want %v", tc.listedWhole, tc.now, got, tc.want)
		}
	}
}
