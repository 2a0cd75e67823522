package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json/jsontext"
)

func runSearch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "search", "")
	data := dataFlag(fs, e)
	var f cairn.Filter
	fs.StringVar(&f.User, "user", "", "user name, role session name, ARN, source identity, Identity Center user ID, the AWS service acting, or root")
	event := fs.String("event", "", "event name, e.g. RunInstances, or as the table shows it, ec2:RunInstances")
	service := fs.String("service", "", "event source, e.g. ec2 or ec2.amazonaws.com")
	fs.StringVar(&f.ResourceID, "resource", "", "resource ID or ARN, e.g. i-0abc or a bucket name")
	fs.StringVar(&f.AccessKeyID, "access-key", "", "access key ID")
	fs.StringVar(&f.SourceIP, "ip", "", "source IP address")
	fs.StringVar(&f.Account, "account", "", "the account the event was delivered to (recipientAccountId)")
	fs.StringVar(&f.Region, "region", "", "the region the call was made in (awsRegion)")
	fs.StringVar(&f.ErrorCode, "error", "", `error code, or "any" for every failed call`)
	fs.StringVar(&f.EventID, "id", "", "event ID")
	fs.StringVar(&f.Text, "text", "", "text anywhere in the record (case-insensitive)")
	readOnly := fs.String("readonly", "", "true or false")
	since := fs.String("since", "", "from this time (RFC 3339, or a date: 2026-03-14) or this long ago (72h, 30d)")
	until := fs.String("until", "", "before this time or this long ago; a date means through that day")
	limit := fs.Int("limit", 50, "at most this many events (0: all)")
	oldestFirst := fs.Bool("oldest-first", false, "the oldest matches first, as an incident unfolded (read a day at a time)")
	format := fs.String("format", "table", "table, json (JSON lines of raw records) or csv")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q; search takes only flags", errUsage, pos[0])
	}
	f.TrimSpace()
	*event, *service = strings.TrimSpace(*event), strings.TrimSpace(*service)
	if strings.Contains(f.SourceIP, "/") {
		return fmt.Errorf("%w: -ip takes one address, not a network; for %s, cairn sql \"SELECT … FROM events WHERE sourceIPAddress LIKE '…%%'\"", errUsage, f.SourceIP)
	}
	if *limit < 0 {
		return fmt.Errorf("%w: -limit must be 0 (all) or more, not %d", errUsage, *limit)
	}
	bareSource, err := f.SetEventService(*event, *service)
	if err != nil {
		return fmt.Errorf("%w: -event %s and -service %s name different services", errUsage, *event, *service)
	}
	switch *readOnly {
	case "":
	case "true":
		f.ReadOnly = cairn.BoolTrue
	case "false":
		f.ReadOnly = cairn.BoolFalse
	default:
		return fmt.Errorf("%w: -readonly takes true or false, not %q", errUsage, *readOnly)
	}
	now := time.Now().UTC()
	if f.Since, f.Until, err = parseRange(*since, *until, now); err != nil {
		return err
	}
	if err := tableOr(format, "json", "csv"); err != nil {
		return err
	}
	out, err := newEventWriter(e.stdout, *format)
	if err != nil {
		return err
	}
	r, err := openReader(ctx, e, *data)
	if err != nil {
		return err
	}
	defer r.Close()
	// ec2 is AWS's ec2.amazonaws.com, but an application's events
	// (PutAuditEvents) may name a source without a dot, myapp, as the EVENT
	// column then shows it.
	if f, err = cairn.WithBareSource(ctx, r, f, bareSource); err != nil {
		return err
	}
	write := writeNewestFirst
	if *oldestFirst {
		write = writeOldestFirst
	}
	more, err := write(ctx, r, f, *limit, out)
	// An event name or error code typed in another case is looked up only
	// when it found nothing, so that every other search costs nothing more.
	if err == nil && out.n == 0 {
		var stored cairn.Filter
		if stored, err = cairn.WithStoredNames(ctx, r, f); err == nil && stored != f {
			f = stored
			more, err = write(ctx, r, f, *limit, out)
		}
	}
	// A user, likewise, in another case, or as part of a name.
	var similar []string
	if err == nil && out.n == 0 && f.User != "" {
		var same string
		if same, similar, err = cairn.UsersLike(ctx, r, f.User); err == nil && same != "" && same != f.User {
			f.User = same
			more, err = write(ctx, r, f, *limit, out)
		}
	}
	if err != nil {
		return err
	}
	if err := out.close(); err != nil {
		return err
	}
	if out.n == 0 {
		// An empty index (a data folder of cost reports alone) is said so,
		// not left to look like a search that matched nothing.
		if oldest, _, err := indexSpan(ctx, r); err == nil && oldest.IsZero() {
			fmt.Fprintln(e.stderr, "the index holds no events: run cairn ingest URL (a folder or s3://bucket/prefix of CloudTrail logs) first")
			return nil
		}
		if len(similar) > 0 {
			fmt.Fprintf(e.stderr, "no events of user %s; users whose names contain it: %s\n", f.User, strings.Join(similar, ", "))
		}
		if err := sayNamesNear(ctx, e.stderr, r, f); err != nil {
			return err
		}
		if note := rangeOutsideIndex(ctx, r, f.Since, f.Until, *since, *until); note != "" {
			fmt.Fprintln(e.stderr, note)
		}
	}
	if more {
		which := "newest"
		if *oldestFirst {
			which = "oldest"
		}
		fmt.Fprintf(e.stderr, "(the %s %d shown; more match: -limit N shows more, -limit 0 all)\n", which, *limit)
	}
	return nil
}

