package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/ingest"
)

func TestClientSearchRoundTrip(t *testing.T) {
	ts := startServer(t, testEvents(1100, testBase))
	c := NewClient(ts.URL+"/", testCreds)
	defer c.Close()
	ctx := t.Context()

	// More than one server page: the client pages on its own, and every
	// event arrives as the index returned it, raw bytes included.
	want, err := ts.idx.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 1050)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 1050)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("page (-index +client):\n%s", diff)
	}
	rest, err := c.Search(ctx, cairn.Filter{}, got.Next, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Events) != 50 || !rest.Next.IsZero() {
		t.Fatalf("rest: %d events, next %+v; want 50 and no next", len(rest.Events), rest.Next)
	}
	if rest.Events[0].EventID != ts.idx.events[1050].EventID {
		t.Errorf("rest starts at %s, want %s", rest.Events[0].EventID, ts.idx.events[1050].EventID)
	}

	// Every filter field travels.
	filters := []cairn.Filter{
		{EventID: "ev-0042"},
		{User: "bob", EventSource: "s3.amazonaws.com"},
		{EventName: "GetObject", ReadOnly: cairn.BoolTrue},
		{ResourceID: "i-0003", ResourceType: "AWS::EC2::Instance"},
		{AccessKeyID: "AKIAROOT", SourceIP: "198.51.100.2"},
		{ErrorCode: cairn.ErrorAny},
		{ErrorCode: "AccessDenied", ReadOnly: cairn.BoolFalse},
		{Since: testBase.Add(-90 * time.Minute), Until: testBase.Add(-30*time.Minute + 500*time.Millisecond)},
		{Text: "EV-0077"},
		{Text: "caf\u00e9 <x>", User: "arn:aws:iam::111122223333:role/Deploy"},
	}
	for _, f := range filters {
		want, _ := ts.idx.Search(ctx, f, cairn.Cursor{}, 40)
		got, err := c.Search(ctx, f, cairn.Cursor{}, 40)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if len(want.Events) == 0 {
			t.Errorf("%+v: test data selects nothing", f)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%+v (-index +client):\n%s", f, diff)
		}
	}
}

func TestClientQueryAndStats(t *testing.T) {
	ts := startServer(t, testEvents(30, testBase))
	c := NewClient(ts.URL, testCreds)
	ctx := t.Context()

	tab, err := c.Query(ctx, "SELECT count(*) AS n FROM events")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&cairn.Table{Columns: []string{"n"}, Rows: [][]any{{int64(30)}}}, tab); diff != "" {
		t.Errorf("count (-want +got):\n%s", diff)
	}

	tab, err = c.Query(ctx, "SELECT kinds")
	if err != nil {
		t.Fatal(err)
	}
	wantRow := []any{int64(1) << 60, 1.5, "x", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), true, nil,
		[]any{1.0, "a"}, map[string]any{"1": "one"}, uint64(1) << 63}
	if diff := cmp.Diff(wantRow, tab.Rows[0]); diff != "" {
		t.Errorf("value kinds (-want +got):\n%s", diff)
	}

	_, err = c.Query(ctx, "DROP TABLE events")
	if !errors.Is(err, cairn.ErrQueryRefused) || !strings.Contains(err.Error(), "only SELECT statements") {
		t.Errorf("refused query: %v", err)
	}
	_, err = c.Query(ctx, "SELECT boom")
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.StatusCode != 500 || strings.Contains(err.Error(), "secret") {
		t.Errorf("failing query: %v", err)
	}
	if !strings.Contains(ts.log.String(), "/var/lib/secret/path") {
		t.Error("internal error not logged")
	}

	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ts.idx.Stats(ctx)
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestClientAuthFailure(t *testing.T) {
	ts := startServer(t, testEvents(3, testBase))
	c := NewClient(ts.URL, Credentials{testCreds.AccessKeyID, "wrong"})
	_, err := c.Stats(t.Context())
	ae, ok := errors.AsType[*APIError](err)
	if !ok || ae.StatusCode != http.StatusForbidden || ae.Code != CodeInvalidSignature {
		t.Fatalf("error %v", err)
	}
	if he, ok := errors.AsType[*cairn.Error](err); !ok || !strings.Contains(he.Hint, "CAIRN_ACCESS_KEY_ID") {
		t.Errorf("no hint: %v", err)
	}
	// A key for the CloudTrail API is not a key for cairn's: the scope differs.
	resp, _ := signedPost(t, ts.URL, "CloudTrail_20131101.LookupEvents", []byte(`{}`))
	if resp.StatusCode != 200 {
		t.Fatalf("LookupEvents status %d", resp.StatusCode)
	}
}

