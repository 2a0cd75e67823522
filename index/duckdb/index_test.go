package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/go-json-experiment/json"
)

var t0 = time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)

// testEvent makes an event as ingest would: its fields rendered as a
// CloudTrail record, which is decoded, since reads decode the stored record
// again.
func testEvent(i int, mod func(*cairn.Event)) cairn.Event {
	e := cairn.Event{
		EventID:            fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
		EventTime:          t0.Add(time.Duration(i) * time.Minute),
		EventVersion:       "1.09",
		EventSource:        "ec2.amazonaws.com",
		EventName:          "DescribeInstances",
		AWSRegion:          "us-east-1",
		RecipientAccountID: "111122223333",
		SourceIPAddress:    "192.0.2.1",
		UserAgent:          "aws-cli/2.15.0",
		ReadOnly:           cairn.BoolTrue,
		EventType:          "AwsApiCall",
		EventCategory:      "Management",
		ManagementEvent:    cairn.BoolTrue,
		Principal: cairn.Principal{Type: "IAMUser", ARN: "arn:aws:iam::111122223333:user/alice",
			AccountID: "111122223333", AccessKeyID: "AKIAALICE", UserName: "alice"},
	}
	if mod != nil {
		mod(&e)
	}
	decoded, err := cloudtrail.Decode(recordOf(&e))
	if err != nil {
		panic(err)
	}
	return decoded
}

// recordOf renders the fields testEvent sets as a CloudTrail record, with a
// field that no column holds.
func recordOf(e *cairn.Event) []byte {
	p := &e.Principal
	id := map[string]any{"type": p.Type, "arn": p.ARN, "accountId": p.AccountID, "accessKeyId": p.AccessKeyID}
	if p.Type == "AssumedRole" {
		id["principalId"] = "AROAEXAMPLE:" + p.SessionName
		id["sessionContext"] = map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": p.RoleARN, "userName": p.UserName}}
	} else {
		id["userName"] = p.UserName
	}
	rec := map[string]any{
		"eventVersion": e.EventVersion, "eventID": e.EventID, "eventTime": e.EventTime.Format(time.RFC3339Nano),
		"eventSource": e.EventSource, "eventName": e.EventName, "awsRegion": e.AWSRegion,
		"recipientAccountId": e.RecipientAccountID, "sourceIPAddress": e.SourceIPAddress, "userAgent": e.UserAgent,
		"readOnly": e.ReadOnly.True(), "eventType": e.EventType, "eventCategory": e.EventCategory,
		"managementEvent": e.ManagementEvent.True(), "userIdentity": id, "note": "unknown field kept",
	}
	if e.ErrorCode != "" {
		rec["errorCode"] = e.ErrorCode
	}
	if e.ErrorMessage != "" {
		rec["errorMessage"] = e.ErrorMessage
	}
	if len(e.Resources) > 0 {
		var items []any
		for _, r := range e.Resources {
			items = append(items, map[string]any{"instanceId": r.ID})
		}
		rec["requestParameters"] = map[string]any{"instancesSet": map[string]any{"items": items}}
	}
	b, err := json.Marshal(rec, json.Deterministic(true))
	if err != nil {
		panic(err)
	}
	return b
}

func openTest(t *testing.T, dir string) *Index {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir = dir
	x, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// openReader opens the index in dir read-only, as cairn search does.
func openReader(t *testing.T, dir string) *Index {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir, cfg.ReadOnly = dir, true
	x, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func ids(p cairn.Page) []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, e.EventID[len(e.EventID)-3:])
	}
	return out
}

