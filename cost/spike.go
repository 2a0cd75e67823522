package cost

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// Spike is a period whose cost rose well above its baseline, with the
// resources that rose and the API calls that preceded the rise.
type Spike struct {
	Granularity string    `json:"granularity"` // "hour" or "day"
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Baseline    string    `json:"baseline"` // the typical cost of one period before
	Peak        string    `json:"peak"`     // the highest cost of one period in the spike
	Increase    string    `json:"increase"` // what the spike cost above the baseline, over its whole span
	Currency    string    `json:"currency,omitempty"`
	// Resources are the resources that rose most, most first (ties by
	// resource ID); MoreResources counts those that rose too and are not
	// listed.
	Resources     []SpikeResource `json:"resources"`
	MoreResources int             `json:"moreResources"`
	// Creators gathers every resource that rose, listed or not, by who its
	// cost goes to and the call that created it, most first: a fleet of
	// twenty launched by two calls is two lines, whatever the top shows.
	Creators []SpikeCreator `json:"creators"`
	// HourSpikes counts, for a day's spike, the hour spikes that lie in it:
	// the same rise seen by the hour, whose increase is not to be added to
	// this one.
	HourSpikes int `json:"hourSpikes,omitempty"`
}

// SpikeCreator is the share of a spike's rise that one attribution takes.
type SpikeCreator struct {
	Principal string `json:"principal"`
	Method    string `json:"method"`
	EventID   string `json:"eventId,omitempty"` // the creating call, for creation-event and parent methods
	Resources int    `json:"resources"`
	Increase  string `json:"increase"`
}

// SpikeResource is a resource whose cost rose in a spike.
type SpikeResource struct {
	ResourceID string `json:"resourceId"`
	Account    string `json:"account"`
	Service    string `json:"service"`
	// Increase is what the resource cost over the spike's whole span above
	// what it cost in the period before, kept up as long: summed over the
	// same periods as the spike's Increase, so the two compare.
	Increase    string      `json:"increase"`
	Attribution Attribution `json:"attribution"`
	Calls       []Call      `json:"calls"`
}

// Call is an API call that preceded a spike.
type Call struct {
	Time      time.Time `json:"time"`
	EventID   string    `json:"eventId"`
	EventName string    `json:"eventName"`
	Principal string    `json:"principal"`
	SourceIP  string    `json:"sourceIPAddress,omitempty"`
	Resource  string    `json:"resource"`
}

// Searcher finds events; a cairn.Index and cairn's server client both are.
type Searcher = cairn.Searcher

// SpikeConfig tunes spike detection.
type SpikeConfig struct {
	Month    string
	Payer    string
	Service  string
	OwnerTag string
	// Factor: a period is a spike when it costs more than Factor times its
	// baseline (the median of the periods before it) …
	Factor float64
	// … and at least MinIncrease more, so that cents do not make spikes.
	MinIncrease float64
	// Top bounds the resources listed per spike.
	Top int
}

// Validate checks the configuration; zero Factor and Top mean the
// defaults.
func (c SpikeConfig) Validate() error {
	if err := validMonth(c.Month); err != nil {
		return err
	}
	if c.Factor != 0 && !(c.Factor > 1) {
		return fmt.Errorf("factor must be more than 1, not %g", c.Factor)
	}
	if !(c.MinIncrease >= 0) {
		return fmt.Errorf("min-increase must be 0 or more, not %g", c.MinIncrease)
	}
	return nil
}

// DefaultSpikeConfig flags hours and days that cost over twice their
// baseline and at least 5 more.
func DefaultSpikeConfig() SpikeConfig {
	return SpikeConfig{Factor: 2, MinIncrease: 5, Top: 5}
}

// usageTypes are the line items that follow resources hour by hour; fees,
// taxes and credits land on the first of the month and are not spikes of
// use.
const usageFilter = "charge_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')"

