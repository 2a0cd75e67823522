package ui_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/server"
	"github.com/cairn-audit/cairn/server/ui"
)

var testCreds = []server.Credentials{{AccessKeyID: "AKIDUITEST", SecretAccessKey: "s3cret/ui+test"}}

const evilID = "ev-evil-0001"

// startSmall serves a real server over a duckdb index that holds one
// event whose raw record carries markup.
func startSmall(t *testing.T) *httptest.Server {
	t.Helper()
	return startSmallWith(t, nil)
}

// startSmallWith is startSmall, with set applied to the server before it
// serves.
func startSmallWith(t *testing.T, set func(*server.Server)) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	idx := openEmptyIndex(t)
	at := time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)
	denied := "User: arn:aws:iam::111122223333:user/mallory is not authorized to perform: ec2:RunInstances on resource: <img src=x> because no identity-based policy allows the ec2:RunInstances action"
	raw := `{"eventVersion":"1.08","eventID":"` + evilID + `","eventTime":"2026-03-14T03:10:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","recipientAccountId":"111122223333","userAgent":"<script>alert(1)</script>","userIdentity":{"type":"IAMUser","userName":"<b>mallory</b>","arn":"arn:aws:iam::111122223333:user/mallory"},"errorCode":"Client.UnauthorizedOperation","errorMessage":"` + denied + `"}`
	ev := cairn.Event{
		EventID: evilID, EventTime: at, EventVersion: "1.08", EventSource: "ec2.amazonaws.com", EventName: "RunInstances",
		RecipientAccountID: "111122223333", UserAgent: "<script>alert(1)</script>", ErrorCode: "Client.UnauthorizedOperation", ErrorMessage: denied,
		Principal: cairn.Principal{Type: "IAMUser", UserName: "<b>mallory</b>", ARN: "arn:aws:iam::111122223333:user/mallory", AccountID: "111122223333"},
		Resources: []cairn.ResourceRef{{ID: "i-0<img src=x>", Type: "AWS::EC2::Instance", Role: cairn.RoleCreated}},
		Raw:       []byte(raw),
	}
	if _, err := idx.Commit(ctx, &cairn.Batch{Events: []cairn.Event{ev}, Objects: []cairn.ObjectState{{Source: "test", Key: "k", Events: 1, Status: cairn.ObjectDone, IngestedAt: at}}}); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.DefaultConfig(), idx, testCreds, nil)
	srv.SetTour([]ui.TourStop{{Question: "Who launched i-0<img src=x>?", URL: "/resource/i-0%3Cimg%20src=x%3E"}})
	if set != nil {
		set(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// openEmptyIndex opens a new index in the test's folder, closed when the
// test ends.
func openEmptyIndex(t *testing.T) *duckdb.Index {
	t.Helper()
	cfg := duckdb.DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "index")
	idx, err := duckdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func newClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signedInSmall serves startSmall's index to a client signed in.
func signedInSmall(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	ts := startSmall(t)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	return ts, c
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login signs in with id and secret and returns the response to the POST.
func login(t *testing.T, c *http.Client, base, id, secret string) *http.Response {
	t.Helper()
	_, body := get(t, c, base+"/login")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the login form:\n%s", body)
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf": {m[1]}, "access_key_id": {id}, "secret_access_key": {secret}, "next": {"/events"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestLoginRequired(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	for _, p := range []string{"/", "/events", "/event/" + evilID, "/resource/i-1", "/cost", "/health"} {
		resp, _ := get(t, c, ts.URL+p)
		loc := resp.Header.Get("Location")
		if p == "/" {
			if resp.StatusCode != http.StatusSeeOther || loc != "/events" {
				t.Errorf("GET /: %d to %q, want a redirect to /events", resp.StatusCode, loc)
			}
			continue
		}
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("GET %s without a session: %d to %q, want a redirect to /login", p, resp.StatusCode, loc)
		}
	}
	// The APIs and healthz are untouched.
	resp, _ := get(t, c, ts.URL+"/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	resp, _ = get(t, c, ts.URL+"/api/v1/stats")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/api/v1/stats unsigned: %d, want 401", resp.StatusCode)
	}
	// A forged session cookie is no session.
	u, _ := url.Parse(ts.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "cairn_session", Value: "forged"}})
	if resp, _ := get(t, c, ts.URL+"/events"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged session: %d, want a redirect", resp.StatusCode)
	}
}

func TestLogin(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	for _, bad := range [][2]string{{"AKIDUITEST", "wrong"}, {"AKIDOTHER", "s3cret/ui+test"}, {"AKIDUITEST", ""}} {
		resp := login(t, c, ts.URL, bad[0], bad[1])
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("login %q/%q: %d, want 401", bad[0], bad[1], resp.StatusCode)
		}
		if r, _ := get(t, c, ts.URL+"/events"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after a refused login /events answers %d", r.StatusCode)
		}
	}
	// The secret is trimmed as the key ID is: a pasted one often ends in a
	// line break.
	resp := login(t, c, ts.URL, " AKIDUITEST ", " s3cret/ui+test\n")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/events" {
		t.Fatalf("good login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "cairn_session" {
			sc = ck
		}
	}
	// Lax, so that a link from another site opens the page it names.
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || len(sc.Value) < 32 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, a long random value", sc)
	}
	r, body := get(t, c, ts.URL+"/events")
	if r.StatusCode != http.StatusOK || !strings.Contains(body, evilID) {
		t.Fatalf("/events after login: %d\n%s", r.StatusCode, body)
	}
	for _, p := range []string{"/cost", "/health", "/event/" + evilID} {
		if r, body := get(t, c, ts.URL+p); r.StatusCode != http.StatusOK {
			t.Errorf("%s: %d\n%s", p, r.StatusCode, body)
		}
	}
	// A resource no event names is not found, and its why says so.
	if r, body := get(t, c, ts.URL+"/resource/i-1?at=2026-03-14T03:10:00Z"); r.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, "No event names this resource") || !strings.Contains(body, "no event names i-1") {
		t.Errorf("/resource/i-1: %d\n%s", r.StatusCode, body)
	}
	if _, body := get(t, c, ts.URL+"/cost"); !strings.Contains(body, "No cost report imported") {
		t.Errorf("/cost without a store does not say so")
	}
}