func TestCommitSearchAndDedup(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	var events []cairn.Event
	for i := range 30 {
		events = append(events, testEvent(i, func(e *cairn.Event) {
			switch i % 3 {
			case 1:
				e.EventName, e.ReadOnly = "RebootInstances", cairn.BoolFalse
				e.Resources = []cairn.ResourceRef{{ID: "i-0abc", ARN: "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc",
					Type: "AWS::EC2::Instance", Role: cairn.RoleStateChanged}}
				e.Principal = cairn.Principal{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/Admin/bob@example.com",
					RoleARN: "arn:aws:iam::111122223333:role/Admin", UserName: "Admin", SessionName: "bob@example.com", AccessKeyID: "ASIABOB"}
			case 2:
				e.ErrorCode, e.ErrorMessage, e.SourceIPAddress = "AccessDenied", "denied", "203.0.113.9"
				e.RecipientAccountID, e.AWSRegion = "444455556666", "eu-west-1"
				e.EventTime = e.EventTime.Add(48 * time.Hour) // another day
			}
		}))
	}
	res, err := x.Commit(ctx, &cairn.Batch{Events: events, Objects: []cairn.ObjectState{
		{Source: "s", Key: "a", Events: 20, Status: cairn.ObjectDone}, {Source: "s", Key: "b", Events: 10, Status: cairn.ObjectDone}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 30 || res.Duplicates != 0 || res.NewByObject[0] != 20 || res.NewByObject[1] != 10 {
		t.Fatalf("first commit: %+v", res)
	}
	// The same batch again, plus a duplicate within the batch: nothing new.
	again := append(append([]cairn.Event{}, events...), events[0])
	res, err = x.Commit(ctx, &cairn.Batch{Events: again})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 0 || res.Duplicates != 31 {
		t.Fatalf("second commit: %+v", res)
	}

	cases := []struct {
		name string
		f    cairn.Filter
		want int
	}{
		{"all", cairn.Filter{}, 30},
		{"user name", cairn.Filter{User: "alice"}, 20},
		{"session name", cairn.Filter{User: "bob@example.com"}, 10},
		{"role arn", cairn.Filter{User: "arn:aws:iam::111122223333:role/Admin"}, 10},
		{"event", cairn.Filter{EventName: "RebootInstances"}, 10},
		{"resource id", cairn.Filter{ResourceID: "i-0abc"}, 10},
		{"resource arn", cairn.Filter{ResourceID: "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}, 10},
		{"resource type", cairn.Filter{ResourceType: "AWS::EC2::Instance"}, 10},
		{"access key", cairn.Filter{AccessKeyID: "ASIABOB"}, 10},
		{"ip", cairn.Filter{SourceIP: "203.0.113.9"}, 10},
		{"any error", cairn.Filter{ErrorCode: cairn.ErrorAny}, 10},
		{"error code", cairn.Filter{ErrorCode: "AccessDenied"}, 10},
		{"read-only", cairn.Filter{ReadOnly: cairn.BoolFalse}, 10},
		{"since", cairn.Filter{Since: t0.Add(24 * time.Hour)}, 10},
		{"until", cairn.Filter{Until: t0.Add(10 * time.Minute)}, 7}, // 2, 5 and 8 moved two days on
		{"text", cairn.Filter{Text: "UNKNOWN FIELD"}, 30},
		{"account", cairn.Filter{Account: "444455556666"}, 10},
		{"region", cairn.Filter{Region: "eu-west-1"}, 10},
		{"account and region", cairn.Filter{Account: "111122223333", Region: "us-east-1"}, 20},
		{"account of one, region of another", cairn.Filter{Account: "444455556666", Region: "us-east-1"}, 0},
		{"user and region, through the needles", cairn.Filter{User: "alice", Region: "eu-west-1"}, 10},
		{"not utf-8, region", cairn.Filter{Region: "\xff"}, 0},
		{"combined", cairn.Filter{User: "alice", ErrorCode: cairn.ErrorAny, Since: t0}, 10},
		{"event id", cairn.Filter{EventID: events[5].EventID}, 1},
		{"nothing", cairn.Filter{User: "mallory"}, 0},
		// Bytes that are not UTF-8 match nothing, through the needles and
		// through the engine, rather than fail to bind.
		{"not utf-8, user", cairn.Filter{User: "\xff\xfe"}, 0},
		{"not utf-8, event", cairn.Filter{EventName: "\xc0\x80"}, 0},
		{"not utf-8, resource", cairn.Filter{ResourceID: "\x00\xff"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := x.Search(ctx, c.f, cairn.Cursor{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) != c.want {
				t.Fatalf("got %d events, want %d", len(p.Events), c.want)
			}
		})
	}

	// Raw bytes survive exactly; decoded fields come back.
	p, err := x.Search(ctx, cairn.Filter{EventID: events[1].EventID}, cairn.Cursor{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := p.Events[0]
	if string(got.Raw) != string(events[1].Raw) || got.Principal.SessionName != "bob@example.com" ||
		len(got.Resources) != 1 || got.Resources[0].Role != cairn.RoleStateChanged || got.ReadOnly != cairn.BoolFalse {
		t.Fatalf("round trip: %+v", got)
	}
}

func TestPagingIsNewestFirstAndComplete(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	var events []cairn.Event
	for i := range 125 {
		// Several events per second, to exercise the tie-break.
		events = append(events, testEvent(i, func(e *cairn.Event) { e.EventTime = t0.Add(time.Duration(i/4) * time.Second) }))
	}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var cur cairn.Cursor
	var last cairn.Event
	pages := 0
	for {
		p, err := x.Search(ctx, cairn.Filter{}, cur, 50)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range p.Events {
			if seen[e.EventID] {
				t.Fatalf("event %s twice", e.EventID)
			}
			seen[e.EventID] = true
			if last.EventID != "" && e.EventTime.After(last.EventTime) {
				t.Fatalf("not newest first: %s after %s", e.EventTime, last.EventTime)
			}
			last = e
		}
		if p.Next.IsZero() {
			break
		}
		cur = p.Next
		// Events arriving while paging do not disturb the pages.
		if pages == 1 {
			late := testEvent(500, func(e *cairn.Event) { e.EventTime = t0.Add(time.Hour) })
			if _, err := x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{late}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(seen) != 125 || pages != 3 {
		t.Fatalf("saw %d events in %d pages", len(seen), pages)
	}
}

func TestReaderFollowsWriterAndRecoversFromCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openTest(t, dir)
	r := openReader(t, dir)
	count := func() int {
		p, err := r.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Events)
	}
	if n := count(); n != 0 {
		t.Fatalf("empty index has %d events", n)
	}
	if _, err := w.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil), testEvent(2, nil)}}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("reader sees %d events after commit, want 2", n)
	}
	w.Close()

	// A segment that no manifest lists is what a crash leaves: it is removed
	// on open and never shown.
	orphan := filepath.Join(dir, "events", "day=2026-03-14", "seg-999999999999.parquet")
	data, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(w.manifest.Segments[0].Path)))
	os.WriteFile(orphan, data, 0o644)
	w2 := openTest(t, dir)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatal("orphan segment was not removed")
	}
	p, _ := w2.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 100)
	if len(p.Events) != 2 {
		t.Fatalf("after reopen %d events", len(p.Events))
	}
	// Dedup state is rebuilt from segments after a restart.
	res, err := w2.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil), testEvent(3, nil)}})
	if err != nil || res.New != 1 || res.Duplicates != 1 {
		t.Fatalf("commit after reopen: %+v %v", res, err)
	}
}

