package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/cairn-audit/cairn"
	duckdb "github.com/duckdb/duckdb-go/v2"
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
	stmts := append(x.sandbox(filepath.Join(x.dir, "events"), ""), "SET lock_configuration=true")
	if x.viewSet != nil {
		stmts = append(stmts, x.eventsView(x.viewSet))
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
// SELECT, or an EXPLAIN of one. typ is the type the engine gave the whole
// prepared text. EXPLAIN needs a closer look: EXPLAIN ANALYZE runs the
// statement it explains, whatever it is. So EXPLAIN must be the first word,
// and what follows it must prepare, on its own, as a SELECT; an ANALYZE
// there prepares as a statement of its own type and is refused.
func readOnlyStatement(c *duckdb.Conn, query string, typ duckdb.StmtType) error {
	switch typ {
	case duckdb.STATEMENT_TYPE_SELECT:
		return nil
	case duckdb.STATEMENT_TYPE_EXPLAIN:
		rest, ok := afterExplain(query)
		if !ok {
			return fmt.Errorf("%w: write EXPLAIN as the statement's first word, before a SELECT", cairn.ErrQueryRefused)
		}
		st, err := c.Prepare(rest)
		if err != nil {
			return fmt.Errorf("%w: EXPLAIN runs here only before a plain SELECT (no ANALYZE, no options)", cairn.ErrQueryRefused)
		}
		defer st.Close()
		inner, err := st.(*duckdb.Stmt).StatementType()
		if err != nil {
			return err
		}
		if inner != duckdb.STATEMENT_TYPE_SELECT {
			return fmt.Errorf("%w: EXPLAIN runs here only before a plain SELECT (no ANALYZE, no options)", cairn.ErrQueryRefused)
		}
		return nil
	}
	return fmt.Errorf("%w: only SELECT statements run here; cairn's SQL is read-only", cairn.ErrQueryRefused)
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
