package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/cairn-audit/cairn"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/go-json-experiment/json"
)

// userEngine is the engine that runs user SQL (Query). It is a DuckDB of
// its own rather than a connection to the index's: that one attaches the
// writable catalog and may write anywhere in the index folder, while this
// one attaches nothing and may open files only in the events folder. So
// the statement gate (readOnlyStatement) is not the only thing between a
// user and the evidence.
type userEngine struct {
	conn *duckdb.Connector
	db   *sql.DB
}

// userEngineLocked returns the user engine, making it at the first call,
// its events view at the manifest the index's view shows. viewMu is held.
func (x *Index) userEngineLocked(ctx context.Context) (*userEngine, error) {
	if x.userSQL != nil || x.userSQLErr != nil {
		return x.userSQL, x.userSQLErr
	}
	conn, err := duckdb.NewConnector("", nil)
	if err != nil {
		x.userSQLErr = fmt.Errorf("start query engine: %w", err)
		return nil, x.userSQLErr
	}
	e := &userEngine{conn: conn, db: sql.OpenDB(conn)}
	// No spilling: the events folder is the only one it may touch, and a
	// query that needs more memory says so (refineError).
	stmts := append(x.sandbox(filepath.Join(x.dir, "events"), ""),
		// A top-N query (ORDER BY … LIMIT n) finds its rows by their
		// sort keys alone, then reads only those rows' other columns, up
		// to this many rows: past DuckDB's default of 50, SELECT * FROM
		// lake … LIMIT 100 parsed and sorted every row's nested columns,
		// and ran out of memory.
		"SET GLOBAL late_materialization_max_rows=10000",
		"SET GLOBAL lock_configuration=true")
	stmts = append(stmts, trinoFunctions...)
	if x.viewSet != nil {
		stmts = append(append(stmts, x.eventsView(x.viewSet)), lakeViews()...)
	}
	for _, s := range stmts {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			e.close()
			return nil, fmt.Errorf("configure query engine (%s): %w", s, err)
		}
	}
	x.userSQL = e
	return e, nil
}

func (e *userEngine) close() {
	e.db.Close()
	e.conn.Close()
}

// readOnlyStatement reports why query may not run, or nil when it is one
// SELECT, or an EXPLAIN of one, that calls only table functions which
// read (userTableFunctions). The engine's own parser judges it, through
// json_serialize_sql, which parses without binding or running anything
// and serializes SELECT statements only; the statement tree it returns
// names every table function called, in subqueries and CTEs too. A SELECT
// can change the engine: enable_logging() and enable_profiling() are
// table functions, and they write files and the server's output.
//
// EXPLAIN needs a closer look: EXPLAIN ANALYZE runs the statement it
// explains, whatever it is. So EXPLAIN must be the first word, and what
// follows it must be such a SELECT on its own; an ANALYZE there is not.
func readOnlyStatement(ctx context.Context, c *sql.Conn, query string) error {
	text := query
	if rest, ok := afterExplain(query); ok {
		text = rest
		// EXPLAIN ANALYZE and EXPLAIN (options) would reach the parser as
		// "ANALYZE …" or "(…", whose syntax error says nothing of why.
		r := strings.TrimLeftFunc(rest, unicode.IsSpace)
		if len(r) >= 7 && strings.EqualFold(r[:7], "ANALYZE") || strings.HasPrefix(r, "(") && strings.Contains(strings.ToUpper(r), "ANALYZE") {
			return fmt.Errorf("%w: EXPLAIN ANALYZE runs the statement it explains, so it does not run here; EXPLAIN SELECT … shows the plan", cairn.ErrQueryRefused)
		}
		if strings.HasPrefix(r, "(") {
			return fmt.Errorf("%w: EXPLAIN takes no options here; EXPLAIN SELECT … shows the plan", cairn.ErrQueryRefused)
		}
	}
	var serialized string
	if err := c.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", text).Scan(&serialized); err != nil {
		return refineError(err)
	}
	var tree struct {
		Error        bool   `json:"error"`
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		Statements   []any  `json:"statements"`
	}
	if err := json.Unmarshal([]byte(serialized), &tree); err != nil {
		return fmt.Errorf("read the statement's tree: %w", err)
	}
	switch {
	case tree.Error && tree.ErrorType == "parser":
		return refineError(errors.New(tree.ErrorMessage))
	case tree.Error:
		return fmt.Errorf("%w: only SELECT statements run here (or EXPLAIN of one, without ANALYZE); cairn's SQL is read-only", cairn.ErrQueryRefused)
	case len(tree.Statements) != 1:
		return fmt.Errorf("%w: give exactly one SELECT statement", cairn.ErrQueryRefused)
	}
	var refused, unbounded string
	walkTree(tree.Statements[0], func(node map[string]any) {
		if refused != "" {
			return
		}
		// A table function is a TABLE_FUNCTION node holding its call; a
		// scalar function is a FUNCTION node itself.
		// BIGNUM's arithmetic does not stop when the query is interrupted:
		// a cast of a long enough number runs for minutes past the limit.
		if ct, ok := node["cast_type"].(map[string]any); ok && ct["id"] == "BIGNUM" {
			refused = "BIGNUM"
			return
		}
		if node["type"] == "TABLE_FUNCTION" {
			fn, _ := node["function"].(map[string]any)
			if name, _ := fn["function_name"].(string); !userTableFunctions[strings.ToLower(name)] {
				refused = name
			}
			if fn != nil {
				fn[tableCall] = true // visited next: rows, not one value
			}
			return
		}
		if node["class"] != "FUNCTION" || node[tableCall] == true {
			return
		}
		name, _ := node["function_name"].(string)
		switch lower := strings.ToLower(name); {
		case refusedScalarFunctions[lower], lower == "current_setting" && namesAFolder(node):
			refused = name
		case unboundedScalarFunctions[lower]:
			unbounded = name
		case (lower == "printf" || lower == "format") && !boundedFormat(node):
			unbounded = name
		}
	})
	if unbounded != "" && refused == "" {
		return fmt.Errorf("%w: %s() does not run here: it can build one value as large as its arguments ask, which neither the memory limit nor the time limit stops (FROM range(…) makes rows; printf and format run with a literal pattern and widths under six digits)", cairn.ErrQueryRefused, unbounded)
	}
	if refused == "BIGNUM" {
		return fmt.Errorf("%w: the BIGNUM type does not run here: its arithmetic cannot be stopped by the query's time limit; use HUGEINT or DOUBLE", cairn.ErrQueryRefused)
	}
	if refused != "" {
		return fmt.Errorf("%w: %s() does not run here: cairn's SQL reads the events, lake and activity views alone, not files or the network", cairn.ErrQueryRefused, refused)
	}
	return nil
}

