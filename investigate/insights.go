package investigate

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Insights find what CloudTrail Insights finds: an API whose write calls, or
// whose calls failing with one error code, come much faster than in the
// week before. AWS does not publish its model; cairn's is meant to be
// explained in a few sentences (docs/cli.md, "cairn insights"):
//
//   - Calls are counted in ten-minute buckets per account, region, API
//     (and error code). A bucket is unusual when it holds at least
//     insightMinCalls, more than twice the busiest bucket of the seven
//     days before it, and so many that the week's average rate would give
//     them less than once in a million buckets (Poisson). So is the hour
//     that a bucket ends, by the same tests against the week's hours but
//     with at least insightHourMinCalls: a slow stream of errors never
//     seen before is unusual too.
//   - The unusual activity lasts, backwards and forwards, while its
//     buckets hold more than the week's average rate would give them once
//     in a hundred buckets, and ends after insightQuietBuckets that do
//     not, or after a day.
//   - An account and region is judged only once it has seven days of
//     history, so that the first week of an index raises nothing; and
//     nothing in the index's last insightSettle is, where CloudTrail's
//     late deliveries may still add calls and so move an Insight's start.
//
// Only management events count, as a trail's Insights select by default;
// the call rate counts write calls (readOnly false), the error rate calls
// that failed, read or write.
const (
	insightBucket       = 10 * time.Minute
	insightHour         = 6 // buckets
	insightBaseline     = 7 * 24 * time.Hour
	insightMinCalls     = 5
	insightHourMinCalls = 7
	insightSignificance = 1e-6
	insightGoingOn      = 1e-2
	insightQuietBuckets = 3
	insightSettle       = 30 * time.Minute
	insightTopValues    = 5
)

// InsightLongest is the longest an Insight lasts: activity still unusual
// after a day has become its own baseline.
const InsightLongest = 24 * time.Hour

// Querier runs SQL over the events view; cairn.Index and cairn's server
// client both do.
type Querier = cairn.Querier

// Insight is one episode of unusual activity of one API.
type Insight struct {
	Type        string    `json:"insightType"` // cloudtrail.InsightCallRate or InsightErrorRate
	Account     string    `json:"account"`
	Region      string    `json:"region"`
	EventSource string    `json:"eventSource"`
	EventName   string    `json:"eventName"`
	ErrorCode   string    `json:"errorCode,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"` // the end of its last unusual bucket
	// Ongoing is set when the data ends before the activity is known to be
	// over: there is no End record yet, and End may move.
	Ongoing bool `json:"ongoing"`
	// Count is how many calls (or errors) the activity made.
	Count int64 `json:"count"`
	// FirstRate, Rate and BaselineRate are per minute: in the first bucket,
	// over the whole activity, and over the week before it.
	FirstRate    float64 `json:"firstRate"`
	Rate         float64 `json:"rate"`
	BaselineRate float64 `json:"baselineRate"`
	// BaselinePeak is the most calls one bucket of the week before held.
	BaselinePeak int64 `json:"baselinePeak"`
	// Attributions are over the whole activity, FirstAttributions over its
	// first bucket, as the End and Start records' statistics are.
	Attributions      []cloudtrail.InsightAttribution `json:"attributions"`
	FirstAttributions []cloudtrail.InsightAttribution `json:"firstAttributions"`
}

// Minutes is how long the activity lasted.
func (in *Insight) Minutes() int { return int(in.End.Sub(in.Start) / time.Minute) }

// PerMinute writes a rate per minute as briefly as it can be read: two
// significant digits, whole numbers from ten, and never an exponent.
func PerMinute(f float64) string {
	switch {
	case f >= 10:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case f > 0 && f < 0.0001:
		return "<0.0001"
	}
	return strconv.FormatFloat(f, 'g', 2, 64)
}

