package ui

import (
	"cmp"
	"fmt"
	"html/template"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/investigate"
)

// Charts are inline SVG written here, every text escaped.

var esc = template.HTMLEscapeString

type bucket struct {
	Start     time.Time
	N, Errors int64
}

// chartUnit is what one bar of the activity chart counts.
type chartUnit string

const (
	unitHour  chartUnit = "hour"
	unitDay   chartUnit = "day"
	unitWeek  chartUnit = "week"
	unitMonth chartUnit = "month"
)

// unitFor picks the bars for a range: hours for three days, days for a
// year, then weeks and months, so that a range of years still draws a few
// hundred bars, each a few pixels wide, rather than thousands.
func unitFor(from, to time.Time) chartUnit {
	switch span := to.Sub(from); {
	case span <= 3*24*time.Hour:
		return unitHour
	case span <= 366*24*time.Hour:
		return unitDay
	case span <= 400*7*24*time.Hour:
		return unitWeek
	}
	return unitMonth
}

// start is the start of the bar that holds t: weeks begin on Monday.
func (u chartUnit) start(t time.Time) time.Time {
	t = t.UTC()
	switch u {
	case unitHour:
		return t.Truncate(time.Hour)
	case unitWeek:
		day := t.Truncate(24 * time.Hour)
		return day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	case unitMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Truncate(24 * time.Hour)
}

func (u chartUnit) next(t time.Time) time.Time {
	switch u {
	case unitHour:
		return t.Add(time.Hour)
	case unitWeek:
		return t.AddDate(0, 0, 7)
	case unitMonth:
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// label names a bar, with the year when the chart spans more than one.
func (u chartUnit) label(t time.Time, years bool) string {
	switch {
	case u == unitMonth:
		return t.Format("Jan 2006")
	case u == unitHour && years:
		return t.Format("Jan 2 2006 15:04")
	case u == unitHour:
		return t.Format("Jan 2 15:04")
	case years:
		return t.Format("Jan 2 2006")
	}
	return t.Format("Jan 2")
}

// maxBars bounds the bars of a chart: a range that begins centuries
// before its first event is drawn from that event.
const maxBars = 1200

// activityChart draws events and errors per unit between from and to,
// empty periods included; buckets may be finer than unit.
func activityChart(buckets []bucket, from, to time.Time, unit chartUnit) template.HTML {
	start := unit.start(from)
	if len(buckets) > 0 && int(to.Sub(start)/(30*24*time.Hour)) > maxBars {
		start = unit.start(slices.MinFunc(buckets, func(a, b bucket) int { return a.Start.Compare(b.Start) }).Start)
	}
	var counts []bucket
	at := map[int64]int{} // a bar's index by its start
	for t := start; t.Before(to) || len(counts) == 0; t = unit.next(t) {
		if len(counts) == maxBars {
			break
		}
		at[t.Unix()] = len(counts)
		counts = append(counts, bucket{Start: t})
	}
	n := len(counts)
	var max int64 = 1
	for _, b := range buckets {
		if i, ok := at[unit.start(b.Start).Unix()]; ok {
			counts[i].N += b.N
			counts[i].Errors += b.Errors
			max = maxInt(max, counts[i].N)
		}
	}
	years := start.Year() != to.Add(-time.Nanosecond).UTC().Year()
	label := func(t time.Time) string { return esc(unit.label(t, years)) }
	const W, H, top, bottom, left = 960.0, 180.0, 10.0, 24.0, 48.0
	plotW, plotH := W-left-8, H-top-bottom
	bw := plotW / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="activity-title"><title id="activity-title">Events and errors per %s, %s to %s</title>`,
		W, H, unit, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	// Axis and scale.
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, left, top+plotH, W-8, top+plotH)
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g" text-anchor="end">%s</text>`, left-4, top+8, count(max))
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g" text-anchor="end">0</text>`, left-4, top+plotH)
	for i, c := range counts {
		x := left + float64(i)*bw
		what := label(c.Start)
		if unit == unitWeek {
			what = "week of " + what
		}
		if c.N > 0 {
			h := plotH * float64(c.N) / float64(max)
			fmt.Fprintf(&b, `<rect class="bar" x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>%s: %s events, %s errors</title></rect>`,
				x, top+plotH-h, maxF(bw-1, 0.5), h, what, count(c.N), count(c.Errors))
		}
		if c.Errors > 0 {
			h := plotH * float64(c.Errors) / float64(max)
			fmt.Fprintf(&b, `<rect class="bar-error" x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>%s: %s errors</title></rect>`,
				x, top+plotH-h, maxF(bw-1, 0.5), maxF(h, 1), what, count(c.Errors))
		}
	}
	// A few labels along the axis.
	every := max1(n / 6)
	if years {
		every = max1(n / 5) // longer labels
	}
	for i := 0; i < n && left+float64(i)*bw < W-90; i += every {
		fmt.Fprintf(&b, `<text class="tick" x="%.2f" y="%g">%s</text>`, left+float64(i)*bw, H-6, label(counts[i].Start))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func maxF(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// timelineStrip draws a resource's timeline as one lane per kind of entry;
// failed calls are crosses. Every mark links to its row in the table, or,
// for the entries before rowsFrom that the table leaves out, to its event;
// the marks are for the mouse, the table for the keyboard.
func timelineStrip(tl *investigate.Timeline, rowsFrom int) template.HTML {
	if tl == nil || len(tl.Entries) == 0 {
		return ""
	}
	first, last := tl.Entries[0].Time, tl.Entries[len(tl.Entries)-1].Time
	span := last.Sub(first)
	if span <= 0 {
		span = time.Minute
		first = first.Add(-30 * time.Second)
	}
	lanes := []struct{ kind, name string }{
		{investigate.KindCall, "calls"}, {investigate.KindService, "AWS services"},
		{investigate.KindStateChange, "state changes"}, {investigate.KindHealth, "Health"},
	}
	const W, laneH, left, right = 960.0, 26.0, 110.0, 16.0
	H := laneH*float64(len(lanes)) + 26
	plotW := W - left - right
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart strip" viewBox="0 0 %g %g" role="img" aria-labelledby="strip-title"><title id="strip-title">Timeline of %s, %d entries from %s to %s</title>`,
		W, H, esc(tl.Resource), len(tl.Entries), first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339))
	for i, l := range lanes {
		y := float64(i)*laneH + laneH/2
		fmt.Fprintf(&b, `<text class="tick" x="4" y="%g">%s</text><line class="lane" x1="%g" y1="%g" x2="%g" y2="%g"/>`, y+4, esc(l.name), left, y, W-right, y)
	}
	for i := range tl.Entries {
		e := &tl.Entries[i]
		lane := 0
		for j, l := range lanes {
			if l.kind == e.Kind {
				lane = j
			}
		}
		x := left + plotW*float64(e.Time.Sub(first))/float64(span)
		y := float64(lane)*laneH + laneH/2
		title := e.Time.UTC().Format(time.RFC3339) + " " + e.EventName
		if e.State != "" {
			title += " → " + e.State
		}
		if e.Who != nil && e.Who.Name != "" {
			title += " by " + e.Who.Name
		}
		if e.Failed() {
			title += " FAILED " + e.ErrorCode
		}
		// Out of the tab order: a busy resource has hundreds of marks, and
		// the table below lists the same entries as links.
		if i < rowsFrom {
			fmt.Fprintf(&b, `<a href="/event/%s" tabindex="-1" aria-label="%s"><title>%s</title>`, esc(url.PathEscape(e.EventID)), esc(title), esc(title))
		} else {
			fmt.Fprintf(&b, `<a href="#entry-%d" tabindex="-1" aria-label="%s"><title>%s</title>`, i, esc(title), esc(title))
		}
		switch {
		case e.Failed():
			fmt.Fprintf(&b, `<path class="mark-failed" d="M%.1f %.1f l8 8 m0 -8 l-8 8"/>`, x-4, y-4)
		case e.Kind == investigate.KindHealth:
			fmt.Fprintf(&b, `<path class="mark-health" d="M%.1f %.1f l6 10 h-12 z"/>`, x, y-6)
		case e.Kind == investigate.KindStateChange:
			fmt.Fprintf(&b, `<path class="mark-state" d="M%.1f %.1f l6 6 l-6 6 l-6 -6 z"/>`, x, y-6)
		case e.Kind == investigate.KindService:
			fmt.Fprintf(&b, `<rect class="mark-service" x="%.1f" y="%.1f" width="9" height="9"/>`, x-4.5, y-4.5)
		default:
			fmt.Fprintf(&b, `<circle class="mark-call" cx="%.1f" cy="%.1f" r="5"/>`, x, y)
		}
		b.WriteString(`</a>`)
	}
	y := laneH*float64(len(lanes)) + 18
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g">%s</text><text class="tick" x="%g" y="%g" text-anchor="end">%s</text></svg>`,
		left, y, esc(first.UTC().Format("2006-01-02 15:04")), W-right, y, esc(last.UTC().Format("2006-01-02 15:04")))
	return template.HTML(b.String())
}

// dayChart draws a cost report by day.
func dayChart(rep *cost.Report) template.HTML {
	if rep == nil || len(rep.Rows) == 0 {
		return ""
	}
	// The lines billed for longer than a day are no day's: the page says
	// what they add up to, under the chart.
	days := slices.DeleteFunc(slices.Clone(rep.Rows), func(r cost.ReportRow) bool { return r.Key == cost.LabelWholePeriod })
	if len(days) == 0 {
		return ""
	}
	vals := make([]float64, len(days))
	max := 0.0
	for i, r := range days {
		vals[i] = amountFloat(r.Amount)
		max = maxF(max, vals[i])
	}
	if max <= 0 {
		max = 1
	}
	const W, H, top, bottom, left = 960.0, 180.0, 10.0, 24.0, 64.0
	plotW, plotH := W-left-8, H-top-bottom
	bw := plotW / float64(len(vals))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="cost-day-title"><title id="cost-day-title">Cost per day, %s</title>`, W, H, esc(rep.Month))
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, left, top+plotH, W-8, top+plotH)
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g" text-anchor="end">%s</text>`, left-4, top+8, esc(fmt.Sprintf("%.0f", max)))
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g" text-anchor="end">0</text>`, left-4, top+plotH)
	for i, v := range vals {
		h := plotH * v / max
		if h < 0 {
			h = 0
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>%s: %s</title></rect>`,
			left+float64(i)*bw, top+plotH-h, maxF(bw-2, 0.5), h, esc(days[i].Key), esc(money(days[i].Amount)))
	}
	every := max1(len(vals) / 8)
	for i := 0; i < len(vals) && left+float64(i)*bw < W-70; i += every {
		fmt.Fprintf(&b, `<text class="tick" x="%.2f" y="%g">%s</text>`, left+float64(i)*bw, H-6, esc(days[i].Key))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func amountFloat(s string) float64 {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0
	}
	f, _ := r.Float64()
	return f
}

// money rounds an exact decimal to cents, with thousands separators.
func money(s string) string { return cost.Cents(s) }

// userParam is the value of /events?user= that finds a principal's events.
func userParam(p cairn.Principal) string {
	switch {
	case p.SourceIdentity != "":
		return p.SourceIdentity
	case p.Type == "AssumedRole" && p.SessionName != "":
		return p.SessionName
	case p.UserName != "" && p.Type == "IAMUser":
		return p.UserName
	case p.ARN != "":
		return p.ARN
	case p.AccountID == cairn.Anonymous:
		return cairn.Anonymous
	}
	return cmp.Or(p.PrincipalID, p.InvokedBy)
}

// whoParam is the user search that finds the events of the one who made a
// call, as an investigation names them; empty for a service.
func whoParam(w *investigate.Who) string {
	switch {
	case w == nil || w.Service != "" && w.ARN == "":
		return ""
	case w.SourceIdentity != "":
		return w.SourceIdentity
	case w.Session != "":
		return w.Session
	}
	return w.ARN
}

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pathesc":  url.PathEscape,
	"query":    url.QueryEscape,
	"user":     userParam,
	"who":      whoParam,
	"money":    money,
	"count":    count,
	"mb":       func(bytes int64) string { return fmt.Sprintf("%.1f MB", float64(bytes)/1e6) },
	"add":      func(a, b int) int { return a + b },
	"pct":      func(part, total int64) string { return pctOf(part, total) },
	"failed":   func(e *cairn.Event) bool { return e.Failed() },
	"deref":    func(b *bool) string { return derefBool(b) },
	"creators": spikeCreators,
	"verdict":  verdictWords,
}

// verdictWords says a why verdict as its heading reads: the token stays in
// the page's data-verdict, and in the CLI's and API's answers.
func verdictWords(v string) string {
	switch v {
	case investigate.VerdictAPICall:
		return "an API call"
	case investigate.VerdictServiceAction:
		return "an AWS service"
	case investigate.VerdictAWSHealth:
		return "AWS Health: an AWS-side event, not an API call"
	case investigate.VerdictNoAPIActivity:
		return "nothing that went through the API"
	case investigate.VerdictNoChange:
		return "no change of state recorded"
	}
	return v
}

// count writes an int or int64 with thousands separators: 147,606.
func count(n any) string {
	var s string
	switch v := n.(type) {
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	default:
		return fmt.Sprint(n)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func pctOf(part, total int64) string {
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%.1f", 100*float64(part)/float64(total))
}

func derefBool(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "yes"
	}
	return "no"
}
