package ui

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/investigate"
)

const pageSize = 50

// searchFields are the /events query parameters, named as `cairn search`'s
// flags, in the form's order.
var searchFields = []struct{ Name, Label, Hint string }{
	{"user", "User", "name, session, ARN"},
	{"event", "Event name", "e.g. RunInstances"},
	{"service", "Service", "e.g. ec2 or s3.amazonaws.com"},
	{"resource", "Resource", "ID or ARN"},
	{"access-key", "Access key", "AKIA… / ASIA…"},
	{"ip", "Source IP", "address"},
	{"account", "Account", "12 digits"},
	{"region", "Region", "e.g. eu-west-1"},
	{"error", "Error", "a code, or any"},
	{"text", "Text", "substring of the record"},
}

// eventsTitle names a search by what it asks, so that tabs, history and a
// screen reader's announcement tell one search from another.
func eventsTitle(q url.Values) string {
	var asked []string
	for _, f := range searchFields {
		if v := strings.TrimSpace(q.Get(f.Name)); v != "" {
			asked = append(asked, strings.ToLower(f.Label)+" "+v)
		}
	}
	if len(asked) == 0 {
		return "Events"
	}
	return "Events: " + strings.Join(asked, ", ")
}

// filterOf reads the search form. bare is the service as given when it
// has no dot, for cairn.WithBareSource.
func filterOf(q url.Values, now time.Time) (f cairn.Filter, bare string, errs []string) {
	f.User = strings.TrimSpace(q.Get("user"))
	bare, err := f.SetEventService(q.Get("event"), q.Get("service"))
	if err != nil {
		errs = append(errs, err.Error())
	}
	f.ResourceID = strings.TrimSpace(q.Get("resource"))
	f.AccessKeyID = strings.TrimSpace(q.Get("access-key"))
	f.SourceIP = strings.TrimSpace(q.Get("ip"))
	f.Account = strings.TrimSpace(q.Get("account"))
	f.Region = strings.TrimSpace(q.Get("region"))
	f.ErrorCode = strings.TrimSpace(q.Get("error"))
	f.Text = q.Get("text")
	switch v := q.Get("readonly"); v {
	case "":
	case "true":
		f.ReadOnly = cairn.BoolTrue
	case "false":
		f.ReadOnly = cairn.BoolFalse
	default:
		errs = append(errs, fmt.Sprintf("Read-only: any, read-only or changes, not %q", v))
	}
	if v := q.Get("since"); v != "" {
		if f.Since, err = cairn.ParseTime(v, now); err != nil {
			errs = append(errs, "Since: "+err.Error())
		}
	}
	if v := q.Get("until"); v != "" {
		if f.Until, err = cairn.ParseUntil(v, now); err != nil {
			errs = append(errs, "Until: "+err.Error())
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		errs = append(errs, "Since must be before Until.")
	}
	return f, bare, errs
}

func encodeCursor(c cairn.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.EventTime.UTC().Format(time.RFC3339Nano) + "|" + c.Key))
}

func decodeCursor(s string) (cairn.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cairn.Cursor{}, err
	}
	ts, key, ok := strings.Cut(string(b), "|")
	if !ok {
		return cairn.Cursor{}, errors.New("bad cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	return cairn.Cursor{EventTime: t, Key: key}, err
}

type glance struct {
	From, To time.Time
	// Shown is To as the page says it: the newest event's time when the
	// range runs to the newest event (To is then a second later, as the
	// range's end is exclusive).
	Shown      time.Time
	Unit       chartUnit
	Chart      template.HTML
	Principals []countRow
	Events     []countRow
	Total      int64
	Errors     int64
}

type countRow struct {
	Key   string
	Count int64
	// Link is the events it counts: the page's search narrowed to it.
	Link string
}

// link sets the rows' links: the search q, which the glance counted over,
// narrowed to the row's event or principal.
func (g *glance) link(q url.Values) {
	narrowed := func(path, key, value string) string {
		v := cloneValues(q)
		v.Del("after")
		v.Set(key, value)
		return path + "?" + v.Encode()
	}
	for i := range g.Events {
		g.Events[i].Link = narrowed("/events", "event", g.Events[i].Key)
	}
	for i := range g.Principals {
		g.Principals[i].Link = narrowed("/principal", "name", g.Principals[i].Key)
	}
}

// principal sends a top principal's link (/principal?name=) on to the
// events of the identities the glance counted under that display name:
// their user search is found when the link is followed, as reading the
// identities' columns in the glance's scan took the whole month's events
// page from 237 to 300 ms or more over 2,000,000 events.
func (u *UI) principal(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.URL.Query().Get("name")
	user := userOfName(name)
	t, err := u.cfg.Index.Query(r.Context(), "SELECT min(principalKey), max(principalKey) FROM events WHERE principal = "+cairn.SQLString(name))
	if err == nil && len(t.Rows) == 1 {
		user = userOf(name, cairn.CellText(t.Rows[0][0]), cairn.CellText(t.Rows[0][1]))
	}
	if user == "" {
		u.fail(w, r, s, http.StatusNotFound, "No user search finds the events of "+oneLine(name)+": it names an account or nothing, not an identity.", nil)
		return
	}
	// The events page's other fields, which the glance counted over, go on.
	q := cloneValues(r.URL.Query())
	q.Del("name")
	q.Set("user", user)
	http.Redirect(w, r, "/events?"+q.Encode(), http.StatusSeeOther)
}

// userOf is the user search that finds the events the glance counts for
// a display name (cairn.Principal.Name), given the least and greatest of
// their principal keys (cairn.Principal.Key). One identity is found by its
// key; a name that several share (a session name in several accounts) by
// the name.
func userOf(name, leastKey, greatestKey string) string {
	if leastKey != "" && leastKey == greatestKey {
		return cairn.UserOfKey(leastKey)
	}
	return userOfName(name)
}

// userOfName is the user search that finds the events of principals
// shown by one display name: the session or user before a role or
// "(root)" in brackets, a user's or a service's name as it is.
func userOfName(name string) string {
	switch {
	case name == "(none)" || strings.HasPrefix(name, "account "):
		return ""
	case strings.HasSuffix(name, " (root)"):
		return cairn.RootUser
	}
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		return name[:i]
	}
	return name
}