// sayNamesNear tells, of a search that found nothing, the stored event
// names and error codes near those it asked for, when the index holds none
// by the names given: RunInstance, mistyped, finds nothing at all.
func sayNamesNear(ctx context.Context, w io.Writer, q cairn.Querier, f cairn.Filter) error {
	mistyped, err := cairn.MistypedNames(ctx, q, f)
	for _, m := range mistyped {
		fmt.Fprintf(w, "no events have the %s %s; %ss like it: %s\n", m.What, m.Typed, m.What, strings.Join(m.Near, ", "))
	}
	return err
}

// writeNewestFirst writes up to limit matches (0: all), newest first, as
// the index answers, and reports whether more match.
func writeNewestFirst(ctx context.Context, r reader, f cairn.Filter, limit int, out *eventWriter) (bool, error) {
	var cur cairn.Cursor
	left := limit
	for {
		n := 1000
		if limit > 0 && left < n {
			n = left + 1 // one more, to know whether more match
		}
		page, err := r.Search(ctx, f, cur, n)
		if err != nil {
			return false, err
		}
		evs, more := page.Events, false
		if limit > 0 && len(evs) > left {
			evs, more = evs[:left], true
		}
		for i := range evs {
			if err := out.write(&evs[i]); err != nil {
				return false, err
			}
		}
		left -= len(evs)
		if more || page.Next.IsZero() || (limit > 0 && left <= 0) {
			return more, nil
		}
		cur = page.Next
	}
}

// writeOldestFirst writes up to limit matches (0: all), oldest first, and
// reports whether more match. The index answers newest first, so the range
// is read a day at a time, each day's matches turned around in memory: a
// day's are few enough where a whole search's might not be.
func writeOldestFirst(ctx context.Context, r reader, f cairn.Filter, limit int, out *eventWriter) (bool, error) {
	// The days read are those the index holds events in: -since 2000-01-01
	// would otherwise be thousands of searches of empty days.
	oldest, end, err := indexSpan(ctx, r)
	if err != nil || oldest.IsZero() {
		return false, err // an error, or an empty index
	}
	from, to := f.Since, f.Until
	if from.Before(oldest) {
		from = oldest
	}
	if to.IsZero() || to.After(end) {
		to = end
	}
	written := 0
	for day := from.Truncate(24 * time.Hour); day.Before(to); day = day.Add(24 * time.Hour) {
		g := f
		g.Since, g.Until = day, day.Add(24*time.Hour)
		if g.Since.Before(from) {
			g.Since = from
		}
		if g.Until.After(to) {
			g.Until = to
		}
		var evs []cairn.Event
		var cur cairn.Cursor
		for {
			page, err := r.Search(ctx, g, cur, 1000)
			if err != nil {
				return false, err
			}
			evs = append(evs, page.Events...)
			if page.Next.IsZero() || len(page.Events) == 0 {
				break
			}
			cur = page.Next
		}
		slices.Reverse(evs)
		for i := range evs {
			if limit > 0 && written == limit {
				return true, nil
			}
			if err := out.write(&evs[i]); err != nil {
				return false, err
			}
			written++
		}
	}
	return false, nil
}