func TestAPIRequests(t *testing.T) {
	ts := startServer(t, testEvents(3, testBase))
	c := NewClient(ts.URL, testCreds)
	get := func(method, path string, body []byte, signed bool) (*http.Response, string) {
		t.Helper()
		var (
			data []byte
			err  error
		)
		if signed {
			data, err = c.do(t.Context(), method, path, body)
			if ae, ok := errors.AsType[*APIError](err); ok {
				return &http.Response{StatusCode: ae.StatusCode}, ae.Code + ": " + ae.Message
			}
			if err != nil {
				t.Fatal(err)
			}
			return &http.Response{StatusCode: 200}, string(data)
		}
		req, _ := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ = io.ReadAll(resp.Body)
		return resp, string(data)
	}
	tests := []struct {
		name, method, path, body string
		signed                   bool
		status                   int
		contains                 string
	}{
		{"unsigned", "GET", "/api/v1/stats", "", false, 401, `"code":"MissingAuthenticationTokenException"`},
		{"unknown parameter", "GET", "/api/v1/search?colour=blue", "", true, 400, `unknown parameter "colour"`},
		{"repeated parameter", "GET", "/api/v1/search?user=a&user=b", "", true, 400, "given 2 times"},
		{"bad limit", "GET", "/api/v1/search?limit=0", "", true, 400, "limit must be"},
		{"bad since", "GET", "/api/v1/search?since=yesterday", "", true, 400, "RFC 3339"},
		{"bad readonly", "GET", "/api/v1/search?readonly=maybe", "", true, 400, "readonly must be"},
		{"since after until", "GET", "/api/v1/search?since=2026-03-14T00:00:00Z&until=2026-03-13T00:00:00Z", "", true, 400, "since must be before until"},
		{"bad token", "GET", "/api/v1/search?after=xyz", "", true, 400, "invalid after token"},
		{"token of other filter", "GET", "/api/v1/search?user=alice&after=" + encodeToken(cairn.Cursor{EventTime: testBase, Key: "k"}, cairn.Filter{}, scopeSearch), "", true, 400, "invalid after token"},
		{"search", "GET", "/api/v1/search?limit=2&user=alice", "", true, 200, `"events":[{`},
		{"empty sql", "POST", "/api/v1/sql", `{"sql":" "}`, true, 400, "sql is empty"},
		{"sql not JSON", "POST", "/api/v1/sql", `SELECT 1`, true, 400, `{"sql":"SELECT ..."}`},
		{"wrong method", "GET", "/api/v1/sql", "", false, 405, "use POST"},
		{"unknown endpoint", "GET", "/api/v2/x", "", false, 404, "no such API endpoint"},
		{"healthz", "GET", "/healthz", "", false, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			resp, text := get(tt.method, tt.path, body, tt.signed)
			if resp.StatusCode != tt.status || !strings.Contains(text, tt.contains) {
				t.Errorf("got %d %s; want %d containing %s", resp.StatusCode, text, tt.status, tt.contains)
			}
			if !tt.signed && resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no security headers")
			}
		})
	}
}