// userTableFunctions are the table functions user SQL may call: they make
// rows, or read the engine's description of itself or the segments' files,
// and change nothing. Those left out write files or logs, change settings
// for later queries (enable_logging, enable_profiling), checkpoint, run
// SQL given as text (query, json_execute_serialized_sql), or read other
// formats, secrets or extensions; and duckdb_settings, whose values name
// the server's folders (allowed_directories, secret_directory) to anyone
// with an API key.
var userTableFunctions = map[string]bool{
	"range": true, "generate_series": true, "unnest": true, "repeat": true, "repeat_row": true,
	"json_each": true, "json_tree": true, "glob": true,
	"read_parquet": true, "parquet_scan": true, "parquet_metadata": true, "parquet_schema": true,
	"parquet_file_metadata": true, "parquet_kv_metadata": true,
	"duckdb_columns": true, "duckdb_constraints": true, "duckdb_databases": true, "duckdb_dependencies": true,
	"duckdb_functions": true, "duckdb_indexes": true, "duckdb_keywords": true, "duckdb_schemas": true,
	"duckdb_tables": true, "duckdb_types": true, "duckdb_views": true,
	"pragma_table_info": true, "pragma_version": true, "pragma_platform": true, "pragma_show": true,
	"summary": true, "pg_timezone_names": true, "icu_calendar_names": true,
}

// refusedScalarFunctions are the scalar functions that change the engine.
var refusedScalarFunctions = map[string]bool{"write_log": true, "nextval": true, "setseed": true}

// namesAFolder reports whether a call of current_setting may read a
// setting that names the server's files (allowed_directories,
// secret_directory, temp_directory, extension repositories, log and
// profiling paths): its argument is not a literal, or is such a name.
func namesAFolder(call map[string]any) bool {
	if children, _ := call["children"].([]any); len(children) != 1 {
		return true
	}
	name, ok := firstLiteral(call)
	if !ok {
		return true
	}
	name = strings.ToLower(name)
	for _, part := range []string{"director", "path", "repository", "output", "file", "log"} {
		if strings.Contains(name, part) {
			return true
		}
	}
	return false
}

// boundedFormat reports whether a call of printf or format pads to a
// width it can be held to: its format is a literal, with no width of six
// digits or more and none taken from an argument (*). printf('%2000000000s',
// 'x') is a string of 2 GB, made in one call.
func boundedFormat(call map[string]any) bool {
	if children, _ := call["children"].([]any); len(children) == 0 {
		return true
	}
	format, ok := firstLiteral(call)
	return ok && !wideFormat.MatchString(format)
}

// firstLiteral is the first argument of a call in the statement tree, when
// it is a string literal.
func firstLiteral(call map[string]any) (string, bool) {
	children, _ := call["children"].([]any)
	if len(children) == 0 {
		return "", false
	}
	arg, _ := children[0].(map[string]any)
	value, _ := arg["value"].(map[string]any)
	s, ok := value["value"].(string)
	return s, ok && arg["class"] == "CONSTANT"
}

// wideFormat finds a width of six digits or more, or one given by an
// argument, in a printf or format pattern.
var wideFormat = regexp.MustCompile(`[0-9]{6,}|\*|\{[^}]*\{`)

// tableCall marks the call of a table function in a statement tree, which
// walkTree visits after the TABLE_FUNCTION node that holds it.
const tableCall = "cairn_table_call"

// unboundedScalarFunctions build one value as large as their arguments
// ask, in one call that neither the engine's memory limit nor an
// interruption stops: SELECT range(0, 1000000000) is a list of 8 GB.
var unboundedScalarFunctions = map[string]bool{
	"range": true, "generate_series": true, "repeat": true, "list_resize": true, "array_resize": true,
	"lpad": true, "rpad": true,
}

// walkTree calls fn with every object of a statement tree.
func walkTree(v any, fn func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		fn(t)
		for _, e := range t {
			walkTree(e, fn)
		}
	case []any:
		for _, e := range t {
			walkTree(e, fn)
		}
	}
}

// afterExplain returns the text after a leading EXPLAIN keyword. Only
// white space may come before it: with a comment there, where the engine's
// keyword is would depend on how it reads comments.
func afterExplain(query string) (string, bool) {
	q := strings.TrimLeftFunc(query, unicode.IsSpace)
	const kw = "EXPLAIN"
	if len(q) <= len(kw) || !strings.EqualFold(q[:len(kw)], kw) {
		return "", false
	}
	if r := rune(q[len(kw)]); r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80 {
		return "", false // a longer word, such as EXPLAINED
	}
	return q[len(kw):], true
}