func (u *UI) events(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	q := r.URL.Query()
	now := u.cfg.Now()
	f, bare, errs := filterOf(q, now)
	var after cairn.Cursor
	if v := q.Get("after"); v != "" {
		var err error
		if after, err = decodeCursor(v); err != nil {
			errs = append(errs, "the next-page link is damaged; start the search again")
		}
	}
	page := map[string]any{"Title": eventsTitle(q), "Fields": searchFields, "Q": q, "Errors": errs}
	if len(q) == 0 {
		page["Tour"] = u.cfg.Tour()
	}
	if len(errs) == 0 && q.Get("until") == "" && after.IsZero() {
		if note := u.anchorRange(ctx, &f, q.Get("since")); note != "" {
			page["RangeNote"] = note
		}
	}
	if len(errs) == 0 {
		var err error
		var res cairn.Page
		var gl *glance
		search := func(f cairn.Filter) error {
			g, gctx := errgroup.WithContext(ctx)
			g.Go(func() (err error) {
				res, err = u.cfg.Index.Search(gctx, f, after, pageSize)
				return err
			})
			if after.IsZero() {
				g.Go(func() (err error) {
					gl, err = u.glance(gctx, f)
					return err
				})
			}
			return g.Wait()
		}
		if f, err = cairn.WithBareSource(ctx, u.cfg.Index, f, bare); err == nil {
			err = search(f)
		}
		// An event name or error code typed in another case is looked up
		// only when it found nothing, so that every other search costs
		// nothing more.
		if err == nil && len(res.Events) == 0 {
			var stored cairn.Filter
			if stored, err = cairn.WithStoredNames(ctx, u.cfg.Index, f); err == nil && stored != f {
				err = search(stored)
			}
		}
		if err == nil && len(res.Events) == 0 && after.IsZero() {
			page["NamesNear"], err = u.namesNear(ctx, q, f)
		}
		// A user typed in another case is the stored name's search, as on
		// the command line; part of a name lists the names that contain it.
		if err == nil && len(res.Events) == 0 && f.User != "" && after.IsZero() {
			var same string
			var similar []string
			if same, similar, err = cairn.UsersLike(ctx, u.cfg.Index, f.User); err == nil && same != "" && same != f.User {
				sq := cloneValues(q)
				sq.Set("user", same)
				http.Redirect(w, r, "/events?"+sq.Encode(), http.StatusSeeOther)
				return
			}
			var links []map[string]string
			for _, name := range similar {
				sq := cloneValues(q)
				sq.Set("user", name)
				links = append(links, map[string]string{"Name": name, "URL": "/events?" + sq.Encode()})
			}
			page["SimilarUsers"] = links
		}
		if err != nil {
			u.fail(w, r, s, http.StatusInternalServerError, "The search failed: "+oneLine(err.Error()), err)
			return
		}
		page["Events"] = res.Events
		if gl != nil {
			gl.link(q)
		}
		page["Glance"] = gl
		if !res.Next.IsZero() {
			nq := cloneValues(q)
			nq.Set("after", encodeCursor(res.Next))
			page["Next"] = "/events?" + nq.Encode()
		}
		if !after.IsZero() {
			fq := cloneValues(q)
			fq.Del("after")
			page["First"] = "/events?" + fq.Encode()
		}
	}
	// Quick ranges keep the other filters.
	var ranges []map[string]string
	for _, d := range []string{"1h", "24h", "7d", "30d"} {
		rq := cloneValues(q)
		rq.Del("after")
		rq.Del("until")
		rq.Set("since", d)
		ranges = append(ranges, map[string]string{"Label": d, "URL": "/events?" + rq.Encode(), "Current": strconv.FormatBool(q.Get("since") == d)})
	}
	page["Ranges"] = ranges
	u.render(w, r, http.StatusOK, "events", s, page)
}

