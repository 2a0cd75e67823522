package cost

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// importEngine is the import's own in-memory DuckDB: it may read the input
// files and write only into the staging folder.
type importEngine struct {
	db   *sql.DB
	conn *sql.Conn
	log  *slog.Logger
	n    int // names of rejects tables
}

var errStatusFile = errors.New("the CUR data status file")

func openImportEngine(ctx context.Context, cfg ImportConfig, staging string, files []inputFile) (*importEngine, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("start import engine: %w", err)
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("start import engine: %w", err)
	}
	e := &importEngine{db: db, conn: conn, log: cfg.Logger}
	dirs := []string{literal(staging + string(filepath.Separator))}
	for _, d := range inputDirs(files) {
		dirs = append(dirs, literal(d))
	}
	stmts := []string{
		"SET allowed_directories=[" + strings.Join(dirs, ", ") + "]",
		"SET temp_directory=" + literal(filepath.Join(staging, "spill")),
		"SET enable_external_access=false",
		"SET autoinstall_known_extensions=false",
		"SET autoload_known_extensions=false",
		"SET preserve_insertion_order=false",
		"SET TimeZone='UTC'",
	}
	if cfg.MemoryLimit != "" {
		stmts = append(stmts, "SET memory_limit="+literal(cfg.MemoryLimit))
	}
	if cfg.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads=%d", cfg.Threads))
	}
	stmts = append(stmts, importMacros...)
	stmts = append(stmts, "SET lock_configuration=true")
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			e.close()
			return nil, fmt.Errorf("configure import engine (%s): %w", s, err)
		}
	}
	return e, nil
}

// inputDirs are the folders of the input files (with a trailing
// separator), without those inside another: what the engine may read. A
// manifest's part files lie in its folder or below it.
func inputDirs(files []inputFile) []string {
	sep := string(filepath.Separator)
	var dirs []string
	for _, f := range files {
		dirs = append(dirs, strings.TrimSuffix(filepath.Dir(f.path), sep)+sep)
	}
	slices.Sort(dirs)
	var out []string
	for _, d := range dirs {
		if n := len(out); n > 0 && strings.HasPrefix(d, out[n-1]) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (e *importEngine) close() {
	e.conn.Close()
	e.db.Close()
}

// recognise reads a file's start (and a Parquet file's schema) and tells
// its format.
func (e *importEngine) recognise(ctx context.Context, f inputFile) (*dataFile, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	sn, err := sniff(fh)
	fh.Close()
	if err != nil {
		return nil, err
	}
	if sn.Gzip {
		if err := checkGzip(f.path); err != nil {
			return nil, err
		}
	}
	df := &dataFile{inputFile: f, sniffed: sn}
	if sn.Container == ContainerParquet {
		df.cols, err = e.describe(ctx, "read_parquet("+literal(f.path)+", hive_partitioning=false, binary_as_string=true)")
		if err != nil {
			return nil, fmt.Errorf("%w: unreadable Parquet: %v", ErrNotCostReport, oneLine(err))
		}
	} else {
		df.cols = csvColumns(sn.Header)
	}
	kind, version, err := recognise(df.cols)
	if err != nil {
		if len(df.cols) == 1 && strings.EqualFold(df.cols[0].Name, "status") {
			return nil, errStatusFile
		}
		return nil, err
	}
	df.format = Format{Kind: kind, Container: sn.Container, Version: version, Gzip: sn.Gzip}
	return df, nil
}

func (e *importEngine) describe(ctx context.Context, from string) ([]column, error) {
	rows, err := e.conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			return nil, err
		}
		cols = append(cols, column{Name: name, Type: typ})
	}
	return cols, rows.Err()
}

