package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
)

// CloudTrail Lake's query API: StartQuery, DescribeQuery, GetQueryResults,
// CancelQuery and ListQueries, over the index's lake view, and one event
// data store (ListEventDataStores, GetEventDataStore), so that the scripts
// and dashboards of a team leaving Lake keep working with the endpoint
// changed. A query names its event data store by ID where a table goes;
// any such ID is read as the lake view (or, in a statement that names
// eventData, as the activity view, an integration's store). A query runs in the background, as
// Lake's do, bounded as cairn's SQL is (one read-only SELECT, 100,000 rows,
// the server's query timeout); two run at once, and the others wait,
// QUEUED. The last lakeQueriesKept queries are kept in memory, and the
// results of the newest of them up to lakeResultBytesKept: a restart
// forgets them.

const (
	lakeQueriesKept       = 100
	lakeResultBytesKept   = 256 << 20
	lakeQueriesInFlight   = 10 // queued or running, as Lake allows
	lakeQueriesRunning    = 2  // at once: they share the engine's memory
	lakeResultsPerPageMax = 1000
	lakeStatementMax      = 10000 // characters, as Lake's StartQuery takes
	// lakeStoreID names cairn's one event data store.
	lakeStoreID = "cairn-lake"
)

// Lake's query states.
const (
	queryQueued    = "QUEUED"
	queryRunning   = "RUNNING"
	queryFinished  = "FINISHED"
	queryFailed    = "FAILED"
	queryCancelled = "CANCELLED"
	queryTimedOut  = "TIMED_OUT"
)

// lakeQuery is one query and, once it ends, its result.
type lakeQuery struct {
	id        string
	statement string
	created   time.Time
	cancel    context.CancelFunc
	done      chan struct{} // closed when the query ends

	mu      sync.Mutex
	status  string
	errMsg  string
	result  *cairn.Table
	names   []string // the result's columns as Lake names them
	dropped bool     // its result was let go to keep others
	started time.Time
	elapsed time.Duration
}

func (q *lakeQuery) state() (status, errMsg string, result *cairn.Table, elapsed time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	elapsed = q.elapsed
	if q.status == queryRunning {
		elapsed = time.Since(q.started)
	}
	return q.status, q.errMsg, q.result, elapsed
}

// lakeQueries are the queries a server keeps, oldest first.
type lakeQueries struct {
	mu       sync.Mutex
	list     []*lakeQuery
	inFlight int           // queued or running
	slots    chan struct{} // one per query that may run at once
	wg       sync.WaitGroup
}

func (l *lakeQueries) find(id string) (*lakeQuery, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, q := range l.list {
		if q.id == id {
			return q, nil
		}
	}
	return nil, errBadRequest("QueryIdNotFoundException", "The query ID %s does not exist or is no longer kept (cairn keeps the last %d queries, until it restarts).",
		truncate(id, 64), lakeQueriesKept)
}