// MostlyBy names the identity that made most of the Insight's calls, as
// briefly as its kind allows (a user's name, a role and its session, or an
// Identity Center session's person alone: their roles' names are long and
// say little), with its share of the calls; "" when none is known.
func (in *Insight) MostlyBy() (who string, share float64) {
	for _, a := range in.Attributions {
		if a.Attribute == "userIdentityArn" && len(a.Insight) > 0 && a.Insight[0].Value != "null" && in.Rate > 0 {
			return shortIdentity(a.Insight[0].Value), a.Insight[0].Average / in.Rate
		}
	}
	return "", 0
}

func shortIdentity(arn string) string {
	_, resource, ok := strings.Cut(arn, ":iam::")
	if !ok {
		_, resource, ok = strings.Cut(arn, ":sts::")
	}
	if !ok {
		return arn
	}
	if _, r, ok := strings.Cut(resource, ":"); ok {
		resource = r
	}
	kind, rest, _ := strings.Cut(resource, "/")
	switch kind {
	case "user":
		return rest
	case "assumed-role":
		role, session, _ := strings.Cut(rest, "/")
		if strings.HasPrefix(role, "AWSReservedSSO_") {
			return session
		}
		return role + "/" + session
	}
	return resource
}

// SharedEventID is the ID of the Insight's pair of records; it depends only
// on what the Insight is about and when it began, so that finding it again
// gives the same IDs.
func (in *Insight) SharedEventID() string {
	return uuidOf(in.Type, in.Account, in.Region, in.EventSource, in.EventName, in.ErrorCode, in.Start.UTC().Format(time.RFC3339))
}

// Records returns the Insight's Start record and, unless it is ongoing, its
// End record, as CloudTrail writes them.
func (in *Insight) Records() []cloudtrail.InsightRecord {
	shared := in.SharedEventID()
	record := func(state string, at time.Time, rate float64, minutes int, attributions []cloudtrail.InsightAttribution) cloudtrail.InsightRecord {
		return cloudtrail.InsightRecord{
			EventVersion: "1.08", EventTime: at.UTC().Format(time.RFC3339), AWSRegion: in.Region,
			EventID: uuidOf(shared, state), EventType: cloudtrail.EventTypeInsight, RecipientAccountID: in.Account,
			SharedEventID: shared, EventCategory: "Insight",
			InsightDetails: cloudtrail.InsightDetails{
				State: state, EventSource: in.EventSource, EventName: in.EventName, InsightType: in.Type, ErrorCode: in.ErrorCode,
				InsightContext: cloudtrail.InsightContext{
					Statistics: cloudtrail.InsightStatistics{
						Baseline: cloudtrail.InsightAverage{Average: in.BaselineRate}, Insight: cloudtrail.InsightAverage{Average: rate},
						InsightDuration: minutes, BaselineDuration: int(insightBaseline / time.Minute),
					},
					Attributions: attributions,
				},
			},
		}
	}
	// The Start record's statistics and attributions are its first
	// bucket's, the End record's the whole activity's.
	out := []cloudtrail.InsightRecord{record(cloudtrail.InsightStart, in.Start, in.FirstRate, int(insightBucket/time.Minute), in.FirstAttributions)}
	if !in.Ongoing {
		out = append(out, record(cloudtrail.InsightEnd, in.End, in.Rate, in.Minutes(), in.Attributions))
	}
	return out
}