// namesNear links, for a search that found nothing, to the searches by the
// stored event names and error codes near those it asked for, when the
// index holds none by the names given.
func (u *UI) namesNear(ctx context.Context, q url.Values, f cairn.Filter) ([]map[string]any, error) {
	mistyped, err := cairn.MistypedNames(ctx, u.cfg.Index, f)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, m := range mistyped {
		field := "error"
		if m.Column == cairn.EventNames {
			field = "event"
		}
		var links []map[string]string
		for _, name := range m.Near {
			nq := cloneValues(q)
			value := name
			if svc, _, ok := strings.Cut(q.Get(field), ":"); ok && field == "event" {
				value = strings.TrimSpace(svc) + ":" + name // ec2:RunInstance keeps its service
			}
			nq.Set(field, value)
			links = append(links, map[string]string{"Name": name, "URL": "/events?" + nq.Encode()})
		}
		out = append(out, map[string]any{"What": m.What, "Typed": m.Typed, "Links": links})
	}
	return out, nil
}

// anchorRange moves a range given as a span back from now ("24h", "7d")
// to end at the newest event when nothing has arrived within it: an
// archive imported once, or a server that stopped ingesting, then shows its
// last day instead of an empty page. It says so in the note it returns.
func (u *UI) anchorRange(ctx context.Context, f *cairn.Filter, since string) string {
	span, ok := cairn.ParseSpan(strings.TrimSpace(since))
	if !ok {
		return "" // none, or an absolute time
	}
	st, err := u.cfg.Index.Stats(ctx)
	if err != nil || st.Events == 0 || !st.Newest.Before(f.Since) {
		return ""
	}
	end := st.Newest.Add(time.Second).Truncate(time.Second)
	f.Since, f.Until = end.Add(-span), end
	return fmt.Sprintf("Nothing arrived in the last %s; showing the %s up to the newest event, %s.", since, since, st.Newest.UTC().Format("2006-01-02 15:04 UTC"))
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if v != "" {
				out.Add(k, v)
			}
		}
	}
	return out
}

func tsLiteral(t time.Time) string {
	return "TIMESTAMPTZ '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "+00'"
}

// whereOf translates a filter into a WHERE clause over the events view.
func whereOf(f cairn.Filter, from, to time.Time) string {
	c := []string{
		"eventTime >= " + tsLiteral(from), "eventTime < " + tsLiteral(to),
		"day >= DATE '" + from.UTC().Format(time.DateOnly) + "'", "day <= DATE '" + to.UTC().Format(time.DateOnly) + "'",
	}
	eq := func(col, v string) {
		if v != "" {
			c = append(c, col+" = "+cairn.SQLString(v))
		}
	}
	if f.User != "" {
		v := cairn.SQLString(f.User)
		var any []string
		for _, col := range []string{"userName", "sessionName", "userArn", "roleArn", "sourceIdentity", "onBehalfOf", "principalId", "invokedBy"} {
			any = append(any, col+" = "+v)
		}
		if f.User == cairn.RootUser { // as cairn.Principal.Named
			any = append(any, "userType = 'Root'")
		}
		c = append(c, "("+strings.Join(any, " OR ")+")")
	}
	eq("eventName", f.EventName)
	eq("eventSource", f.EventSource)
	eq("accessKeyId", f.AccessKeyID)
	eq("sourceIPAddress", f.SourceIP)
	eq("recipientAccountId", f.Account)
	eq("awsRegion", f.Region)
	eq("eventID", f.EventID)
	switch f.ErrorCode {
	case "":
	case cairn.ErrorAny:
		c = append(c, cairn.FailedSQL)
	default:
		eq("errorCode", f.ErrorCode)
	}
	if f.ResourceID != "" {
		c = append(c, cairn.ResourceSQL(f.ResourceID))
	}
	if f.ReadOnly.Known() {
		c = append(c, "readOnly = "+strconv.FormatBool(f.ReadOnly.True()))
	}
	if f.Text != "" {
		c = append(c, "contains(lower(eventJson), "+cairn.SQLString(strings.ToLower(f.Text))+")")
	}
	return strings.Join(c, " AND ")
}