func oneLine(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// stage reads a group's files into canonical Parquet files in dir, one set
// per billing period, and counts what it rejected.
func (e *importEngine) stage(ctx context.Context, g *group, dir string, res *ImportResult) ([]*stagedPeriod, error) {
	queries, rejectTables, err := e.groupQueries(ctx, g)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, t := range rejectTables {
			e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t[0])
			e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t[1])
		}
	}()
	q := "COPY (" + strings.Join(queries, "\nUNION ALL\n") + ") TO " + literal(dir) +
		" (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (__p, __r, __c), WRITE_PARTITION_COLUMNS false)"
	began := time.Now()
	if _, err := e.conn.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("read %s: %s", g.format, oneLine(err))
	}
	e.log.Debug("read report", "source", g.source, "format", g.format.String(), "files", len(g.files), "seconds", time.Since(began).Seconds())

	// Lines the CSV reader could not split into the header's columns.
	lineRejects := map[string]int64{}
	for _, t := range rejectTables {
		// The reader writes one entry per error, several for a line that
		// lacks several columns: count lines.
		rows, err := e.conn.QueryContext(ctx, "SELECT error_type, count(*) FROM (SELECT scan_id, file_id, line, min(error_type) AS error_type FROM "+t[0]+" GROUP BY ALL) GROUP BY ALL")
		if err != nil {
			return nil, fmt.Errorf("count rejected lines: %w", err)
		}
		for rows.Next() {
			var typ string
			var n int64
			if err := rows.Scan(&typ, &n); err != nil {
				rows.Close()
				return nil, err
			}
			lineRejects[csvErrorReason(typ)] += n
		}
		rows.Close()
	}

	// The partitions: __p=<period>/__r=<status>/__c=<currency>/*.parquet.
	type part struct {
		period, status, currency string
		files                    []string
	}
	var parts []part
	pdirs, _ := os.ReadDir(dir)
	for _, pd := range pdirs {
		period := partitionValue(pd.Name(), "__p")
		rdirs, _ := os.ReadDir(filepath.Join(dir, pd.Name()))
		for _, rd := range rdirs {
			status := partitionValue(rd.Name(), "__r")
			cdirs, _ := os.ReadDir(filepath.Join(dir, pd.Name(), rd.Name()))
			for _, cd := range cdirs {
				files, _ := filepath.Glob(filepath.Join(dir, pd.Name(), rd.Name(), cd.Name(), "*.parquet"))
				if len(files) > 0 {
					sort.Strings(files)
					parts = append(parts, part{period, status, partitionValue(cd.Name(), "__c"), files})
				}
			}
		}
	}
	byPeriod := map[string]*stagedPeriod{}
	periodOf := func(p string) *stagedPeriod {
		sp := byPeriod[p]
		if sp == nil {
			sp = &stagedPeriod{Period: Period{Period: p, Format: g.format.String(), Source: g.source, AssemblyID: g.assembly},
				Rejects: map[string]int64{}, Warnings: map[string]int64{}}
			byPeriod[p] = sp
		}
		return sp
	}
	if g.period != "" {
		periodOf(g.period) // an empty assembly still replaces its period
	}
	unassigned := map[string]int64{}
	for _, pt := range parts {
		switch {
		case pt.status == "" || strings.HasPrefix(pt.status, "w-"):
			if pt.period == "" {
				return nil, fmt.Errorf("internal: imported rows without a billing period")
			}
			sp := periodOf(pt.period)
			sp.Period.Files = append(sp.Period.Files, pt.files...)
			if pt.currency != "" && !slices.Contains(sp.Period.Currencies, pt.currency) {
				sp.Period.Currencies = append(sp.Period.Currencies, pt.currency)
				slices.Sort(sp.Period.Currencies)
			}
			if pt.status != "" {
				sum, err := e.sumRows(ctx, pt.files)
				if err != nil {
					return nil, err
				}
				sp.Warnings[statusText(pt.status)] += sum.rows
			}
		default:
			sum, err := e.sumRows(ctx, pt.files)
			if err != nil {
				return nil, err
			}
			n, total := sum.rows, sum.total
			if pt.period == "" {
				unassigned[statusText(pt.status)] += n
				continue
			}
			sp := periodOf(pt.period)
			sp.Rejects[statusText(pt.status)] += n
			sp.Period.Rejected += n
			if total != "0" { // rows whose cost was read, rejected for another reason
				sp.Period.RejectedCost = SumAmounts(cmp.Or(sp.Period.RejectedCost, "0"), total)
			}
		}
	}
	for _, sp := range byPeriod {
		sp.Period.Total = "0"
		if len(sp.Period.Files) > 0 {
			sum, err := e.sumRows(ctx, sp.Period.Files)
			if err != nil {
				return nil, err
			}
			sp.Period.Rows, sp.Period.Total, sp.Period.Payers = sum.rows, sum.total, sum.payers
		}
	}
	// Rejected lines and rows without a period belong to the report's only
	// period when it has one; otherwise they are reported on their own.
	var only *stagedPeriod
	if len(byPeriod) == 1 {
		for _, sp := range byPeriod {
			only = sp
		}
	}
	for reason, n := range lineRejects {
		unassigned[reason] += n
	}
	if only != nil {
		for reason, n := range unassigned {
			only.Rejects[reason] += n
			only.Period.Rejected += n
		}
	} else if len(byPeriod) == 0 && len(unassigned) > 0 {
		return nil, fmt.Errorf("no row could be read (%s)", reasonList(unassigned))
	} else if len(unassigned) > 0 {
		res.Unassigned = append(res.Unassigned, Rejects{Source: g.source, Reasons: unassigned})
	}
	e.log.Debug("counted rows", "source", g.source, "seconds", time.Since(began).Seconds())
	out := make([]*stagedPeriod, 0, len(byPeriod))
	for _, sp := range byPeriod {
		if sp.Period.Rows == 0 && sp.Period.Rejected > 0 {
			// A period whose every row was rejected is left as it was: a
			// broken file must not empty a period that was imported well.
			res.Failures = append(res.Failures, Failure{Path: g.source, Err: fmt.Errorf("%s: all %d rows rejected (%s)",
				sp.Period.Period, sp.Period.Rejected, reasonList(sp.Rejects)), period: sp.Period.Period, payers: sp.Period.Payers})
			continue
		}
		if sp.Period.Files == nil {
			sp.Period.Files = []string{}
		}
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Period.Period < out[j].Period.Period })
	if len(byPeriod) == 0 {
		res.Notices = append(res.Notices, Notice{g.source, "skipped: the report has no rows"})
	}
	return out, nil
}

