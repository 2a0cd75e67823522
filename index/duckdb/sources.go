package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cairn-audit/cairn"
)

// Sources lists the sources that objects were ingested from.
func (x *Index) Sources(ctx context.Context) ([]string, error) {
	if x.writer == nil {
		return nil, fmt.Errorf("sources: the index was opened read-only")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	rows, err := x.writer.QueryContext(ctx, "SELECT DISTINCT source FROM catalog.objects ORDER BY source")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SourceSummaries summarises each source's objects, with up to listed of
// its quarantined ones and of those read in part, in two queries over the
// catalog: the health page read every object's state each time it was
// shown, 0.7 s of CPU on make bench's 107,076 objects.
func (x *Index) SourceSummaries(ctx context.Context, listed int) ([]cairn.SourceSummary, error) {
	if x.writer == nil {
		return nil, fmt.Errorf("sources: the index was opened read-only")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	inPart := "status = 'done' AND contains(reason, " + cairn.SQLString(cairn.ReadInPartNote) + ")"
	rows, err := x.writer.QueryContext(ctx, `SELECT source, status, count(*), coalesce(sum(events), 0), coalesce(sum(new), 0), max(ingested_at),
		count(*) FILTER (WHERE `+inPart+`)
		FROM catalog.objects GROUP BY source, status ORDER BY source, status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cairn.SourceSummary
	at := map[string]int{}
	for rows.Next() {
		var source, status string
		var n, partly int
		var events, fresh int64
		var last sql.NullTime
		if err := rows.Scan(&source, &status, &n, &events, &fresh, &last, &partly); err != nil {
			return nil, err
		}
		i, ok := at[source]
		if !ok {
			i = len(out)
			at[source] = i
			out = append(out, cairn.SourceSummary{Source: source, Counts: map[cairn.ObjectStatus]int{}})
		}
		s := &out[i]
		s.Counts[cairn.ObjectStatus(status)] = n
		s.InPart += partly
		s.Events += events
		s.New += fresh
		if last.Valid && last.Time.After(s.Last) {
			s.Last = last.Time
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		s := &out[i]
		s.More = max(0, s.Counts[cairn.ObjectQuarantined]-listed)
	}
	q, err := x.writer.QueryContext(ctx, `SELECT source, status, key, size, etag, events, new, reason, ingested_at FROM (
		SELECT *, row_number() OVER (PARTITION BY source, status ORDER BY key) AS n
		FROM catalog.objects WHERE status = 'quarantined' OR (`+inPart+`)) WHERE n <= ? ORDER BY source, key`, listed)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	for q.Next() {
		var o cairn.ObjectState
		var status string
		if err := q.Scan(&o.Source, &status, &o.Key, &o.Size, &o.ETag, &o.Events, &o.New, &o.Reason, &o.IngestedAt); err != nil {
			return nil, err
		}
		o.Status = cairn.ObjectStatus(status)
		s := &out[at[o.Source]]
		if o.Status == cairn.ObjectQuarantined {
			s.Quarantined = append(s.Quarantined, o)
		} else {
			s.ReadInPart = append(s.ReadInPart, o)
		}
	}
	return out, q.Err()
}