func TestSecondWriterIsToldWhatToDo(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	cfg := DefaultConfig()
	cfg.Dir = dir
	_, err := Open(context.Background(), cfg)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: %v", err)
	}
}

func TestCompaction(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	// Twenty commits in reverse time order, so that the merge must
	// interleave.
	for i := range 20 {
		batch := []cairn.Event{testEvent(19-i, nil), testEvent(100+i, nil)}
		if _, err := x.Commit(ctx, &cairn.Batch{Events: batch}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(x.manifest.Segments); n != 20 {
		t.Fatalf("%d segments before compaction, want 20", n)
	}
	if err := x.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(x.manifest.Segments); n != 1 {
		t.Fatalf("%d segments after compaction, want 1", n)
	}
	p, err := x.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 100)
	if err != nil || len(p.Events) != 40 {
		t.Fatalf("%d events after compaction (%v)", len(p.Events), err)
	}
	// The merged segment is in time order, and its rows are whole.
	tab, err := x.Query(ctx, "SELECT eventID, eventTime, eventJson FROM events")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(tab.Rows); i++ {
		if tab.Rows[i][1].(string) < tab.Rows[i-1][1].(string) {
			t.Fatalf("row %d out of order: %v after %v", i, tab.Rows[i][1], tab.Rows[i-1][1])
		}
	}
	for _, r := range tab.Rows {
		if !strings.Contains(r[2].(string), r[0].(string)) {
			t.Fatalf("row %v lost its record", r[0])
		}
	}
	// A reader that still holds the old manifest finds its files: retired
	// segments stay until retireAfter has passed.
	for _, r := range x.manifest.Retired {
		if _, err := os.Stat(x.abs(r.Path)); err != nil {
			t.Fatalf("retired segment %s is gone too early", r.Path)
		}
	}
}

func TestObjectsState(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	_, err := x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil)}, Objects: []cairn.ObjectState{
		{Source: "file:///a", Key: "k1", Size: 10, ETag: "e1", Events: 1, Status: cairn.ObjectDone, Unrecorded: true},
		{Source: "file:///a", Key: "bad", Size: 5, Status: cairn.ObjectQuarantined, Reason: "truncated JSON", Unrecorded: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := x.Objects(ctx, "file:///a")
	if err != nil {
		t.Fatal(err)
	}
	if objs["k1"].New != 1 || objs["bad"].Reason != "truncated JSON" || len(objs) != 2 {
		t.Fatalf("objects: %+v", objs)
	}
	st, err := x.Stats(ctx)
	if err != nil || st.Events != 1 || st.Objects != 2 || st.Quarantined != 1 {
		t.Fatalf("stats: %+v %v", st, err)
	}
	// A re-delivered object replaces its state, also beside an unrecorded
	// one.
	_, err = x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(2, nil)}, Objects: []cairn.ObjectState{
		{Source: "file:///a", Key: "k2", Size: 7, Status: cairn.ObjectSkipped, Reason: "digest file", Unrecorded: true},
		{Source: "file:///a", Key: "bad", Size: 6, ETag: "e2", Events: 1, Status: cairn.ObjectDone},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if objs, err = x.Objects(ctx, "file:///a"); err != nil || len(objs) != 3 || objs["bad"].Status != cairn.ObjectDone || objs["bad"].New != 1 {
		t.Fatalf("objects after re-delivery: %+v %v", objs, err)
	}
	if st, err = x.Stats(ctx); err != nil || st.Objects != 3 || st.Quarantined != 0 {
		t.Fatalf("stats after re-delivery: %+v %v", st, err)
	}
	// The states of some keys: those recorded of that source, each once,
	// and nothing left from one ask to the next.
	for range 2 {
		got, err := x.ObjectStates(ctx, "file:///a", []string{"k1", "nope", "bad", "k1"})
		if err != nil || len(got) != 2 || got["k1"].ETag != "e1" || got["bad"].Size != 6 {
			t.Fatalf("states of some keys: %+v %v", got, err)
		}
	}
	if got, err := x.ObjectStates(ctx, "file:///b", []string{"k1"}); err != nil || len(got) != 0 {
		t.Fatalf("states of another source's keys: %+v %v", got, err)
	}
}

// TestObjectsKeyDropped: a catalog whose objects table has the primary key
// it was first made with keeps its states and loses the key.
func TestObjectsKeyDropped(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("duckdb", filepath.Join(dir, "catalog.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE objects (source VARCHAR, key VARCHAR, size BIGINT, etag VARCHAR, events INTEGER, new INTEGER,
			status VARCHAR, reason VARCHAR, ingested_at TIMESTAMP, PRIMARY KEY (source, key))`,
		`INSERT INTO objects VALUES ('file:///a', 'k1', 10, 'e1', 3, 3, 'done', '', TIMESTAMP '2026-03-01 00:00:00')`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	x := openTest(t, dir)
	var keys int
	if err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_constraints() WHERE database_name = 'catalog'
		AND table_name = 'objects' AND constraint_type = 'PRIMARY KEY'`).Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("primary keys left: %d %v", keys, err)
	}
	objs, err := x.Objects(ctx, "file:///a")
	if err != nil || len(objs) != 1 || objs["k1"].Events != 3 {
		t.Fatalf("objects: %+v %v", objs, err)
	}
}

