package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// orderKey orders events of the same eventTime; it is the event's DedupKey.
const orderKey = "(coalesce(recipientAccountId, '') || '/' || eventID)"

// criteria is a filter as the index applies it: with the principal IDs
// that its User also stands for (userAliases).
type criteria struct {
	cairn.Filter
	userIDs []string
}

// where renders a filter and cursor as a WHERE clause with its arguments.
func where(f criteria, after cairn.Cursor) (string, []any) {
	var conds []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = ?")
			args = append(args, v)
		}
	}
	eq("eventID", f.EventID)
	eq("eventName", f.EventName)
	eq("eventSource", f.EventSource)
	eq("accessKeyId", f.AccessKeyID)
	eq("sourceIPAddress", f.SourceIP)
	eq("recipientAccountId", f.Account)
	eq("awsRegion", f.Region)
	if f.User != "" {
		ids := strings.Repeat(" OR principalId = ?", len(f.userIDs))
		root := ""
		if f.User == cairn.RootUser {
			root = " OR userType = 'Root'"
		}
		conds = append(conds, "(userName = ? OR sessionName = ? OR userArn = ? OR roleArn = ? OR sourceIdentity = ? OR onBehalfOf = ? OR principalId = ? OR invokedBy = ?"+root+ids+")")
		for range 8 {
			args = append(args, f.User)
		}
		for _, id := range f.userIDs {
			args = append(args, id)
		}
	}
	if f.ResourceID != "" {
		conds = append(conds, cairn.ResourceSQL(f.ResourceID))
	}
	if f.ResourceType != "" {
		conds = append(conds, "list_contains(list_transform(resources, r -> r.type), ?)")
		args = append(args, f.ResourceType)
	}
	switch f.ErrorCode {
	case "":
	case cairn.ErrorAny:
		conds = append(conds, cairn.FailedSQL) // segments written before opt may hold empty codes
	default:
		eq("errorCode", f.ErrorCode)
	}
	if f.ReadOnly.Known() {
		conds = append(conds, "readOnly = ?")
		args = append(args, f.ReadOnly.True())
	}
	if !f.Since.IsZero() {
		conds = append(conds, "eventTime >= "+tsLiteral(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "eventTime < "+tsLiteral(f.Until))
	}
	if f.Text != "" {
		conds = append(conds, "contains(lower(eventJson), ?)")
		args = append(args, strings.ToLower(f.Text))
	}
	if !after.IsZero() {
		t := tsLiteral(after.EventTime)
		conds = append(conds, "(eventTime < "+t+" OR (eventTime = "+t+" AND "+orderKey+" < ?))")
		args = append(args, after.Key)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// matches reports whether an event passes the filter, as the WHERE clause
// that where renders would decide; a search through the needle files
// checks every row it fetches with it.
func matches(e *cairn.Event, f criteria) bool {
	p := &e.Principal
	eq := func(want, got string) bool { return want == "" || want == got }
	if !eq(f.EventID, e.EventID) || !eq(f.EventName, e.EventName) || !eq(f.EventSource, e.EventSource) ||
		!eq(f.AccessKeyID, p.AccessKeyID) || !eq(f.SourceIP, e.SourceIPAddress) ||
		!eq(f.Account, e.RecipientAccountID) || !eq(f.Region, e.AWSRegion) {
		return false
	}
	if f.User != "" && !p.Named(f.User) && !slices.Contains(f.userIDs, p.PrincipalID) {
		return false
	}
	if f.ResourceID != "" && !slices.ContainsFunc(e.Resources, func(r cairn.ResourceRef) bool { return r.Names(f.ResourceID) }) {
		return false
	}
	if f.ResourceType != "" && !slices.ContainsFunc(e.Resources, func(r cairn.ResourceRef) bool { return r.Type == f.ResourceType }) {
		return false
	}
	switch f.ErrorCode {
	case "":
	case cairn.ErrorAny:
		if !e.Failed() {
			return false
		}
	default:
		if e.ErrorCode != f.ErrorCode {
			return false
		}
	}
	if f.ReadOnly.Known() && e.ReadOnly != f.ReadOnly {
		return false
	}
	if (!f.Since.IsZero() && e.EventTime.Before(f.Since)) || (!f.Until.IsZero() && !e.EventTime.Before(f.Until)) {
		return false
	}
	return f.Text == "" || strings.Contains(strings.ToLower(string(e.Raw)), strings.ToLower(f.Text))
}

// hit is where a matching event is: its segment file and row, with its
// position in the result order.
type hit struct {
	file string
	row  int64
	time time.Time
	key  string // DedupKey, the tie-break within one time
}

// pageHits returns where the first n events that match are, in result
// order. It reads only the filter columns and the ordering columns, newest
// day first, widening the window fourfold while too few events match, or to
// all the rest when none did: a search for what someone did lately reads a
// day or two, not the whole history.
func (x *Index) pageHits(ctx context.Context, days []daySegments, where string, args []any, n int) ([]hit, error) {
	var out []hit
	for i, width := 0, 1; i < len(days) && len(out) < n; {
		end := min(i+width, len(days))
		window := days[i:end]
		i = end
		before := len(out)
		rows, err := x.db.QueryContext(ctx, fmt.Sprintf(
			"SELECT filename, file_row_number, eventTime, %[1]s FROM %[2]s%[3]s ORDER BY eventTime DESC, %[1]s DESC LIMIT %[4]d",
			orderKey, readSegments(window, "filename = true, file_row_number = true"), where, n-len(out)), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.file, &h.row, &h.time, &h.key); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// A window with no match says the needle is rare: read the rest at
		// once rather than in ever wider windows.
		if len(out) == before {
			width = len(days)
		} else {
			width *= 4
		}
	}
	return out, nil
}

// fetch reads the events at the hits, in their order.
func (x *Index) fetch(ctx context.Context, hits []hit) ([]cairn.Event, error) {
	if len(hits) == 0 {
		return nil, nil // an empty page is the same whichever way it was searched
	}
	fileIndex := map[string]int{}
	var files []string
	at := make([]rowAt, len(hits))
	for i, h := range hits {
		fi, ok := fileIndex[h.file]
		if !ok {
			fi = len(files)
			fileIndex[h.file] = fi
			files = append(files, h.file)
		}
		at[i] = rowAt{fi, uint32(h.row)}
	}
	events, err := x.readAt(ctx, files, at)
	if err != nil {
		return nil, err
	}
	for i, h := range hits {
		if k := events[i].DedupKey(); k != h.key {
			return nil, fmt.Errorf("row %d of %s holds %s where the engine read %s", h.row, h.file, k, h.key)
		}
	}
	return events, nil
}

// daySegments are the segment files of one day, with their rows.
type daySegments struct {
	day   string
	files []string
	rows  []int64
}

// searchDays lists the days whose segments may hold events between since
// and until (either may be zero), newest first.
func (x *Index) searchDays(since, until time.Time) []daySegments {
	m := x.snapshot()
	byDay := map[string]*daySegments{}
	for _, s := range m.Segments {
		if (!since.IsZero() && s.MaxTime.Before(since)) || (!until.IsZero() && !s.MinTime.Before(until)) {
			continue
		}
		d := byDay[s.Day]
		if d == nil {
			d = &daySegments{day: s.Day}
			byDay[s.Day] = d
		}
		d.files = append(d.files, x.abs(s.Path))
		d.rows = append(d.rows, s.Rows)
	}
	out := make([]daySegments, 0, len(byDay))
	for _, d := range byDay {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b daySegments) int { return strings.Compare(b.day, a.day) })
	return out
}

// readSegments is a FROM clause over the segments of some days, with
// read_parquet's options.
func readSegments(days []daySegments, options string) string {
	var b strings.Builder
	b.WriteString("read_parquet([")
	n := 0
	for _, d := range days {
		for _, f := range d.files {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(f))
			n++
		}
	}
	b.WriteString("]")
	if options != "" {
		b.WriteString(", " + options)
	}
	b.WriteString(")")
	return b.String()
}

