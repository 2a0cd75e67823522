package cairn

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// WithStoredNames returns f with its event name and error code as the index
// stores them, when f finds nothing as given and the index holds one value
// that differs from it only in case: runinstances finds RunInstances and
// accessdenied AccessDenied, as people type them. An error code may also be
// typed without the Client. or Server. that EC2 puts before its own:
// UnauthorizedOperation finds Client.UnauthorizedOperation. (Both are
// case-sensitive in CloudTrail, which keeps them so; no two of AWS's event
// names differ only in case.)
func WithStoredNames(ctx context.Context, s interface {
	Searcher
	Querier
}, f Filter) (Filter, error) {
	code := f.ErrorCode != "" && f.ErrorCode != ErrorAny
	if f.EventName == "" && !code {
		return f, nil
	}
	page, err := s.Search(ctx, f, Cursor{}, 1)
	if err != nil || len(page.Events) > 0 {
		return f, err
	}
	if f.EventName != "" {
		if f.EventName, err = storedValue(ctx, s, "eventName", f.EventName, ""); err != nil {
			return f, err
		}
	}
	if code {
		typed := SQLString(strings.ToLower(f.ErrorCode))
		if f.ErrorCode, err = storedValue(ctx, s, "errorCode", f.ErrorCode,
			" OR lower(errorCode) IN ('client.' || "+typed+", 'server.' || "+typed+")"); err != nil {
			return f, err
		}
	}
	return f, nil
}

// storedValue is the one value of column that equals typed but for case
// (or meets the SQL condition also), or typed when there is none or more
// than one, since which is meant is not known.
func storedValue(ctx context.Context, q Querier, column, typed, also string) (string, error) {
	t, err := q.Query(ctx, "SELECT DISTINCT "+column+" FROM events WHERE lower("+column+") = lower("+SQLString(typed)+")"+also+" LIMIT 2")
	if err != nil || len(t.Rows) != 1 {
		return typed, err
	}
	return CellText(t.Rows[0][0]), nil
}

// Names a search can be near: the columns NamesNear compares with.
const (
	EventNames = "eventName"
	ErrorCodes = "errorCode"
)

// NamesNear lists up to five stored values of column (EventNames or
// ErrorCodes) that are what was typed with a letter or two wrong, missing or
// extra (one in a name under eight letters), or that contain it, whatever
// the case: the "did you mean" of a
// search that found nothing, RunInstance for RunInstances. The closest come
// first, then the most frequent.
func NamesNear(ctx context.Context, q Querier, column, typed string) ([]string, error) {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if typed == "" || (column != EventNames && column != ErrorCodes) {
		return nil, nil
	}
	// A few hundred distinct values even in a large index: counted by the
	// engine, compared here.
	t, err := q.Query(ctx, "SELECT "+column+", count(*) FROM events WHERE "+column+" IS NOT NULL GROUP BY 1")
	if err != nil {
		return nil, err
	}
	type near struct {
		name      string
		distance  int
		frequency int64
	}
	var found []near
	for _, row := range t.Rows {
		name := CellText(row[0])
		lower := strings.ToLower(name)
		d := EditDistance(typed, lower)
		if d > min(2, len(typed)/4) && !(len(typed) >= 3 && strings.Contains(lower, typed)) {
			continue
		}
		found = append(found, near{name, d, CellInt(row[1])})
	}
	slices.SortFunc(found, func(a, b near) int {
		return cmp.Or(cmp.Compare(a.distance, b.distance), cmp.Compare(b.frequency, a.frequency), strings.Compare(a.name, b.name))
	})
	var names []string
	for _, n := range found[:min(len(found), 5)] {
		names = append(names, n.name)
	}
	return names, nil
}

// Mistyped is a name a search asked for that no event has, and the stored
// names near it (NamesNear).
type Mistyped struct {
	Column string // EventNames or ErrorCodes
	What   string // "event name" or "error code", as a sentence says it
	Typed  string
	Near   []string
}

// MistypedNames lists, for a search that found nothing, its event name and
// error code when the index holds no event by them and names near them:
// the command line prints them, the web UI links them.
func MistypedNames(ctx context.Context, q Querier, f Filter) ([]Mistyped, error) {
	var out []Mistyped
	for _, m := range []Mistyped{{Column: EventNames, What: "event name", Typed: f.EventName}, {Column: ErrorCodes, What: "error code", Typed: f.ErrorCode}} {
		if m.Typed == "" || m.Typed == ErrorAny {
			continue
		}
		near, err := NamesNear(ctx, q, m.Column, m.Typed)
		if err != nil {
			return nil, err
		}
		if len(near) > 0 && near[0] != m.Typed { // the name itself first: it is stored
			m.Near = near
			out = append(out, m)
		}
	}
	return out, nil
}