func TestQueryIsReadOnlyAndSandboxed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x := openTest(t, dir)
	x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil), testEvent(2, nil)}})
	tab, err := x.Query(ctx, "SELECT eventName, count(*) AS n FROM events GROUP BY eventName")
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 1 || tab.Rows[0][1] != int64(2) || tab.Columns[1] != "n" {
		t.Fatalf("query result: %+v", tab)
	}
	refused := []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/hostname')",
		"COPY (SELECT 1) TO '" + filepath.Join(dir, "x.csv") + "'",
		"ATTACH '/tmp/other.duckdb'",
		"SET enable_external_access=true",
		"SET memory_limit='10GB'",
		"INSTALL httpfs",
		"LOAD httpfs",
		"CREATE TABLE t AS SELECT 1",
		"DROP VIEW events",
		"DELETE FROM stage",
		"SELECT 1; DROP VIEW events",
		"PRAGMA threads=1",
		"PRAGMA enable_profiling",
		"SELECT * FROM read_parquet('https://example.com/x.parquet')",
		// EXPLAIN ANALYZE runs what it explains.
		"EXPLAIN ANALYZE COPY (SELECT 1) TO '" + filepath.Join(dir, "x.csv") + "'",
		"explain analyze CREATE TABLE catalog.t AS SELECT 1",
		"EXPLAIN ANALYZE DROP VIEW events",
		"EXPLAIN (ANALYZE) DROP VIEW events",
		"/* first */ EXPLAIN ANALYZE DROP VIEW events",
		"EXPLAIN\tANALYZE\nDROP VIEW events",
		"EXPLAIN ANALYZE SELECT 1",
		// The user engine attaches no catalog and opens no file but the
		// segments.
		"SELECT * FROM catalog.objects",
		"SELECT * FROM checkpoint('catalog')",
		"SELECT * FROM read_blob('" + filepath.Join(dir, "catalog.duckdb") + "')",
		"SELECT * FROM read_text('" + filepath.Join(dir, "manifest.json") + "')",
		// Table functions that change the engine for later queries, write
		// files or run SQL given as text, however they are reached.
		"SELECT * FROM enable_logging(storage='file', storage_path='" + filepath.Join(dir, "events", "log.csv") + "', storage_normalize=false)",
		"FROM enable_profiling(format='query_tree')",
		"SELECT * FROM (SELECT * FROM disable_logging()) t",
		"WITH c AS (SELECT * FROM force_checkpoint()) SELECT * FROM c",
		"SELECT * FROM checkpoint()",
		"SELECT * FROM query('SELECT * FROM enable_logging()')",
		"SELECT * FROM events, LATERAL (SELECT * FROM truncate_duckdb_logs()) x",
		"SELECT write_log('forged', level := 'error')",
		"EXPLAIN SELECT * FROM enable_profiling()",
		// BIGNUM's arithmetic ignores the time limit.
		"SELECT length(repeat('9', 1000000)::BIGNUM::VARCHAR)",
		"SELECT TRY_CAST('1' AS varint)",
		// One call that builds a value as large as asked, past the
		// engine's memory limit.
		"SELECT range(0, 1000000000)",
		"SELECT [x for x in generate_series(1, 1000000000)]",
		"SELECT length(repeat('x', 2000000000))",
		"SELECT lpad('', 2000000000, 'x')",
		"SELECT length(printf('%2000000000s', 'x'))",
		"SELECT printf('%*s', 2000000000, 'x')",
		"SELECT format('{:>{}}', 'x', 2000000000)",
		"SELECT printf(eventName || '%2000000000s', 1) FROM events",
		// The settings that name the server's folders, to an API key's holder.
		"SELECT name, value FROM duckdb_settings() WHERE value LIKE '%/%'",
		"SELECT current_setting('secret_directory')",
		"SELECT current_setting('Allowed_Directories')",
		"SELECT current_setting(eventName) FROM events",
	}
	for _, q := range refused {
		_, err := x.Query(ctx, q)
		if err == nil {
			t.Errorf("%q was not refused", q)
			continue
		}
		if up := strings.ToUpper(q); strings.HasPrefix(up, "EXPLAIN") && strings.Contains(up, "ANALYZE") {
			if !strings.Contains(err.Error(), "EXPLAIN ANALYZE runs the statement it explains") {
				t.Errorf("%q: refused with %v, which does not say why", q, err)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %v", q, err)
		}
	}
	// The events view survived every attempt, nothing was written, and
	// the catalog is as it was; the engine logs and profiles nothing.
	if _, err := x.Query(ctx, "SELECT count(*) FROM events"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"x.csv", filepath.Join("events", "log.csv")} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("a refused statement wrote %s: %v", f, err)
		}
	}
	var tables int
	if err := x.db.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'catalog' AND table_name = 't'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("a refused statement made catalog.t: %d %v", tables, err)
	}
	for _, q := range []string{"EXPLAIN SELECT count(*) FROM events", "  explain\nSELECT 1", "DESCRIBE events", "SUMMARIZE SELECT eventName FROM events",
		"SHOW TABLES", "FROM events SELECT count(*)", "SELECT * FROM range(3) r, unnest([1, 2]) u", "SELECT current_setting('memory_limit')",
		"SELECT printf('%.2f', 3.14159), format('{} has {:>8}', eventName, 12) FROM events"} {
		if _, err := x.Query(ctx, q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

// A query is stopped after the configured time, and a result that would
// hold more than MaxQueryBytes is refused rather than kept in memory.
func TestQueryLimits(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Dir, cfg.QueryTimeout = t.TempDir(), 200*time.Millisecond
	x, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	_, err = x.Query(ctx, "SELECT sum(hash(a.range * b.range)) FROM range(1000000) a, range(1000000) b")
	if !errors.Is(err, cairn.ErrQueryRefused) || !strings.Contains(err.Error(), "-index.query-timeout") {
		t.Errorf("a query past its time: %v", err)
	}
	x.cfg.QueryTimeout = 0 // the result takes its time on a busy machine
	_, err = x.Query(ctx, "SELECT (SELECT string_agg('x', '') FROM range(1000000)) AS s FROM range(140)")
	if !errors.Is(err, cairn.ErrQueryRefused) || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("a result of 140 MB: %v", err)
	}
	// The engine's advice for a statement too deep is a SET, refused here.
	_, err = x.Query(ctx, "SELECT "+strings.Repeat("1+", 3000)+"1")
	if !errors.Is(err, cairn.ErrBadQuery) || strings.Contains(err.Error(), "SET") {
		t.Errorf("an expression 3,000 deep: %v", err)
	}
	// A table that is not there: the error names the ones that are.
	_, err = x.Query(ctx, "SELECT * FROM event")
	if !errors.Is(err, cairn.ErrBadQuery) || !strings.Contains(err.Error(), "the tables are events, lake") {
		t.Errorf("a table that does not exist: %v", err)
	}
	// Trino's forms that DuckDB lacks: the error says what to write.
	for q, hint := range map[string]string{
		"SELECT regexp_replace('StackSet-abc', '^StackSet-')": "regexp_replace(text, pattern, '', 'g')",
		"SELECT cardinality(resources) FROM events":           "len(list)",
		"SELECT regexp_replace('a', 'b', 'c', 'd', 'e')":      "",
	} {
		_, err := x.Query(ctx, q)
		hinted := strings.Contains(fmt.Sprint(err), "(Trino's") || strings.Contains(fmt.Sprint(err), "(the size of a list")
		if !errors.Is(err, cairn.ErrBadQuery) || hinted != (hint != "") || !strings.Contains(err.Error(), hint) {
			t.Errorf("%s: %v", q, err)
		}
	}
	// A value that an aggregate builds is stopped by the engine's memory
	// limit, or, where that does not see it, by the process's.
	defer func(n int64) { queryMemoryGrowth = n }(queryMemoryGrowth)
	queryMemoryGrowth = 64 << 20
	_, err = x.Query(ctx, "SELECT length(list(i)) FROM range(400000000) t(i)")
	if err == nil || !strings.Contains(err.Error(), "memory") {
		t.Errorf("a list of 3 GB: %v", err)
	}
}

// TestMemoryGuard: the watch over a query cancels it once the process's
// memory has grown by more than queryMemoryGrowth.
func TestMemoryGuard(t *testing.T) {
	if _, ok := residentBytes(); !ok {
		t.Skip("no /proc/self/statm")
	}
	defer func(n int64) { queryMemoryGrowth = n }(queryMemoryGrowth)
	queryMemoryGrowth = 64 << 20
	ctx, tripped, stop := memoryGuard(context.Background())
	defer stop()
	grown := make([]byte, 256<<20)
	for i := 0; i < len(grown); i += 4096 {
		grown[i] = 1 // resident only once touched
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
	if !tripped.Load() {
		t.Errorf("256 MiB more resident did not trip a guard of 64 MiB")
	}
	runtime.KeepAlive(grown)
}

// The events view written out for an empty index must be the view that
// segments give: the same columns, in the same order, of the same types.
func TestEmptyViewMatchesSegments(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	describe := func() [][]any {
		t.Helper()
		tab, err := x.Query(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM events)")
		if err != nil {
			t.Fatal(err)
		}
		return tab.Rows
	}
	empty := describe()
	if _, err := x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil)}}); err != nil {
		t.Fatal(err)
	}
	if got := describe(); fmt.Sprint(got) != fmt.Sprint(empty) {
		t.Fatalf("segments give\n%v\nthe empty view has\n%v", got, empty)
	}
}