// glance summarises the filter's range with three queries.
func (u *UI) glance(ctx context.Context, f cairn.Filter) (*glance, error) {
	from, to := f.Since, f.Until
	shown := to
	if from.IsZero() || to.IsZero() {
		st, err := u.cfg.Index.Stats(ctx)
		if err != nil {
			return nil, err
		}
		if st.Events == 0 {
			return nil, nil
		}
		if from.IsZero() {
			from = st.Oldest
		}
		if to.IsZero() {
			to, shown = st.Newest.Add(time.Second), st.Newest
		}
	}
	if !from.Before(to) {
		return nil, nil
	}
	unit := unitFor(from, to)
	where := whereOf(f, from, to)
	g := &glance{From: from, To: to, Shown: shown, Unit: unit}
	// One scan answers the three questions (grouping sets), so a costly
	// filter, such as a user matched against every identity column, is
	// evaluated once. Buckets use integer arithmetic on the epoch: date_trunc
	// on a TIMESTAMPTZ goes through the time zone library (0.27 s over
	// 2,000,000 events, against 0.06 s). Weeks and months are made of days
	// here.
	secs := 86400
	if unit == unitHour {
		secs = 3600
	}
	t, err := u.cfg.Index.Query(ctx, fmt.Sprintf(`SELECT b, p, ev, count(*) AS n, count(*) FILTER (WHERE err) AS e FROM (
		SELECT to_timestamp((epoch_us(eventTime) // %d) * %d) AS b, coalesce(principal, '(none)') AS p,
		       coalesce(eventName, '(none)') AS ev, coalesce(`+cairn.FailedSQL+`, false) AS err
		FROM events WHERE %s) GROUP BY GROUPING SETS ((b), (p), (ev))`, secs*1_000_000, secs, where))
	if err != nil {
		return nil, err
	}
	var buckets []bucket
	for _, row := range t.Rows {
		switch {
		case row[0] != nil:
			b := bucket{Start: timeOf(row[0]), N: cairn.CellInt(row[3]), Errors: cairn.CellInt(row[4])}
			g.Total += b.N
			g.Errors += b.Errors
			buckets = append(buckets, b)
		case row[1] != nil:
			g.Principals = append(g.Principals, countRow{Key: fmt.Sprint(row[1]), Count: cairn.CellInt(row[3])})
		case row[2] != nil:
			g.Events = append(g.Events, countRow{Key: fmt.Sprint(row[2]), Count: cairn.CellInt(row[3])})
		}
	}
	slices.SortFunc(buckets, func(a, b bucket) int { return a.Start.Compare(b.Start) })
	for _, top := range []*[]countRow{&g.Principals, &g.Events} {
		slices.SortFunc(*top, func(a, b countRow) int { return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key)) })
		if len(*top) > 8 {
			*top = (*top)[:8]
		}
	}
	g.Chart = activityChart(buckets, from, to, unit)
	return g, nil
}

// timeOf reads a time from a query row: the index gives RFC 3339 strings,
// so that its tables travel as JSON unchanged.
func timeOf(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		t, _ := time.Parse(time.RFC3339Nano, x)
		return t.UTC()
	}
	return time.Time{}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// /event/{id}

type eventView struct {
	E   *cairn.Event
	Raw string
}

func prettyRaw(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(raw), "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// eventsOf returns the events with the path's ID (of several accounts,
// the ID can be more than one's), or answers the request itself and
// returns none.
func (u *UI) eventsOf(w http.ResponseWriter, r *http.Request, s *session) (string, []cairn.Event) {
	id := r.PathValue("id")
	res, err := u.cfg.Index.Search(r.Context(), cairn.Filter{EventID: id}, cairn.Cursor{}, 10)
	if err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "The search failed: "+oneLine(err.Error()), err)
		return id, nil
	}
	if len(res.Events) == 0 {
		u.fail(w, r, s, http.StatusNotFound, "No event has the ID "+id+".", nil)
	}
	return id, res.Events
}

