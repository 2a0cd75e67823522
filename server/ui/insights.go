package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/investigate"
)

// insightRow is one Insight as the page lists it.
type insightRow struct {
	*investigate.Insight
	Kind     string // "call rate" or "error rate"
	Rate     string // per minute, and the count
	Baseline string
	Who      string
	Share    string
	CallsURL string // the events page with the Insight's calls
	WhoURL   string // the events page with its main caller's calls
}

// insightsPage lists the Insights found (investigate.Insights) that began
// in the range the form gives, by default the 90 days before the newest
// event.
func (u *UI) insightsPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	page := map[string]any{"Title": "Insights", "Since": q.Get("since"), "Until": q.Get("until")}
	now := u.cfg.Now()
	var since, until time.Time
	var errs []string
	var err error
	if v := q.Get("since"); v != "" {
		if since, err = cairn.ParseTime(v, now); err != nil {
			errs = append(errs, "Began from: "+err.Error())
		}
	}
	if v := q.Get("until"); v != "" {
		if until, err = cairn.ParseUntil(v, now); err != nil {
			errs = append(errs, "Until: "+err.Error())
		}
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		errs = append(errs, "Began from must be before Until.")
	}
	if len(errs) > 0 {
		page["Errors"] = errs
		u.render(w, r, http.StatusBadRequest, "insights", s, page)
		return
	}
	ctx := r.Context()
	found, err := u.cfg.Insights(ctx, since, until)
	if err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "Insights could not be found: "+oneLine(err.Error()), err)
		return
	}
	if err := u.insightsRange(ctx, page, q, since, until, len(found) == 0); err != nil {
		u.fail(w, r, s, http.StatusInternalServerError, "The index could not say what it holds: "+oneLine(err.Error()), err)
		return
	}
	var rows []insightRow
	for i := range found {
		rows = append(rows, rowOf(&found[i]))
		if found[i].Ongoing {
			page["Ongoing"] = true
		}
	}
	page["Insights"] = rows
	u.render(w, r, http.StatusOK, "insights", s, page)
}

// insightsRange says on the page which range was searched ("Range"), and,
// when nothing was found, whether the range holds no events ("NoEvents",
// "EmptyIndex") and where to look further back ("Earlier"): the default
// range is the 90 days before the newest CloudTrail record, so one record
// of today moves it away from an archive of older ones and its Insights.
func (u *UI) insightsRange(ctx context.Context, page map[string]any, q url.Values, since, until time.Time, none bool) error {
	from, where := since, ""
	if since.IsZero() {
		var err error
		if from, err = investigate.DefaultInsightsSince(ctx, u.cfg.Index); err != nil {
			return err
		}
		if from.IsZero() {
			page["EmptyIndex"] = true
			return nil
		}
		where = "in the 90 days before the newest CloudTrail record, from " + from.Format(time.DateOnly)
	} else {
		where = "from " + dayOrTime(since)
	}
	if !until.IsZero() {
		if until.Equal(until.Truncate(24 * time.Hour)) {
			where += " through " + until.AddDate(0, 0, -1).Format(time.DateOnly)
		} else {
			where += " until " + dayOrTime(until)
		}
	}
	page["Range"] = where
	if !none {
		return nil
	}
	st, err := u.cfg.Index.Stats(ctx)
	if err != nil {
		return err
	}
	in, err := u.cfg.Index.Search(ctx, cairn.Filter{Since: from, Until: until}, cairn.Cursor{}, 1)
	if err != nil {
		return err
	}
	page["NoEvents"] = len(in.Events) == 0
	if st.Events > 0 && st.Oldest.Before(from.Truncate(24*time.Hour)) {
		earlier := url.Values{"since": {st.Oldest.UTC().Format(time.DateOnly)}}
		if v := q.Get("until"); v != "" {
			earlier.Set("until", v)
		}
		page["Earlier"], page["Oldest"] = "/insights?"+earlier.Encode(), st.Oldest.UTC().Format(time.DateOnly)
	}
	return nil
}

// dayOrTime is a date when t begins a day, else a time to the minute.
func dayOrTime(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02 15:04 UTC")
}

func rowOf(in *investigate.Insight) insightRow {
	row := insightRow{Insight: in, Kind: "call rate",
		Rate:     fmt.Sprintf("%s (%s)", investigate.PerMinute(in.Rate), count(in.Count)),
		Baseline: fmt.Sprintf("%s (at most %s in 10 min)", investigate.PerMinute(in.BaselineRate), count(in.BaselinePeak)),
	}
	calls := url.Values{"event": {in.EventName}, "service": {in.EventSource}, "account": {in.Account}, "region": {in.Region},
		"since": {in.Start.Format(time.RFC3339)}, "until": {in.End.Format(time.RFC3339)}}
	if in.Type == cloudtrail.InsightErrorRate {
		row.Kind = "error rate"
		calls.Set("error", in.ErrorCode)
	} else {
		calls.Set("readonly", "false")
	}
	row.CallsURL = "/events?" + calls.Encode()
	if who, share := in.MostlyBy(); who != "" {
		row.Who, row.Share = who, fmt.Sprintf("%.0f%%", 100*share)
		for _, a := range in.Attributions {
			if a.Attribute == "userIdentityArn" {
				calls.Set("user", a.Insight[0].Value)
			}
		}
		row.WhoURL = "/events?" + calls.Encode()
	}
	return row
}
