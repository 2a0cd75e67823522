package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn"
)

// rangeOutsideIndex says, for a range that found nothing, when the index's
// events begin and end if the range lies wholly outside them, or "": -since
// 2d counts back from now, and an archive of older logs then answers
// nothing without saying why. spans are the range's ends as typed.
func rangeOutsideIndex(ctx context.Context, q cairn.Querier, since, until time.Time, spans ...string) string {
	if since.IsZero() && until.IsZero() {
		return ""
	}
	oldest, newest, err := indexSpan(ctx, q)
	if err != nil || oldest.IsZero() {
		return ""
	}
	if (since.IsZero() || !since.After(newest)) && (until.IsZero() || until.After(oldest)) {
		return ""
	}
	note := fmt.Sprintf("the index holds events from %s to %s only", oldest.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339))
	for _, s := range spans {
		if _, ok := cairn.ParseSpan(s); ok {
			return note + "; " + s + " counts back from now"
		}
	}
	return note
}

// indexSpan returns the time of the index's oldest event and the end of
// the second of its newest, or zero times for an empty index.
func indexSpan(ctx context.Context, q cairn.Querier) (oldest, newest time.Time, err error) {
	// Whole seconds (floored: a cast rounds), which travel alike from the
	// index and through the server.
	t, err := q.Query(ctx, "SELECT count(*), floor(epoch(min(eventTime)))::BIGINT, floor(epoch(max(eventTime)))::BIGINT FROM events")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if len(t.Rows) != 1 || len(t.Rows[0]) != 3 || cairn.CellInt(t.Rows[0][0]) == 0 {
		return time.Time{}, time.Time{}, nil
	}
	return time.Unix(cairn.CellInt(t.Rows[0][1]), 0).UTC(), time.Unix(cairn.CellInt(t.Rows[0][2]), 0).UTC().Add(time.Second), nil
}