// A commit of fewer days than cores cuts large days into consecutive time
// ranges, so that every core writes; small days and many days stay whole.
func TestSplitDays(t *testing.T) {
	var events []cairn.Event
	// day makes n events of a day, in reverse time order: the split sorts.
	day := func(date string, n int) []int {
		start, _ := time.Parse(time.DateOnly, date)
		var idx []int
		for i := range n {
			idx = append(idx, len(events))
			events = append(events, cairn.Event{EventTime: start.Add(time.Duration(n-i) * time.Second)})
		}
		return idx
	}
	sizes := func(ps []*piece) (out []int) {
		for _, p := range ps {
			out = append(out, len(p.events))
			for i := 1; i < len(p.events); i++ {
				if events[p.events[i]].EventTime.Before(events[p.events[i-1]].EventTime) {
					t.Fatalf("piece of %s is not in time order", p.day)
				}
			}
		}
		return out
	}
	one := splitDays(events, map[string][]int{"2026-03-14": day("2026-03-14", 20000)}, 2)
	if got := sizes(one); !slices.Equal(got, []int{10000, 10000}) ||
		!events[one[0].events[9999]].EventTime.Before(events[one[1].events[0]].EventTime) {
		t.Fatalf("one large day on two cores: pieces of %v", got)
	}
	if small := splitDays(events, map[string][]int{"2026-03-15": day("2026-03-15", 9000)}, 4); len(small) != 1 {
		t.Fatalf("a day too small to cut gave %d pieces", len(small))
	}
	many := splitDays(events, map[string][]int{"2026-03-16": day("2026-03-16", 20000), "2026-03-17": day("2026-03-17", 20000)}, 2)
	if got := sizes(many); !slices.Equal(got, []int{20000, 20000}) {
		t.Fatalf("as many days as cores: pieces of %v", got)
	}
	// Across midnight: the large day is cut, so that both cores write.
	midnight := splitDays(events, map[string][]int{"2026-03-18": day("2026-03-18", 19000), "2026-03-19": day("2026-03-19", 1000)}, 2)
	if got := sizes(midnight); !slices.Equal(got, []int{9500, 9500, 1000}) {
		t.Fatalf("a large day and a small one: pieces of %v", got)
	}
}