// eventWriter prints events in one of the output formats.
type eventWriter struct {
	format string
	w      io.Writer
	tw     *tabwriter.Writer
	cw     *csv.Writer
	n      int
}

func newEventWriter(w io.Writer, format string) (*eventWriter, error) {
	ew := &eventWriter{format: format, w: w}
	switch format {
	case "table":
		ew.tw = tabwriter.NewWriter(terminalText(w), 0, 4, 2, ' ', 0)
		fmt.Fprintln(ew.tw, "TIME\tUSER\tEVENT\tREGION\tRESOURCES\tIP\tERROR")
	case "csv":
		ew.cw = csv.NewWriter(w)
		ew.cw.Write([]string{"eventTime", "eventID", "user", "principalArn", "accessKeyId", "eventSource", "eventName",
			"awsRegion", "recipientAccountId", "sourceIPAddress", "userAgent", "errorCode", "readOnly", "resources", "errorMessage"})
	case "json":
	default:
		return nil, fmt.Errorf("%w: -format takes table, json or csv, not %q", errUsage, format)
	}
	return ew, nil
}

// oneJSONLine is a raw record as one line of JSON lines: byte for byte,
// unless it was stored over several lines (never one of CloudTrail's, which
// are written compact), when the whitespace between its values goes.
func oneJSONLine(raw []byte) []byte {
	if !bytes.ContainsAny(raw, "\r\n") {
		return raw
	}
	v := jsontext.Value(slices.Clone(raw))
	if v.Compact() != nil {
		return raw
	}
	return v
}

func (ew *eventWriter) write(ev *cairn.Event) error {
	ew.n++
	switch ew.format {
	case "json":
		_, err := fmt.Fprintf(ew.w, "%s\n", oneJSONLine(ev.Raw))
		return err
	case "csv":
		rec := []string{ev.EventTime.Format(time.RFC3339), ev.EventID, ev.Principal.Name(), ev.Principal.ARN,
			ev.Principal.AccessKeyID, ev.EventSource, ev.EventName, ev.AWSRegion, ev.RecipientAccountID,
			ev.SourceIPAddress, ev.UserAgent, ev.ErrorCode, ev.ReadOnly.String(), resourceList(ev, 0), ev.ErrorMessage}
		for i := range rec {
			rec[i] = csvCell(rec[i])
		}
		return ew.cw.Write(rec)
	}
	src := strings.TrimSuffix(ev.EventSource, ".amazonaws.com")
	_, err := fmt.Fprintf(ew.tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.EventTime.Format(time.RFC3339), clip(ev.Principal.Name(), 40),
		cellText(src+":"+ev.EventName), cellText(ev.AWSRegion), clip(resourceList(ev, 3), 60), cellText(ev.SourceIPAddress), cellText(ev.ErrorCode))
	return err
}

func (ew *eventWriter) close() error {
	switch ew.format {
	case "table":
		if ew.n == 0 {
			fmt.Fprintln(ew.tw, "(no events match)")
		}
		return ew.tw.Flush()
	case "csv":
		ew.cw.Flush()
		return ew.cw.Error()
	}
	return nil
}

// resourceList renders up to max resource IDs (all when max is 0).
func resourceList(ev *cairn.Event, max int) string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range ev.Resources {
		if seen[r.ID] || r.ID == "" {
			continue
		}
		seen[r.ID] = true
		ids = append(ids, r.ID)
	}
	if max > 0 && len(ids) > max {
		ids = append(ids[:max], fmt.Sprintf("+%d", len(ids)-max))
	}
	return strings.Join(ids, ",")
}

// clip is s as a table cell (cellText) of at most n characters.
func clip(s string, n int) string {
	s = cellText(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
