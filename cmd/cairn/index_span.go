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
	// Seconds, which travel alike from the index and through the server.
	t, err := q.Query(ctx, "SELECT count(*), epoch(min(eventTime))::BIGINT, epoch(max(eventTime))::BIGINT FROM events")
	if err != nil || len(t.Rows) != 1 || len(t.Rows[0]) != 3 || cairn.CellInt(t.Rows[0][0]) == 0 {
		return ""
	}
	oldest := time.Unix(cairn.CellInt(t.Rows[0][1]), 0)
	newest := time.Unix(cairn.CellInt(t.Rows[0][2]), 0).Add(time.Second) // the newest second, whole
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
