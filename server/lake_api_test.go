package server

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
)

// startLakeServer serves a real index of n test events, whose lake view
// Lake's queries read.
func startLakeServer(t *testing.T, n int) (*testServer, []cairn.Event) {
	t.Helper()
	events := testEvents(n, testBase)
	return serveIndex(t, events), events
}

// serveIndex serves a real index of events on 127.0.0.1 until the test ends.
func serveIndex(t *testing.T, events []cairn.Event) *testServer {
	t.Helper()
	cfg := duckdb.DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "index")
	idx, err := duckdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Commit(context.Background(), &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	s := New(DefaultConfig(), idx, []Credentials{testCreds}, nil)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.stopBase()
		s.lakeQueries.stop()
		idx.Close()
	})
	return &testServer{URL: hs.URL, srv: s}
}

// waitQuery polls DescribeQuery, as Lake's clients do, until the query ends.
func waitQuery(t *testing.T, c *cloudtrail.Client, id string) *cloudtrail.DescribeQueryOutput {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := c.DescribeQuery(t.Context(), &cloudtrail.DescribeQueryInput{QueryId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if out.QueryStatus != types.QueryStatusQueued && out.QueryStatus != types.QueryStatusRunning {
			return out
		}
	}
	t.Fatalf("query %s did not end", id)
	return nil
}

// TestLakeQueryAPI: a script written for CloudTrail Lake, with the AWS
// SDK's client, starts a query that names its event data store by ID,
// waits for it, and pages through its results; Lake's errors come back as
// Lake's.
func TestLakeQueryAPI(t *testing.T) {
	ts, events := startLakeServer(t, 30)
	c := sdkClient(ts.URL, staticCreds(testCreds))
	ctx := t.Context()
	const statement = `SELECT eventID, userIdentity.arn, count(*) FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE
		WHERE eventTime > '2026-03-13 00:00:00' AND eventName = 'RunInstances' GROUP BY 1, 2 ORDER BY eventID`
	start, err := c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(statement)})
	if err != nil {
		t.Fatal(err)
	}
	desc := waitQuery(t, c, *start.QueryId)
	if desc.QueryStatus != types.QueryStatusFinished || *desc.QueryString != statement || desc.QueryStatistics.CreationTime == nil {
		t.Fatalf("DescribeQuery: %s %q %v", desc.QueryStatus, aws.ToString(desc.QueryString), aws.ToString(desc.ErrorMessage))
	}
	var want [][]map[string]string
	for _, e := range events {
		if e.EventName == "RunInstances" {
			want = append(want, []map[string]string{{"eventID": e.EventID}, {"arn": e.Principal.ARN}, {"_col2": "1"}})
		}
	}
	var got [][]map[string]string
	var token *string
	for page := 0; ; page++ {
		res, err := c.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: start.QueryId, MaxQueryResults: aws.Int32(3), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if *res.QueryStatistics.TotalResultsCount != int32(len(want)) || int(*res.QueryStatistics.ResultsCount) != len(res.QueryResultRows) {
			t.Fatalf("page %d: statistics %+v", page, *res.QueryStatistics)
		}
		got = append(got, res.QueryResultRows...)
		if token = res.NextToken; token == nil {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	// Times come back as Lake writes them.
	tq, err := c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(
		"SELECT eventTime, 7.5 * 2 AS n FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE ORDER BY eventTime DESC LIMIT 1")})
	if err != nil {
		t.Fatal(err)
	}
	waitQuery(t, c, *tq.QueryId)
	tr, err := c.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: tq.QueryId})
	if err != nil {
		t.Fatal(err)
	}
	// 7.5 * 2 is a DECIMAL of scale 1, written as Trino writes it.
	if want := [][]map[string]string{{{"eventTime": "2026-03-14 03:10:00.000"}, {"n": "15.0"}}}; !cmp.Equal(want, tr.QueryResultRows) {
		t.Errorf("a time and a number: %v, want %v", tr.QueryResultRows, want)
	}

	// An alias is kept however it is spelled; an expression without one is
	// _col and its position, as in Lake.
	aq, err := c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(
		`SELECT count(*) AS "Calls (total)", eventName, count(*), max(eventTime) AS "-", userIdentity.arn FROM lake WHERE eventName = 'DeleteBucket' GROUP BY 2, 5 ORDER BY 5 LIMIT 1`)})
	if err != nil {
		t.Fatal(err)
	}
	waitQuery(t, c, *aq.QueryId)
	ar, err := c.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: aq.QueryId})
	if err != nil || len(ar.QueryResultRows) != 1 {
		t.Fatalf("aliases: %+v %v", ar, err)
	}
	var names []string
	for _, cell := range ar.QueryResultRows[0] {
		for k := range cell {
			names = append(names, k)
		}
	}
	if want := []string{"Calls (total)", "eventName", "_col2", "-", "arn"}; !cmp.Equal(names, want) {
		t.Errorf("column names %q, want %q", names, want)
	}

	// A statement that fails as it runs is a FAILED query, not refused.
	fq, err := c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String("SELECT CAST(eventName AS INTEGER) FROM lake")})
	if err != nil {
		t.Fatalf("a statement that fails as it runs was refused: %v", err)
	}
	if desc := waitQuery(t, c, *fq.QueryId); desc.QueryStatus != types.QueryStatusFailed || !strings.Contains(aws.ToString(desc.ErrorMessage), "Conversion Error") {
		t.Errorf("a statement that fails as it runs: %s %s", desc.QueryStatus, aws.ToString(desc.ErrorMessage))
	}

	// The one event data store, whatever a script asks for.
	stores, err := c.ListEventDataStores(ctx, &cloudtrail.ListEventDataStoresInput{})
	if err != nil || len(stores.EventDataStores) != 1 || aws.ToString(stores.EventDataStores[0].EventDataStoreArn) != "arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/cairn-lake" {
		t.Errorf("ListEventDataStores: %+v %v", stores, err)
	}
	store, err := c.GetEventDataStore(ctx, &cloudtrail.GetEventDataStoreInput{EventDataStore: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE")})
	if err != nil || store.Status != types.EventDataStoreStatusEnabled || !strings.HasSuffix(aws.ToString(store.EventDataStoreArn), "/cairn-lake") {
		t.Errorf("GetEventDataStore: %+v %v", store, err)
	}

	list, err := c.ListQueries(ctx, &cloudtrail.ListQueriesInput{EventDataStore: aws.String("EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE")})
	if err != nil || len(list.Queries) != 4 || *list.Queries[3].QueryId != *start.QueryId || list.Queries[3].QueryStatus != types.QueryStatusFinished {
		t.Errorf("ListQueries: %+v, %v", list, err)
	}

	// Lake's errors, with Lake's codes.
	store1 := aws.String("cairn-lake")
	_, err = c.ListQueries(ctx, &cloudtrail.ListQueriesInput{EventDataStore: store1, StartTime: aws.Time(time.Now()), EndTime: aws.Time(time.Now().Add(-time.Hour))})
	if _, ok := errors.AsType[*types.InvalidDateRangeException](err); !ok {
		t.Errorf("ListQueries, the end before the start: %v", err)
	}
	_, err = c.ListQueries(ctx, &cloudtrail.ListQueriesInput{EventDataStore: store1, QueryStatus: "BOGUS"})
	if _, ok := errors.AsType[*types.InvalidQueryStatusException](err); !ok {
		t.Errorf("ListQueries, an unknown status: %v", err)
	}
	_, err = c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String("DELETE FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE")})
	if _, ok := errors.AsType[*types.InvalidQueryStatementException](err); !ok {
		t.Errorf("a DELETE: %v", err)
	}
	_, err = c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String("SELEC 1")})
	if _, ok := errors.AsType[*types.InvalidQueryStatementException](err); !ok {
		t.Errorf("a typo: %v", err)
	}
	_, err = c.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: aws.String("00000000-0000-4000-8000-000000000000")})
	if _, ok := errors.AsType[*types.QueryIdNotFoundException](err); !ok {
		t.Errorf("an unknown query: %v", err)
	}
	_, err = c.CancelQuery(ctx, &cloudtrail.CancelQueryInput{QueryId: start.QueryId})
	if _, ok := errors.AsType[*types.InactiveQueryException](err); !ok {
		t.Errorf("cancelling a finished query: %v", err)
	}
	_, err = c.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: start.QueryId, NextToken: aws.String("bm90IG1pbmU")})
	if _, ok := errors.AsType[*types.InvalidNextTokenException](err); !ok {
		t.Errorf("a forged token: %v", err)
	}
	_, err = c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(statement), DeliveryS3Uri: aws.String("s3://results/")})
	if _, ok := errors.AsType[*types.InvalidParameterException](err); !ok {
		t.Errorf("delivery to S3: %v", err)
	}
}