// Spikes finds the hours and days whose cost rose well above their
// baseline, the resources that rose, and the calls on them in the day
// before. An empty store has none.
func (r *Reporter) Spikes(ctx context.Context, events Searcher, cfg SpikeConfig) ([]Spike, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Factor == 0 {
		cfg.Factor = DefaultSpikeConfig().Factor
	}
	if cfg.Top <= 0 {
		cfg.Top = DefaultSpikeConfig().Top
	}
	s, err := r.open(ctx, ReportConfig{Month: cfg.Month, Payer: cfg.Payer, Service: cfg.Service, OwnerTag: cfg.OwnerTag})
	if errors.Is(err, ErrNoCostData) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer s.close()
	var out []Spike
	for _, g := range []struct {
		name   string
		trunc  string
		step   time.Duration
		window int // periods in the baseline
	}{{"hour", "hour", time.Hour, 72}, {"day", "day", 24 * time.Hour, 7}} {
		series, err := s.series(ctx, g.trunc, g.step)
		if err != nil {
			return nil, err
		}
		for _, sp := range findSpikes(series, g.step, g.window, cfg.Factor, cfg.MinIncrease) {
			sp.Granularity = g.name
			if err := s.explain(ctx, events, &sp, g.step, cfg.Top); err != nil {
				return nil, err
			}
			if g.name == "day" {
				for _, h := range out {
					if h.Granularity == "hour" && h.Start.Before(sp.End) && sp.Start.Before(h.End) {
						sp.HourSpikes++
					}
				}
			}
			out = append(out, sp)
		}
	}
	return out, nil
}

type point struct {
	t    time.Time
	cost float64
	raw  string
}

// usageWhere is the WHERE clause of the selection's usage rows no longer
// than step. Line items longer than the period (daily storage rows in an
// hourly series) are left out: they would make every midnight a spike.
func (s *session) usageWhere(step time.Duration) string {
	cond := fmt.Sprintf("%s AND usage_end - usage_start <= INTERVAL %d SECOND", usageFilter, int(step.Seconds()))
	if s.where != "" {
		return s.where + " AND " + cond
	}
	return " WHERE " + cond
}

// series sums usage cost per period, over the rows of usageWhere.
func (s *session) series(ctx context.Context, trunc string, step time.Duration) ([]point, error) {
	where := s.usageWhere(step)
	rows, err := s.conn.QueryContext(ctx, "SELECT date_trunc('"+trunc+"', usage_start) AS t, CAST(sum(cost) AS VARCHAR) FROM "+s.from+where+" GROUP BY 1 ORDER BY 1", s.args...)
	if err != nil {
		return nil, fmt.Errorf("cost series: %w", err)
	}
	defer rows.Close()
	var out []point
	for rows.Next() {
		var p point
		if err := rows.Scan(&p.t, &p.raw); err != nil {
			return nil, err
		}
		p.cost, _ = mustRat(p.raw).Float64()
		p.raw = decimalString(mustRat(p.raw))
		out = append(out, p)
	}
	return out, rows.Err()
}

// findSpikes marks each period that costs more than factor times the
// median of the window periods before it (missing periods count as zero),
// and joins consecutive marked periods into one spike. A spike keeps the
// baseline it began with while it lasts: its own periods would otherwise
// enter the median and end a long rise half way, and its increase would be
// measured against itself. The baseline is held to the cent, as it is
// shown, so that a spike's increase is exactly its periods' cost less that
// many times its baseline.
func findSpikes(series []point, step time.Duration, window int, factor, minIncrease float64) []Spike {
	if len(series) == 0 {
		return nil
	}
	byTime := map[time.Time]point{}
	for _, p := range series {
		byTime[p.t.UTC()] = p
	}
	first, last := series[0].t.UTC(), series[len(series)-1].t.UTC()
	var out []Spike
	var cur *Spike
	var baseline float64
	var held, increase *big.Rat
	for t := first.Add(time.Duration(window/2) * step); !t.After(last); t = t.Add(step) {
		if cur == nil {
			held = mustRat(fmt.Sprintf("%.2f", medianBefore(byTime, t, first, step, window)))
			baseline, _ = held.Float64()
		}
		p := byTime[t]
		if p.cost > baseline*factor && p.cost-baseline >= minIncrease {
			if cur == nil {
				out = append(out, Spike{Start: t, Baseline: held.FloatString(2)})
				cur, increase = &out[len(out)-1], new(big.Rat)
			}
			cur.End = t.Add(step)
			if mustRat(cur.Peak).Cmp(mustRat(p.raw)) < 0 || cur.Peak == "" {
				cur.Peak = p.raw
			}
			increase.Add(increase, mustRat(p.raw))
			increase.Sub(increase, held)
			cur.Increase = increase.FloatString(2)
			continue
		}
		cur = nil
	}
	return out
}