func TestCSRF(t *testing.T) {
	ts := startSmall(t)
	// The login form's token must come back.
	c := newClient(t)
	get(t, c, ts.URL+"/login")
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"csrf": {"guess"}, "access_key_id": {"AKIDUITEST"}, "secret_access_key": {"s3cret/ui+test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	// Logged in, a POST without the session's token is refused.
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	resp, err = c.PostForm(ts.URL+"/logout", url.Values{"csrf": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	if r, _ := get(t, c, ts.URL+"/events"); r.StatusCode != http.StatusOK {
		t.Fatalf("the refused logout ended the session: %d", r.StatusCode)
	}
	_, body := get(t, c, ts.URL+"/events")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	resp, err = c.PostForm(ts.URL+"/logout", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if r, _ := get(t, c, ts.URL+"/events"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout /events answers %d", r.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	for _, p := range []string{"/login", "/events", "/event/" + evilID, "/ui/static/style.css", "/nowhere"} {
		resp, _ := get(t, c, ts.URL+p)
		if got := resp.Header.Get("Content-Security-Policy"); got != ui.CSP {
			t.Errorf("%s: CSP %q, want %q", p, got, ui.CSP)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", p, resp.Header)
		}
	}
	if resp, _ := get(t, c, ts.URL+"/ui/static/app.js"); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("app.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The assets are served before signing in; a listing of them is not.
	if resp, body := get(t, c, ts.URL+"/ui/static/"); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "app.js") {
		t.Errorf("/ui/static/: %d\n%s", resp.StatusCode, body)
	}
	// The API keeps its own, stricter policy.
	resp, _ := get(t, c, ts.URL+"/api/v1/stats")
	if got := resp.Header.Get("Content-Security-Policy"); got == ui.CSP {
		t.Errorf("the API got the UI's CSP")
	}
}

func TestEscaping(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	for _, p := range []string{"/event/" + evilID, "/events", "/resource/" + url.PathEscape("i-0<img src=x>")} {
		_, body := get(t, c, ts.URL+p)
		for _, bad := range []string{"<script>alert", "<b>mallory", "<img src=x>"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %q is not escaped", p, bad)
			}
		}
		if p == "/event/"+evilID && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the raw record is not shown escaped:\n%s", p, body)
		}
		if p == "/event/"+evilID && (!strings.Contains(body, `id="denied-summary"`) || !strings.Contains(body, "No <strong>identity-based policy</strong> allows it: <code>ec2:RunInstances</code> on <code>&lt;img src=x&gt;</code>")) {
			t.Errorf("%s: the denial is not explained:\n%s", p, body)
		}
	}
	// A search term comes back escaped too.
	_, body := get(t, c, ts.URL+"/events?text="+url.QueryEscape(`"><script>x()</script>`))
	if strings.Contains(body, "<script>x()") {
		t.Errorf("the search form echoes markup")
	}
	// A read-only value that is neither true nor false is refused, not
	// taken for either.
	if _, body := get(t, c, ts.URL+"/events?readonly=maybe"); !strings.Contains(body, `Read-only: any, read-only or changes, not &#34;maybe&#34;`) || strings.Contains(body, "/event/"+evilID) {
		t.Errorf("readonly=maybe is not refused:\n%s", body)
	}
	// Quotes and a NUL in a filter are values to match, not SQL.
	for _, p := range []string{"/events?user=%00", "/events?user=a%27b", "/events?event=x%00y%27%3B--",
		"/events?user=%ff%fe", "/events?event=%c0%80", "/events?resource=%00%ff"} {
		if r, body := get(t, c, ts.URL+p); r.StatusCode != http.StatusOK || strings.Contains(body, "Error:") {
			t.Errorf("%s: %d\n%s", p, r.StatusCode, body)
		}
	}
}

// A quick range over an index whose newest event is older than the range
// ends at that event, and says so, rather than showing an empty page.
func TestQuickRangeEndsAtNewestEvent(t *testing.T) {
	ts, c := signedInSmall(t)
	_, body := get(t, c, ts.URL+"/events?since=24h")
	if !strings.Contains(body, `id="range-note"`) || !strings.Contains(body, "2026-03-14 03:10 UTC") {
		t.Errorf("no note that the range was moved:\n%s", body)
	}
	if !strings.Contains(body, "/event/"+evilID) {
		t.Errorf("the newest day's event is not listed")
	}
	// An absolute range is left as asked.
	_, body = get(t, c, ts.URL+"/events?since=2026-11-01")
	if strings.Contains(body, `id="range-note"`) || strings.Contains(body, "/event/"+evilID) {
		t.Errorf("an absolute range was moved")
	}
}

// A date alone as the end of a range means through that day, as on the
// command line: since and until of the event's date list it.
func TestUntilADateIsThroughThatDay(t *testing.T) {
	ts, c := signedInSmall(t)
	_, body := get(t, c, ts.URL+"/events?since=2026-03-14&until=2026-03-14")
	if !strings.Contains(body, "/event/"+evilID) {
		t.Errorf("the day's event is not listed for since and until of its date")
	}
	_, body = get(t, c, ts.URL+"/events?since=2026-03-13&until=2026-03-13")
	if strings.Contains(body, "/event/"+evilID) {
		t.Errorf("the next day's event is listed for the day before")
	}
}

// The tour greets a newcomer on the bare events page, escaped, and steps
// aside once they search.
func TestTourOnTheEventsPage(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	_, body := get(t, c, ts.URL+"/events")
	if !strings.Contains(body, `id="tour-h"`) || !strings.Contains(body, `href="/resource/i-0%3Cimg%20src=x%3E"`) {
		t.Errorf("no tour on the events page:\n%s", body)
	}
	// The summary ends at the newest event, not a second after it.
	if !strings.Contains(body, "to 2026-03-14 03:10:00Z, per") {
		t.Errorf("the summary's range does not end at the newest event")
	}
	if strings.Contains(body, "<img src=x>") {
		t.Errorf("a tour question is not escaped")
	}
	if _, body = get(t, c, ts.URL+"/events?user=alice"); strings.Contains(body, `id="tour-h"`) {
		t.Errorf("the tour shows over a search")
	}
}

// Guessing is slowed: after five failed sign-ins from one address, even the
// right secret is refused for a while, and said so.
func TestLoginFailuresAreLimited(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	for i := range 5 {
		if resp := login(t, c, ts.URL, "AKIDUITEST", "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed sign-in %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp := login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sign-in after five failures: %d, want 429", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/events"); resp.StatusCode == http.StatusOK {
		t.Fatal("a refused sign-in opened a session")
	}
}

// serveEvents serves an index of evs and signs a client in.
func serveEvents(t *testing.T, evs []cairn.Event) (*http.Client, *httptest.Server) {
	return serveBatch(t, &cairn.Batch{Events: evs, Objects: []cairn.ObjectState{{Source: "test", Key: "k", Events: len(evs), Status: cairn.ObjectDone, IngestedAt: evs[0].EventTime}}})
}

// serveBatch serves an index of one batch and signs a client in.
func serveBatch(t *testing.T, b *cairn.Batch) (*http.Client, *httptest.Server) {
	t.Helper()
	idx := openEmptyIndex(t)
	if _, err := idx.Commit(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.DefaultConfig(), idx, testCreds, nil).Handler())
	t.Cleanup(ts.Close)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	return c, ts
}

// describeBy is Auto Scaling describing an instance: a timeline entry.
func describeBy(id string, at time.Time, instance string) cairn.Event {
	raw := `{"eventVersion":"1.08","eventID":"` + id + `","eventTime":"` + at.Format(time.RFC3339) + `","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","recipientAccountId":"111122223333","userIdentity":{"type":"AWSService","invokedBy":"autoscaling.amazonaws.com"},"requestParameters":{"instancesSet":{"items":[{"instanceId":"` + instance + `"}]}}}`
	return cairn.Event{EventID: id, EventTime: at, EventVersion: "1.08", EventSource: "ec2.amazonaws.com", EventName: "DescribeInstances",
		RecipientAccountID: "111122223333", Principal: cairn.Principal{Type: "AWSService", InvokedBy: "autoscaling.amazonaws.com"},
		Resources: []cairn.ResourceRef{{ID: instance, Type: "AWS::EC2::Instance", Role: cairn.RoleRead}}, Raw: []byte(raw)}
}

// TestTimelineTableShowsTheNewest: a resource with more entries than the
// table shows gets its newest ones as rows, says so, and the strip's marks
// of the others link to their events.
func TestTimelineTableShowsTheNewest(t *testing.T) {
	start := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	var evs []cairn.Event
	for i := range 520 {
		evs = append(evs, describeBy(fmt.Sprintf("ev-busy-%04d", i), start.Add(time.Duration(i)*time.Minute), "i-0busy"))
	}
	c, ts := serveEvents(t, evs)
	_, body := get(t, c, ts.URL+"/resource/i-0busy")
	if n := strings.Count(body, `<tr id="entry-`); n != 500 || !strings.Contains(body, `id="entry-20"`) || strings.Contains(body, `id="entry-19"`) {
		t.Errorf("%d rows, want entries 20 to 519", n)
	}
	if !strings.Contains(body, `id="rows-note"`) || !strings.Contains(body, "the newest 500 of 520 entries") {
		t.Error("the page does not say it shows only the newest entries")
	}
	if !strings.Contains(body, `<a href="/event/ev-busy-0000" tabindex="-1" aria-label="2026-03-14T00:00:00Z DescribeInstances by autoscaling.amazonaws.com">`) ||
		!strings.Contains(body, `<a href="#entry-519" tabindex="-1" aria-label="`) {
		t.Error("the strip's marks do not link to the hidden entries' events and the shown entries' rows, out of the tab order")
	}
	// A keyboard goes through the table, not through 520 marks.
	if n := strings.Count(body, `<a href="#entry-`) + strings.Count(body, `<a href="/event/ev-busy-`) - strings.Count(body, `tabindex="-1"`); n != 500 {
		t.Errorf("%d links in the tab order among the marks and rows, want the table's 500", n)
	}
}

// TestResourceTimelineKeepsTheMomentInView: a resource too busy to show
// whole shows, with a moment explained, what led up to it and the day
// after, and says that later events exist; without one, its newest events;
// a quiet resource's history is whole either way.
func TestResourceTimelineKeepsTheMomentInView(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []cairn.Event
	add := func(resource string, n int, every time.Duration) {
		for i := range n {
			evs = append(evs, describeBy(fmt.Sprintf("ev-%s-%04d", resource, i), start.Add(time.Duration(i)*every), resource))
		}
	}
	add("i-0busy", 2100, time.Hour)
	add("i-0quiet", 30, 24*time.Hour)
	c, ts := serveEvents(t, evs)
	mark := func(id string) string { return `<a href="/event/` + id + `"` }

	at := start.Add(1000 * time.Hour).Format(time.RFC3339)
	_, body := get(t, c, ts.URL+"/resource/i-0busy?at="+url.QueryEscape(at))
	if !strings.Contains(body, "1,024 entries.") || !strings.Contains(body, mark("ev-i-0busy-0000")) || strings.Contains(body, "ev-i-0busy-1024") {
		t.Errorf("with a moment, the timeline is not every event up to a day after it (entries 0 to 1023)")
	}
	if !strings.Contains(body, `id="cut-note"`) || !strings.Contains(body, `<a href="/resource/i-0busy">the newest</a>`) {
		t.Error("the page does not say that later events exist")
	}

	_, body = get(t, c, ts.URL+"/resource/i-0busy")
	if !strings.Contains(body, "2,000 entries (truncated)") || !strings.Contains(body, `id="entry-1999"`) || strings.Contains(body, mark("ev-i-0busy-0099")) || strings.Contains(body, `id="cut-note"`) {
		t.Errorf("without a moment, the timeline is not the newest 2,000 events")
	}

	at = start.Add(10 * 24 * time.Hour).Format(time.RFC3339)
	_, body = get(t, c, ts.URL+"/resource/i-0quiet?at="+url.QueryEscape(at))
	if !strings.Contains(body, "30 entries.") || !strings.Contains(body, `id="entry-29"`) || strings.Contains(body, `id="cut-note"`) {
		t.Errorf("a quiet resource's history is not shown whole with a moment")
	}
}

// TestPagesSayWhileTheServerCatchesUp: until every source has been read
// whole once, each page says that it shows part of the trail.
func TestPagesSayWhileTheServerCatchesUp(t *testing.T) {
	srv := server.New(server.DefaultConfig(), openEmptyIndex(t), testCreds, nil)
	var catchingUp atomic.Bool
	catchingUp.Store(true)
	srv.SetCatchingUp(catchingUp.Load)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c := newClient(t)
	if _, body := get(t, c, ts.URL+"/login"); strings.Contains(body, `id="catching-up"`) {
		t.Errorf("the login page tells a stranger about the sources")
	}
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	for _, page := range []string{"/events", "/health"} {
		if _, body := get(t, c, ts.URL+page); !strings.Contains(body, `id="catching-up"`) {
			t.Errorf("%s does not say the server is catching up", page)
		}
	}
	catchingUp.Store(false)
	if _, body := get(t, c, ts.URL+"/events"); strings.Contains(body, `id="catching-up"`) {
		t.Errorf("the notice stays once the sources are read")
	}
}

// TestEventRawIsTheRecordAsReceived: the event page indents the record for
// reading and links to it as received, byte for byte, for a ticket.
func TestEventRawIsTheRecordAsReceived(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	_, page := get(t, c, ts.URL+"/event/"+evilID)
	if !strings.Contains(page, `href="/event/`+evilID+`/raw"`) {
		t.Errorf("the event page does not link to its raw record")
	}
	resp, body := get(t, c, ts.URL+"/event/"+evilID+"/raw")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `{"eventVersion":"1.08","eventID":"`+evilID+`",`) ||
		strings.Count(body, "\n") != 1 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("raw record: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	if resp, _ := get(t, c, ts.URL+"/event/no-such-event/raw"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("raw record of no event: %d", resp.StatusCode)
	}
}

// TestServiceAndEventAsTheCommandLineTakesThem: the search form reads a
// service and an event as cairn search does: EC2 or ec2 is
// ec2.amazonaws.com, ec2:RunInstances (as tables show it) is a service and
// an event, and an application's source without a dot finds its events.
func TestServiceAndEventAsTheCommandLineTakesThem(t *testing.T) {
	at := time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)
	app := cairn.Event{EventID: "ev-app-1", EventTime: at, EventVersion: "1.09", EventSource: "myapp", EventName: "DeleteInvoice",
		RecipientAccountID: "111122223333", Principal: cairn.Principal{Type: "IAMUser", UserName: "alice"},
		Raw: []byte(`{"eventVersion":"1.09","eventID":"ev-app-1","eventTime":"2026-03-14T03:00:00Z","eventSource":"myapp","eventName":"DeleteInvoice","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"alice"}}`)}
	c, ts := serveEvents(t, []cairn.Event{describeBy("ev-ec2-1", at, "i-0abc"), app})
	for _, c2 := range []struct{ query, want, not string }{
		{"service=EC2", "ev-ec2-1", "ev-app-1"},
		{"service=ec2", "ev-ec2-1", "ev-app-1"},
		{"event=ec2:DescribeInstances", "ev-ec2-1", "ev-app-1"},
		{"event=ec2%3ADescribeInstances&service=ec2.amazonaws.com", "ev-ec2-1", "ev-app-1"},
		{"service=myapp", "ev-app-1", "ev-ec2-1"},
		{"event=myapp:DeleteInvoice", "ev-app-1", "ev-ec2-1"},
	} {
		resp, body := get(t, c, ts.URL+"/events?"+c2.query)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/event/"+c2.want) || strings.Contains(body, "/event/"+c2.not) {
			t.Errorf("/events?%s: %d, want %s alone", c2.query, resp.StatusCode, c2.want)
		}
	}
	if _, body := get(t, c, ts.URL+"/events?event=ec2:DescribeInstances&service=s3"); !strings.Contains(body, "name different services") {
		t.Errorf("an event of another service than the one given is not refused")
	}
}

