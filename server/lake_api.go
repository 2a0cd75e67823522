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
	"unicode"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
)

// CloudTrail Lake's query API: StartQuery, DescribeQuery, GetQueryResults,
// CancelQuery and ListQueries, over the index's lake view, so that the
// scripts and dashboards of a team leaving Lake keep working with only the
// endpoint changed. A query names its event data store by ID where a table
// goes; any such ID is read as the lake view. A query runs in the
// background, as Lake's do, bounded as cairn's SQL is (one read-only
// SELECT, 100,000 rows, the server's query timeout). The last
// lakeQueriesKept queries and their results are kept in memory: a restart
// forgets them.

const (
	lakeQueriesKept       = 32
	lakeQueriesRunning    = 4
	lakeResultsPerPageMax = 1000
	// A statement that the gate refuses, or the engine cannot parse,
	// fails within this time; StartQuery waits for it, so that such a
	// query is refused at once, as Lake refuses it.
	lakeStartWait = 200 * time.Millisecond
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
	elapsed time.Duration
}

func (q *lakeQuery) state() (status, errMsg string, result *cairn.Table, elapsed time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.status, q.errMsg, q.result, q.elapsed
}

// lakeQueries are the queries a server keeps, oldest first.
type lakeQueries struct {
	mu      sync.Mutex
	list    []*lakeQuery
	running int
	wg      sync.WaitGroup // the queries that run
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
	}
	l := &s.lakeQueries
	l.mu.Lock()
	if l.running >= lakeQueriesRunning {
		l.mu.Unlock()
		return nil, errBadRequest("MaxConcurrentQueriesException", "%d queries are running, the most cairn runs at once; wait for one to end, or cancel one.", lakeQueriesRunning)
	}
	qctx, cancel := context.WithCancel(s.base)
	q := &lakeQuery{id: newQueryID(), statement: in.QueryStatement, created: time.Now(), cancel: cancel, done: make(chan struct{}), status: queryQueued}
	l.list = append(l.list, q)
	if len(l.list) > lakeQueriesKept {
		// The oldest that has ended goes; running ones stay.
		if i := slices.IndexFunc(l.list, func(q *lakeQuery) bool { st, _, _, _ := q.state(); return st != queryQueued && st != queryRunning }); i >= 0 {
			l.list = slices.Delete(l.list, i, i+1)
		}
	}
	l.running++
	l.wg.Add(1)
	l.mu.Unlock()

	go func() {
		defer l.wg.Done()
		defer close(q.done)
		defer cancel()
		q.mu.Lock()
		q.status = queryRunning
		q.mu.Unlock()
		start := time.Now()
		t, err := s.idx.Query(qctx, lakeStatement(q.statement))
		q.mu.Lock()
		q.elapsed = time.Since(start)
		switch {
		case err == nil:
			q.status, q.result = queryFinished, t
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
		q.mu.Unlock()
		l.mu.Lock()
		l.running--
		l.mu.Unlock()
	}()

	// A statement that is refused, or does not parse, is refused at once.
	select {
	case <-q.done:
		if status, msg, _, _ := q.state(); status == queryFailed {
			l.mu.Lock()
			l.list = slices.DeleteFunc(l.list, func(x *lakeQuery) bool { return x == q })
			l.mu.Unlock()
			return nil, errBadRequest("InvalidQueryStatementException", "%s", msg)
		}
	case <-time.After(lakeStartWait):
	case <-ctx.Done():
	}
	return struct {
		QueryId string `json:"QueryId"`
	}{q.id}, nil
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
	limit := lakeResultsPerPageMax
	if in.MaxQueryResults != nil {
		if *in.MaxQueryResults < 1 || *in.MaxQueryResults > lakeResultsPerPageMax {
			return nil, errBadRequest("InvalidMaxResultsException", "MaxQueryResults must be from 1 to %d.", lakeResultsPerPageMax)
		}
		limit = *in.MaxQueryResults
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
	names := lakeColumnNames(t.Columns)
	end := min(offset+limit, len(t.Rows))
	for _, row := range t.Rows[min(offset, end):end] {
		cells := make([]map[string]string, len(row))
		for i, v := range row {
			cells[i] = map[string]string{names[i]: lakeValue(v)}
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
	limit := lakeResultsPerPageMax
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > lakeResultsPerPageMax {
			return nil, errBadRequest("InvalidMaxResultsException", "MaxResults must be from 1 to %d.", lakeResultsPerPageMax)
		}
		limit = *in.MaxResults
	}
	var from, to time.Time
	var err error
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
// named by its name, an expression without one _col and its position.
func lakeColumnNames(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		if !isIdentifier(c) {
			out[i] = "_col" + strconv.Itoa(i)
		}
	}
	return out
}

func isIdentifier(s string) bool {
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// lakeValue writes a value as Lake's results hold every value: as text.
// NULL is empty; a struct, map or list is its JSON.
func lakeValue(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case []any, map[string]any:
		b, _ := json.Marshal(t, jsonOpts)
		return string(b)
	}
	return fmt.Sprint(v)
}