// medianBefore is the median cost of the window periods before t, none
// before first.
func medianBefore(byTime map[time.Time]point, t, first time.Time, step time.Duration, window int) float64 {
	var base []float64
	for k := 1; k <= window; k++ {
		bt := t.Add(-time.Duration(k) * step)
		if bt.Before(first) {
			break
		}
		base = append(base, byTime[bt].cost)
	}
	return median(base)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// explain finds the resources whose cost rose most over the spike, and the
// mutating calls on each in the day before the rise. A resource's rise is
// what it cost over the spike's periods above what it cost in the period
// before, kept up as long: over the same rows and span as the spike's
// increase. Ties go by resource ID, so that the same data lists the same
// resources.
func (s *session) explain(ctx context.Context, events Searcher, sp *Spike, step time.Duration, top int) error {
	sp.Currency = s.currency
	where := s.usageWhere(step) + " AND resource_id IS NOT NULL"
	periods := int(sp.End.Sub(sp.Start) / step)
	// The placeholders of the SELECT list come before those of the filter.
	args := append([]any{sp.Start, sp.End, periods, sp.Start.Add(-step), sp.Start, sp.Start, sp.End}, s.args...)
	// billed_from is the end of the resource's first billed line in the
	// spike: the calls that made it cost were made before it (an hour's
	// end for hourly lines, a day's for daily ones).
	rises := fmt.Sprintf(`SELECT usage_account, resource_id, any_value(service) AS service,
		        sum(CASE WHEN usage_start >= ? AND usage_start < ? THEN cost ELSE 0 END) -
		        ? * sum(CASE WHEN usage_start >= ? AND usage_start < ? THEN cost ELSE 0 END) AS rise,
		        min(CASE WHEN usage_start >= ? AND usage_start < ? AND cost > 0 THEN usage_end END) AS billed_from
		      FROM %s%s GROUP BY 1, 2`, s.from, where)
	q := fmt.Sprintf(`SELECT usage_account, resource_id, service, CAST(rise AS VARCHAR), billed_from, count(*) OVER () AS rising
		FROM (%s) WHERE rise > 0 ORDER BY rise DESC, resource_id, usage_account LIMIT %d`, rises, top)
	rows, err := s.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("spike resources: %w", err)
	}
	res := []SpikeResource{}
	var billedFrom []time.Time
	rising := 0
	for rows.Next() {
		var account, id, svc sql.NullString
		var rise string
		var from sql.NullTime
		if err := rows.Scan(&account, &id, &svc, &rise, &from, &rising); err != nil {
			rows.Close()
			return err
		}
		res = append(res, SpikeResource{ResourceID: id.String, Account: account.String, Service: svc.String, Increase: decimalString(mustRat(rise))})
		until := sp.Start.Add(step)
		if from.Valid && from.Time.After(sp.Start) && from.Time.Before(sp.End) {
			until = from.Time.UTC()
		}
		billedFrom = append(billedFrom, until)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range res {
		r := &res[i]
		if r.Attribution, err = s.attributionAt(ctx, r.Account, r.ResourceID, sp.Start); err != nil {
			return err
		}
		calls, err := callsBefore(ctx, events, r.ResourceID, sp.Start, billedFrom[i])
		if err != nil {
			return err
		}
		r.Calls = calls
	}
	sp.Resources, sp.MoreResources = res, rising-len(res)
	// Rows without a resource ID rise too (every row of a report exported
	// without them): by their account, region and AWS's tags, as the
	// reports attribute them.
	taggedWhere := s.usageWhere(step) + " AND resource_id IS NULL AND (created_by IS NOT NULL OR asg_name IS NOT NULL OR stack_name IS NOT NULL)"
	taggedArgs := append([]any{sp.Start, sp.End, periods, sp.Start.Add(-step), sp.Start}, s.args...)
	taggedRises := fmt.Sprintf(`SELECT %s AS tags,
		        sum(CASE WHEN usage_start >= ? AND usage_start < ? THEN cost ELSE 0 END) -
		        ? * sum(CASE WHEN usage_start >= ? AND usage_start < ? THEN cost ELSE 0 END) AS rise
		      FROM %s c%s GROUP BY 1`, awsTags("c"), s.from, taggedWhere)
	sp.Creators, err = s.spikeCreators(ctx, rises, args, taggedRises, taggedArgs, sp.Start)
	return err
}

// spikeCreators gathers the resources that rose (rises, with its
// arguments) by their attribution at t, as attributionAt reads it, and the
// rows without a resource that rose (taggedRises) by theirs; Resources
// counts the former alone.
func (s *session) spikeCreators(ctx context.Context, rises string, args []any, taggedRises string, taggedArgs []any, t time.Time) ([]SpikeCreator, error) {
	q := fmt.Sprintf(`SELECT coalesce(principal, '%s'), coalesce(method, '%s'), coalesce(event_id, ''), count(resource_id), CAST(sum(rise) AS VARCHAR)
		FROM (SELECT r.resource_id, r.rise, a.principal, a.method, a.event_id
		        FROM (%s) r LEFT JOIN attr a ON a.usage_account IS NOT DISTINCT FROM r.usage_account AND a.resource_id = r.resource_id
		          AND a.span_from <= ? AND ? < a.span_to
		        WHERE r.rise > 0
		      UNION ALL
		      SELECT NULL, r.rise, a.principal, a.method, a.event_id
		        FROM (%s) r LEFT JOIN attr a ON a.tags = r.tags
		        WHERE r.rise > 0)
		GROUP BY 1, 2, 3 ORDER BY sum(rise) DESC, 1, 2, 3`, LabelUnattributed, MethodUnattributed, rises, taggedRises)
	rows, err := s.conn.QueryContext(ctx, q, append(append(slices.Clone(args), t, t), taggedArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("spike creators: %w", err)
	}
	defer rows.Close()
	out := []SpikeCreator{}
	for rows.Next() {
		var c SpikeCreator
		var rise string
		if err := rows.Scan(&c.Principal, &c.Method, &c.EventID, &c.Resources, &rise); err != nil {
			return nil, err
		}
		c.Increase = decimalString(mustRat(rise))
		out = append(out, c)
	}
	return out, rows.Err()
}

// attributionAt is the resource's attribution in force at t, as the
// reports have it (table attr): by its creating call, its parent, its
// aws:createdBy or owner tag.
func (s *session) attributionAt(ctx context.Context, account, id string, t time.Time) (Attribution, error) {
	var a Attribution
	var creator, eventID, via sql.NullString
	err := s.conn.QueryRowContext(ctx, `SELECT principal, method, creator, event_id, via FROM attr
		WHERE usage_account IS NOT DISTINCT FROM ? AND resource_id = ? AND span_from <= ? AND ? < span_to
		ORDER BY span_from DESC LIMIT 1`, account, id, t, t).Scan(&a.Principal, &a.Method, &creator, &eventID, &via)
	if errors.Is(err, sql.ErrNoRows) {
		return s.attrib.Attribute(account, id, t, Clues{}), nil
	}
	if err != nil {
		return a, fmt.Errorf("spike resource attribution: %w", err)
	}
	a.Creator, a.EventID, a.Via = creator.String, eventID.String, via.String
	return a, nil
}

// callsBefore lists the mutating calls on a resource from the day before a
// rise began until the end of the resource's first billed line in it (a
// launch at 15:05 is billed from 15:00, and a later call that day did not
// make the rise).
func callsBefore(ctx context.Context, events Searcher, resource string, start, until time.Time) ([]Call, error) {
	if events == nil {
		return []Call{}, nil
	}
	f := cairn.Filter{ResourceID: resource, ReadOnly: cairn.BoolFalse, Since: start.Add(-24 * time.Hour), Until: until}
	page, err := events.Search(ctx, f, cairn.Cursor{}, 20)
	if err != nil {
		return nil, fmt.Errorf("calls on %s: %w", resource, err)
	}
	out := []Call{}
	for i := range page.Events {
		e := &page.Events[i]
		if e.Failed() || strings.HasPrefix(e.EventSource, "aws.") {
			continue // failed calls changed nothing; aws.* are EventBridge notifications, not calls
		}
		out = append(out, Call{Time: e.EventTime, EventID: e.EventID, EventName: e.EventName,
			Principal: principalLabel(&e.Principal), SourceIP: e.SourceIPAddress, Resource: resource})
	}
	slices.SortFunc(out, func(a, b Call) int { return a.Time.Compare(b.Time) })
	return out, nil
}
