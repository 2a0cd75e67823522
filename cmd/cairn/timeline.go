package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/investigate"
)

// runTimeline prints every event that touched a resource, oldest first.
func runTimeline(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "timeline", "RESOURCE")
	data := dataFlag(fs, e)
	since := fs.String("since", "", "from this time (RFC 3339, or a date: 2026-03-14) or this long ago (72h, 30d)")
	until := fs.String("until", "", "before this time or this long ago; a date means through that day")
	format := fs.String("format", "text", "text or json")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: name one resource: an instance ID, a bucket, a role name, an ARN", errUsage)
	}
	if err := textOrJSON(format); err != nil {
		return err
	}
	now := time.Now().UTC()
	from, to, err := parseRange(*since, *until, now)
	if err != nil {
		return err
	}
	r, err := openReader(ctx, e, *data)
	if err != nil {
		return err
	}
	defer r.Close()
	tl, err := investigate.New(r, investigate.DefaultConfig()).Timeline(ctx, pos[0], from, to)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(tl)
	}
	if len(tl.Entries) == 0 {
		switch {
		case strings.HasPrefix(pos[0], "i-") && madeCalls(ctx, r, pos[0], from, to):
			// Only the instance's own calls, through its role, name it.
			fmt.Fprintf(e.stderr, "no event names %s, but it made calls itself: cairn search -user %s\n", pos[0], pos[0])
		case from.IsZero() && to.IsZero():
			fmt.Fprintf(e.stderr, "no event names %s; check the ID, or ingest the trail that recorded it\n", pos[0])
		default:
			fmt.Fprintf(e.stderr, "no event names %s in that time range; leave out -since and -until to see its whole history\n", pos[0])
		}
		return nil
	}
	printTimeline(terminalText(e.stdout), tl)
	if strings.HasPrefix(pos[0], "i-") {
		// An instance's own calls (its SSM agent's, its applications') are
		// made as it, not on it; why reads them for when it went quiet.
		fmt.Fprintf(e.stderr, "(the calls the instance made itself are not listed: cairn search -user %s)\n", pos[0])
	}
	return nil
}

func printTimeline(w io.Writer, tl *investigate.Timeline) {
	head := tl.Resource
	if tl.Type != "" {
		head += " (" + tl.Type + ")"
	}
	fmt.Fprintf(w, "%s: %d %s", head, len(tl.Entries), plural(len(tl.Entries), "event", "events"))
	if len(tl.Related) > 0 {
		fmt.Fprintf(w, ", with those of %s", strings.Join(tl.Related, ", "))
	}
	fmt.Fprintln(w)
	if tl.Truncated {
		fmt.Fprintln(w, "(only the newest events are shown; narrow with -since/-until)")
	}
	if tl.Places != nil {
		fmt.Fprintln(w, "("+investigate.PlacesNote(tl.Resource, tl.Places)+")")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// Where a name stands for several resources, each row says whose.
	where := func(*investigate.Entry) string { return "" }
	head = "TIME\tKIND\tEVENT\tWHO\tFROM\tHOW\tRESULT"
	if tl.Places != nil {
		where = func(ent *investigate.Entry) string { return "\t" + strings.TrimSpace(ent.Account+" "+ent.Region) }
		head += "\tWHERE"
	}
	fmt.Fprintln(tw, head)
	for i := range tl.Entries {
		ent := &tl.Entries[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", ent.Time.UTC().Format(time.RFC3339), ent.Kind, entryWhat(ent),
			entryWho(ent), ent.SourceIP, entryHow(ent), entryResult(ent), where(ent))
	}
	tw.Flush()
}

func entryWhat(ent *investigate.Entry) string {
	s := ent.EventName
	switch ent.Kind {
	case investigate.KindStateChange:
		s = "state → " + ent.State
	case investigate.KindHealth:
		s = "AWS Health " + ent.EventName
	}
	if ent.Via != "" {
		s += " [on " + ent.Via + "]"
	}
	return s
}

func entryWho(ent *investigate.Entry) string {
	w := ent.Who
	if w == nil {
		return "AWS"
	}
	s := w.Name
	if w.Role != "" && w.Role != w.Name {
		s += " as " + w.Role
	}
	if w.IssuedBy != nil && w.IssuedBy.Name != "" && w.IssuedBy.Name != w.Name {
		s += " (assumed by " + w.IssuedBy.Name + ")"
	}
	if w.MFA == "true" {
		s += " +MFA"
	}
	return s
}

func entryHow(ent *investigate.Entry) string {
	if ent.Tool == "" {
		return ""
	}
	return ent.Tool
}

func entryResult(ent *investigate.Entry) string {
	switch {
	case ent.Failed():
		return strings.TrimSpace("FAILED " + ent.ErrorCode)
	case ent.Kind == investigate.KindHealth:
		return ent.Detail
	}
	return "ok"
}

// madeCalls reports whether user, an instance's role session, made any
// call between from and to (either may be zero).
func madeCalls(ctx context.Context, r reader, user string, from, to time.Time) bool {
	page, err := r.Search(ctx, cairn.Filter{User: user, Since: from, Until: to}, cairn.Cursor{}, 1)
	return err == nil && len(page.Events) > 0
}