// A query that runs can be cancelled, and says so.
func TestLakeQueryCancel(t *testing.T) {
	ts, _ := startLakeServer(t, 3)
	c := sdkClient(ts.URL, staticCreds(testCreds))
	start, err := c.StartQuery(t.Context(), &cloudtrail.StartQueryInput{
		QueryStatement: aws.String("SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.CancelQuery(t.Context(), &cloudtrail.CancelQueryInput{QueryId: start.QueryId})
	if err != nil || out.QueryStatus != types.QueryStatusCancelled {
		t.Fatalf("CancelQuery: %+v %v", out, err)
	}
	if desc := waitQuery(t, c, *start.QueryId); desc.QueryStatus != types.QueryStatusCancelled {
		t.Errorf("after cancelling: %s", desc.QueryStatus)
	}
}

// The aws CLI's start-query and get-query-results work against cairn.
func TestAWSCLILakeQuery(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws CLI is not installed")
	}
	if testing.Short() {
		t.Skip("starts the aws CLI; skipped with -short")
	}
	ts, _ := startLakeServer(t, 12)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), awsPath, append([]string{"cloudtrail", "--endpoint-url", ts.URL, "--region", "us-east-1", "--output", "json"}, args...)...)
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "AWS_ACCESS_KEY_ID="+testCreds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+testCreds.SecretAccessKey,
			"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %s: %v\n%s", args[0], err, errOut.String())
		}
		return out.String()
	}
	var start struct{ QueryId string }
	json.Unmarshal([]byte(run("start-query", "--query-statement",
		"SELECT eventName, COUNT(*) AS apiCount FROM a1b2c3d4-5678-90ab-cdef-EXAMPLE11111 GROUP BY eventName ORDER BY apiCount DESC, eventName")), &start)
	var res struct {
		QueryStatus     string
		QueryResultRows [][]map[string]string
	}
	for deadline := time.Now().Add(30 * time.Second); res.QueryStatus != "FINISHED" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := json.Unmarshal([]byte(run("get-query-results", "--query-id", start.QueryId)), &res); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]map[string]string{
		{{"eventName": "DeleteBucket"}, {"apiCount": "3"}}, {{"eventName": "DescribeInstances"}, {"apiCount": "3"}},
		{{"eventName": "GetObject"}, {"apiCount": "3"}}, {{"eventName": "RunInstances"}, {"apiCount": "3"}},
	}
	if diff := cmp.Diff(want, res.QueryResultRows); diff != "" || res.QueryStatus != "FINISHED" {
		t.Errorf("aws get-query-results: %s (-want +got):\n%s", res.QueryStatus, diff)
	}
}