// Search implements cairn.Index. A search for a resource, a user, an access
// key or an address goes through the needle files; any other, or one over
// segments without them, through the engine.
func (x *Index) Search(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Page, error) {
	if limit <= 0 {
		limit = 50
	}
	if f.MatchesNothing() {
		return cairn.Page{}, nil
	}
	if err := x.refreshView(ctx); err != nil {
		return cairn.Page{}, err
	}
	c := criteria{Filter: f}
	var err error
	if c.userIDs, err = x.userAliases(ctx, f.User); err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	events, ok, err := x.needleSearch(ctx, c, after, limit+1)
	if err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	if !ok {
		return x.engineSearch(ctx, c, after, limit)
	}
	var page cairn.Page
	if len(events) > limit {
		events = events[:limit]
		last := &events[limit-1]
		page.Next = cairn.Cursor{EventTime: last.EventTime, Key: last.DedupKey()}
	}
	page.Events = events
	return page, nil
}

// engineSearch searches through the engine in two steps: first where this
// page's events (and the one after it) are, reading only the filter and
// ordering columns; then those rows.
func (x *Index) engineSearch(ctx context.Context, f criteria, after cairn.Cursor, limit int) (cairn.Page, error) {
	w, args := where(f, after)
	until := f.Until
	if !after.IsZero() && (until.IsZero() || after.EventTime.Before(until)) {
		until = after.EventTime.Add(time.Microsecond)
	}
	days := x.searchDays(f.Since, until)
	if len(days) == 0 {
		return cairn.Page{}, nil
	}
	hits, err := x.pageHits(ctx, days, w, args, limit+1)
	if err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	var page cairn.Page
	if len(hits) > limit {
		hits = hits[:limit]
		last := hits[limit-1]
		page.Next = cairn.Cursor{EventTime: last.time, Key: last.key}
	}
	if page.Events, err = x.fetch(ctx, hits); err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	return page, nil
}

// userAliases returns the principal ID of the IAM user that user names
// (by name or ARN), for the records that carry that ID alone: a console
// sign-in's CheckMfa names its user by principalId only, and a search for
// the user would miss it. The newest event that names the user decides;
// a name that is an ID already, or no IAM user's, has none.
func (x *Index) userAliases(ctx context.Context, user string) ([]string, error) {
	if user == "" || strings.HasPrefix(user, "AIDA") || strings.HasPrefix(user, "AROA") ||
		strings.Contains(user, ":") && !strings.Contains(user, ":user/") {
		return nil, nil // an ID, or the ARN of a role or session: no IAM user's name
	}
	events, ok, err := x.needleSearch(ctx, criteria{Filter: cairn.Filter{User: user}}, cairn.Cursor{}, 1)
	if err != nil || !ok || len(events) == 0 {
		return nil, err
	}
	p := &events[0].Principal
	if p.Type != "IAMUser" || p.PrincipalID == "" || p.PrincipalID == user || (p.UserName != user && p.ARN != user) {
		return nil, nil
	}
	return []string{p.PrincipalID}, nil
}
