package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// MaxQueryRows and MaxQueryBytes bound what a Query returns, so that a
// careless SELECT * cannot exhaust memory: the engine's memory limit does
// not cover the result once it is out of the engine. Add a LIMIT,
// aggregate, or select fewer columns instead.
const (
	MaxQueryRows  = 100_000
	MaxQueryBytes = 128 << 20
)

// Query implements cairn.Index. Only a single SELECT (or EXPLAIN of one)
// runs, on an engine of its own that attaches nothing and may open files
// only in the events folder (user_sql.go); it is stopped after the
// configured time.
func (x *Index) Query(ctx context.Context, query string) (*cairn.Table, error) {
	if err := x.refreshView(ctx); err != nil {
		return nil, err
	}
	x.viewMu.Lock()
	e, err := x.userEngineLocked(ctx)
	x.viewMu.Unlock()
	if err != nil {
		return nil, err
	}
	if x.cfg.QueryTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, x.cfg.QueryTimeout)
		defer cancel()
	}
	ctx, outgrown, stopGuard := memoryGuard(ctx)
	defer stopGuard()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := readOnlyStatement(ctx, conn, query); err != nil {
		if ctx.Err() != nil {
			return nil, x.queryError(ctx, err)
		}
		return nil, err
	}
	var table *cairn.Table
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		// The driver prepares and runs under the context, interrupting the
		// engine when it ends: preparing folds constant expressions, which
		// can take as long as running them. One statement, checked above,
		// so nothing runs before it.
		rows, err := c.QueryContext(ctx, query, nil)
		if err != nil {
			return x.queryError(ctx, err)
		}
		defer rows.Close()
		table = &cairn.Table{Columns: rows.Columns(), Types: make([]string, len(rows.Columns()))}
		if typed, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
			for i := range table.Types {
				table.Types[i] = typed.ColumnTypeDatabaseTypeName(i)
			}
		}
		vals := make([]driver.Value, len(table.Columns))
		size := 0
		for {
			if err := rows.Next(vals); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return x.queryError(ctx, err)
			}
			if len(table.Rows) == MaxQueryRows {
				return fmt.Errorf("%w: more than %d rows; add a LIMIT or aggregate", cairn.ErrQueryRefused, MaxQueryRows)
			}
			row := make([]any, len(vals))
			for i, v := range vals {
				row[i] = plainOf(v, table.Types[i])
				size += valueSize(row[i])
			}
			if size > MaxQueryBytes {
				return fmt.Errorf("%w: the result is larger than %d MiB; select fewer columns or rows, or aggregate (cairn search -format json exports raw records)", cairn.ErrQueryRefused, MaxQueryBytes>>20)
			}
			table.Rows = append(table.Rows, row)
			table.Size = size
		}
	})
	if outgrown.Load() {
		return nil, fmt.Errorf("%w: the query made cairn's memory grow by more than %d GiB; aggregate, or select fewer or smaller values", cairn.ErrQueryRefused, queryMemoryGrowth>>30)
	}
	return table, err
}

// queryError is refineError, but says so when the query ran out of time.
func (x *Index) queryError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: the query ran longer than %s, the limit that cairn serve's -index.query-timeout sets", cairn.ErrQueryRefused, x.cfg.QueryTimeout)
	}
	return refineError(err)
}

// valueSize approximates the memory a result value holds, once plain has
// made maps and unions of the engine's own types into Go's.
func valueSize(v any) int {
	switch t := v.(type) {
	case string:
		return 16 + len(t)
	case []any:
		n := 24
		for _, e := range t {
			n += valueSize(e)
		}
		return n
	case map[string]any:
		n := 48
		for k, e := range t {
			n += 16 + len(k) + valueSize(e)
		}
		return n
	case *big.Int: // HUGEINT; BIGNUM, which could be any size, is refused
		return 16 + 8*len(t.Bits())
	}
	return 16
}

