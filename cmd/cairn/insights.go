package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/investigate"
)

// runInsights lists the APIs whose write calls or errors came unusually
// fast, as CloudTrail Insights would.
func runInsights(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "insights", "[-since T] [-until T]")
	data := dataFlag(fs, e)
	since := fs.String("since", "", "activity that began from this time (RFC 3339, or a date: 2026-03-14) or this long ago (72h, 30d); default 90 days before the newest CloudTrail record")
	until := fs.String("until", "", "activity that began before this time or this long ago; a date means through that day")
	format := fs.String("format", "text", "text, json (the Insights found) or records (CloudTrail's Insights records, {\"Records\":[…]})")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: insights takes no arguments; bound the time with -since and -until", errUsage)
	}
	if *format == "table" {
		*format = "text" // as textOrJSON reads it
	}
	if *format != "text" && *format != "json" && *format != "records" {
		return fmt.Errorf("%w: -format takes text, json or records, not %q", errUsage, *format)
	}
	from, to, err := parseRange(*since, *until, time.Now().UTC())
	if err != nil {
		return err
	}
	r, err := openReader(ctx, e, *data)
	if err != nil {
		return err
	}
	defer r.Close()
	// The default range is found here, so that an empty answer can say
	// which days it covered: one event recorded today moves it away from
	// an archive of older events.
	where := "from " + from.Format(time.DateOnly)
	if from.IsZero() {
		if from, err = investigate.DefaultInsightsSince(ctx, r); err != nil {
			return err
		}
		where = "in the 90 days before the newest CloudTrail record, from " + from.Format(time.DateOnly) + " (give -since to look further back)"
	}
	found, err := investigate.Insights(ctx, r, from, to)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	switch *format {
	case "json":
		if found == nil {
			found = []investigate.Insight{}
		}
		return enc.Encode(found)
	case "records":
		records := []cloudtrail.InsightRecord{}
		for i := range found {
			records = append(records, found[i].Records()...)
		}
		return enc.Encode(struct {
			Records []cloudtrail.InsightRecord `json:"Records"`
		}{records})
	}
	if len(found) == 0 {
		if from.IsZero() {
			fmt.Fprintln(e.stderr, "no unusual activity: the index holds no events")
			return nil
		}
		if note := rangeOutsideIndex(ctx, r, from, to, *since, *until); note != "" {
			fmt.Fprintf(e.stderr, "no unusual activity %s: %s\n", where, note)
			return nil
		}
		fmt.Fprintf(e.stderr, "no unusual activity %s: no API's write calls or errors came much faster than in the week before (an account and region needs seven days of history first)\n", where)
		return nil
	}
	printInsights(terminalText(e.stdout), found)
	if slices.ContainsFunc(found, func(in investigate.Insight) bool { return in.Ongoing }) {
		fmt.Fprintln(e.stderr, "(minutes ending in + are still unusual where the data ends)")
	}
	return nil
}

func printInsights(w io.Writer, found []investigate.Insight) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tMINUTES\tACCOUNT\tREGION\tINSIGHT\tAPI\tPER MINUTE\tWEEK BEFORE\tMOSTLY BY")
	for i := range found {
		in := &found[i]
		what, api := "call rate", in.EventSource+" "+in.EventName
		if in.Type == cloudtrail.InsightErrorRate {
			what, api = "error rate", api+" "+in.ErrorCode
		}
		minutes := fmt.Sprint(in.Minutes())
		if in.Ongoing {
			minutes += "+"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s (%d)\t%s (at most %d in 10 min)\t%s\n",
			in.Start.Format(time.RFC3339), minutes, in.Account, in.Region, what, api,
			investigate.PerMinute(in.Rate), in.Count, investigate.PerMinute(in.BaselineRate), in.BaselinePeak, topCaller(in))
	}
	tw.Flush()
}

// topCaller names the identity that made most of an Insight's calls.
func topCaller(in *investigate.Insight) string {
	who, share := in.MostlyBy()
	if who == "" {
		return ""
	}
	return fmt.Sprintf("%s (%.0f%%)", who, 100*share)
}
