package cairn

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseSpan reads a positive duration: Go's (90m, 72h) or days (30d). A
// negative one, which would reach into the future, is none.
func ParseSpan(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		// Beyond maxSpanDays a span of days would wrap round into the future.
		if days, err := strconv.Atoi(n); err == nil && days > 0 && days <= maxSpanDays {
			return time.Duration(days) * 24 * time.Hour, true
		}
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// maxSpanDays is the longest span of days a time.Duration holds.
const maxSpanDays = int(math.MaxInt64 / int64(24*time.Hour))

// timeLayouts are the forms a time is given in besides a span: RFC 3339, a
// date-time without a zone (taken as UTC, as browsers' datetime-local sends
// it) and a date.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", time.DateOnly}

// ParseTime reads a time as the command line and the web UI take it: an
// RFC 3339 time, a date-time without a zone, a date (its start), or a span
// back from now such as 90m, 72h or 30d. Empty is the zero time.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := ParseSpan(s); ok {
		return now.Add(-d).UTC(), nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > maxSpanDays {
			return time.Time{}, fmt.Errorf("%q reaches back further than %dd, the longest span a time can go back; give a date instead", s, maxSpanDays)
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a time (2026-03-14T03:10:00Z, 2026-03-14, UTC unless a zone is given) nor a duration back from now (72h, 30d)", s)
}

// ParseUntil reads the end of a range as ParseTime does, except that a date
// alone means the end of that day, so that since and until of the same date
// are that day.
func ParseUntil(s string, now time.Time) (time.Time, error) {
	t, err := ParseTime(s, now)
	if _, dateOnly := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil && dateOnly == nil {
		t = t.AddDate(0, 0, 1)
	}
	return t, err
}