// TestInsightsPageSaysWhatItSearched: the Insights page names the range it
// searched, by default the 90 days before the newest event, says when that
// range holds no events, and links to a search from the oldest event when
// older events are left out.
func TestInsightsPageSaysWhatItSearched(t *testing.T) {
	march := time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)
	august := time.Date(2026, 8, 20, 12, 0, 0, 0, time.UTC)
	c, ts := serveEvents(t, []cairn.Event{describeBy("ev-march", march, "i-0abc"), describeBy("ev-august", august, "i-0abc")})
	text := func(body string) string { return strings.Join(strings.Fields(body), " ") }
	_, body := get(t, c, ts.URL+"/insights")
	body = text(body)
	for _, want := range []string{
		"Searched: what began in the 90 days before the newest CloudTrail record, from 2026-05-22.",
		"No unusual activity in the 90 days before the newest CloudTrail record, from 2026-05-22:",
		`<a href="/insights?since=2026-03-14">Look further back, from the oldest event, 2026-03-14</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/insights does not say %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "everything indexed") {
		t.Errorf("/insights says it searched everything indexed")
	}
	_, body = get(t, c, ts.URL+"/insights?since=2026-11-01")
	body = text(body)
	if !strings.Contains(body, "No events in this range (from 2026-11-01)") || !strings.Contains(body, `href="/insights?since=2026-03-14"`) {
		t.Errorf("/insights?since=2026-11-01 does not say the range holds no events:\n%s", body)
	}
	_, body = get(t, c, ts.URL+"/insights?since=2026-03-01&until=2026-03-31")
	if body = text(body); !strings.Contains(body, "No unusual activity from 2026-03-01 through 2026-03-31:") || strings.Contains(body, "Look further back") {
		t.Errorf("/insights of March does not say its range:\n%s", body)
	}
	empty := httptest.NewServer(server.New(server.DefaultConfig(), openEmptyIndex(t), testCreds, nil).Handler())
	t.Cleanup(empty.Close)
	c = newClient(t)
	login(t, c, empty.URL, "AKIDUITEST", "s3cret/ui+test")
	if _, body = get(t, c, empty.URL+"/insights?since=30d"); !strings.Contains(body, "No events in this range") {
		t.Errorf("/insights?since=30d of an empty index does not say it holds no events:\n%s", body)
	}
}

// TestActivityOverYears: the events page's chart of a range of years draws
// a bar for every week that has events, its labels with their years.
func TestActivityOverYears(t *testing.T) {
	var evs []cairn.Event
	for i, d := 0, time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); i, d = i+1, d.AddDate(0, 3, 0) {
		evs = append(evs, describeBy(fmt.Sprintf("ev-q-%02d", i), d, "i-0abc"))
	}
	c, ts := serveEvents(t, evs)
	_, body := get(t, c, ts.URL+"/events?since=2020-01-01")
	if n := strings.Count(body, `<rect class="bar"`); n != len(evs) || !strings.Contains(body, "per week") || !strings.Contains(body, "week of Jan 27 2020") {
		t.Errorf("/events?since=2020-01-01: %d bars per week, the first of Jan 27 2020, want %d:\n%s", n, len(evs), body)
	}
}

// TestRefusalsLinkSelectsWhatItCounts: a denied call's page counts the
// identity's refusals of the action in a span, and links to those calls
// alone, not to every failure of the identity.
func TestRefusalsLinkSelectsWhatItCounts(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	_, body := get(t, c, ts.URL+"/event/"+evilID)
	m := regexp.MustCompile(`Refused 1 time from 2026-03-07 03:10:00Z to 2026-03-21 03:10:00Z: <a id="refusals" href="([^"]+)">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the event page does not count the refusals in their span:\n%s", body)
	}
	link, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"user": {"arn:aws:iam::111122223333:user/mallory"}, "service": {"ec2.amazonaws.com"}, "event": {"RunInstances"},
		"error": {"Client.UnauthorizedOperation"}, "since": {"2026-03-07T03:10:00Z"}, "until": {"2026-03-21T03:10:00Z"}}
	if link.Path != "/events" || link.RawQuery != want.Encode() {
		t.Errorf("the refusals link is %s, want /events?%s", link, want.Encode())
	}
	if _, body := get(t, c, ts.URL+link.String()); !strings.Contains(body, "/event/"+evilID) {
		t.Errorf("the refusals link does not list the refusal")
	}
}

