package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/investigate"
)

// lookupInsights answers LookupEvents with EventCategory insight: the
// Start and End records of the Insights cairn finds (investigate.Insights),
// whose times fall in the filter's range, newest first. The pages of one
// lookup share what the finder found; found again after the index
// changed, the records keep their IDs, so the pages still hold.
func (s *Server) lookupInsights(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Cursor, []lookupEvent, error) {
	since := f.Since
	if !since.IsZero() {
		// An End record in the range may belong to activity that began
		// before it, up to a day earlier.
		since = since.Add(-investigate.InsightLongest)
	}
	found, err := s.insights.Find(ctx, since, f.Until)
	if err != nil {
		return cairn.Cursor{}, nil, fmt.Errorf("insights: %w", err)
	}
	type dated struct {
		at time.Time
		r  cloudtrail.InsightRecord
	}
	var records []dated
	for i := range found {
		for _, r := range found[i].Records() {
			at, _ := time.Parse(time.RFC3339, r.EventTime)
			d := &r.InsightDetails
			if !f.Since.IsZero() && at.Before(f.Since) || !f.Until.IsZero() && !at.Before(f.Until) ||
				f.EventID != "" && r.EventID != f.EventID || f.EventName != "" && d.EventName != f.EventName ||
				f.EventSource != "" && d.EventSource != f.EventSource {
				continue
			}
			records = append(records, dated{at, r})
		}
	}
	slices.SortFunc(records, func(a, b dated) int {
		return cmp.Or(b.at.Compare(a.at), cmp.Compare(b.r.EventID, a.r.EventID))
	})
	if !after.IsZero() {
		i, _ := slices.BinarySearchFunc(records, after, func(d dated, c cairn.Cursor) int {
			return cmp.Or(c.EventTime.Compare(d.at), cmp.Compare(c.Key, d.r.EventID))
		})
		for i < len(records) && records[i].at.Equal(after.EventTime) && records[i].r.EventID == after.Key {
			i++
		}
		records = records[i:]
	}
	var next cairn.Cursor
	if len(records) > limit {
		records = records[:limit]
		last := records[limit-1]
		next = cairn.Cursor{EventTime: last.at, Key: last.r.EventID}
	}
	events := make([]lookupEvent, 0, len(records))
	for _, d := range records {
		raw, err := json.Marshal(d.r)
		if err != nil {
			return cairn.Cursor{}, nil, err
		}
		events = append(events, lookupEvent{
			EventId: d.r.EventID, EventName: d.r.InsightDetails.EventName, EventSource: d.r.InsightDetails.EventSource,
			EventTime: epochSeconds(d.at), Resources: []lookupResource{}, CloudTrailEvent: string(raw),
		})
	}
	return next, events, nil
}
