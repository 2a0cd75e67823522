package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
)

type kind int

const (
	kindResource kind = iota
	kindUser
	kindAccessKey
	numKinds
)

func (k kind) String() string { return [...]string{"resource", "user", "access key"}[k] }

// queriers holds cairn's index, opened in this process as `cairn search`
// opens it (read-only), and the anchor's DuckDB table.
type queriers struct {
	cairn  *duckdb.Index
	anchor *sql.DB
	data   string
	since  time.Time // the window of needles and group-by: the last 30 days of the data
	newest time.Time
}

func openQueriers(ctx context.Context, cfg config) (*queriers, error) {
	xcfg := duckdb.DefaultConfig()
	xcfg.Dir = filepath.Join(cfg.Work, "cairn-data", "index")
	xcfg.ReadOnly = true
	idx, err := duckdb.Open(ctx, xcfg)
	if err != nil {
		return nil, fmt.Errorf("open cairn's index: %w", err)
	}
	db, err := sql.Open("duckdb", anchorPath(cfg)+"?access_mode=read_only")
	if err != nil {
		idx.Close()
		return nil, err
	}
	return &queriers{cairn: idx, anchor: db, data: filepath.Join(cfg.Work, "cairn-data")}, nil
}

func (q *queriers) close() {
	q.cairn.Close()
	q.anchor.Close()
}

// window sets the query window to the last 30 days of the data: the data
// lies in the past, so "30d" back from now would find nothing.
func (q *queriers) window(ctx context.Context, cfg config) error {
	t, err := q.cairn.Query(ctx, "SELECT epoch_us(max(eventTime)) FROM events")
	if err != nil {
		return err
	}
	us, ok := t.Rows[0][0].(int64)
	if !ok {
		return fmt.Errorf("newest event: unexpected %T", t.Rows[0][0])
	}
	q.newest = time.UnixMicro(us).UTC()
	q.since = q.newest.Add(-30 * 24 * time.Hour).Truncate(time.Second)
	return nil
}

// pickNeedles draws cfg.Picks needles of each kind, deterministically from
// the seed: it samples records (so a needle is as likely as it is frequent
// in the data) and takes the record's resource, user or access key. The
// values come from the records' own fields, which both stores keep:
// resources from the record's resources[] ARNs, users as the IAM or
// federated user name or the assumed role's session name, access keys as
// userIdentity.accessKeyId.
func (q *queriers) pickNeedles(ctx context.Context, cfg config) ([numKinds][]string, error) {
	var out [numKinds][]string
	queries := [numKinds]string{
		kindResource: `SELECT DISTINCT eventID, resources FROM events WHERE resources IS NOT NULL AND resources <> '[]' AND eventTime >= ?`,
		kindUser: `SELECT DISTINCT eventID, coalesce(CASE WHEN userType = 'AssumedRole' THEN split_part(userArn, '/', 3) END, userName) FROM events
			WHERE userType IN ('IAMUser', 'AssumedRole', 'SAMLUser', 'WebIdentityUser') AND eventTime >= ?`,
		kindAccessKey: `SELECT DISTINCT eventID, accessKeyId FROM events WHERE accessKeyId IS NOT NULL AND accessKeyId <> '' AND eventTime >= ?`,
	}
	for k := range numKinds {
		// Sample by a seeded hash of the event ID, so the picks do not
		// depend on row order.
		sqlText := fmt.Sprintf(`SELECT v FROM (%s) AS t(id, v) WHERE v IS NOT NULL AND v <> '' ORDER BY hash(id || '%d'), id LIMIT %d`,
			queries[k], cfg.Seed, cfg.Picks)
		rows, err := q.anchor.QueryContext(ctx, sqlText, q.since)
		if err != nil {
			return out, fmt.Errorf("pick %s needles: %w", k, err)
		}
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(k)))
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return out, err
			}
			if k == kindResource {
				arns := resourceARNs(v)
				if len(arns) == 0 {
					continue
				}
				v = arns[rng.IntN(len(arns))]
			}
			out[k] = append(out[k], v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
		if len(out[k]) == 0 {
			return out, fmt.Errorf("no %s needles in the data", k)
		}
	}
	return out, nil
}