func TestRequestBodyLimit(t *testing.T) {
	idx := newFakeIndex(nil)
	cfg := DefaultConfig()
	cfg.MaxRequestBytes = 64 << 10
	s := New(cfg, idx, []Credentials{testCreds}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()

	big := []byte(`{"sql":"` + strings.Repeat("x", 70<<10) + `"}`)
	_, err = NewClient(url, testCreds).do(t.Context(), "POST", "/api/v1/sql", big)
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("large SQL body: %v", err)
	}
	resp, body := signedPost(t, url, "CloudTrail_20131101.LookupEvents", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "RequestEntityTooLargeException") {
		t.Errorf("large JSON 1.1 body: %d %s", resp.StatusCode, body)
	}

	// Serve stops cleanly when its context ends.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestConfig(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(c *Config){
		func(c *Config) { c.Listen = "8080" },
		func(c *Config) { c.MaxRequestBytes = 10 },
		func(c *Config) { c.ShutdownTimeout = -1 },
	} {
		c := DefaultConfig()
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestTokenRoundTrip(t *testing.T) {
	f := cairn.Filter{User: "alice", Since: testBase}
	c := cairn.Cursor{EventTime: testBase.Add(123456789), Key: "111122223333/ev-1"}
	tok := encodeToken(c, f, scopeSearch)
	got, err := decodeToken(tok, f, scopeSearch)
	if err != nil || !got.EventTime.Equal(c.EventTime) || got.Key != c.Key {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	for name, try := range map[string]func() error{
		"other filter": func() error {
			_, err := decodeToken(tok, cairn.Filter{User: "alicf", Since: testBase}, scopeSearch)
			return err
		},
		"other scope": func() error { _, err := decodeToken(tok, f, scopeLookupEvents); return err },
		"truncated":   func() error { _, err := decodeToken(tok[:10], f, scopeSearch); return err },
	} {
		if try() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzDecodeToken(f *testing.F) {
	f.Add(encodeToken(cairn.Cursor{EventTime: testBase, Key: "k"}, cairn.Filter{}, scopeSearch))
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeToken(s, cairn.Filter{}, scopeSearch)
		if err == nil && encodeToken(c, cairn.Filter{}, scopeSearch) != s {
			t.Fatalf("token %q decodes to %+v, which encodes differently", s, c)
		}
	})
}

func TestClientIngest(t *testing.T) {
	idx := newFakeIndex(nil)
	s := New(DefaultConfig(), idx, []Credentials{testCreds}, nil)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	c := NewClient(hs.URL, testCreds)

	// Without SetIngest the endpoint says so.
	_, err := c.Ingest(t.Context(), "s3://bucket/prefix", time.Time{}, nil)
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.StatusCode != http.StatusNotImplemented {
		t.Fatalf("no ingest: %v", err)
	}

	var gotURL string
	var gotSince time.Time
	s.SetIngest(func(ctx context.Context, url string, since time.Time, notice func(cairn.ObjectState)) (ingest.Summary, error) {
		gotURL, gotSince = url, since
		sum := ingest.Summary{Listed: 3, Objects: 3, Events: 10, New: 7, Duplicates: 3, Failed: 1, Skipped: 1, Elapsed: 1500 * time.Millisecond}
		switch {
		case strings.HasSuffix(url, "broken"):
			return ingest.Summary{}, errors.New("open source " + url + ": no such folder")
		case strings.HasSuffix(url, "fine"):
			sum.Failed, sum.Skipped = 0, 0
			return sum, nil
		}
		notice(cairn.ObjectState{Key: "a/digest.json.gz", Status: cairn.ObjectSkipped, Reason: "a digest file"})
		notice(cairn.ObjectState{Source: url, Key: "b.json.gz", Size: 12, Status: cairn.ObjectQuarantined, Reason: "not gzip",
			IngestedAt: testBase})
		return sum, fmt.Errorf("%w: 1 quarantined", ingest.ErrFailedObjects)
	})

	var notices []cairn.ObjectState
	sum, err := c.Ingest(t.Context(), "logs", time.Time{}, func(st cairn.ObjectState) { notices = append(notices, st) })
	if !errors.Is(err, ingest.ErrFailedObjects) {
		t.Errorf("error %v, want ErrFailedObjects", err)
	}
	if want, _ := filepath.Abs("logs"); gotURL != want {
		t.Errorf("server got %q, want the absolute path %q", gotURL, want)
	}
	if sum.New != 7 || sum.Failed != 1 || sum.Elapsed != 1500*time.Millisecond {
		t.Errorf("summary %+v", sum)
	}
	if len(notices) != 2 || notices[1].Status != cairn.ObjectQuarantined || notices[1].Reason != "not gzip" ||
		!notices[1].IngestedAt.Equal(testBase) {
		t.Errorf("notices %+v", notices)
	}

	if sum, err := c.Ingest(t.Context(), "s3://bucket/fine", testBase, nil); err != nil || sum.Events != 10 || gotURL != "s3://bucket/fine" ||
		!gotSince.Equal(testBase) {
		t.Errorf("fine: %+v, %v (url %q, since %v)", sum, err, gotURL, gotSince)
	}
	_, err = c.Ingest(t.Context(), "s3://bucket/broken", time.Time{}, nil)
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != apiCodeIngestFailed || !strings.Contains(ae.Message, "no such folder") {
		t.Errorf("broken: %v", err)
	}
}

// A folder on the server is ingested only for a request from the server's
// own machine; a bucket, from anywhere.
func TestIngestOfServerPathsIsLocalOnly(t *testing.T) {
	s := New(DefaultConfig(), newFakeIndex(nil), []Credentials{testCreds}, nil)
	s.SetIngest(func(ctx context.Context, url string, since time.Time, notice func(cairn.ObjectState)) (ingest.Summary, error) {
		return ingest.Summary{Objects: 1}, nil
	})
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = "203.0.113.9:40000" // as if from another machine
		s.Handler().ServeHTTP(w, r)
	}))
	defer remote.Close()
	c := NewClient(remote.URL, testCreds)
	// "/etc/://../shadow" is a path (the part before "://" is no scheme),
	// which the file system reads as /etc/shadow.
	for _, u := range []string{"/etc", "file:///var/log", "FILE:///root", "/etc/://../shadow", "x/://../../etc", "S3://bucket"} {
		_, err := c.Ingest(t.Context(), u, time.Time{}, nil)
		if ae, ok := errors.AsType[*APIError](err); !ok || ae.StatusCode != http.StatusForbidden || ae.Code != apiCodeLocalOnly {
			t.Errorf("remote ingest of %s: %v, want 403 %s", u, err, apiCodeLocalOnly)
		}
	}
	if sum, err := c.Ingest(t.Context(), "s3://bucket/prefix", time.Time{}, nil); err != nil || sum.Objects != 1 {
		t.Errorf("remote ingest of a bucket: %+v, %v", sum, err)
	}
	local := httptest.NewServer(s.Handler())
	defer local.Close()
	if sum, err := NewClient(local.URL, testCreds).Ingest(t.Context(), "/var/log", time.Time{}, nil); err != nil || sum.Objects != 1 {
		t.Errorf("local ingest of a folder: %+v, %v", sum, err)
	}
}

