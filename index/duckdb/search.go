package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"golang.org/x/sync/errgroup"
)

// searchColumns are read for every result; the order matters to scanEvent.
const searchColumns = `eventTime, eventID, recipientAccountId, eventVersion, eventSource, eventName, awsRegion,
	sourceIPAddress, userAgent, errorCode, errorMessage, readOnly, eventType, eventCategory, managementEvent,
	requestID, sharedEventID, vpcEndpointId, userType, userArn, principalId, userAccountId, accessKeyId, userName,
	roleArn, sessionName, sourceIdentity, invokedBy, onBehalfOf, mfaAuthenticated, resources, eventJson`

// orderKey orders events of the same eventTime; it is the event's DedupKey.
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

// fetch reads the events at the hits, a query per segment file, several
// files at once. Reading rows by number decompresses only the row groups
// that hold them, where a query bounded by time decompressed every row
// group in range; a rare resource's history spans a file per day, so the
// files are read in parallel.
func (x *Index) fetch(ctx context.Context, hits []hit) ([]cairn.Event, error) {
	byFile := map[string][]int64{}
	var files []string
	for _, h := range hits {
		if _, ok := byFile[h.file]; !ok {
			files = append(files, h.file)
		}
		byFile[h.file] = append(byFile[h.file], h.row)
	}
	type pos struct {
		file string
		row  int64
	}
	var mu sync.Mutex
	found := make(map[pos]cairn.Event, len(hits))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchParallelism)
	for _, file := range files {
		g.Go(func() error {
			rowNums := byFile[file]
			nums := make([]string, len(rowNums))
			for i, r := range rowNums {
				nums[i] = fmt.Sprint(r)
			}
			rows, err := x.db.QueryContext(gctx, fmt.Sprintf("SELECT file_row_number, %s FROM read_parquet(%s, file_row_number = true) WHERE file_row_number IN (%s)",
				searchColumns, quote(file), strings.Join(nums, ", ")))
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var row int64
				e, err := scanEvent(rows, &row)
				if err != nil {
					return err
				}
				mu.Lock()
				found[pos{file, row}] = e
				mu.Unlock()
			}
			return rows.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	events := make([]cairn.Event, 0, len(hits))
	for _, h := range hits {
		e, ok := found[pos{h.file, h.row}]
		if !ok {
			return nil, fmt.Errorf("row %d of %s vanished", h.row, h.file)
		}
		events = append(events, e)
	}
	return events, nil
}

// fetchParallelism bounds the segment files read at once by one search.
const fetchParallelism = 4

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
	// First find where this page's events (and the one after it) are,
	// reading only the filter and ordering columns; then read those rows.
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

// scanEvent reads a row of searchColumns, after the given leading columns.
func scanEvent(rows scanner, lead ...any) (cairn.Event, error) {
	var e cairn.Event
	p := &e.Principal
	var resources any
	var raw string
	err := rows.Scan(append(lead, &e.EventTime, &e.EventID, nstr{&e.RecipientAccountID}, nstr{&e.EventVersion},
		nstr{&e.EventSource}, nstr{&e.EventName}, nstr{&e.AWSRegion}, nstr{&e.SourceIPAddress}, nstr{&e.UserAgent},
		nstr{&e.ErrorCode}, nstr{&e.ErrorMessage}, nbool{&e.ReadOnly}, nstr{&e.EventType}, nstr{&e.EventCategory},
		nbool{&e.ManagementEvent}, nstr{&e.RequestID}, nstr{&e.SharedEventID}, nstr{&e.VPCEndpointID},
		nstr{&p.Type}, nstr{&p.ARN}, nstr{&p.PrincipalID}, nstr{&p.AccountID}, nstr{&p.AccessKeyID}, nstr{&p.UserName},
		nstr{&p.RoleARN}, nstr{&p.SessionName}, nstr{&p.SourceIdentity}, nstr{&p.InvokedBy}, nstr{&p.OnBehalfOf},
		nbool{&p.MFAAuthenticated}, &resources, &raw)...)
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
