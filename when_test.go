package cairn

import (
	"strings"
	"testing"
	"time"
)

// Durations take days as well as Go's units; a negative one, a time in the
// future, is refused rather than searched.
func TestParseSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "72h": 72 * time.Hour, "2d": 48 * time.Hour} {
		if got, ok := ParseSpan(in); !ok || got != want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"-5d", "-1h", "0d", "0s", "1x", "d", ""} {
		if got, ok := ParseSpan(bad); ok {
			t.Errorf("ParseSpan(%q) = %v, want refused", bad, got)
		}
	}
}

// The command line and the web UI read the same times, and a date alone
// as the end of a range means through that day in both.
func TestParseTimeAndUntil(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in          string
		since, till time.Time
	}{
		{"2026-03-14T03:10:00Z", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)},
		{"2026-03-14T04:10:00+01:00", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)},
		{"2026-03-14T03:10", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)},
		{"2026-03-14 03:10:05", time.Date(2026, 3, 14, 3, 10, 5, 0, time.UTC), time.Date(2026, 3, 14, 3, 10, 5, 0, time.UTC)},
		{" 2026-03-14 ", time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"2026-03-14T03:10Z", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)},
		{"2026-03-14T04:10+01:00", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)},
		{"2d", time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)},
		{"", time.Time{}, time.Time{}},
	} {
		since, err := ParseTime(tc.in, now)
		if err != nil || !since.Equal(tc.since) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, since, err, tc.since)
		}
		until, err := ParseUntil(tc.in, now)
		if err != nil || !until.Equal(tc.till) {
			t.Errorf("ParseUntil(%q) = %v, %v; want %v", tc.in, until, err, tc.till)
		}
	}
	// 107000d is past what a time.Duration holds: it would wrap round into
	// the future.
	for _, bad := range []string{"yesterday", "2026-02-30", "-5d", "2026-13-01", "107000d", "9999999999999d"} {
		if _, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) was taken", bad)
		}
		if _, err := ParseUntil(bad, now); err == nil {
			t.Errorf("ParseUntil(%q) was taken", bad)
		}
	}
	// Too many days says how many a span may hold, not that it is no span.
	if _, err := ParseTime("106752d", now); err == nil || !strings.Contains(err.Error(), "further than 106751d") {
		t.Errorf("ParseTime(106752d): %v", err)
	}
}

// FuzzParseTime: whatever a user types as a time, ParseTime and ParseUntil
// agree on what they read (ParseUntil no earlier, and a day later for a
// date alone), refuse alike, and give UTC.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-14", "2026-03-14T03:10:00Z", "2026-03-14 03:10", "72h", "30d", "-5d", "", "2026-02-30", "1e9h"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		since, err1 := ParseTime(s, now)
		until, err2 := ParseUntil(s, now)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: ParseTime %v, ParseUntil %v", s, err1, err2)
		}
		if err1 != nil {
			return
		}
		if since.Location() != time.UTC || until.Location() != time.UTC {
			t.Errorf("%q: not UTC: %v, %v", s, since, until)
		}
		if d := until.Sub(since); d != 0 && d != 24*time.Hour {
			t.Errorf("%q: since %v, until %v", s, since, until)
		}
	})
}