// uuidOf makes a name-based UUID (version 5's layout, over SHA-256) from
// its parts.
func uuidOf(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x50 // version 5
	sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// series is one API's calls (or errors) in one account and region.
type series struct {
	kind                         string // "call" or "error"
	account, region, source, api string
	errorCode                    string
}

func (s series) insightType() string {
	if s.kind == "error" {
		return cloudtrail.InsightErrorRate
	}
	return cloudtrail.InsightCallRate
}

// values writes the series as the first columns of a VALUES row: kind,
// account, region, source, API, error code.
func (s series) values() string {
	return strings.Join([]string{cairn.SQLString(s.kind), cairn.SQLString(s.account), cairn.SQLString(s.region), cairn.SQLString(s.source), cairn.SQLString(s.api), cairn.SQLString(s.errorCode)}, ", ")
}

// insightEvents are the events Insights count.
const insightEvents = "eventCategory = 'Management' AND eventType = 'AwsApiCall'"

// joinSeries joins the events view (as ev) to a VALUES table s whose rows
// begin with series.values, on the series' events: insightEvents, and the
// series' API and kind.
const joinSeries = `JOIN s ON ev.recipientAccountId = s.a AND ev.awsRegion = s.r AND ev.eventSource = s.src AND ev.eventName = s.n
	AND ev.eventCategory = 'Management' AND ev.eventType = 'AwsApiCall'
	AND (s.kind = 'call' AND ev.readOnly = false OR s.kind = 'error' AND ev.errorCode = s.e)`

// unusualBucket is a bucket that may begin an Insight, or end an unusual
// hour.
type unusualBucket struct {
	series
	bucket       int64 // its number: its start in microseconds since the epoch, over the width
	count        int64
	baselineSum  int64
	baselinePeak int64
	newest       int64 // the index's newest event, microseconds since the epoch
	// mean is the week's average per bucket, but never below one call a
	// week: an API never called before is unusual only by its count.
	mean float64
	// byBucket is set when the bucket itself is unusual, not only the hour
	// it ends.
	byBucket bool
}

// settled reports whether bucket b is old enough, against the index's
// newest event, not to gain late deliveries. The index's, not the account
// and region's: a burst in a region otherwise unused is the last event
// there, and must not wait for calls that may never come.
func (c *unusualBucket) settled(b int64) bool {
	return (b+1)*insightBucket.Microseconds() <= c.newest-insightSettle.Microseconds()
}

// DefaultInsightsSince is where Insights looks from when not told: 90 days
// before the newest CloudTrail record, as far as CloudTrail's event history
// reaches; zero when the index has none. An application's event sent today
// (PutAuditEvents), or an AWS Health event, does not move it: over an
// archive of older logs, the Insights would all be before it.
func DefaultInsightsSince(ctx context.Context, q Querier) (time.Time, error) {
	t, err := q.Query(ctx, "SELECT epoch_us(max(eventTime)) FROM events WHERE coalesce(eventCategory, '') NOT IN ("+
		cairn.SQLString(cloudtrail.EventCategoryHealth)+", "+cairn.SQLString(cloudtrail.EventCategoryStateChange)+", "+
		cairn.SQLString(cloudtrail.EventCategoryActivity)+")")
	if err != nil {
		return time.Time{}, fmt.Errorf("insights: %w", err)
	}
	if len(t.Rows) == 0 || t.Rows[0][0] == nil {
		return time.Time{}, nil
	}
	return time.UnixMicro(cairn.CellInt(t.Rows[0][0])).UTC().Add(-90 * 24 * time.Hour), nil
}

// Insights returns the unusual activity that began in [since, until), oldest
// first. A zero since means 90 days before the newest event, as far as
// CloudTrail's event history reaches; a zero until, no bound. Activity is
// followed to its end past until, and, when it began before since, left
// out even where it goes on after since.
func Insights(ctx context.Context, q Querier, since, until time.Time) ([]Insight, error) {
	asked := until
	if since.IsZero() {
		var err error
		if since, err = DefaultInsightsSince(ctx, q); err != nil || since.IsZero() {
			return nil, err
		}
	}
	// Whole buckets: the one that holds since is the first.
	since = since.UTC().Truncate(insightBucket)
	// Activity that began up to a day before since may still be unusual
	// after it; finding where it began keeps it from being taken for new.
	// And activity found a little after until may reach back before it.
	if !until.IsZero() {
		until = until.Add(reachBack * insightBucket)
	}
	unusual, err := unusualBuckets(ctx, q, since.Add(-InsightLongest), until)
	if err != nil {
		return nil, err
	}
	if len(unusual) == 0 {
		return nil, nil
	}
	counts, err := seriesBuckets(ctx, q, unusual)
	if err != nil {
		return nil, err
	}
	var out []Insight
	var prev series
	after := int64(math.MinInt64) // the last bucket of the series' previous Insight
	for _, c := range unusual {
		if c.series != prev {
			prev, after = c.series, math.MinInt64
		}
		if c.bucket <= after || !c.byBucket && c.bucket-insightHour < after {
			continue // part of the activity already found, or an hour that holds some of it
		}
		in, last := episode(c, counts[c.series], after)
		after = last
		if in.Start.Before(since) || !asked.IsZero() && !in.Start.Before(asked) {
			continue
		}
		out = append(out, in)
	}
	if err := attribute(ctx, q, out); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Insight) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// unusualBuckets finds the buckets that begin Insights, or end an unusual
// hour, in [since, until), ordered by series and time; since is a bucket's
// start. The Poisson tests are done here rather than in SQL.
func unusualBuckets(ctx context.Context, q Querier, since, until time.Time) ([]unusualBucket, error) {
	width := insightBucket.Microseconds()
	weeks := int64(insightBaseline / insightBucket)
	// The week before since, and the buckets that begin before until,
	// whole.
	window, began := "eventTime >= "+sqlTime(since.Add(-insightBaseline)), fmt.Sprintf("b >= %d", since.UnixMicro()/width)
	if !until.IsZero() {
		last := (until.UnixMicro() + width - 1) / width
		window += " AND eventTime < " + sqlTime(time.UnixMicro(last*width))
		began += fmt.Sprintf(" AND b < %d", last)
	}
	sql := fmt.Sprintf(`WITH history AS (
		SELECT recipientAccountId AS a, awsRegion AS r, epoch_us(min(eventTime)) AS first, max(epoch_us(max(eventTime))) OVER () AS newest
		FROM events GROUP BY ALL),
	buckets AS (
		SELECT 'call' AS kind, recipientAccountId AS a, awsRegion AS r, eventSource AS s, eventName AS n, '' AS e,
		       epoch_us(eventTime) // %[1]d AS b, count(*) AS c
		FROM events WHERE %[2]s AND %[3]s AND readOnly = false GROUP BY ALL
		UNION ALL
		SELECT 'error', recipientAccountId, awsRegion, eventSource, eventName, errorCode, epoch_us(eventTime) // %[1]d, count(*)
		FROM events WHERE %[2]s AND %[3]s AND errorCode <> '' GROUP BY ALL),
	hours AS (
		SELECT *, sum(c) OVER (PARTITION BY kind, a, r, s, n, e ORDER BY b RANGE BETWEEN %[8]d PRECEDING AND CURRENT ROW) AS h
		FROM buckets),
	judged AS (
		SELECT *, sum(c) OVER week AS base_sum, max(c) OVER week AS base_peak, max(h) OVER hours_before AS base_hpeak FROM hours
		WINDOW week AS (PARTITION BY kind, a, r, s, n, e ORDER BY b RANGE BETWEEN %[4]d PRECEDING AND 1 PRECEDING),
		       hours_before AS (PARTITION BY kind, a, r, s, n, e ORDER BY b RANGE BETWEEN %[4]d PRECEDING AND %[9]d PRECEDING))
	SELECT kind, a, r, s, n, e, b, c, h::BIGINT, coalesce(base_sum, 0)::BIGINT, coalesce(base_peak, 0)::BIGINT,
	       coalesce(base_hpeak, 0)::BIGINT, newest
	FROM judged JOIN history USING (a, r)
	WHERE %[5]s AND b * %[1]d >= first + %[6]d AND (b + 1) * %[1]d <= newest - %[10]d
	  AND (c >= greatest(%[7]d, 2 * coalesce(base_peak, 0) + 1) OR h >= greatest(%[7]d, 2 * coalesce(base_hpeak, 0) + 1))
	  AND s IS NOT NULL AND n IS NOT NULL
	ORDER BY kind, a, r, s, n, e, b`,
		width, insightEvents, window, weeks, began, insightBaseline.Microseconds(), insightMinCalls,
		insightHour-1, insightHour, insightSettle.Microseconds())
	t, err := q.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("insights: count calls: %w", err)
	}
	var out []unusualBucket
	for _, row := range t.Rows {
		text := func(i int) string { return cairn.CellText(row[i]) }
		num := func(i int) int64 { return cairn.CellInt(row[i]) }
		c := unusualBucket{
			series: series{kind: text(0), account: text(1), region: text(2), source: text(3), api: text(4), errorCode: text(5)},
			bucket: num(6), count: num(7), baselineSum: num(9), baselinePeak: num(10), newest: num(12),
		}
		hour, hourPeak := num(8), num(11)
		c.mean = float64(max(c.baselineSum, 1)) / float64(weeks)
		c.byBucket = c.count >= max(insightMinCalls, 2*c.baselinePeak+1) && poissonTail(c.count, c.mean) < insightSignificance
		byHour := hour >= max(insightHourMinCalls, 2*hourPeak+1) && poissonTail(hour, insightHour*c.mean) < insightSignificance
		if c.byBucket || byHour {
			out = append(out, c)
		}
	}
	return out, nil
}