// refineError turns the engine's permission errors into refusals, keeping
// the engine's one-line explanation.
func refineError(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	// The driver cannot hand over a struct without field names, nor a map
	// whose keys are not of the types it reads; its words for that are its
	// own.
	if strings.Contains(msg, "database/sql/driver") && strings.Contains(msg, "empty name") {
		return fmt.Errorf("%w: a row value without field names (ROW(…), or (a, b)) cannot be returned: name its fields ({'a': …, 'b': …}) or select them as columns", cairn.ErrBadQuery)
	}
	if strings.Contains(msg, "database/sql/driver") && strings.Contains(msg, "MAP key type not supported") {
		return fmt.Errorf("%w: a MAP whose keys are not text or numbers cannot be returned: cast it to VARCHAR, or select its entries (map_entries)", cairn.ErrBadQuery)
	}
	if strings.Contains(msg, "Permission Error") || strings.Contains(msg, "disabled by configuration") ||
		strings.Contains(msg, "configuration has been locked") {
		return fmt.Errorf("%w: %s (cairn's SQL cannot read or write files, attach databases or change settings)", cairn.ErrQueryRefused, msg)
	}
	// The engine's advice for a statement nested too deeply is a SET, which
	// is refused here.
	if i := strings.Index(msg, ` Use "SET max_expression_depth`); i > 0 {
		return fmt.Errorf("%w: %s (write the expression with fewer levels: an IN list, or a CASE instead of nested calls)", cairn.ErrBadQuery, strings.TrimSpace(msg[:i]))
	}
	if strings.Contains(msg, "Catalog Error: Table with name") {
		return fmt.Errorf("%w: %s (the tables are events, lake (CloudTrail Lake's schema) and activity (the events applications record, as Lake shows them): cairn sql \"DESCRIBE events\" lists the columns)", cairn.ErrBadQuery, msg)
	}
	// Trino's forms that DuckDB lacks under the same name, as Lake queries
	// use them (docs/cli.md lists the differences).
	if _, args, ok := strings.Cut(msg, "No function matches the given name and argument types 'regexp_replace("); ok &&
		strings.Count(args[:max(0, strings.Index(args, ")'"))], ",") == 1 {
		return fmt.Errorf("%w: %s (Trino's regexp_replace(text, pattern) removes every match: write regexp_replace(text, pattern, '', 'g'))", cairn.ErrBadQuery, msg)
	}
	if strings.Contains(msg, "Cardinality can only operate on MAPs") {
		return fmt.Errorf("%w: %s (the size of a list is len(list))", cairn.ErrBadQuery, msg)
	}
	if strings.Contains(msg, "Out of Memory Error") {
		return fmt.Errorf("%w: %s (the query engine's memory is bounded, 192MB a query thread unless cairn serve's -index.memory-limit says otherwise: aggregate before sorting, avoid DISTINCT over eventJson, and name fewer JSON functions, each of which holds about 25 MB a thread)", cairn.ErrBadQuery, msg)
	}
	return fmt.Errorf("%w: %s", cairn.ErrBadQuery, msg)
}

// plainOf is plain, but a DATE is a day and a TIME a time of day, not the
// instant the driver gives for each, and a UUID, which the driver gives as
// its 16 bytes, is written as UUIDs are.
func plainOf(v any, typ string) any {
	switch t := v.(type) {
	case time.Time:
		switch typ {
		case "DATE":
			return t.Format(time.DateOnly)
		case "TIME":
			return t.Format("15:04:05.999999")
		}
	case []byte:
		if typ == "UUID" && len(t) == 16 {
			u := duckdb.UUID(t)
			return u.String()
		}
	}
	return plain(v)
}

// finite is a float as JSON can carry it: NaN and the infinities, which
// JSON has no numbers for, as their names ("NaN", "+Inf").
func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return f
}

// decimalText writes a DECIMAL exactly, with as many places as its scale,
// as Trino and DuckDB print one (3.10, 1001.0), and as text, which a JSON
// number read as a float would not keep.
func decimalText(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
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
	case float64:
		return finite(t)
	case float32:
		// Through its shortest decimal form, so that a FLOAT 0.1 stays 0.1
		// and does not become 0.10000000149011612.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(t), 'g', -1, 32), 64)
		return finite(f)
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
	case duckdb.Decimal:
		return decimalText(t)
	case duckdb.Interval:
		return intervalText(t)
	case duckdb.Union:
		return map[string]any{t.Tag: plain(t.Value)}
	case duckdb.OrderedMap:
		// A MAP, such as the lake view's requestParameters, is an object,
		// as a struct is: JSON has no other map.
		out := make(map[string]any, t.Len())
		keys, vals := t.Keys(), t.Values()
		for i, k := range keys {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprint(plain(k))
			}
			out[ks] = plain(vals[i])
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

// intervalText writes an interval as the engine prints one: "1 month 2
// days 03:04:05.5".
func intervalText(iv duckdb.Interval) string {
	var parts []string
	unit := func(n int64, one string) {
		if n != 0 {
			s := fmt.Sprintf("%d %s", n, one)
			if n != 1 && n != -1 {
				s += "s"
			}
			parts = append(parts, s)
		}
	}
	unit(int64(iv.Months/12), "year")
	unit(int64(iv.Months%12), "month")
	unit(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		d := time.Duration(iv.Micros) * time.Microsecond
		sign := ""
		if d < 0 {
			sign, d = "-", -d
		}
		clock := fmt.Sprintf("%s%02d:%02d:%02d", sign, int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
		if frac := d % time.Second; frac != 0 {
			clock += strings.TrimRight(fmt.Sprintf(".%06d", frac/time.Microsecond), "0")
		}
		parts = append(parts, clock)
	}
	return strings.Join(parts, " ")
}