// Absent fields are NULL, however they fall in a batch: parquet-go stores
// some empty strings of an optional string field as present (see opt), for
// example the 62 rows after a failed call at row 3201 of 4000.
func TestAbsentFieldsAreNull(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	var events []cairn.Event
	for i := range 4000 {
		events = append(events, testEvent(i, func(e *cairn.Event) {
			e.EventTime = t0.Add(time.Duration(i) * time.Second)
			if i%97 == 0 {
				e.ErrorCode, e.ErrorMessage = "AccessDenied", "denied"
			}
		}))
	}
	for half := range slices.Chunk(events, 2000) { // two segments, merged below
		if _, err := x.Commit(ctx, &cairn.Batch{Events: half}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		tab, err := x.Query(ctx, "SELECT count(*) FILTER (WHERE errorCode IS NOT NULL), count(*) FILTER (WHERE errorMessage IS NOT NULL) FROM events")
		if err != nil {
			t.Fatal(err)
		}
		if r := tab.Rows[0]; r[0] != int64(42) || r[1] != int64(42) {
			t.Errorf("%s: %v rows with an errorCode and %v with an errorMessage, want 42", when, r[0], r[1])
		}
	}
	check("committed")
	if err := x.compact(ctx, map[string]bool{dayOf(t0): true}, 2); err != nil {
		t.Fatal(err)
	}
	check("merged")
}

// TestWriterQueriesSeeEachCommit: the writer makes its view again only when
// a query comes, and every kind of query then sees every commit before it.
func TestWriterQueriesSeeEachCommit(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	count := func() int64 {
		tab, err := x.Query(ctx, "SELECT count(*) FROM events")
		if err != nil {
			t.Fatal(err)
		}
		return tab.Rows[0][0].(int64)
	}
	if n := count(); n != 0 {
		t.Fatalf("an empty index counts %d events", n)
	}
	for round := range 3 {
		var events []cairn.Event
		for i := range 10 {
			events = append(events, testEvent(round*10+i, nil))
		}
		if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
			t.Fatal(err)
		}
		want := int64(10 * (round + 1))
		if n := count(); n != want {
			t.Errorf("after commit %d the view counts %d events, want %d", round+1, n, want)
		}
		p, err := x.Search(ctx, cairn.Filter{User: "alice"}, cairn.Cursor{}, 100)
		if err != nil || int64(len(p.Events)) != want {
			t.Errorf("after commit %d a needle search found %d events (%v), want %d", round+1, len(p.Events), err, want)
		}
		st, err := x.Stats(ctx)
		if err != nil || st.Events != want {
			t.Errorf("after commit %d Stats says %d events (%v), want %d", round+1, st.Events, err, want)
		}
	}
}