// poissonTail bounds from above the chance that a Poisson variable of mean
// m reaches n: the first term of the tail times the geometric series that
// bounds the rest, when n > m.
func poissonTail(n int64, m float64) float64 {
	k := float64(n)
	lg, _ := math.Lgamma(k + 1)
	first := math.Exp(-m + k*math.Log(m) - lg)
	ratio := m / (k + 1)
	if ratio >= 1 {
		return 1
	}
	return min(1, first/(1-ratio))
}

// reachBack is how many buckets an Insight may reach back before the
// bucket that was found unusual: the hour that bucket ends.
const reachBack = insightHour

// seriesBuckets counts, for each series, its buckets from an hour before its
// first unusual bucket until a day after its last, in one scan.
func seriesBuckets(ctx context.Context, q Querier, unusual []unusualBucket) (map[series]map[int64]int64, error) {
	width := insightBucket.Microseconds()
	span := int64(InsightLongest / insightBucket)
	type bounds struct{ lo, hi int64 }
	ranges := map[series]*bounds{}
	var order []series
	for _, c := range unusual {
		if r := ranges[c.series]; r != nil {
			r.hi = c.bucket + span
			continue
		}
		ranges[c.series] = &bounds{c.bucket - reachBack, c.bucket + span}
		order = append(order, c.series)
	}
	out := map[series]map[int64]int64{}
	for chunk := range slices.Chunk(order, 500) {
		var rows []string
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for _, s := range chunk {
			r := ranges[s]
			lo, hi = min(lo, r.lo), max(hi, r.hi+1)
			rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s)", len(rows), s.values(),
				sqlTime(time.UnixMicro(r.lo*width)), sqlTime(time.UnixMicro((r.hi+1)*width))))
		}
		t, err := q.Query(ctx, fmt.Sprintf(`WITH s(i, kind, a, r, src, n, e, lo, hi) AS (VALUES %s)
			SELECT s.i, epoch_us(ev.eventTime) // %d AS b, count(*) FROM events ev %s
			  AND ev.eventTime >= s.lo AND ev.eventTime < s.hi
			WHERE ev.eventTime >= %s AND ev.eventTime < %s
			GROUP BY ALL`,
			strings.Join(rows, ",\n"), width, joinSeries, sqlTime(time.UnixMicro(lo*width)), sqlTime(time.UnixMicro(hi*width))))
		if err != nil {
			return nil, fmt.Errorf("insights: follow the activity: %w", err)
		}
		for _, row := range t.Rows {
			s := chunk[cairn.CellInt(row[0])]
			if out[s] == nil {
				out[s] = map[int64]int64{}
			}
			out[s][cairn.CellInt(row[1])] = cairn.CellInt(row[2])
		}
	}
	return out, nil
}