// An event data store's ID where a table goes is the lake view; anything
// else, quoted text and comments included, is left as it is.
func TestLakeStatement(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT * FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE WHERE x = 1":             "SELECT * FROM lake WHERE x = 1",
		"select a from\n  a1b2c3d4-5678-90ab-cdef-EXAMPLE11111 t join b1-c2 u ON 1": "select a from\n  lake t join lake u ON 1",
		`SELECT * FROM "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"`:                      "SELECT * FROM lake",
		"SELECT 'FROM a-b', \"x-y\" FROM lake":                                      "SELECT 'FROM a-b', \"x-y\" FROM lake",
		"SELECT eventTime-INTERVAL 1 DAY FROM events -- FROM a-b":                   "SELECT eventTime-INTERVAL 1 DAY FROM events -- FROM a-b",
		"SELECT 1 /* FROM a-b */ FROM x-y":                                          "SELECT 1 /* FROM a-b */ FROM lake",
		"SELECT it's FROM":                                                          "SELECT it's FROM",
		"SELECT a FROM b--c":                                                        "SELECT a FROM b--c",
		"SELECT count(*) FROM a-b x, c-d y WHERE x.k = y.k":                         "SELECT count(*) FROM lake x, lake y WHERE x.k = y.k",
		"SELECT f(a, b-c) FROM (SELECT 1, x-y FROM e-f, g-h) t, i-j":                "SELECT f(a, b-c) FROM (SELECT 1, x-y FROM lake, lake) t, lake",
		"SELECT * FROM a-b WHERE x IN (1, 2) AND y-z > 0, 3":                        "SELECT * FROM lake WHERE x IN (1, 2) AND y-z > 0, 3",
		// An integration's store, whose events are in eventData.
		"SELECT eventData.eventName FROM a-b WHERE eventdata.UID = 'x'": "SELECT eventData.eventName FROM activity WHERE eventdata.UID = 'x'",
		`SELECT count(*) FROM a-b WHERE "EventData"."UID" = 'x'`:        `SELECT count(*) FROM activity WHERE "EventData"."UID" = 'x'`,
		"SELECT 'eventData', x FROM a-b -- eventData":                   "SELECT 'eventData', x FROM lake -- eventData",
		"SELECT eventDataX FROM a-b":                                    "SELECT eventDataX FROM lake",
	} {
		if got := lakeStatement(in); got != want {
			t.Errorf("lakeStatement(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLakeStatement: reading the event data store's ID never touches a
// statement without a dash, changes nothing a second time, and never eats
// a string's quote or a comment's start.
func FuzzLakeStatement(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE WHERE eventName = 'a-b'",
		`SELECT "x-y" FROM "a-b" JOIN c-d ON 1 -- FROM e-f`, "SELECT 1 /* FROM a-b */ FROM x-y", "FROM 'unterminated",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got := lakeStatement(q)
		if !strings.Contains(q, "-") && got != q {
			t.Fatalf("lakeStatement(%q) = %q, changed without a dash", q, got)
		}
		if again := lakeStatement(got); again != got {
			t.Fatalf("lakeStatement(%q) = %q, then %q", q, got, again)
		}
		for _, s := range []string{"'", "--", "/*", "*/"} {
			if strings.Count(got, s) != strings.Count(q, s) {
				t.Fatalf("lakeStatement(%q) = %q: %d %s, not %d", q, got, strings.Count(got, s), s, strings.Count(q, s))
			}
		}
	})
}

// Judged by their look alone (when the statement's tree cannot say), a
// column keeps its name, and an expression's text is _col and its position.
func TestLakeColumnNamesByLook(t *testing.T) {
	in := []string{"eventName", "Event Name", "Total-Calls", "count_star()", "(a + b)", "CAST(x AS VARCHAR)", "1", "'x'", "CASE WHEN a THEN 1 END", "arn"}
	want := []string{"eventName", "Event Name", "Total-Calls", "_col3", "_col4", "_col5", "_col6", "_col7", "_col8", "arn"}
	if got := columnNamesByLook(in); !cmp.Equal(got, want) {
		t.Errorf("columnNamesByLook(%q) = %q, want %q", in, got, want)
	}
}

// Two queries run at once, since they share the engine's memory; the
// others wait, QUEUED, up to ten in all, as Lake allows.
func TestLakeQueriesQueue(t *testing.T) {
	ts, _ := startLakeServer(t, 3)
	c := sdkClient(ts.URL, staticCreds(testCreds))
	long := "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3"
	var ids []string
	for range lakeQueriesInFlight {
		out, err := c.StartQuery(t.Context(), &cloudtrail.StartQueryInput{QueryStatement: aws.String(long)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *out.QueryId)
	}
	_, err := c.StartQuery(t.Context(), &cloudtrail.StartQueryInput{QueryStatement: aws.String(long)})
	if _, ok := errors.AsType[*types.MaxConcurrentQueriesException](err); !ok {
		t.Errorf("an eleventh query: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	count := map[types.QueryStatus]int{}
	for _, id := range ids {
		out, err := c.DescribeQuery(t.Context(), &cloudtrail.DescribeQueryInput{QueryId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		count[out.QueryStatus]++
	}
	if count[types.QueryStatusRunning] != lakeQueriesRunning || count[types.QueryStatusQueued] != lakeQueriesInFlight-lakeQueriesRunning {
		t.Errorf("statuses %v, want %d running and the rest queued", count, lakeQueriesRunning)
	}
	for _, id := range ids {
		if out, err := c.CancelQuery(t.Context(), &cloudtrail.CancelQueryInput{QueryId: aws.String(id)}); err != nil || out.QueryStatus != types.QueryStatusCancelled {
			t.Errorf("cancel %s: %+v %v", id, out, err)
		}
	}
}

// Results are kept newest first up to a size, not a number of rows: a few
// wide results must not hold the server's memory.
func TestLakeResultsKeptBySize(t *testing.T) {
	table := func() *cairn.Table {
		return &cairn.Table{Columns: []string{"big"}, Rows: [][]any{{"x"}}, Size: 70 << 20} // as the index counts it
	}
	var l lakeQueries
	for range 6 {
		l.list = append(l.list, &lakeQuery{status: queryFinished, result: table()})
	}
	l.keepResults()
	var kept []bool
	for _, q := range l.list {
		kept = append(kept, q.result != nil && !q.dropped)
	}
	if want := []bool{false, false, false, true, true, true}; !cmp.Equal(kept, want) {
		t.Errorf("kept %v, want the newest %d MiB: %v", kept, lakeResultBytesKept>>20, want)
	}
}
