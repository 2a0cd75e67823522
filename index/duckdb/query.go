package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// MaxQueryRows bounds the rows a Query returns, so that a careless
// SELECT * cannot exhaust memory; add a LIMIT or aggregate instead.
const MaxQueryRows = 100_000

// Query implements cairn.Index. Only a single SELECT (or EXPLAIN) statement
// runs; the engine itself is sandboxed (see setup), so even a SELECT cannot
// read files outside the index or reach the network.
func (x *Index) Query(ctx context.Context, query string) (*cairn.Table, error) {
	if err := x.refreshView(ctx); err != nil {
		return nil, err
	}
	conn, err := x.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var table *cairn.Table
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		// Prepare without a context: it refuses several statements, where
		// PrepareContext would run all but the last.
		st, err := c.Prepare(query)
		if err != nil {
			if strings.Contains(err.Error(), "context") {
				return fmt.Errorf("%w: give exactly one SELECT statement", cairn.ErrQueryRefused)
			}
			return refineError(err)
		}
		defer st.Close()
		stmt := st.(*duckdb.Stmt)
		typ, err := stmt.StatementType()
		if err != nil {
			return err
		}
		if typ != duckdb.STATEMENT_TYPE_SELECT && typ != duckdb.STATEMENT_TYPE_EXPLAIN {
			return fmt.Errorf("%w: only SELECT statements run here; cairn's SQL is read-only", cairn.ErrQueryRefused)
		}
		rows, err := stmt.QueryContext(ctx, nil)
		if err != nil {
			return refineError(err)
		}
		defer rows.Close()
		table = &cairn.Table{Columns: rows.Columns()}
		vals := make([]driver.Value, len(table.Columns))
		for {
			if err := rows.Next(vals); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return refineError(err)
			}
			if len(table.Rows) == MaxQueryRows {
				return fmt.Errorf("%w: more than %d rows; add a LIMIT or aggregate", cairn.ErrQueryRefused, MaxQueryRows)
			}
			row := make([]any, len(vals))
			for i, v := range vals {
				row[i] = plain(v)
			}
			table.Rows = append(table.Rows, row)
		}
	})
	return table, err
}

// refineError turns the engine's permission errors into refusals, keeping
// the engine's one-line explanation.
func refineError(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	if strings.Contains(msg, "Permission Error") || strings.Contains(msg, "disabled by configuration") ||
		strings.Contains(msg, "configuration has been locked") {
		return fmt.Errorf("%w: %s (cairn's SQL cannot read or write files, attach databases or change settings)", cairn.ErrQueryRefused, msg)
	}
	if strings.Contains(msg, "Out of Memory Error") {
		return fmt.Errorf("%w: %s (the query engine's memory is bounded, 256MB unless cairn serve's -index.memory-limit says otherwise: aggregate before sorting, and avoid DISTINCT over eventJson)", cairn.ErrBadQuery, msg)
	}
	return fmt.Errorf("%w: %s", cairn.ErrBadQuery, msg)
}

// plain converts engine values to JSON-friendly Go values.
func plain(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(t)
	case duckdb.UUID:
		return t.String()
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = plain(t[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plain(x)
		}
		return out
	}
	return v
}

// Stats implements cairn.Index.
func (x *Index) Stats(ctx context.Context) (cairn.IndexStats, error) {
	if err := x.refreshView(ctx); err != nil {
		return cairn.IndexStats{}, err
	}
	var m *manifest
	if x.writer != nil {
		x.writeMu.Lock()
		m = x.manifest
		x.writeMu.Unlock()
	} else {
		var err error
		if m, err = readManifest(x.dir); err != nil {
			return cairn.IndexStats{}, err
		}
	}
	var s cairn.IndexStats
	for _, seg := range m.Segments {
		s.Events += seg.Rows
		s.Bytes += seg.Bytes
		s.Files++
		if s.Oldest.IsZero() || seg.MinTime.Before(s.Oldest) {
			s.Oldest = seg.MinTime
		}
		if seg.MaxTime.After(s.Newest) {
			s.Newest = seg.MaxTime
		}
	}
	if x.writer != nil {
		x.writeMu.Lock()
		defer x.writeMu.Unlock()
		row := x.writer.QueryRowContext(ctx, "SELECT count(*), count(*) FILTER (WHERE status = 'quarantined') FROM catalog.objects")
		if err := row.Scan(&s.Objects, &s.Quarantined); err != nil {
			return s, err
		}
	}
	return s, nil
}