// stop cancels the running queries and waits for them: the index is closed
// after the server stops.
func (l *lakeQueries) stop() {
	l.mu.Lock()
	for _, q := range l.list {
		q.cancel()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

func (s *Server) startQuery(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueryStatement               string   `json:"QueryStatement"`
		DeliveryS3Uri                string   `json:"DeliveryS3Uri"`
		QueryAlias                   string   `json:"QueryAlias"`
		QueryParameters              []string `json:"QueryParameters"`
		EventDataStoreOwnerAccountId string   `json:"EventDataStoreOwnerAccountId"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.QueryAlias != "" || len(in.QueryParameters) > 0:
		return nil, errBadRequest("InvalidParameterException", "cairn runs no query templates (QueryAlias, QueryParameters): give the QueryStatement.")
	case in.DeliveryS3Uri != "":
		return nil, errBadRequest("InvalidParameterException", "cairn does not deliver query results to S3: leave out DeliveryS3Uri and read them with GetQueryResults.")
	case strings.TrimSpace(in.QueryStatement) == "":
		return nil, errBadRequest("InvalidParameterException", "QueryStatement must be specified.")
	case len(in.QueryStatement) > lakeStatementMax:
		return nil, errBadRequest("InvalidParameterException", "QueryStatement is longer than %d characters, Lake's limit.", lakeStatementMax)
	}
	// A query counts against the ten in flight from here: binding it below
	// can cost as much as running it (constants are folded).
	l := &s.lakeQueries
	l.mu.Lock()
	if l.inFlight >= lakeQueriesInFlight {
		l.mu.Unlock()
		return nil, errBadRequest("MaxConcurrentQueriesException", "%d queries are queued or running, the most cairn takes at once; wait for one to end, or cancel one.", lakeQueriesInFlight)
	}
	l.inFlight++
	if l.slots == nil {
		l.slots = make(chan struct{}, lakeQueriesRunning)
	}
	l.mu.Unlock()
	admitted := false
	defer func() {
		if !admitted {
			l.mu.Lock()
			l.inFlight--
			l.mu.Unlock()
		}
	}()
	// A statement the gate refuses, or that does not parse or bind, is
	// refused at once, as Lake refuses it: EXPLAIN binds without running.
	// One that fails as it runs is a FAILED query.
	statement := lakeStatement(in.QueryStatement)
	if _, err := s.idx.Query(ctx, "EXPLAIN "+statement); err != nil {
		if errors.Is(err, cairn.ErrQueryRefused) || errors.Is(err, cairn.ErrBadQuery) {
			return nil, errBadRequest("InvalidQueryStatementException", "%s", oneLine(err.Error()))
		}
		return nil, err
	}
	qctx, cancel := context.WithCancel(s.base)
	l.mu.Lock()
	q := &lakeQuery{id: newQueryID(), statement: in.QueryStatement, created: time.Now(), cancel: cancel, done: make(chan struct{}), status: queryQueued}
	l.list = append(l.list, q)
	if len(l.list) > lakeQueriesKept {
		// The oldest that has ended goes; those in flight stay.
		if i := slices.IndexFunc(l.list, func(q *lakeQuery) bool { st, _, _, _ := q.state(); return st != queryQueued && st != queryRunning }); i >= 0 {
			l.list = slices.Delete(l.list, i, i+1)
		}
	}
	admitted = true
	l.wg.Add(1)
	l.mu.Unlock()

	go func() {
		defer l.wg.Done()
		defer close(q.done)
		defer cancel()
		defer func() {
			l.mu.Lock()
			l.inFlight--
			l.keepResults()
			l.mu.Unlock()
		}()
		select {
		case l.slots <- struct{}{}:
			defer func() { <-l.slots }()
		case <-qctx.Done():
			q.mu.Lock()
			q.status, q.errMsg = queryCancelled, "The query was cancelled before it ran."
			q.mu.Unlock()
			return
		}
		q.mu.Lock()
		q.status, q.started = queryRunning, time.Now()
		q.mu.Unlock()
		t, err := s.idx.Query(qctx, statement)
		var names []string
		if err == nil {
			names = s.lakeColumnNames(qctx, statement, t.Columns)
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		q.elapsed = time.Since(q.started)
		switch {
		case err == nil:
			q.status, q.result, q.names = queryFinished, t, names
		case qctx.Err() != nil:
			q.status, q.errMsg = queryCancelled, "The query was cancelled."
		case strings.Contains(err.Error(), "ran longer than"):
			q.status, q.errMsg = queryTimedOut, oneLine(err.Error())
		case errors.Is(err, cairn.ErrQueryRefused) || errors.Is(err, cairn.ErrBadQuery):
			q.status, q.errMsg = queryFailed, oneLine(err.Error())
		default:
			q.status, q.errMsg = queryFailed, "The query failed because of an error of the server's; its log says more."
			s.log.Error("lake query failed", "query_id", q.id, "err", err)
		}
	}()
	return struct {
		QueryId string `json:"QueryId"`
	}{q.id}, nil
}

// keepResults lets go of the oldest queries' results while all of them
// hold more than lakeResultBytesKept, by the index's count of each result
// (the one it bounds a result by). l.mu is held.
func (l *lakeQueries) keepResults() {
	kept := 0
	for _, q := range slices.Backward(l.list) {
		q.mu.Lock()
		if q.result != nil {
			if kept += q.result.Size; kept > lakeResultBytesKept {
				q.result, q.dropped = nil, true
			}
		}
		q.mu.Unlock()
	}
}

// queryIDInput is what DescribeQuery and CancelQuery take.
type queryIDInput struct {
	QueryId                      string `json:"QueryId"`
	QueryAlias                   string `json:"QueryAlias"`
	RefreshId                    string `json:"RefreshId"`
	EventDataStore               string `json:"EventDataStore"`
	EventDataStoreOwnerAccountId string `json:"EventDataStoreOwnerAccountId"`
}

func (s *Server) describeQuery(ctx context.Context, body []byte) (any, error) {
	var in queryIDInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.QueryId == "" {
		return nil, errBadRequest("InvalidParameterException", "QueryId must be specified (cairn runs no query templates).")
	}
	q, err := s.lakeQueries.find(in.QueryId)
	if err != nil {
		return nil, err
	}
	status, msg, _, elapsed := q.state()
	type statistics struct {
		CreationTime          float64 `json:"CreationTime"`
		ExecutionTimeInMillis int64   `json:"ExecutionTimeInMillis"`
	}
	return struct {
		QueryId         string     `json:"QueryId"`
		QueryString     string     `json:"QueryString"`
		QueryStatus     string     `json:"QueryStatus"`
		QueryStatistics statistics `json:"QueryStatistics"`
		ErrorMessage    string     `json:"ErrorMessage,omitempty"`
	}{q.id, q.statement, status, statistics{epochSeconds(q.created), min(elapsed.Milliseconds(), math.MaxInt32)}, msg}, nil
}

// lakePageSize reads a page size parameter: the most allowed when absent,
// InvalidMaxResultsException when out of range.
func lakePageSize(name string, n *int) (int, error) {
	if n == nil {
		return lakeResultsPerPageMax, nil
	}
	if *n < 1 || *n > lakeResultsPerPageMax {
		return 0, errBadRequest("InvalidMaxResultsException", "%s must be from 1 to %d.", name, lakeResultsPerPageMax)
	}
	return *n, nil
}

func (s *Server) getQueryResults(ctx context.Context, body []byte) (any, error) {
	var in struct {
		QueryId                      string `json:"QueryId"`
		NextToken                    string `json:"NextToken"`
		MaxQueryResults              *int   `json:"MaxQueryResults"`
		EventDataStore               string `json:"EventDataStore"`
		EventDataStoreOwnerAccountId string `json:"EventDataStoreOwnerAccountId"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.QueryId == "" {
		return nil, errBadRequest("InvalidParameterException", "QueryId must be specified.")
	}
	limit, err := lakePageSize("MaxQueryResults", in.MaxQueryResults)
	if err != nil {
		return nil, err
	}
	q, err := s.lakeQueries.find(in.QueryId)
	if err != nil {
		return nil, err
	}
	offset := 0
	if in.NextToken != "" {
		if offset, err = decodeOffsetToken(in.NextToken, q.id); err != nil {
			return nil, errBadRequest("InvalidNextTokenException", "The NextToken is not one this query gave.")
		}
	}
	status, msg, t, _ := q.state()
	q.mu.Lock()
	dropped, names := q.dropped, q.names
	q.mu.Unlock()
	if dropped {
		return nil, errBadRequest("QueryIdNotFoundException", "The results of query %s are no longer kept: cairn keeps the newest queries' results, up to %d MiB in all. Run it again.", q.id, lakeResultBytesKept>>20)
	}
	type statistics struct {
		ResultsCount      int `json:"ResultsCount"`
		TotalResultsCount int `json:"TotalResultsCount"`
	}
	out := struct {
		QueryStatus     string                `json:"QueryStatus"`
		QueryStatistics statistics            `json:"QueryStatistics"`
		QueryResultRows [][]map[string]string `json:"QueryResultRows"`
		NextToken       string                `json:"NextToken,omitempty"`
		ErrorMessage    string                `json:"ErrorMessage,omitempty"`
	}{QueryStatus: status, ErrorMessage: msg, QueryResultRows: [][]map[string]string{}}
	if t == nil {
		return out, nil
	}
	if names == nil {
		names = columnNamesByLook(t.Columns)
	}
	end := min(offset+limit, len(t.Rows))
	for _, row := range t.Rows[min(offset, end):end] {
		cells := make([]map[string]string, len(row))
		for i, v := range row {
			typ := ""
			if i < len(t.Types) {
				typ = t.Types[i]
			}
			cells[i] = map[string]string{names[i]: lakeValue(v, typ)}
		}
		out.QueryResultRows = append(out.QueryResultRows, cells)
	}
	out.QueryStatistics = statistics{len(out.QueryResultRows), len(t.Rows)}
	if end < len(t.Rows) {
		out.NextToken = encodeOffsetToken(end, q.id)
	}
	return out, nil
}

func (s *Server) cancelQuery(ctx context.Context, body []byte) (any, error) {
	var in queryIDInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.QueryId == "" {
		return nil, errBadRequest("InvalidParameterException", "QueryId must be specified.")
	}
	q, err := s.lakeQueries.find(in.QueryId)
	if err != nil {
		return nil, err
	}
	if status, _, _, _ := q.state(); status != queryQueued && status != queryRunning {
		return nil, errBadRequest("InactiveQueryException", "The query is %s: only a query that runs can be cancelled.", status)
	}
	q.cancel()
	select {
	case <-q.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	status, _, _, _ := q.state()
	return struct {
		QueryId     string `json:"QueryId"`
		QueryStatus string `json:"QueryStatus"`
	}{q.id, status}, nil
}

func (s *Server) listQueries(ctx context.Context, body []byte) (any, error) {
	var in struct {
		EventDataStore string   `json:"EventDataStore"`
		NextToken      string   `json:"NextToken"`
		MaxResults     *int     `json:"MaxResults"`
		StartTime      *float64 `json:"StartTime"`
		EndTime        *float64 `json:"EndTime"`
		QueryStatus    string   `json:"QueryStatus"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.EventDataStore == "" {
		return nil, errBadRequest("InvalidParameterException", "EventDataStore must be specified (any name: cairn has one store of events).")
	}
	limit, err := lakePageSize("MaxResults", in.MaxResults)
	if err != nil {
		return nil, err
	}
	var from, to time.Time
	if in.StartTime != nil {
		if from, err = epochTime(*in.StartTime); err != nil {
			return nil, errBadRequest("InvalidParameterException", "StartTime is not a time.")
		}
	}
	if in.EndTime != nil {
		if to, err = epochTime(*in.EndTime); err != nil {
			return nil, errBadRequest("InvalidParameterException", "EndTime is not a time.")
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return nil, errBadRequest("InvalidDateRangeException", "EndTime is before StartTime: give a StartTime before the EndTime.")
	}
	switch in.QueryStatus {
	case "", queryQueued, queryRunning, queryFinished, queryFailed, queryCancelled, queryTimedOut:
	default:
		return nil, errBadRequest("InvalidQueryStatusException", "QueryStatus %q is not one of QUEUED, RUNNING, FINISHED, FAILED, CANCELLED, TIMED_OUT.", in.QueryStatus)
	}
	type query struct {
		QueryId      string  `json:"QueryId"`
		QueryStatus  string  `json:"QueryStatus"`
		CreationTime float64 `json:"CreationTime"`
	}
	var all []query
	s.lakeQueries.mu.Lock()
	for _, q := range slices.Backward(s.lakeQueries.list) { // newest first
		status, _, _, _ := q.state()
		if in.QueryStatus != "" && status != in.QueryStatus || !from.IsZero() && q.created.Before(from) || !to.IsZero() && q.created.After(to) {
			continue
		}
		all = append(all, query{q.id, status, epochSeconds(q.created)})
	}
	s.lakeQueries.mu.Unlock()
	offset := 0
	if in.NextToken != "" {
		if offset, err = decodeOffsetToken(in.NextToken, "ListQueries"); err != nil || offset > len(all) {
			return nil, errBadRequest("InvalidNextTokenException", "The NextToken is not one ListQueries gave.")
		}
	}
	end := min(offset+limit, len(all))
	out := struct {
		Queries   []query `json:"Queries"`
		NextToken string  `json:"NextToken,omitempty"`
	}{Queries: append([]query{}, all[offset:end]...)}
	if end < len(all) {
		out.NextToken = encodeOffsetToken(end, "ListQueries")
	}
	return out, nil
}

// newQueryID returns a query ID in Lake's form, a random UUID.
func newQueryID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Offset tokens say where the next page starts, for the query (or list)
// they were given for.
func encodeOffsetToken(offset int, scope string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(scope + ":" + strconv.Itoa(offset)))
}

func decodeOffsetToken(token, scope string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), scope+":")
	if !ok {
		return 0, errBadToken
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, errBadToken
	}
	return n, nil
}

// lakeColumnNames names the result's columns as Lake does: a column is
// named by its alias or its name, an expression without an alias _col and
// its position. The statement's own tree (json_serialize_sql) says which
// is which; when it cannot (a *, or a tree that does not match the
// columns), the names are judged by their look (columnNamesByLook).
func (s *Server) lakeColumnNames(ctx context.Context, statement string, cols []string) []string {
	t, err := s.idx.Query(ctx, "SELECT json_serialize_sql('"+strings.ReplaceAll(statement, "'", "''")+"')")
	if err != nil || len(t.Rows) != 1 || len(t.Rows[0]) != 1 {
		return columnNamesByLook(cols)
	}
	var tree struct {
		Statements []struct {
			Node selectNode `json:"node"`
		} `json:"statements"`
	}
	var raw []byte
	switch v := t.Rows[0][0].(type) {
	case string:
		raw = []byte(v)
	default:
		raw, _ = json.Marshal(v)
	}
	if json.Unmarshal(raw, &tree) != nil || len(tree.Statements) != 1 {
		return columnNamesByLook(cols)
	}
	n := &tree.Statements[0].Node
	for n.Type == "SET_OPERATION_NODE" && n.Left != nil {
		n = n.Left // a UNION's columns are its first query's
	}
	if len(n.SelectList) != len(cols) {
		return columnNamesByLook(cols)
	}
	out := make([]string, len(cols))
	for i, e := range n.SelectList {
		switch {
		case e.Alias != "" || e.Class == "COLUMN_REF":
			out[i] = cols[i]
		case e.Class == "STAR":
			return columnNamesByLook(cols)
		default:
			out[i] = "_col" + strconv.Itoa(i)
		}
	}
	return out
}

// selectNode is what lakeColumnNames reads of a statement's tree.
type selectNode struct {
	Type       string      `json:"type"`
	Left       *selectNode `json:"left"`
	SelectList []struct {
		Class string `json:"class"`
		Alias string `json:"alias"`
	} `json:"select_list"`
}

// columnNamesByLook names as Lake does by the names alone: the engine
// names an expression without an alias by its text (a call, an operation
// in parentheses, a cast, a literal, a CASE).
func columnNamesByLook(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		lower := strings.ToLower(c)
		if c == "" || strings.ContainsAny(c, "()'") || c[0] >= '0' && c[0] <= '9' || c[0] == '-' ||
			strings.HasPrefix(lower, "case ") || lower == "null" || lower == "true" || lower == "false" {
			out[i] = "_col" + strconv.Itoa(i)
		}
	}
	return out
}

// lakeValue writes a value as Lake's results hold every value: as text.
// NULL is empty; a time is written as Lake writes one (2023-01-22
// 16:53:53.000); a struct, map or list is its JSON.
func lakeValue(v any, typ string) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		if strings.HasPrefix(typ, "TIMESTAMP") {
			if tm, err := time.Parse(time.RFC3339Nano, t); err == nil {
				return tm.UTC().Format("2006-01-02 15:04:05.000")
			}
		}
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32)
	case []any, map[string]any:
		b, _ := json.Marshal(t, jsonOpts)
		return string(b)
	}
	return fmt.Sprint(v)
}

// eventDataStore is cairn's one event data store, as Lake describes one:
// every event in the index, kept as long as the index keeps it.
type eventDataStore struct {
	EventDataStoreArn            string `json:"EventDataStoreArn"`
	Name                         string `json:"Name"`
	Status                       string `json:"Status"`
	MultiRegionEnabled           bool   `json:"MultiRegionEnabled"`
	TerminationProtectionEnabled bool   `json:"TerminationProtectionEnabled"`
	AdvancedEventSelectors       []any  `json:"AdvancedEventSelectors"`
}

// dataStore describes the store in the region the request was signed
// for, owned by the lowest account the index holds events of (an
// organisation's management account is often not that one: the ARN is
// only a name, and its ID, cairn-lake, is what queries use).
func (s *Server) dataStore(ctx context.Context) (eventDataStore, error) {
	region, _ := ctx.Value(signedRegionKey{}).(string)
	account := "000000000000"
	t, err := s.idx.Query(ctx, "SELECT min(recipientAccountId) FROM events")
	if err != nil {
		return eventDataStore{}, err
	}
	if len(t.Rows) == 1 && len(t.Rows[0]) == 1 {
		if a, ok := t.Rows[0][0].(string); ok && a != "" {
			account = a
		}
	}
	return eventDataStore{
		EventDataStoreArn: fmt.Sprintf("arn:aws:cloudtrail:%s:%s:eventdatastore/%s", region, account, lakeStoreID),
		Name:              "cairn", Status: "ENABLED", MultiRegionEnabled: true, TerminationProtectionEnabled: true,
		AdvancedEventSelectors: []any{},
	}, nil
}

func (s *Server) listEventDataStores(ctx context.Context, body []byte) (any, error) {
	var in struct {
		MaxResults *int   `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, errBadRequest("InvalidNextTokenException", "cairn has one event data store, on one page.")
	}
	ds, err := s.dataStore(ctx)
	if err != nil {
		return nil, err
	}
	return struct {
		EventDataStores []eventDataStore `json:"EventDataStores"`
	}{[]eventDataStore{ds}}, nil
}

// getEventDataStore describes cairn's store whatever store is asked for:
// queries read every event data store ID as the lake view, so a script's
// own store, from Lake, is this one.
func (s *Server) getEventDataStore(ctx context.Context, body []byte) (any, error) {
	var in struct {
		EventDataStore string `json:"EventDataStore"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.EventDataStore == "" {
		return nil, errBadRequest("InvalidParameterException", "EventDataStore must be specified.")
	}
	return s.dataStore(ctx)
}
