package cairn

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// storedNames is an index of one event per name: event names and error
// codes alike, as the filter asks.
type storedNames []string

func (s storedNames) Search(_ context.Context, f Filter, _ Cursor, _ int) (Page, error) {
	for _, v := range []string{f.EventName, f.ErrorCode} {
		if v != "" && !slices.Contains(s, v) {
			return Page{}, nil
		}
	}
	return Page{Events: make([]Event, 1)}, nil
}

// Query answers storedValue's query, by case-insensitive comparison, and
// NamesNear's, counting each name once.
func (s storedNames) Query(_ context.Context, query string) (*Table, error) {
	t := &Table{Columns: []string{"name", "n"}}
	_, given, ok := strings.Cut(query, "lower('")
	given, _, _ = strings.Cut(given, "')")
	given = strings.ReplaceAll(given, "''", "'")
	for _, n := range s {
		switch {
		case !ok: // NamesNear's count
			t.Rows = append(t.Rows, []any{n, int64(len(n))})
		case strings.EqualFold(n, given),
			strings.Contains(query, "'client.'") && strings.EqualFold(n, "Client."+given):
			t.Rows = append(t.Rows, []any{n})
		}
	}
	return t, nil
}

func TestWithStoredNames(t *testing.T) {
	for _, c := range []struct {
		stored          storedNames
		event, code     string
		wantEv, wantErr string
	}{
		{storedNames{"RunInstances"}, "runinstances", "", "RunInstances", ""},
		{storedNames{"RunInstances"}, "RunInstances", "", "RunInstances", ""},
		{storedNames{"RunInstances"}, "StopInstances", "", "StopInstances", ""}, // nothing like it: as given
		{storedNames{"Ship", "SHIP"}, "ship", "", "ship", ""},                   // two: which is meant is not known
		{storedNames{"O'Hara"}, "o'hara", "", "O'Hara", ""},                     // quoted in the query
		{storedNames{"XY"}, "x\x00y", "", "x\x00y", ""},                         // no event's name: not looked up
		{storedNames{"AccessDenied"}, "", "accessdenied", "", "AccessDenied"},
		{storedNames{"Client.UnauthorizedOperation"}, "", "UnauthorizedOperation", "", "Client.UnauthorizedOperation"},
		{storedNames{"RunInstances", "AccessDenied"}, "runinstances", "accessDenied", "RunInstances", "AccessDenied"},
		{storedNames{"AccessDenied"}, "", ErrorAny, "", ErrorAny},
	} {
		g, err := WithStoredNames(context.Background(), c.stored, Filter{EventName: c.event, ErrorCode: c.code})
		if err != nil || g.EventName != c.wantEv || g.ErrorCode != c.wantErr {
			t.Errorf("%v, given %q %q: %q %q, %v; want %q %q", c.stored, c.event, c.code, g.EventName, g.ErrorCode, err, c.wantEv, c.wantErr)
		}
	}
}

func TestNamesNear(t *testing.T) {
	stored := storedNames{"RunInstances", "StopInstances", "StartInstances", "GetObject", "AccessDenied", "AccessDeniedException"}
	for _, c := range []struct {
		typed string
		want  []string
	}{
		{"RunInstance", []string{"RunInstances"}},
		{"runinstnaces", []string{"RunInstances"}},   // two swapped, in another case
		{"StopInstances", []string{"StopInstances"}}, // itself first: nothing to suggest
		{"accesdenied", []string{"AccessDenied"}},
		{"denied", []string{"AccessDenied", "AccessDeniedException"}}, // part of names: the closer first
		{"Stp", nil},             // too short to be two letters off
		{"DescribeVolumes", nil}, // nothing like it
		{"", nil},
	} {
		got, err := NamesNear(context.Background(), stored, EventNames, c.typed)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, %v; want %q", c.typed, got, err, c.want)
		}
	}
}
