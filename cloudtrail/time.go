package cloudtrail

import (
	"fmt"
	"time"
)

// ParseTime parses the timestamps found in CloudTrail records and their
// relatives, always returning UTC:
//
//   - extended ISO 8601, with or without fractional seconds, with Z, a
//     numeric offset, or no zone (read as UTC, as PutAuditEvents sends it):
//     2024-02-02T19:23:50Z, 2024-02-02T19:23:50.123Z, 2024-02-02T19:23:50+01:00;
//   - basic ISO 8601 as documented for sessionContext creationDate:
//     20131102T010628Z.
func ParseTime(s string) (time.Time, error) {
	if t, ok := parseTime([]byte(s)); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

// parseTime is ParseTime without allocation for the common forms.
func parseTime(b []byte) (time.Time, bool) {
	var year, mon, day, hh, mm, ss int
	var ok bool
	i := 0
	num := func(n int) (int, bool) {
		if i+n > len(b) {
			return 0, false
		}
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	lit := func(c byte) bool {
		if i < len(b) && b[i] == c {
			i++
			return true
		}
		return false
	}
	if year, ok = num(4); !ok {
		return time.Time{}, false
	}
	extended := lit('-')
	if mon, ok = num(2); !ok {
		return time.Time{}, false
	}
	if extended && !lit('-') {
		return time.Time{}, false
	}
	if day, ok = num(2); !ok {
		return time.Time{}, false
	}
	if !lit('T') && !lit(' ') && !lit('t') {
		return time.Time{}, false
	}
	if hh, ok = num(2); !ok {
		// time.Parse reads an hour of one digit (T4:52:27Z), and so must
		// this, or a record it would read is refused.
		if hh, ok = num(1); !ok || !extended || i == len(b) || b[i] != ':' {
			return time.Time{}, false
		}
	}
	if extended && !lit(':') {
		return time.Time{}, false
	}
	if mm, ok = num(2); !ok {
		return time.Time{}, false
	}
	if extended && !lit(':') {
		return time.Time{}, false
	}
	if ss, ok = num(2); !ok {
		return time.Time{}, false
	}
	nsec := 0
	if lit('.') || lit(',') {
		digits := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(b[i]-'0')
			}
			digits++
			i++
		}
		if digits == 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	switch {
	case i == len(b):
	case lit('Z') || lit('z'):
	case b[i] == '+' || b[i] == '-':
		sign := 1
		if b[i] == '-' {
			sign = -1
		}
		i++
		oh, ok := num(2)
		if !ok {
			return time.Time{}, false
		}
		lit(':')
		om, ok := num(2)
		if !ok || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, false
	}
	// A leap second (ss 60) is refused as time.Parse refuses it: AWS smears
	// leap seconds, and storing one as the next second could move an event
	// to the next day.
	if i != len(b) || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // the 30th of February, the 31st of April: time.Date would roll it over
	}
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	// The zero time stands for no time throughout cairn (an event without
	// one, an open end of a search), so a record cannot have it.
	return t, !t.IsZero()
}