// TestDayNamer: the remembered day is the day of every time it names, in
// any zone, back and forth across midnight UTC.
func TestDayNamer(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	base := time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)
	var n dayNamer
	for _, at := range []time.Time{
		base, base.Add(time.Second), base, base.In(tokyo), base.Add(time.Second).In(tokyo),
		base.AddDate(1, 0, 0), base.AddDate(0, 1, 0), base.AddDate(0, 0, -1), base,
	} {
		if got, want := n.of(at), dayOf(at); got != want {
			t.Errorf("day of %v = %s, want %s", at, got, want)
		}
	}
}

// cancelledOnceAsked is a context that is live when first asked and
// cancelled from then on: a Ctrl-C that arrives while a commit runs.
type cancelledOnceAsked struct {
	context.Context
	asked  bool
	closed chan struct{}
}

func (c *cancelledOnceAsked) Err() error {
	if !c.asked {
		c.asked = true
		return nil
	}
	return context.Canceled
}

func (c *cancelledOnceAsked) Done() <-chan struct{} {
	if !c.asked {
		return nil
	}
	return c.closed
}

// TestCancelledCommitKeepsEventsAndStatesTogether: an ingest interrupted
// during a commit must not leave events stored whose objects' states are
// not, or the next run reads every object again. A commit cancelled before
// it starts stores nothing; one cancelled while it runs completes.
func TestCancelledCommitKeepsEventsAndStatesTogether(t *testing.T) {
	batch := func(i int) *cairn.Batch {
		return &cairn.Batch{Events: []cairn.Event{testEvent(i, nil)}, Objects: []cairn.ObjectState{
			{Source: "file:///a", Key: fmt.Sprintf("k%d", i), Size: 10, Events: 1, Status: cairn.ObjectDone, Unrecorded: true},
		}}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	midway := &cancelledOnceAsked{Context: context.Background(), closed: make(chan struct{})}
	close(midway.closed)
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		stored int
	}{
		{"cancelled before", cancelled, 0},
		{"cancelled while it runs", midway, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := openTest(t, t.TempDir())
			x.Commit(tc.ctx, batch(1))
			ctx := context.Background()
			page, err := x.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := x.Objects(ctx, "file:///a")
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) != tc.stored || len(objs) != tc.stored {
				t.Fatalf("%d events stored and %d objects recorded, want %d of each", len(page.Events), len(objs), tc.stored)
			}
		})
	}
}