func (u *UI) event(w http.ResponseWriter, r *http.Request, s *session) {
	id, events := u.eventsOf(w, r, s)
	if len(events) == 0 {
		return
	}
	var views []eventView
	for i := range events {
		views = append(views, eventView{E: &events[i], Raw: prettyRaw(events[i].Raw)})
	}
	page := map[string]any{"Title": "Event " + id, "ID": id, "Events": views}
	if e := &events[0]; investigate.IsDenial(e.ErrorCode, e.ErrorMessage) {
		rf, err := investigate.New(u.cfg.Index, investigate.DefaultConfig()).ExplainDenial(r.Context(), e)
		if err != nil {
			u.fail(w, r, s, http.StatusInternalServerError, "Explaining the denial failed: "+oneLine(err.Error()), err)
			return
		}
		page["Refusal"] = rf
		if rf.Identity != "" {
			// The calls the page counts: the identity's refusals of this
			// action in the span counted, by the code of this one.
			q := url.Values{"user": {rf.Identity}, "service": {e.EventSource}, "event": {e.EventName}, "error": {e.ErrorCode},
				"since": {rf.Since.UTC().Format(time.RFC3339Nano)}, "until": {rf.Until.UTC().Format(time.RFC3339Nano)}}
			page["RefusalsURL"] = "/events?" + q.Encode()
		}
	}
	u.render(w, r, http.StatusOK, "event", s, page)
}

// eventRaw serves /event/{id}/raw: the record as it was received, byte for
// byte, as evidence to attach to a ticket (the page indents it for
// reading). Events that share the ID, of other accounts, come one a line.
func (u *UI) eventRaw(w http.ResponseWriter, r *http.Request, s *session) {
	id, events := u.eventsOf(w, r, s)
	if len(events) == 0 {
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(id)+`.json"`)
	for _, e := range events {
		w.Write(append(e.Raw, '\n'))
	}
}

// /resource/{id}

// timelineRows bounds the timeline's table: a busy role's thousands of
// entries are a page no one reads and a slow one to send.
const timelineRows = 500

// timelineEvents bounds the events a resource page reads: every one costs
// the page of records that holds it, and a busy role's 5,000 newest (the
// command line's bound) took 408 ms of make bench's 2,000,000 events,
// against 130 ms for 2,000, whose marks fill the strip as densely.
const timelineEvents = 2000

// timelineAfter is how far past the moment asked about a resource page's
// timeline reaches when the resource is too busy to show whole: what led up
// to the moment and what followed at once, rather than the newest events,
// which may all come after it. timelineLater bounds the events read after
// that, to show a quiet resource's history whole.
const (
	timelineAfter = 24 * time.Hour
	timelineLater = 200
)

// timelineRow is one row of the timeline's table: entry N of the timeline.
type timelineRow struct {
	N int
	*investigate.Entry
}

func (u *UI) resource(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	id := r.PathValue("id")
	if strings.TrimSpace(id) == "" {
		u.fail(w, r, s, http.StatusNotFound, "No resource was named: give its ID or ARN after /resource/, or follow one from an event.", nil)
		return
	}
	q := r.URL.Query()
	page := map[string]any{"Title": "Resource " + id, "ID": id, "At": q.Get("at"), "Window": q.Get("window")}
	var errs []string
	var at time.Time // the moment explained, when one was
	if v := q.Get("at"); v != "" {
		t, err := cairn.ParseTime(v, u.cfg.Now())
		window := 30 * time.Minute
		if wv := q.Get("window"); wv != "" {
			if d, ok := cairn.ParseSpan(wv); ok {
				window = d
			} else {
				errs = append(errs, "Window: a duration such as 30m, 2h or 2d.")
			}
		}
		if err != nil {
			errs = append(errs, "Why did it change near: "+err.Error())
		} else if len(errs) == 0 {
			ex, err := investigate.New(u.cfg.Index, investigate.DefaultConfig()).Why(ctx, id, t, window)
			var unknown *investigate.UnknownResourceError
			switch {
			case errors.As(err, &unknown):
				errs = append(errs, unknown.Error())
			case err != nil:
				u.fail(w, r, s, http.StatusInternalServerError, "why failed: "+oneLine(err.Error()), err)
				return
			default:
				page["Why"], at = ex, t
			}
		}
	}
	tl, cut, err := u.resourceTimeline(ctx, id, at)
	if err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "The timeline failed: "+oneLine(err.Error()), err)
		return
	}
	page["Cut"] = cut
	if tl.Places != nil {
		page["PlacesNote"] = investigate.PlacesNote(id, tl.Places)
	}
	// The table shows the newest entries; the strip above it, all.
	from := max(0, len(tl.Entries)-timelineRows)
	rows := make([]timelineRow, 0, len(tl.Entries)-from)
	for i := from; i < len(tl.Entries); i++ {
		rows = append(rows, timelineRow{N: i, Entry: &tl.Entries[i]})
	}
	page["Timeline"], page["Rows"], page["RowsFrom"] = tl, rows, from
	page["Strip"] = timelineStrip(tl, from)
	page["Errors"] = errs
	status := http.StatusOK
	if len(tl.Entries) == 0 {
		status = http.StatusNotFound // "No event names this resource", as the API answers
	}
	u.render(w, r, status, "resource", s, page)
}

