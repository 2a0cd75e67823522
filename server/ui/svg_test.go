package ui

import (
	"strings"
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 147606: "147,606", -1234567: "-1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	if got := count(12345); got != "12,345" {
		t.Errorf("count of an int: %q", got)
	}
}

// TestActivityChartOverYears: a range of years is drawn in weeks or
// months, every bucket with events gets its bar, and labels carry years.
func TestActivityChartOverYears(t *testing.T) {
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 14, 3, 10, 1, 0, time.UTC)
	var days []bucket
	for d := from; d.Before(to); d = d.AddDate(0, 2, 3) {
		days = append(days, bucket{Start: d, N: 3, Errors: 1})
	}
	for _, c := range []struct {
		from, to time.Time
		want     chartUnit
	}{
		{to.Add(-48 * time.Hour), to, unitHour},
		{to.AddDate(0, -11, 0), to, unitDay},
		{from, to, unitWeek},
		{time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), to, unitMonth},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), to, unitMonth},
	} {
		unit := unitFor(c.from, c.to)
		if unit != c.want {
			t.Errorf("%s to %s: per %s, want per %s", c.from, c.to, unit, c.want)
			continue
		}
		chart := string(activityChart(days, c.from, c.to, unit))
		inRange := 0
		for _, d := range days {
			if !d.Start.Before(c.from) && d.Start.Before(c.to) {
				inRange++
			}
		}
		if got := strings.Count(chart, `<rect class="bar"`); got != inRange {
			t.Errorf("%s to %s per %s: %d bars, want %d", c.from, c.to, unit, got, inRange)
		}
		if c.from.Year() < 2025 && !strings.Contains(chart, "2020") {
			t.Errorf("%s to %s per %s: no year in the labels", c.from, c.to, unit)
		}
	}
	if got := unitWeek.start(time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the week of Sunday 2026-03-15 starts %s, want Monday 2026-03-09", got)
	}
}