// resourceARNs returns the ARNs of a record's resources[] (CloudTrail spells
// the key "ARN").
func resourceARNs(resources string) []string {
	var out []string
	for rest := resources; ; {
		i := strings.Index(rest, `"ARN":"`)
		if i < 0 {
			return out
		}
		rest = rest[i+len(`"ARN":"`):]
		j := strings.IndexByte(rest, '"')
		if j < 0 {
			return out
		}
		out = append(out, rest[:j])
		rest = rest[j:]
	}
}

func (k kind) filter(v string, since time.Time) cairn.Filter {
	f := cairn.Filter{Since: since}
	switch k {
	case kindResource:
		f.ResourceID = v
	case kindUser:
		f.User = v
	case kindAccessKey:
		f.AccessKeyID = v
	}
	return f
}

// anchorWhere is the plain-table equivalent of cairn's filter: what a
// DuckDB user would write against the anchor's columns.
func (k kind) anchorWhere() string {
	switch k {
	case kindResource:
		return `contains(resources, '"' || $1 || '"')`
	case kindUser:
		return `(userName = $1 OR issuerUserName = $1 OR userArn = $1 OR issuerArn = $1 OR principalId = $1 OR suffix(userArn, '/' || $1))`
	default:
		return `accessKeyId = $1`
	}
}

// latency is the distribution of one kind of query.
type latency struct {
	Kind    string
	N       int
	Median  time.Duration
	P95     time.Duration
	Hits    float64 // mean results per query
	Agree   int     // picks where both stores returned the same events
	AnchorM time.Duration
	AnchorP time.Duration
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p/100*float64(len(s)-1) + 0.5)
	return s[i]
}

// searchNeedles times every needle in cairn (in-process Search, the page of
// 50 with the records, as the CLI and the API ask) and in the anchor table
// (the equivalent SELECT … ORDER BY eventTime DESC LIMIT 50), alternating,
// so that both see the same machine load.
func (q *queriers) searchNeedles(ctx context.Context, cfg config, needles [numKinds][]string) ([]latency, error) {
	var out []latency
	for k := range numKinds {
		anchorQ := fmt.Sprintf(`SELECT %s FROM events WHERE %s AND eventTime >= $2 ORDER BY eventTime DESC LIMIT 50`, anchorColumns, k.anchorWhere())
		stmt, err := q.anchor.PrepareContext(ctx, anchorQ)
		if err != nil {
			return nil, fmt.Errorf("anchor %s query: %w", k, err)
		}
		// One untimed query each first: file handles, metadata caches.
		if _, err := q.cairn.Search(ctx, k.filter(needles[k][0], q.since), cairn.Cursor{}, 50); err != nil {
			stmt.Close()
			return nil, fmt.Errorf("cairn search: %w", err)
		}
		if _, err := anchorIDs(ctx, stmt, needles[k][0], q.since); err != nil {
			stmt.Close()
			return nil, err
		}
		var cd, ad []time.Duration
		l := latency{Kind: k.String(), N: len(needles[k])}
		hits := 0
		for _, v := range needles[k] {
			var page cairn.Page
			d, err := timeIt(func() (err error) {
				page, err = q.cairn.Search(ctx, k.filter(v, q.since), cairn.Cursor{}, 50)
				return err
			})
			if err != nil {
				stmt.Close()
				return nil, fmt.Errorf("cairn search %s %q: %w", k, v, err)
			}
			cd = append(cd, d)
			var ids []string
			d, err = timeIt(func() (err error) {
				ids, err = anchorIDs(ctx, stmt, v, q.since)
				return err
			})
			if err != nil {
				stmt.Close()
				return nil, err
			}
			ad = append(ad, d)
			hits += len(page.Events)
			if sameEvents(page.Events, ids) {
				l.Agree++
			} else {
				distinct := len(slices.Compact(slices.Sorted(slices.Values(ids))))
				logf("needle %s %q: cairn returned %d events, the anchor %d rows (%d distinct event IDs)", k, v, len(page.Events), len(ids), distinct)
			}
		}
		stmt.Close()
		l.Median, l.P95 = percentile(cd, 50), percentile(cd, 95)
		l.AnchorM, l.AnchorP = percentile(ad, 50), percentile(ad, 95)
		l.Hits = float64(hits) / float64(len(needles[k]))
		logf("needle %-10s cairn median %s p95 %s · DuckDB table median %s p95 %s · %.1f results/query, same events in %d/%d",
			k, ms(l.Median), ms(l.P95), ms(l.AnchorM), ms(l.AnchorP), l.Hits, l.Agree, l.N)
		out = append(out, l)
	}
	return out, nil
}