// reasonList writes counts by reason: "2 unparseable cost, 1 …".
func reasonList(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

// groupQueries returns one canonical query per set of files that the
// engine reads in one scan: CSV files with the same header, or all Parquet
// files of the group (read by column name). For CSV it also returns the
// names of the rejects tables that collect the lines it could not split.
func (e *importEngine) groupQueries(ctx context.Context, g *group) (queries []string, rejectTables [][2]string, err error) {
	if g.format.Container == ContainerParquet {
		paths := make([]string, len(g.files))
		for i, f := range g.files {
			paths[i] = literal(f.path)
		}
		from := "read_parquet([" + strings.Join(paths, ", ") + "], union_by_name=true, hive_partitioning=false, binary_as_string=true)"
		cols := g.files[0].cols
		if len(g.files) > 1 {
			if cols, err = e.describe(ctx, from); err != nil {
				return nil, nil, fmt.Errorf("read %s: %s", g.format, oneLine(err))
			}
		}
		q, err := canonicalQuery(g.format.Kind, cols, from, g.period)
		if err != nil {
			return nil, nil, err
		}
		return []string{q}, nil, nil
	}
	type subgroup struct {
		header []string
		gzip   bool
		kind   Kind
		paths  []string
	}
	var subs []*subgroup
	byKey := map[string]*subgroup{}
	for _, f := range g.files {
		key := fmt.Sprint(f.Gzip, "\x00", strings.Join(f.Header, "\x00"))
		sg := byKey[key]
		if sg == nil {
			sg = &subgroup{header: f.Header, gzip: f.Gzip, kind: f.format.Kind}
			byKey[key] = sg
			subs = append(subs, sg)
		}
		sg.paths = append(sg.paths, literal(f.path))
	}
	for _, sg := range subs {
		cols := csvColumns(sg.header)
		defs := make([]string, len(cols))
		for i, c := range cols {
			defs[i] = literal(c.Name) + ": 'VARCHAR'"
		}
		e.n++
		rt := [2]string{fmt.Sprintf("cairn_rejects_%d", e.n), fmt.Sprintf("cairn_rejects_scan_%d", e.n)}
		rejectTables = append(rejectTables, rt)
		compression := "none"
		if sg.gzip {
			compression = "gzip"
		}
		nulls := "''"
		if sg.kind == KindFOCUS {
			nulls = "['', 'NULL']" // as FOCUS exports often write nulls
		}
		from := fmt.Sprintf("read_csv([%s], header=true, auto_detect=false, columns={%s}, delim=',', quote='\"', escape='\"', nullstr=%s, compression=%s, store_rejects=true, rejects_table=%s, rejects_scan=%s)",
			strings.Join(sg.paths, ", "), strings.Join(defs, ", "), nulls, literal(compression), literal(rt[0]), literal(rt[1]))
		q, err := canonicalQuery(sg.kind, cols, from, g.period)
		if err != nil {
			return nil, nil, err
		}
		queries = append(queries, q)
	}
	return queries, rejectTables, nil
}

// stagedSum is what staged Parquet files hold.
type stagedSum struct {
	rows   int64
	total  string   // the exact sum of cost
	payers []string // the payer accounts the rows name, sorted
}

// sumRows counts the rows of staged Parquet files, sums their cost exactly
// and lists their payers, in one scan.
func (e *importEngine) sumRows(ctx context.Context, files []string) (stagedSum, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = literal(f)
	}
	var sum stagedSum
	var payers string
	// chr(31), the unit separator, is in no account ID.
	err := e.conn.QueryRowContext(ctx, "SELECT count(*), CAST(coalesce(sum(cost), 0) AS VARCHAR), coalesce(string_agg(DISTINCT payer_account, chr(31) ORDER BY payer_account), '') FROM read_parquet(["+
		strings.Join(paths, ", ")+"], hive_partitioning=false)").Scan(&sum.rows, &sum.total, &payers)
	if err != nil {
		return stagedSum{}, fmt.Errorf("count imported rows: %w", err)
	}
	sum.total = trimDecimal(sum.total)
	if payers != "" {
		sum.payers = strings.Split(payers, "\x1f")
	}
	return sum, nil
}

// partitionValue reads a Hive partition folder's value; "" for NULL.
func partitionValue(name, key string) string {
	v, ok := strings.CutPrefix(name, key+"=")
	if !ok || v == "__HIVE_DEFAULT_PARTITION__" || v == "NULL" {
		return ""
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

func statusText(status string) string {
	if t, ok := rowStatus[status]; ok {
		return t
	}
	return status
}

// csvErrorReason names what the CSV reader found wrong with a line.
func csvErrorReason(errorType string) string {
	switch errorType {
	case "MISSING COLUMNS":
		return "wrong column count (too few)"
	case "TOO MANY COLUMNS":
		return "wrong column count (too many)"
	case "INVALID UNICODE":
		return "invalid UTF-8"
	case "UNQUOTED VALUE":
		return "bad quoting"
	case "LINE SIZE OVER MAXIMUM":
		return "line too long"
	}
	return "unreadable CSV line (" + strings.ToLower(errorType) + ")"
}

// trimDecimal writes an exact decimal without trailing zeros: "12.5000" →
// "12.5", "3.000" → "3", "-0.0" → "0".
func trimDecimal(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}