// episode follows an unusual bucket's activity back to where it began (but
// not into the series' previous Insight, which ended with bucket after)
// and on to its end, and returns it with its last bucket.
func episode(c unusualBucket, counts map[int64]int64, after int64) (Insight, int64) {
	width := insightBucket
	goingOn := func(b int64) bool { n := counts[b]; return n > 0 && poissonTail(n, c.mean) < insightGoingOn }
	// Back over the buckets that carry the activity, but across no more
	// than one empty bucket at a time: a lone earlier call of a rarely
	// used API is not its start.
	first := c.bucket
	for b, quiet := c.bucket-1, 0; b > max(after, c.bucket-reachBack-1) && quiet < 2; b-- {
		if goingOn(b) {
			first, quiet = b, 0
			continue
		}
		quiet++
	}
	last, end := c.bucket, first+int64(InsightLongest/width)
	for b, quiet := c.bucket+1, 0; b < end && quiet < insightQuietBuckets; b++ {
		if goingOn(b) {
			last, quiet = b, 0
			continue
		}
		quiet++
	}
	var total int64
	for b := first; b <= last; b++ {
		total += counts[b]
	}
	start := time.UnixMicro(first * width.Microseconds()).UTC()
	stop := time.UnixMicro((last + 1) * width.Microseconds()).UTC()
	in := Insight{
		Type: c.insightType(), Account: c.account, Region: c.region, EventSource: c.source, EventName: c.api, ErrorCode: c.errorCode,
		Start: start, End: stop, Count: total,
		FirstRate:    float64(counts[first]) / width.Minutes(),
		Rate:         float64(total) / stop.Sub(start).Minutes(),
		BaselineRate: float64(c.baselineSum) / insightBaseline.Minutes(),
		BaselinePeak: c.baselinePeak,
		// Over once the quiet buckets after it (or the day's end) have
		// settled; the data may not reach them yet.
		Ongoing: !c.settled(min(last+insightQuietBuckets, end-1)),
	}
	return in, last
}