// TestRoutesAnswerWhatTheyAreAsked: an empty resource, a method a page does
// not take, a GET of /logout (which signs no one out), /login while signed
// in and the favicon each get a proper answer.
func TestRoutesAnswerWhatTheyAreAsked(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	if resp, _ := get(t, c, ts.URL+"/favicon.ico"); resp.StatusCode != http.StatusNoContent {
		t.Errorf("/favicon.ico: %d, want 204", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/ui/static/favicon.svg"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon.svg: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := get(t, c, ts.URL+"/logout"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("GET /logout signed out: %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	if resp, body := get(t, c, ts.URL+"/resource/"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No resource was named") {
		t.Errorf("/resource/: %d\n%s", resp.StatusCode, body)
	}
	resp, err := c.PostForm(ts.URL+"/events", url.Values{"user": {"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /events: %d, Allow %q; want 405, GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, body := get(t, c, ts.URL+"/logout")
	if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`<form method="post" action="/logout">\s*<input type="hidden" name="csrf"`).MatchString(body) {
		t.Errorf("GET /logout: %d, want a page with a sign-out form\n%s", resp.StatusCode, body)
	}
	if resp, _ := get(t, c, ts.URL+"/events"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /logout signed the user out: /events answers %d", resp.StatusCode)
	}
	for next, want := range map[string]string{"": "/events", "?next=%2Fhealth": "/health", "?next=https%3A%2F%2Fevil.example": "/events"} {
		if resp, _ := get(t, c, ts.URL+"/login"+next); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("/login%s signed in: %d to %q, want %s", next, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

// TestResourcePageSaysANameStandsForSeveral: a database name used in two
// regions is two databases; the page says its timeline holds both.
func TestResourcePageSaysANameStandsForSeveral(t *testing.T) {
	at := time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)
	var evs []cairn.Event
	for i, region := range []string{"us-east-1", "eu-west-1"} {
		id := fmt.Sprintf("ev-db-%d", i)
		raw := `{"eventVersion":"1.08","eventID":"` + id + `","eventTime":"2026-03-14T03:10:00Z","eventSource":"rds.amazonaws.com","eventName":"CreateDBInstance","awsRegion":"` + region + `","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"dana","arn":"arn:aws:iam::111122223333:user/dana"},"requestParameters":{"dBInstanceIdentifier":"orders-db"}}`
		evs = append(evs, cairn.Event{EventID: id, EventTime: at.Add(time.Duration(i) * time.Minute), EventVersion: "1.08", EventSource: "rds.amazonaws.com", EventName: "CreateDBInstance",
			AWSRegion: region, RecipientAccountID: "111122223333", Principal: cairn.Principal{Type: "IAMUser", UserName: "dana", ARN: "arn:aws:iam::111122223333:user/dana", AccountID: "111122223333"},
			Resources: []cairn.ResourceRef{{ID: "orders-db", Type: "AWS::RDS::DBInstance", Role: cairn.RoleCreated}}, Raw: []byte(raw)})
	}
	c, ts := serveBatch(t, &cairn.Batch{Events: evs, Objects: []cairn.ObjectState{{Source: "test", Key: "k", Events: 2, Status: cairn.ObjectDone, IngestedAt: at}}})
	_, body := get(t, c, ts.URL+"/resource/orders-db")
	if !strings.Contains(body, `id="places-note"`) || !strings.Contains(body, "111122223333 eu-west-1, 111122223333 us-east-1") {
		t.Errorf("no note that the name stands for two databases:\n%s", body)
	}
}

// TestHealthSaysWhenNothingArrives: the small index's one event is months
// old, which the health page says, as a trail that stopped.
func TestHealthSaysWhenNothingArrives(t *testing.T) {
	ts := startSmallWith(t, func(s *server.Server) { s.SetTour(nil) })
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	_, body := get(t, c, ts.URL+"/health")
	if !strings.Contains(body, `id="stale"`) || !strings.Contains(body, "nothing newer has arrived since 2026-03-14 03:10 UTC") {
		t.Errorf("no word that nothing arrives:\n%s", body)
	}
	// The demo's month is over by design: its page says so.
	ts, c = signedInSmall(t)
	_, body = get(t, c, ts.URL+"/health")
	if !strings.Contains(body, "the demo&#39;s simulated organisation, whose month ended on 2026-03-14 03:10 UTC") {
		t.Errorf("the demo's health page reads as a broken trail:\n%s", body)
	}
}

// TestTopPrincipalsLinkToTheirEvents: a principal at a glance is a link to
// its events, as in the results, so that the busiest identity is a click
// from what it did.
func TestTopPrincipalsLinkToTheirEvents(t *testing.T) {
	ts, c := signedInSmall(t)
	_, body := get(t, c, ts.URL+"/events")
	i, j := strings.Index(body, "Top principals"), strings.Index(body, "Top events")
	if i < 0 || j < i {
		t.Fatalf("no glance on the events page:\n%s", body)
	}
	link := regexp.MustCompile(`href="(/principal\?name=[^"]+)"`).FindStringSubmatch(body[i:j])
	if link == nil {
		t.Fatalf("the top principal is not a link:\n%s", body[i:j])
	}
	resp, _ := get(t, c, ts.URL+html.UnescapeString(link[1]))
	to := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, "/events?user=") {
		t.Fatalf("%s: %d to %q", link[1], resp.StatusCode, to)
	}
	// The one IAM user of that name is searched by its ARN.
	if want := "/events?user=" + url.QueryEscape("arn:aws:iam::111122223333:user/mallory"); to != want {
		t.Errorf("%s goes to %s, want %s", link[1], to, want)
	}
	_, found := get(t, c, ts.URL+to)
	if !strings.Contains(found, "/event/"+evilID) {
		t.Errorf("%s does not list the principal's event", to)
	}
}

// TestHealthNamesAFailingSource: a source whose rounds fail says so on the
// health page, with its error, whether or not it gave anything before.
func TestHealthNamesAFailingSource(t *testing.T) {
	since := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
	ts := startSmallWith(t, func(s *server.Server) {
		s.SetSourceFailures(func() map[string]ui.SourceFailure {
			return map[string]ui.SourceFailure{
				"test":         {Err: "list s3://trail: connection refused", Since: since, Last: since.Add(time.Minute)},
				"s3://neverup": {Err: "list s3://neverup: NoSuchBucket", Since: since, Last: since},
			}
		})
	})
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	_, body := get(t, c, ts.URL+"/health")
	for _, want := range []string{
		"Reading this source fails, since 2026-11-27 05:00:00Z (last tried 2026-11-27 05:01:00Z): list s3://trail: connection refused",
		"<code>s3://neverup</code>", "list s3://neverup: NoSuchBucket",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the health page does not say %q:\n%s", want, body)
		}
	}
}

// TestGlanceLinksKeepTheSearch: the glance counts over the page's search,
// so its links narrow that search instead of starting a new one.
func TestGlanceLinksKeepTheSearch(t *testing.T) {
	ts, c := signedInSmall(t)
	_, body := get(t, c, ts.URL+"/events?error=any")
	i := strings.Index(body, "Top principals")
	if i < 0 {
		t.Fatalf("no glance:\n%s", body)
	}
	links := regexp.MustCompile(`href="(/(?:events|principal)\?[^"]+)"`).FindAllStringSubmatch(body[i:], 2)
	if len(links) != 2 {
		t.Fatalf("glance links: %v", links)
	}
	for _, l := range links {
		link := html.UnescapeString(l[1])
		if !strings.Contains(link, "error=any") {
			t.Errorf("%s drops the page's error=any", link)
		}
		if strings.HasPrefix(link, "/principal") {
			resp, _ := get(t, c, ts.URL+link)
			if to := resp.Header.Get("Location"); !strings.Contains(to, "error=any") || !strings.Contains(to, "user=") {
				t.Errorf("%s goes to %q", link, to)
			}
		}
	}
}

// TestEventNameInAnotherCase: an event name typed in another case finds
// the stored one's events; one mistyped links to the names near it.
func TestEventNameInAnotherCase(t *testing.T) {
	ts, c := signedInSmall(t)
	if _, body := get(t, c, ts.URL+"/events?event=runinstances"); !strings.Contains(body, "/event/"+evilID) {
		t.Errorf("event=runinstances does not list RunInstances:\n%s", body)
	}
	// Mistyped, with its service: the names near it, linked with the service kept.
	_, body := get(t, c, ts.URL+"/events?event=ec2:RunInstance")
	if !strings.Contains(body, "No events have the event name RunInstance; event names like it: ") ||
		!strings.Contains(body, `href="/events?event=ec2%3ARunInstances">RunInstances</a>`) {
		t.Errorf("event=ec2:RunInstance does not link RunInstances:\n%s", body)
	}
}

// TestUserInAnotherCase: a user typed in another case finds the stored
// name's events, as on the command line, and part of a name lists the
// users whose names contain it.
func TestUserInAnotherCase(t *testing.T) {
	ts, c := signedInSmall(t)
	resp, _ := get(t, c, ts.URL+"/events?user="+url.QueryEscape("<B>Mallory</B>"))
	to := resp.Header.Get("Location")
	if u, err := url.Parse(to); err != nil || u.Query().Get("user") != "<b>mallory</b>" {
		t.Fatalf("user=<B>Mallory</B> goes to %q, want the stored name's search", to)
	}
	if _, body := get(t, c, ts.URL+to); !strings.Contains(body, "/event/"+evilID) {
		t.Errorf("%s does not list mallory's event:\n%s", to, body)
	}
	_, body := get(t, c, ts.URL+"/events?user=mall")
	if !strings.Contains(body, `id="similar-users"`) || !strings.Contains(body, "user=%3Cb%3Emallory%3C%2Fb%3E") ||
		!strings.Contains(body, "&lt;b&gt;mallory&lt;/b&gt;</a>") {
		t.Errorf("user=mall does not link the user whose name contains it:\n%s", body)
	}
}

// TestWhoOfEveryIdentity: the event page says in words who made the call,
// for the identities whose records name little.
func TestWhoOfEveryIdentity(t *testing.T) {
	identities := map[string]string{
		"ev-who-root":      `"userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}`,
		"ev-who-anonymous": `"userIdentity":{"type":"AWSAccount","principalId":"","accountId":"anonymous"}`,
		"ev-who-unknown":   `"userIdentity":{"type":"Unknown"}`,
		"ev-who-none":      `"eventType":"AwsServiceEvent"`,
		"ev-who-hidden":    `"userIdentity":{"type":"IAMUser","accountId":"111122223333","principalId":"AIDAEXAMPLE","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"}`,
	}
	want := map[string]string{
		"ev-who-root":      "111122223333 (root)</a>: the root user of account 111122223333.",
		"ev-who-anonymous": "anonymous</a>: an unauthenticated request, made without credentials.",
		"ev-who-unknown":   ": an identity CloudTrail does not name (type Unknown).",
		"ev-who-none":      "No identity: the record names none, as an AWS service's own events do.",
		"ev-who-hidden":    ": a user name CloudTrail hides, as it does when the name typed at sign-in was not a user's.",
	}
	var evs []cairn.Event
	for id, ident := range identities {
		raw := `{"eventVersion":"1.08","eventID":"` + id + `","eventTime":"2026-03-14T03:10:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","recipientAccountId":"111122223333",` + ident + `}`
		ev, err := cloudtrail.Decode([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	c, ts := serveEvents(t, evs)
	for id, line := range want {
		if _, body := get(t, c, ts.URL+"/event/"+id); !strings.Contains(body, line) {
			i := strings.Index(body, `<p class="who-line">`)
			t.Errorf("%s: want %q in the who line:\n%s", id, line, body[max(i, 0):min(len(body), max(i, 0)+400)])
		}
	}
}

// TestHealthNamesFilesReadInPart: a file some of whose records were left
// out is counted and named on the health page with what was left out, as a
// quarantined one is.
func TestHealthNamesFilesReadInPart(t *testing.T) {
	at := time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)
	ev := cairn.Event{EventID: "e-1", EventTime: at, EventSource: "ec2.amazonaws.com", EventName: "DescribeInstances",
		RecipientAccountID: "111122223333", Raw: []byte(`{"eventID":"e-1","eventTime":"2026-03-14T03:10:00Z"}`)}
	reason := cairn.ReadInPartNote + `record 2 (offset 40) has an unusable eventTime "<b>soon</b>", so it was left out; the other record was read`
	objs := []cairn.ObjectState{
		{Source: "file:///trail", Key: "exports/day.jsonl", Events: 1, Status: cairn.ObjectDone, Reason: reason, IngestedAt: at},
		{Source: "file:///trail", Key: "exports/other.jsonl", Status: cairn.ObjectDone, Reason: "read again: its modification time changed", IngestedAt: at},
	}
	c, ts := serveBatch(t, &cairn.Batch{Events: []cairn.Event{ev}, Objects: objs})
	_, body := get(t, c, ts.URL+"/health")
	for _, want := range []string{"2 objects read (<span class=\"bad\">1 of them in part</span>)", "object read in part",
		"exports/day.jsonl", "has an unusable eventTime &#34;&lt;b&gt;soon&lt;/b&gt;&#34;, so it was left out"} {
		if !strings.Contains(body, want) {
			t.Errorf("the health page does not say %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "exports/other.jsonl") {
		t.Errorf("a file read whole is named as read in part:\n%s", body)
	}
}

// TestSignInAgain: a refused sign-in keeps the key ID, so that only the
// secret is typed again, and marks the fields; a session the server no
// longer holds is said to have ended, not met with a bare sign-in page.
func TestSignInAgain(t *testing.T) {
	ts := startSmall(t)
	c := newClient(t)
	_, form := get(t, c, ts.URL+"/login")
	m := csrfRE.FindStringSubmatch(form)
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"csrf": {m[1]}, "access_key_id": {" AKIDUITEST "}, "secret_access_key": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if !strings.Contains(body, `value="AKIDUITEST"`) || !strings.Contains(body, `aria-invalid="true"`) || strings.Contains(body, "wrong") {
		t.Errorf("a refused sign-in's form:\n%s", body)
	}

	c.Jar.SetCookies(mustURL(t, ts.URL), []*http.Cookie{{Name: "cairn_session", Value: "from-before-a-restart"}})
	resp, _ = get(t, c, ts.URL+"/events?user=mallory")
	to := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(to, "ended=1") {
		t.Fatalf("a stale session: %d to %q", resp.StatusCode, to)
	}
	if _, page := get(t, c, ts.URL+to); !strings.Contains(page, `id="login-note"`) || !strings.Contains(page, "Your session has ended") {
		t.Errorf("no word that the session ended:\n%s", page)
	}
	if _, page := get(t, newClient(t), ts.URL+"/login"); strings.Contains(page, "login-note") {
		t.Errorf("a first sign-in says a session ended:\n%s", page)
	}
}

// TestSearchIsNamedByWhatItAsks: a search's title and heading say what it
// asks, so that one tab or history entry is told from another.
func TestSearchIsNamedByWhatItAsks(t *testing.T) {
	ts, c := signedInSmall(t)
	_, body := get(t, c, ts.URL+"/events?event=RunInstances&error=any")
	for _, want := range []string{"<title>Events: event name RunInstances, error any · cairn</title>", "<h1>Events: event name RunInstances, error any</h1>", `href="#results-h"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in:\n%s", want, body)
		}
	}
	if _, body = get(t, c, ts.URL+"/events?user=nobody-at-all"); strings.Contains(body, "glance-h") {
		t.Errorf("a search that found nothing shows an empty glance:\n%s", body)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestWhoLinksToTheirEvents: the one who made a call, in a resource's cause
// and timeline, is a link to their events, as a principal is in the
// results; a service that acted is not.
func TestWhoLinksToTheirEvents(t *testing.T) {
	at := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	dana := "arn:aws:iam::111122223333:user/dana"
	raw := `{"eventVersion":"1.08","eventID":"ev-reboot","eventTime":"2026-03-14T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RebootInstances","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"dana","arn":"` + dana + `"},"requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0r"}]}}}`
	reboot := cairn.Event{EventID: "ev-reboot", EventTime: at, EventVersion: "1.08", EventSource: "ec2.amazonaws.com", EventName: "RebootInstances",
		RecipientAccountID: "111122223333", Principal: cairn.Principal{Type: "IAMUser", UserName: "dana", ARN: dana, AccountID: "111122223333"},
		Resources: []cairn.ResourceRef{{ID: "i-0r", Type: "AWS::EC2::Instance", Role: cairn.RoleStateChanged}}, Raw: []byte(raw)}
	c, ts := serveEvents(t, []cairn.Event{describeBy("ev-describe", at.Add(-time.Hour), "i-0r"), reboot})
	_, body := get(t, c, ts.URL+"/resource/i-0r?at="+url.QueryEscape(at.Add(time.Minute).Format(time.RFC3339)))
	link := `<a href="/events?user=arn%3aaws%3aiam%3a%3a111122223333%3auser%2fdana">dana</a>` // as html/template escapes it
	if !strings.Contains(body, "by <strong>"+link+"</strong>") || strings.Count(body, link) < 2 {
		t.Errorf("dana is not a link to her events in the cause and the timeline:\n%s", body)
	}
	if strings.Contains(body, `?user=autoscaling`) {
		t.Errorf("a service is a link to a user's events:\n%s", body)
	}
}