// resourceTimeline is the resource page's timeline: the newest events, or,
// with a moment asked about, those up to a day after it, and the rest when
// they are few. cut is where the timeline was cut short of the newest
// events, zero when it was not.
func (u *UI) resourceTimeline(ctx context.Context, id string, at time.Time) (tl *investigate.Timeline, cut time.Time, err error) {
	x := investigate.New(u.cfg.Index, investigate.Config{MaxEvents: timelineEvents, ResolveSessions: true})
	if at.IsZero() {
		tl, err = x.Timeline(ctx, id, time.Time{}, time.Time{})
		return tl, time.Time{}, err
	}
	cut = at.Add(timelineAfter)
	if tl, err = x.Timeline(ctx, id, time.Time{}, cut); err != nil {
		return nil, time.Time{}, err
	}
	later, err := investigate.New(u.cfg.Index, investigate.Config{MaxEvents: timelineLater, ResolveSessions: true}).Timeline(ctx, id, cut, time.Time{})
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(later.Entries) == 0 {
		return tl, time.Time{}, nil
	}
	if later.Truncated {
		return tl, cut, nil // the page says so, and links to the newest events
	}
	tl.Entries = append(tl.Entries, later.Entries...)
	for _, r := range later.Related {
		if !slices.Contains(tl.Related, r) {
			tl.Related = append(tl.Related, r)
		}
	}
	for _, p := range later.Places {
		if !slices.Contains(tl.Places, p) {
			tl.Places = append(tl.Places, p)
		}
	}
	slices.Sort(tl.Places)
	tl.Type = cmp.Or(tl.Type, later.Type)
	tl.Until = time.Time{}
	return tl, time.Time{}, nil
}

// /cost

func (u *UI) costPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	store := u.cfg.Cost()
	page := map[string]any{"Title": "Cost"}
	if store == nil {
		page["NoStore"] = true
		u.render(w, r, http.StatusOK, "cost", s, page)
		return
	}
	if err := store.Reload(); err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "The cost store could not be read: "+oneLine(err.Error()), err)
		return
	}
	periods := store.Periods()
	if len(periods) == 0 {
		page["NoStore"] = true
		u.render(w, r, http.StatusOK, "cost", s, page)
		return
	}
	var months []string
	for _, p := range periods {
		months = append(months, p.Period)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(months)))
	months = slices.Compact(months) // a month of several payers is one month
	month := r.URL.Query().Get("month")
	if !slices.Contains(months, month) {
		if _, err := time.Parse("2006-01", month); month != "" && err != nil {
			page["NotAMonth"] = month // the newest month is shown, and says what a month is
		} else if month != "" {
			page["Asked"] = month // no cost imported for it: the newest month is shown, and says so
		}
		month = months[0]
	}
	page["Months"], page["Month"] = months, month
	// The month's payer accounts: the page reports one or all of them, and
	// must report one when they are billed in several currencies.
	payers := store.Payers(month)
	payer := r.URL.Query().Get("payer")
	if payer != "" && !slices.Contains(payers, payer) {
		page["PayerMissing"] = payer // not a payer of this month: every payer is shown, and says so
		payer = ""
	}
	page["Payers"], page["Payer"] = payers, payer
	cv, err := u.monthCost(ctx, store, month, payer)
	if errors.Is(err, cost.ErrNoCostData) {
		page["NoData"] = true
		u.render(w, r, http.StatusOK, "cost", s, page)
		return
	}
	var mixed *cost.MixedCurrenciesError
	if errors.As(err, &mixed) {
		// Not the server's failure: the request must choose a payer, and
		// the page offers the choice.
		page["MustChoose"] = fmt.Sprintf("The cost of %s is in several currencies (%s), which cairn does not convert: choose a payer account.", month, strings.Join(mixed.Currencies, ", "))
		u.render(w, r, http.StatusBadRequest, "cost", s, page)
		return
	}
	if err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "The cost report failed: "+oneLine(err.Error()), err)
		return
	}
	page["Principal"], page["Service"], page["Account"], page["Region"], page["Day"] = cv.principal, cv.service, cv.account, cv.region, cv.day
	page["Spikes"], page["SpikesError"], page["DayChart"] = cv.spikes, cv.spikesErr, cv.chart
	if cv.day != nil {
		if i := slices.IndexFunc(cv.day.Rows, func(r cost.ReportRow) bool { return r.Key == cost.LabelWholePeriod }); i >= 0 {
			page["WholePeriod"] = cv.day.Rows[i].Amount
		}
	}
	tag := r.URL.Query().Get("tag")
	page["TagKeys"], page["Tag"] = cv.tagKeys, tag
	// A report by a tag is built when asked for: a month has as many as
	// its tags, and one is read at a time.
	if tag != "" {
		if !slices.Contains(cv.tagKeys, tag) {
			page["TagMissing"] = tag
		} else {
			rep, err := cv.reporter.Build(ctx, cost.ReportConfig{By: cost.ByTagPrefix + tag, Month: month, Payer: payer, Limit: 20})
			if err != nil {
				u.fail(w, r, s, http.StatusInternalServerError, "The cost report by tag failed: "+oneLine(err.Error()), err)
				return
			}
			page["ByTag"] = rep
		}
	}
	u.render(w, r, http.StatusOK, "cost", s, page)
}