// attribute adds to each Insight the top values of who called, with what,
// and (for the call rate) with what error, during the activity, during its
// first bucket, and during its baseline week, in one scan; and, in another,
// the rate and busiest bucket of that week.
func attribute(ctx context.Context, q Querier, ins []Insight) error {
	type tally struct {
		value                 string
		during, first, before int64
	}
	found := make([]map[string][]tally, len(ins))
	for base := 0; base < len(ins); base += 500 {
		chunk := ins[base:min(base+500, len(ins))]
		var rows []string
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64) // microseconds
		for i := range chunk {
			in := &chunk[i]
			s := series{kind: "call", account: in.Account, region: in.Region, source: in.EventSource, api: in.EventName, errorCode: in.ErrorCode}
			if in.Type == cloudtrail.InsightErrorRate {
				s.kind = "error"
			}
			week := in.Start.Add(-insightBaseline)
			lo, hi = min(lo, week.UnixMicro()), max(hi, in.End.UnixMicro())
			rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s, %s, %s)", base+i, s.values(),
				sqlTime(week), sqlTime(in.Start), sqlTime(in.Start.Add(insightBucket)), sqlTime(in.End)))
		}
		t, err := q.Query(ctx, fmt.Sprintf(`WITH s(i, kind, a, r, src, n, e, week, t0, t1, t2) AS (VALUES %s),
			calls AS (
				SELECT s.i, s.t0, s.t1, ev.eventTime AS t, coalesce(ev.userArn, 'null') AS u, coalesce(ev.userAgent, 'null') AS ua,
				       coalesce(nullif(ev.errorCode, ''), 'null') AS ec
				FROM events ev %s AND ev.eventTime >= s.week AND ev.eventTime < s.t2
				WHERE ev.eventTime >= %s AND ev.eventTime < %s),
			tallied AS (
				SELECT i, CASE grouping(u, ua, ec) WHEN 3 THEN 'userIdentityArn' WHEN 5 THEN 'userAgent' ELSE 'errorCode' END AS attr,
				       coalesce(u, ua, ec) AS v, count(*) FILTER (WHERE t >= t0) AS during,
				       count(*) FILTER (WHERE t >= t0 AND t < t1) AS first, count(*) FILTER (WHERE t < t0) AS before
				FROM calls GROUP BY GROUPING SETS ((i, u), (i, ua), (i, ec)))
			SELECT i, attr, v, during, first, before FROM tallied
			QUALIFY row_number() OVER (PARTITION BY i, attr ORDER BY during DESC, v) <= %[5]d
			     OR row_number() OVER (PARTITION BY i, attr ORDER BY first DESC, v) <= %[5]d
			     OR row_number() OVER (PARTITION BY i, attr ORDER BY before DESC, v) <= %[5]d`,
			strings.Join(rows, ",\n"), joinSeries, sqlTime(time.UnixMicro(lo)), sqlTime(time.UnixMicro(hi)),
			insightTopValues))
		if err != nil {
			return fmt.Errorf("insights: attribute the activity: %w", err)
		}
		for _, row := range t.Rows {
			i := cairn.CellInt(row[0])
			if found[i] == nil {
				found[i] = map[string][]tally{}
			}
			attr := cairn.CellText(row[1])
			found[i][attr] = append(found[i][attr], tally{cairn.CellText(row[2]), cairn.CellInt(row[3]), cairn.CellInt(row[4]), cairn.CellInt(row[5])})
		}
		// The week before the start, which the reach back may have moved
		// from the bucket found unusual: the activity's own first calls
		// are not its baseline.
		t, err = q.Query(ctx, fmt.Sprintf(`WITH s(i, kind, a, r, src, n, e, week, t0, t1, t2) AS (VALUES %s)
			SELECT i, sum(c)::BIGINT, max(c)::BIGINT FROM (
				SELECT s.i, epoch_us(ev.eventTime) // %d AS b, count(*) AS c
				FROM events ev %s AND ev.eventTime >= s.week AND ev.eventTime < s.t0
				WHERE ev.eventTime >= %s AND ev.eventTime < %s GROUP BY ALL)
			GROUP BY i`,
			strings.Join(rows, ",\n"), insightBucket.Microseconds(), joinSeries, sqlTime(time.UnixMicro(lo)), sqlTime(time.UnixMicro(hi))))
		if err != nil {
			return fmt.Errorf("insights: the week before: %w", err)
		}
		for i := range chunk {
			chunk[i].BaselineRate, chunk[i].BaselinePeak = 0, 0
		}
		for _, row := range t.Rows {
			in := &ins[cairn.CellInt(row[0])]
			in.BaselineRate, in.BaselinePeak = float64(cairn.CellInt(row[1]))/insightBaseline.Minutes(), cairn.CellInt(row[2])
		}
	}
	for i := range ins {
		in := &ins[i]
		attrs := []string{"userIdentityArn", "userAgent", "errorCode"}
		if in.Type == cloudtrail.InsightErrorRate {
			attrs = attrs[:2] // as AWS: an error-rate Insight's error code is its own
		}
		for _, a := range attrs {
			ts, ok := found[i][a]
			if !ok {
				continue
			}
			top := func(count func(tally) int64, per float64) []cloudtrail.InsightAttributeValue {
				slices.SortFunc(ts, func(x, y tally) int {
					return cmp.Or(cmp.Compare(count(y), count(x)), strings.Compare(x.value, y.value))
				})
				out := []cloudtrail.InsightAttributeValue{}
				for _, t := range ts {
					if count(t) > 0 && len(out) < insightTopValues {
						out = append(out, cloudtrail.InsightAttributeValue{Value: t.value, Average: float64(count(t)) / per})
					}
				}
				return out
			}
			baseline := top(func(t tally) int64 { return t.before }, insightBaseline.Minutes())
			in.Attributions = append(in.Attributions, cloudtrail.InsightAttribution{Attribute: a,
				Insight: top(func(t tally) int64 { return t.during }, in.End.Sub(in.Start).Minutes()), Baseline: baseline})
			in.FirstAttributions = append(in.FirstAttributions, cloudtrail.InsightAttribution{Attribute: a,
				Insight: top(func(t tally) int64 { return t.first }, insightBucket.Minutes()), Baseline: baseline})
		}
	}
	return nil
}

// sqlTime writes a time as an SQL literal.
func sqlTime(t time.Time) string { return "'" + t.UTC().Format(time.RFC3339Nano) + "'::TIMESTAMPTZ" }