func TestServeCancelsSlowRequestsAtShutdown(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ShutdownTimeout = 100 * time.Millisecond
	s := New(cfg, newFakeIndex(nil), []Credentials{testCreds}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	c := NewClient("http://"+ln.Addr().String(), testCreds)
	if _, err := c.Stats(t.Context()); err != nil { // the server is up
		t.Fatal(err)
	}
	queried := make(chan error, 1)
	go func() { _, err := c.Query(t.Context(), "SELECT sleep"); queried <- err }()
	time.Sleep(50 * time.Millisecond) // let the query start
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if err := <-queried; err == nil {
		t.Error("the slow query succeeded")
	}
}

// TestAnswersSayWhileTheServerCatchesUp: while some source has not been
// read whole, every REST answer says so, and the client hears it; after,
// none does.
func TestAnswersSayWhileTheServerCatchesUp(t *testing.T) {
	ts := startServer(t, testEvents(3, testBase))
	var catchingUp atomic.Bool
	catchingUp.Store(true)
	ts.srv.SetCatchingUp(catchingUp.Load)
	c := NewClient(ts.URL, testCreds)
	heard := 0
	c.OnCatchingUp = func() { heard++ }
	ctx := t.Context()
	if _, err := c.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if heard != 2 {
		t.Errorf("heard %d times while catching up, want 2", heard)
	}
	catchingUp.Store(false)
	if _, err := c.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 10); err != nil {
		t.Fatal(err)
	}
	if heard != 2 {
		t.Errorf("heard after catching up")
	}
}

// A request the server refuses as too large is told as such, with what to
// do, and without the server's internals.
func TestClientRequestTooLarge(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "431 Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
	}))
	t.Cleanup(hs.Close)
	_, err := NewClient(hs.URL, testCreds).Search(t.Context(), cairn.Filter{Text: strings.Repeat("x", 80_000)}, cairn.Cursor{}, 10)
	he, ok := errors.AsType[*cairn.Error](err)
	if !ok || !strings.Contains(he.Hint, "shorten them") || !strings.HasSuffix(err.Error(), "(HTTP 431): the filters are longer than a request to the server may be (64 KB); shorten them") {
		t.Errorf("error %q", err)
	}
}
