package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// searchColumns are read for every result; the order matters to scanEvent.
const searchColumns = `eventTime, eventID, recipientAccountId, eventVersion, eventSource, eventName, awsRegion,
	sourceIPAddress, userAgent, errorCode, errorMessage, readOnly, eventType, eventCategory, managementEvent,
	requestID, sharedEventID, vpcEndpointId, userType, userArn, principalId, userAccountId, accessKeyId, userName,
	roleArn, sessionName, sourceIdentity, invokedBy, onBehalfOf, mfaAuthenticated, resources, eventJson`

// orderKey orders events within one second; it is the event's DedupKey.
const orderKey = "(coalesce(recipientAccountId, '') || '/' || eventID)"

// where renders a filter and cursor as a WHERE clause with its arguments.
func where(f cairn.Filter, after cairn.Cursor) (string, []any) {
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
	if f.User != "" {
		conds = append(conds, "(userName = ? OR sessionName = ? OR userArn = ? OR roleArn = ? OR sourceIdentity = ? OR onBehalfOf = ? OR principalId = ?)")
		for range 7 {
			args = append(args, f.User)
		}
	}
	if f.ResourceID != "" {
		conds = append(conds, "contains(resourceKeys, ?)")
		args = append(args, "|"+f.ResourceID+"|")
	}
	if f.ResourceType != "" {
		conds = append(conds, "list_contains(list_transform(resources, r -> r.type), ?)")
		args = append(args, f.ResourceType)
	}
	switch f.ErrorCode {
	case "":
	case cairn.ErrorAny:
		conds = append(conds, "errorCode IS NOT NULL")
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

// pageTimes returns the times of the first n events that match, newest
// first. It reads the newest day first and widens the window fourfold while
// too few events match: a search for what someone did lately reads a day
// or two, not the whole history.
func (x *Index) pageTimes(ctx context.Context, days []daySegments, where string, args []any, n int) ([]time.Time, error) {
	var out []time.Time
	for i, width := 0, 1; i < len(days) && len(out) < n; i, width = i+width, width*4 {
		window := days[i:min(i+width, len(days))]
		rows, err := x.db.QueryContext(ctx, fmt.Sprintf("SELECT eventTime FROM %s%s ORDER BY eventTime DESC LIMIT %d",
			readSegments(window), where, n-len(out)), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t time.Time
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// daySegments are the segment files of one day.
type daySegments struct {
	day   string
	files []string
}

// searchDays lists the days whose segments may hold events between since
// and until (either may be zero), newest first.
func (x *Index) searchDays(since, until time.Time) []daySegments {
	m := x.snapshot()
	byDay := map[string][]string{}
	for _, s := range m.Segments {
		if (!since.IsZero() && s.MaxTime.Before(since)) || (!until.IsZero() && !s.MinTime.Before(until)) {
			continue
		}
		byDay[s.Day] = append(byDay[s.Day], x.abs(s.Path))
	}
	out := make([]daySegments, 0, len(byDay))
	for day, files := range byDay {
		out = append(out, daySegments{day, files})
	}
	slices.SortFunc(out, func(a, b daySegments) int { return strings.Compare(b.day, a.day) })
	return out
}

// readSegments is a FROM clause over the segments of some days.
func readSegments(days []daySegments) string {
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
	b.WriteString("])")
	return b.String()
}

// Search implements cairn.Index.
func (x *Index) Search(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Page, error) {
	if limit <= 0 {
		limit = 50
	}
	if err := x.refreshView(ctx); err != nil {
		return cairn.Page{}, err
	}
	w, args := where(f, after)
	until := f.Until
	if !after.IsZero() && (until.IsZero() || after.EventTime.Before(until)) {
		until = after.EventTime.Add(time.Microsecond)
	}
	days := x.searchDays(f.Since, until)
	if len(days) == 0 {
		return cairn.Page{}, nil
	}
	// First find the times of this page's events and of the one past it,
	// reading only the filter columns and eventTime; bounding the second
	// query by them spares decompressing the records of every other match.
	times, err := x.pageTimes(ctx, days, w, args, limit+1)
	if err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	if len(times) == 0 {
		return cairn.Page{}, nil
	}
	var bound string
	if len(times) > limit {
		bound = "eventTime >= " + tsLiteral(times[len(times)-1])
	} else {
		// Every match is known: name their times, so that only the row
		// groups that hold them are read.
		lits := make([]string, len(times))
		for i, t := range times {
			lits[i] = tsLiteral(t)
		}
		bound = "eventTime IN (" + strings.Join(lits, ", ") + ")"
	}
	if w == "" {
		bound = " WHERE " + bound
	} else {
		bound = " AND " + bound
	}
	// Only the days between the page's oldest and newest event are read.
	oldest, newest := dayOf(times[len(times)-1]), dayOf(times[0])
	span := slices.DeleteFunc(slices.Clone(days), func(d daySegments) bool { return d.day < oldest || d.day > newest })
	q := fmt.Sprintf("SELECT %s FROM %s%s%s ORDER BY eventTime DESC, %s DESC LIMIT %d", searchColumns, readSegments(span), w, bound, orderKey, limit+1)
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var page cairn.Page
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return cairn.Page{}, fmt.Errorf("search: %w", err)
		}
		page.Events = append(page.Events, e)
	}
	if err := rows.Err(); err != nil {
		return cairn.Page{}, fmt.Errorf("search: %w", err)
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		last := &page.Events[limit-1]
		page.Next = cairn.Cursor{EventTime: last.EventTime, Key: last.DedupKey()}
	}
	return page, nil
}

type scanner interface{ Scan(dest ...any) error }

// nstr scans a nullable VARCHAR into a string.
type nstr struct{ p *string }

func (n nstr) Scan(v any) error {
	switch s := v.(type) {
	case nil:
		*n.p = ""
	case string:
		*n.p = s
	default:
		return fmt.Errorf("unexpected %T for a string column", v)
	}
	return nil
}

// nbool scans a nullable BOOLEAN into a cairn.Bool.
type nbool struct{ p *cairn.Bool }

func (n nbool) Scan(v any) error {
	switch b := v.(type) {
	case nil:
		*n.p = cairn.BoolUnset
	case bool:
		*n.p = cairn.BoolOf(b)
	default:
		return fmt.Errorf("unexpected %T for a boolean column", v)
	}
	return nil
}

func scanEvent(rows scanner) (cairn.Event, error) {
	var e cairn.Event
	p := &e.Principal
	var resources any
	var raw string
	err := rows.Scan(&e.EventTime, &e.EventID, nstr{&e.RecipientAccountID}, nstr{&e.EventVersion},
		nstr{&e.EventSource}, nstr{&e.EventName}, nstr{&e.AWSRegion}, nstr{&e.SourceIPAddress}, nstr{&e.UserAgent},
		nstr{&e.ErrorCode}, nstr{&e.ErrorMessage}, nbool{&e.ReadOnly}, nstr{&e.EventType}, nstr{&e.EventCategory},
		nbool{&e.ManagementEvent}, nstr{&e.RequestID}, nstr{&e.SharedEventID}, nstr{&e.VPCEndpointID},
		nstr{&p.Type}, nstr{&p.ARN}, nstr{&p.PrincipalID}, nstr{&p.AccountID}, nstr{&p.AccessKeyID}, nstr{&p.UserName},
		nstr{&p.RoleARN}, nstr{&p.SessionName}, nstr{&p.SourceIdentity}, nstr{&p.InvokedBy}, nstr{&p.OnBehalfOf},
		nbool{&p.MFAAuthenticated}, &resources, &raw)
	if err != nil {
		return e, err
	}
	e.EventTime = e.EventTime.UTC().Truncate(time.Microsecond)
	e.Raw = []byte(raw)
	if list, ok := resources.([]any); ok {
		for _, item := range list {
			m, _ := item.(map[string]any)
			s := func(k string) string { v, _ := m[k].(string); return v }
			e.Resources = append(e.Resources, cairn.ResourceRef{ID: s("id"), ARN: s("arn"), Type: s("type"),
				Account: s("account"), Region: s("region"), Role: cairn.Role(s("role"))})
		}
	}
	return e, nil
}
