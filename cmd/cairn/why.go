package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cairn-audit/cairn/investigate"
)

// runWhy explains the change of state of a resource nearest a moment.
func runWhy(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "why", "RESOURCE | -event ID")
	data := dataFlag(fs, e)
	event := fs.String("event", "", "explain why the call with this event ID was denied, instead of a resource's change")
	at := fs.String("at", "", "the moment to explain (RFC 3339, or this long ago: 2h); default now")
	window := new(30 * time.Minute)
	fs.Var(spanFlag{window}, "window", "how far before the change to look for causes (30m, 24h, 2d)")
	format := fs.String("format", "text", "text or json")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if err := textOrJSON(format); err != nil {
		return err
	}
	if *event != "" {
		if len(pos) != 0 || *at != "" {
			return fmt.Errorf("%w: -event explains one call; give no resource and no -at with it", errUsage)
		}
		return whyDenied(ctx, e, *data, *event, *format)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: name one resource, e.g. cairn why i-0abc -at 2026-03-14T03:10:00Z, or a denied call with -event ID", errUsage)
	}
	if *window <= 0 {
		return fmt.Errorf("%w: -window must be positive", errUsage)
	}
	now := time.Now().UTC().Truncate(time.Second) // records are to the second
	t := now
	if *at != "" {
		if t, err = parseTime(*at, now); err != nil {
			return err
		}
	}
	r, err := openReader(ctx, e, *data)
	if err != nil {
		return err
	}
	defer r.Close()
	ex, err := investigate.New(r, investigate.DefaultConfig()).Why(ctx, pos[0], t, *window)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	printWhy(terminalText(e.stdout), ex)
	return nil
}

// whyDenied explains why the call with event ID id was denied.
func whyDenied(ctx context.Context, e *env, data, id, format string) error {
	r, err := openReader(ctx, e, data)
	if err != nil {
		return err
	}
	defer r.Close()
	rf, err := investigate.New(r, investigate.DefaultConfig()).WhyDenied(ctx, id)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rf)
	}
	printDenied(terminalText(e.stdout), rf)
	return nil
}

func printDenied(w io.Writer, rf *investigate.Refusal) {
	fmt.Fprintf(w, "%s\n", rf.Summary)
	if d := rf.Denial; d != nil {
		kind := "no " + d.PolicyType + " policy allows it"
		if d.Explicit {
			kind = "an explicit deny in a " + d.PolicyType + " policy"
		}
		if d.PolicyType == "" {
			kind = "the message does not say which policy"
		}
		fmt.Fprintf(w, "\ndenied: %s", d.Action)
		if d.Resource != "" {
			fmt.Fprintf(w, " on %s", d.Resource)
		}
		fmt.Fprintf(w, " to %s: %s", d.Principal, kind)
		if d.Policy != "" {
			fmt.Fprintf(w, " (%s)", d.Policy)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "identity: %s, refused %d %s\n", rf.Identity, rf.Denied, plural(rf.Denied, "time", "times"))
	for _, l := range []struct {
		what string
		e    *investigate.Entry
	}{{"last allowed", rf.LastAllowed}, {"next allowed", rf.NextAllowed}} {
		if l.e != nil {
			fmt.Fprintf(w, "%s: %s  %s by %s  %s\n", l.what, l.e.Time.UTC().Format(time.RFC3339), l.e.EventName, entryWho(l.e), l.e.EventID)
		}
	}
	if len(rf.Changes) > 0 {
		fmt.Fprintf(w, "\nchanges to the policies:\n")
		for i := range rf.Changes {
			c := &rf.Changes[i]
			fmt.Fprintf(w, "  %s  %s by %s from %s  %s\n", c.Time.UTC().Format(time.RFC3339), c.EventName, entryWho(c), c.SourceIP, c.EventID)
		}
	}
}

func printWhy(w io.Writer, ex *investigate.Explanation) {
	fmt.Fprintf(w, "%s\n\nverdict: %s\n", ex.Summary, ex.Verdict)
	if c := ex.Cause; c != nil {
		fmt.Fprintf(w, "\ncause:\n")
		printCandidate(w, c)
		if c.Trigger != nil {
			fmt.Fprintf(w, "  triggered by %s %s on %s by %s from %s\n", c.Trigger.Time.UTC().Format(time.RFC3339),
				c.Trigger.EventName, c.Trigger.Via, entryWho(c.Trigger), c.Trigger.SourceIP)
		}
	}
	if len(ex.Candidates) > 1 {
		fmt.Fprintf(w, "\nother candidates:\n")
		for i := range ex.Candidates {
			if c := &ex.Candidates[i]; ex.Cause == nil || c.EventID != ex.Cause.EventID {
				printCandidate(w, c)
			}
		}
	}
	if len(ex.FailedAttempts) > 0 {
		fmt.Fprintf(w, "\nfailed attempts:\n")
		for i := range ex.FailedAttempts {
			f := &ex.FailedAttempts[i]
			fmt.Fprintf(w, "  %s  %s by %s from %s: %s\n", f.Time.UTC().Format(time.RFC3339), f.EventName, entryWho(f), f.SourceIP, f.ErrorCode)
		}
	}
	if len(ex.Evidence) > 0 {
		fmt.Fprintf(w, "\nevidence:\n")
		for i := range ex.Evidence {
			ev := &ex.Evidence[i]
			what := entryWhat(ev)
			if ev.Kind == investigate.KindHealth {
				what = "AWS Health" // the detail starts with the event's code
			}
			fmt.Fprintf(w, "  %s  %s  %s\n", ev.Time.UTC().Format(time.RFC3339), what, ev.Detail)
		}
	}
	if o := ex.OwnCalls; o != nil {
		fmt.Fprintf(w, "\nits own calls: %d in the window", o.Count)
		if o.Rhythm != "" {
			fmt.Fprintf(w, ", at least every %s otherwise", o.Rhythm)
		}
		if o.Silent {
			fmt.Fprintf(w, "; it went quiet between these two")
		}
		fmt.Fprintln(w)
		for _, e := range []*investigate.Entry{o.Last, o.Next} {
			if e != nil {
				fmt.Fprintf(w, "  %s  %s  %s\n", e.Time.UTC().Format(time.RFC3339), entryWhat(e), e.EventID)
			}
		}
	}
	if ex.Settle != "" {
		fmt.Fprintf(w, "\nto settle it: %s\n", ex.Settle)
	}
}

func printCandidate(w io.Writer, c *investigate.Candidate) {
	fmt.Fprintf(w, "  %s  %s by %s", c.Time.UTC().Format(time.RFC3339), entryWhat(&c.Entry), entryWho(&c.Entry))
	if c.SourceIP != "" {
		fmt.Fprintf(w, " from %s", c.SourceIP)
	}
	if c.Tool != "" {
		fmt.Fprintf(w, " with %s", c.Tool)
	}
	fmt.Fprintf(w, "  (score %.2f: %s; event %s)\n", c.Score, c.Reason, c.EventID)
}