// TestUserFindsRecordsThatNameItByIDAlone: a console sign-in's CheckMfa
// names its IAM user by principalId alone; a search for the user by name or
// ARN finds it too, through the needles and through the engine alike.
func TestUserFindsRecordsThatNameItByIDAlone(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	rec := func(i int, name, identity string) cairn.Event {
		raw := fmt.Sprintf(`{"eventVersion":"1.09","eventID":"00000000-0000-0000-0000-%012d","eventTime":"%s","eventSource":"signin.amazonaws.com","eventName":"%s","awsRegion":"us-east-1","recipientAccountId":"111122223333","sourceIPAddress":"192.0.2.1","userIdentity":%s,"eventType":"AwsConsoleSignIn"}`,
			i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), name, identity)
		e, err := cloudtrail.Decode([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	user := func(name, id string) string {
		return `{"type":"IAMUser","principalId":"` + id + `","arn":"arn:aws:iam::111122223333:user/` + name + `","accountId":"111122223333","userName":"` + name + `"}`
	}
	byID := func(id string) string {
		return `{"type":"IAMUser","principalId":"` + id + `","accountId":"111122223333"}`
	}
	events := []cairn.Event{rec(1, "ConsoleLogin", user("alice", "AIDAALICE")), rec(2, "CheckMfa", byID("AIDAALICE")),
		rec(3, "ConsoleLogin", user("bob", "AIDABOB")), rec(4, "CheckMfa", byID("AIDABOB"))}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	want := []string{"002", "001"}
	for _, u := range []string{"alice", "arn:aws:iam::111122223333:user/alice", "AIDAALICE"} {
		page, err := x.Search(ctx, cairn.Filter{User: u}, cairn.Cursor{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		aliases, err := x.userAliases(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		engine, err := x.engineSearch(ctx, criteria{Filter: cairn.Filter{User: u}, userIDs: aliases}, cairn.Cursor{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(page); !slices.Equal(got, want) || !slices.Equal(ids(engine), want) {
			t.Errorf("-user %s: needles %v, engine %v, want %v", u, got, ids(engine), want)
		}
	}
}

// Query's values are what JSON and a table can show: a UUID as UUIDs are
// written (the driver gives its 16 bytes), the infinities and NaN by name,
// and a FLOAT by its shortest decimal form; through a server or not, the
// command line prints the same.
func TestQueryValuesForPeople(t *testing.T) {
	x := openTest(t, t.TempDir())
	tab, err := x.Query(context.Background(), `SELECT '3b241101-e2bb-4255-8caf-4136c566a962'::UUID AS u, 1/0 AS inf, 'NaN'::DOUBLE AS nan, 0.1::FLOAT AS f, -1/0 AS neg`)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"3b241101-e2bb-4255-8caf-4136c566a962", "+Inf", "NaN", 0.1, "-Inf"}
	if len(tab.Rows) != 1 || !reflect.DeepEqual(tab.Rows[0], want) {
		t.Errorf("rows %#v, want %#v", tab.Rows, want)
	}
	// A DECIMAL exactly, with its scale, wherever it is (Lake's results
	// had the driver's struct of a decimal in a list).
	tab, err = x.Query(context.Background(), `SELECT 3.10 AS a, 1001::DECIMAL(10,1) AS b, -0.05 AS c, [1.5, 2] AS l, {'a': 1.5} AS s, MAP {'k': 2.25} AS m`)
	if err != nil {
		t.Fatal(err)
	}
	want = []any{"3.10", "1001.0", "-0.05", []any{"1.5", "2.0"}, map[string]any{"a": "1.5"}, map[string]any{"k": "2.25"}}
	if len(tab.Rows) != 1 || !reflect.DeepEqual(tab.Rows[0], want) {
		t.Errorf("decimals %#v, want %#v", tab.Rows, want)
	}
	// What the driver cannot hand over is said in cairn's words.
	for _, q := range []string{"SELECT (1, 'x') AS pair", "SELECT ROW(1, 'x') AS r", "SELECT MAP {[1]: 2} AS m"} {
		if _, err := x.Query(context.Background(), q); !errors.Is(err, cairn.ErrBadQuery) || strings.Contains(err.Error(), "database/sql") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestFailedSignInIsAFailure: a failed console sign-in has an error
// message and no error code. Every failed-call search finds it, through
// the engine and through the needle files.
func TestFailedSignInIsAFailure(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	var events []cairn.Event
	for i, msg := range []string{"", "Failed authentication"} {
		events = append(events, testEvent(i, func(e *cairn.Event) {
			e.EventSource, e.EventName, e.EventType = "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn"
			e.ErrorMessage = msg
		}))
	}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []cairn.Filter{
		{ErrorCode: cairn.ErrorAny},
		{ErrorCode: cairn.ErrorAny, User: "alice"},
		{ErrorCode: cairn.ErrorAny, AccessKeyID: "AKIAALICE"},
	} {
		p, err := x.Search(ctx, f, cairn.Cursor{}, 10)
		if err != nil || len(p.Events) != 1 || p.Events[0].EventID != events[1].EventID || !p.Events[0].Failed() {
			t.Errorf("%+v: %d events, %v", f, len(p.Events), err)
		}
	}
}

// TestMemoryLimitGrowsWithThreads: the engine's memory is 192MB a query
// thread unless configured, since a JSON function holds its vector's
// parsed records in every thread.
func TestMemoryLimitGrowsWithThreads(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Threads: 2}, "384MB"},
		{Config{Threads: 8}, "1536MB"},
		{Config{Threads: 2, MemoryLimit: "1GB"}, "1GB"},
	} {
		if got := c.cfg.memoryLimit(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.cfg, got, c.want)
		}
	}
	cfg := DefaultConfig()
	cfg.Dir, cfg.Threads = t.TempDir(), 2
	x, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	tab, err := x.Query(context.Background(), "SELECT current_setting('memory_limit')")
	if err != nil || len(tab.Rows) != 1 || !strings.HasPrefix(fmt.Sprint(tab.Rows[0][0]), "366.2 MiB") {
		t.Errorf("the engine's memory limit: %v %v", tab, err)
	}
}