// anchorIDs runs the anchor query, reads every column of every row (as a
// client would) and returns the event IDs.
func anchorIDs(ctx context.Context, stmt *sql.Stmt, v string, since time.Time) ([]string, error) {
	rows, err := stmt.QueryContext(ctx, v, since)
	if err != nil {
		return nil, fmt.Errorf("anchor query: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var ids []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		id, _ := vals[1].(string)
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// sameEvents compares the two result sets as sets: events of the same
// second may come in either order, and the 50th place may then differ, so
// only the first len-1 must agree when the page is full.
func sameEvents(events []cairn.Event, ids []string) bool {
	if len(events) != len(ids) {
		return false
	}
	a := make([]string, len(events))
	for i := range events {
		a[i] = events[i].EventID
	}
	b := slices.Clone(ids)
	slices.Sort(a)
	slices.Sort(b)
	if slices.Equal(a, b) {
		return true
	}
	if len(a) < 50 {
		return false
	}
	// A full page: tolerate a tie at the boundary.
	diff := 0
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			diff++
		}
	}
	return diff <= 1
}

// cliLatency is the end-to-end time of `cairn search`: process start, opening
// the index, the query, printing JSON lines.
type cliLatency struct {
	Kind   string
	N      int
	Median time.Duration
	P95    time.Duration
}

func (q *queriers) searchCLI(ctx context.Context, cfg config, bin string, needles [numKinds][]string) ([]cliLatency, error) {
	if cfg.CLIPicks <= 0 {
		return nil, nil
	}
	flagOf := [numKinds]string{kindResource: "-resource", kindUser: "-user", kindAccessKey: "-access-key"}
	var out []cliLatency
	for k := range numKinds {
		n := min(cfg.CLIPicks, len(needles[k]))
		var ds []time.Duration
		for _, v := range needles[k][:n] {
			cmd := exec.CommandContext(ctx, bin, "search", "-data", q.data, flagOf[k], v,
				"-since", q.since.Format(time.RFC3339), "-limit", "50", "-format", "json")
			_, wall, _, err := runChild(ctx, cmd)
			if err != nil {
				return nil, err
			}
			ds = append(ds, wall)
		}
		l := cliLatency{Kind: k.String(), N: n, Median: percentile(ds, 50), P95: percentile(ds, 95)}
		logf("cairn search (CLI) %-10s median %s p95 %s over %d", k, ms(l.Median), ms(l.P95), n)
		out = append(out, l)
	}
	return out, nil
}

// insightsLatency is the end-to-end time of `cairn insights` over the data
// set's month: the Insights of its last 90 days, found afresh each run.
type insightsLatency struct {
	Runs   int
	Median time.Duration
	Found  int
}

func (q *queriers) insightsCLI(ctx context.Context, cfg config, bin string) (insightsLatency, error) {
	l := insightsLatency{Runs: cfg.Runs}
	var ds []time.Duration
	for range cfg.Runs {
		out, wall, _, err := runChild(ctx, exec.CommandContext(ctx, bin, "insights", "-data", q.data, "-format", "json"))
		if err != nil {
			return l, err
		}
		var found []json.RawMessage
		if err := json.Unmarshal(out, &found); err != nil {
			return l, fmt.Errorf("cairn insights: %w", err)
		}
		l.Found = len(found)
		ds = append(ds, wall)
	}
	l.Median = percentile(ds, 50)
	logf("cairn insights (CLI): %d found, median %s over %d runs", l.Found, ms(l.Median), l.Runs)
	return l, nil
}

// groupByResult is the top-principals-by-write-calls query in both stores.
type groupByResult struct {
	Runs   int
	Cairn  time.Duration // median
	Anchor time.Duration
	SQL    string
	Top    string // cairn's first row
	Agree  bool   // both returned the same principals in the same order, each event counted once
	// Principal is the same query over cairn's own principal column (its
	// display name of the principal), which the anchor does not have.
	Principal    time.Duration
	PrincipalSQL string
}

// groupBy runs the same SQL text on both stores: every column it names
// exists in both. The anchor's counts include duplicate deliveries, so only
// the order of the principals is compared, with each event counted once.
func (q *queriers) groupBy(ctx context.Context, cfg config) (groupByResult, error) {
	since := "TIMESTAMPTZ '" + q.since.Format(time.RFC3339) + "'"
	r := groupByResult{
		Runs: cfg.Runs,
		SQL: `SELECT coalesce(userArn, userType) AS principal, count(*) AS writes FROM events WHERE readOnly = false AND eventTime >= ` + since +
			` GROUP BY 1 ORDER BY writes DESC, principal LIMIT 10`,
		PrincipalSQL: `SELECT principal, count(*) AS writes FROM events WHERE readOnly = false AND eventTime >= ` + since +
			` GROUP BY 1 ORDER BY writes DESC, principal LIMIT 10`,
	}
	var cd, ad, pd []time.Duration
	var cairnTop, anchorTop []string
	for range cfg.Runs + 1 { // the first run of each warms up and is not counted
		var t *cairn.Table
		d, err := timeIt(func() (err error) {
			t, err = q.cairn.Query(ctx, r.SQL)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("cairn group-by: %w", err)
		}
		cd = append(cd, d)
		cairnTop = cairnTop[:0]
		for _, row := range t.Rows {
			cairnTop = append(cairnTop, fmt.Sprint(row[0]))
		}
		if len(t.Rows) > 0 {
			r.Top = fmt.Sprintf("%v (%v write calls)", t.Rows[0][0], t.Rows[0][1])
		}
		d, err = timeIt(func() (err error) {
			anchorTop, err = q.anchorTop(ctx, r.SQL)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("anchor group-by: %w", err)
		}
		ad = append(ad, d)
		d, err = timeIt(func() (err error) {
			_, err = q.cairn.Query(ctx, r.PrincipalSQL)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("cairn group-by principal: %w", err)
		}
		pd = append(pd, d)
	}
	// The anchor keeps duplicate deliveries, which can swap principals whose
	// counts are close: the lists are compared with each event counted once.
	onceTop, err := q.anchorTop(ctx, strings.Replace(r.SQL, "count(*)", "count(DISTINCT eventID)", 1))
	if err != nil {
		return r, fmt.Errorf("anchor group-by, each event once: %w", err)
	}
	r.Agree = slices.Equal(cairnTop, onceTop)
	r.Cairn, r.Anchor, r.Principal = percentile(cd[1:], 50), percentile(ad[1:], 50), percentile(pd[1:], 50)
	logf("group-by: cairn median %s (by its principal column %s), DuckDB table median %s; same top 10: %v (the anchor's own order, duplicates counted: %v); top: %s",
		ms(r.Cairn), ms(r.Principal), ms(r.Anchor), r.Agree, slices.Equal(cairnTop, anchorTop), r.Top)
	if !r.Agree {
		logf("group-by: cairn %v; anchor, each event once: %v", cairnTop, onceTop)
	}
	return r, nil
}

// anchorTop runs a group-by on the anchor and returns its first column.
func (q *queriers) anchorTop(ctx context.Context, sql string) ([]string, error) {
	rows, err := q.anchor.QueryContext(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var top []string
	for rows.Next() {
		var p string
		var c int64
		if err := rows.Scan(&p, &c); err != nil {
			return nil, err
		}
		top = append(top, p)
	}
	return top, rows.Err()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