// monthCost returns a month's cost page, of one payer or of all (""), built
// once per version of the store and of the index.
func (u *UI) monthCost(ctx context.Context, store *cost.Store, month, payer string) (*costView, error) {
	key := month + "|" + payer
	for _, p := range store.Periods() {
		key += fmt.Sprintf("|%s %s %d", p.Period, p.Imported.UTC().Format(time.RFC3339Nano), p.Rows)
	}
	if st, err := u.cfg.Index.Stats(ctx); err == nil { // attribution reads the index
		key += fmt.Sprintf("|%d %s", st.Events, st.Newest.UTC().Format(time.RFC3339Nano))
	}
	if cv, ok := u.costCache.get(key); ok {
		return cv, nil
	}
	// A view while the server builds the page ahead waits for that build.
	v, err, _ := u.costBuilds.Do(key, func() (any, error) {
		cv, err := u.buildCost(context.WithoutCancel(ctx), store, month, payer)
		if err == nil {
			u.costCache.put(key, cv)
		}
		return cv, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*costView), nil
}

// WarmCost builds the newest month's cost page before anyone asks for it:
// its reports read every creating call in the index, about 1.4 s over
// 2,000,000 events, which a first view would otherwise wait for. The server
// calls it at start and after each round of ingest.
func (u *UI) WarmCost(ctx context.Context) {
	store := u.cfg.Cost()
	if store == nil || store.Reload() != nil {
		return
	}
	month := ""
	for _, p := range store.Periods() {
		month = max(month, p.Period)
	}
	if month == "" {
		return
	}
	// A month of payers billed in several currencies has no page of all of
	// them: the first view chooses a payer.
	if _, err := u.monthCost(ctx, store, month, ""); err != nil && !errors.Is(err, cost.ErrNoCostData) && !errors.Is(err, cost.ErrMixedCurrencies) && ctx.Err() == nil {
		u.cfg.Log.Warn("building the cost page ahead failed", "month", month, "err", err)
	}
}

// costView is one month's cost page, kept until the store or the index
// changes.
type costView struct {
	principal, service, account, region, day *cost.Report
	tagKeys                                  []string       // the month's user tags
	reporter                                 *cost.Reporter // holds the creation calls it read, for reports by tag
	spikes                                   []cost.Spike
	spikesErr                                string
	chart                                    template.HTML
}

// creatorList is the start of a spike's creators, as the page lists them,
// and what the rest add up to.
type creatorList struct {
	Shown        []cost.SpikeCreator
	Rest         []cost.SpikeCreator // listed apart, folded
	MoreIncrease string              // the increase of Rest
}

// spikeCreators keeps a spike's eight largest creators: a day's spike can
// have a hundred, most of them the small changes of any day.
func spikeCreators(sp cost.Spike) creatorList {
	const shown = 8
	if len(sp.Creators) <= shown {
		return creatorList{Shown: sp.Creators}
	}
	var rest []string
	for _, c := range sp.Creators[shown:] {
		rest = append(rest, c.Increase)
	}
	return creatorList{Shown: sp.Creators[:shown], Rest: sp.Creators[shown:], MoreIncrease: cost.SumAmounts(rest...)}
}

type costCache struct {
	mu   sync.Mutex
	keys []string
	vals map[string]*costView
}

func (c *costCache) get(key string) (*costView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vals[key]
	return v, ok
}

func (c *costCache) put(key string, v *costView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vals == nil {
		c.vals = map[string]*costView{}
	}
	if _, ok := c.vals[key]; ok {
		return
	}
	c.keys = append(c.keys, key)
	c.vals[key] = v
	for len(c.keys) > 8 {
		delete(c.vals, c.keys[0])
		c.keys = c.keys[1:]
	}
}

func (u *UI) buildCost(ctx context.Context, store *cost.Store, month, payer string) (*costView, error) {
	rep := cost.NewReporter(store, u.cfg.Index)
	cv := &costView{reporter: rep}
	g, gctx := errgroup.WithContext(ctx)
	build := func(by string, limit int, dst **cost.Report) func() error {
		return func() (err error) {
			*dst, err = rep.Build(gctx, cost.ReportConfig{By: by, Month: month, Payer: payer, Limit: limit})
			return err
		}
	}
	g.Go(build(cost.ByPrincipal, 20, &cv.principal))
	g.Go(build(cost.ByService, 20, &cv.service))
	g.Go(build(cost.ByAccount, 20, &cv.account))
	g.Go(build(cost.ByRegion, 20, &cv.region))
	g.Go(func() (err error) {
		cv.tagKeys, err = rep.TagKeys(gctx, month)
		return err
	})
	g.Go(build(cost.ByDay, 0, &cv.day))
	g.Go(func() error {
		cfg := cost.DefaultSpikeConfig()
		cfg.Month, cfg.Payer = month, payer
		spikes, err := rep.Spikes(gctx, u.cfg.Index, cfg)
		if err != nil {
			cv.spikesErr = oneLine(err.Error())
			return nil
		}
		cv.spikes = spikes
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cv.chart = dayChart(cv.day)
	return cv, nil
}

// /health

// sourceSummarizer is what the duckdb index offers beyond cairn.Index.
type sourceSummarizer interface {
	SourceSummaries(ctx context.Context, listed int) ([]cairn.SourceSummary, error)
}

// objectsShown is how many of a source's quarantined objects, and of those
// read in part, the health page names.
const objectsShown = 100

type sourceView struct {
	cairn.SourceSummary
	URL     string
	Failure *SourceFailure // its last round failed
}

// Count is the number of the source's objects in status st.
func (v sourceView) Count(st cairn.ObjectStatus) int { return v.Counts[st] }

// MoreInPart is the number of objects read in part beyond those named.
func (v sourceView) MoreInPart() int { return v.InPart - len(v.ReadInPart) }

// staleAfter is how old the newest event may be before the health page
// says that nothing arrives.
const staleAfter = 24 * time.Hour

func (u *UI) health(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	page := map[string]any{"Title": "Health"}
	st, err := u.cfg.Index.Stats(ctx)
	if err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "The index could not say how it is: "+oneLine(err.Error()), err)
		return
	}
	page["Stats"] = st
	// CloudTrail delivers within minutes: a trail whose newest event is a
	// day old has stopped arriving, or stopped being read.
	if age := u.cfg.Now().Sub(st.Newest); st.Events > 0 && age > staleAfter {
		page["Stale"] = fmt.Sprintf("The newest event is %d days old: nothing newer has arrived since %s. Check that the trail still logs and that its sources are still read.",
			int(age.Hours()/24), st.Newest.UTC().Format("2006-01-02 15:04 UTC"))
		if len(u.cfg.Tour()) > 0 { // cairn serve -demo
			page["Stale"] = fmt.Sprintf("The newest event is %d days old: this is the demo's simulated organisation, whose month ended on %s. On a live trail this notice means that nothing arrives.",
				int(age.Hours()/24), st.Newest.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	if rec := u.cfg.Recorder(); rec != nil {
		status := rec.Status()
		page["Recorder"], page["Archive"] = &status, rec.ArchiveURL()
		if trails, err := rec.Trails(); err == nil {
			page["Trails"] = trails
		} else {
			page["TrailsError"] = err.Error()
		}
	}
	failures := map[string]SourceFailure{}
	if u.cfg.SourceFailures != nil {
		failures = u.cfg.SourceFailures()
	}
	if ss, ok := u.cfg.Index.(sourceSummarizer); ok {
		sums, err := ss.SourceSummaries(ctx, objectsShown)
		if err != nil {
			page["SourcesError"] = oneLine(err.Error())
		}
		var views []sourceView
		for _, sum := range sums {
			v := sourceView{SourceSummary: sum, URL: sum.Source}
			if f, ok := failures[sum.Source]; ok {
				v.Failure = &f
				delete(failures, sum.Source)
			}
			views = append(views, v)
		}
		page["Sources"] = views
	} else {
		page["NoSources"] = true
	}
	// A source that never gave anything is in no catalog.
	var unread []sourceView
	for _, url := range slices.Sorted(maps.Keys(failures)) {
		f := failures[url]
		unread = append(unread, sourceView{URL: url, Failure: &f})
	}
	page["Unread"] = unread
	u.render(w, r, http.StatusOK, "health", s, page)
}
