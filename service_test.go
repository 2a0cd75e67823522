package cairn

import (
	"context"
	"errors"
	"testing"
)

func TestSetEventService(t *testing.T) {
	for _, c := range []struct {
		event, service        string
		wantEvent, wantSource string
		wantBare              string
		conflict              bool
	}{
		{"", "", "", "", "", false},
		{"RunInstances", "", "RunInstances", "", "", false},
		{"", "ec2", "", "ec2.amazonaws.com", "ec2", false},
		{"", " EC2 ", "", "ec2.amazonaws.com", "EC2", false},
		{"", "s3.amazonaws.com", "", "s3.amazonaws.com", "", false},
		{"ec2:RunInstances", "", "RunInstances", "ec2.amazonaws.com", "ec2", false},
		{"ec2:RunInstances", "ec2.amazonaws.com", "RunInstances", "ec2.amazonaws.com", "ec2", false},
		{"EC2:RunInstances", "ec2", "RunInstances", "ec2.amazonaws.com", "EC2", false},
		{"myapp:DeleteInvoice", "", "DeleteInvoice", "myapp.amazonaws.com", "myapp", false},
		{"ec2:RunInstances", "s3", "", "", "", true},
	} {
		var f Filter
		bare, err := f.SetEventService(c.event, c.service)
		var conflict *ServiceConflictError
		if c.conflict {
			if !errors.As(err, &conflict) {
				t.Errorf("%q %q: %v, want a conflict", c.event, c.service, err)
			}
			continue
		}
		if err != nil || f.EventName != c.wantEvent || f.EventSource != c.wantSource || bare != c.wantBare {
			t.Errorf("%q %q: event %q source %q bare %q, %v; want %q %q %q", c.event, c.service, f.EventName, f.EventSource, bare, err, c.wantEvent, c.wantSource, c.wantBare)
		}
	}
}

// searchFunc is a Searcher made of a function.
type searchFunc func(Filter) int

func (s searchFunc) Search(_ context.Context, f Filter, _ Cursor, _ int) (Page, error) {
	return Page{Events: make([]Event, s(f))}, nil
}

func TestWithBareSource(t *testing.T) {
	only := func(source string) Searcher {
		return searchFunc(func(f Filter) int {
			if f.EventSource == source {
				return 1
			}
			return 0
		})
	}
	f := Filter{EventSource: "myapp.amazonaws.com"}
	for _, c := range []struct {
		stored, want string
	}{
		{"myapp", "myapp"}, // an application's
		{"myapp.amazonaws.com", "myapp.amazonaws.com"}, // AWS's reading first
		{"other", "myapp.amazonaws.com"},               // neither: as AWS's
	} {
		g, err := WithBareSource(context.Background(), only(c.stored), f, "myapp")
		if err != nil || g.EventSource != c.want {
			t.Errorf("stored %s: source %q, %v; want %q", c.stored, g.EventSource, err, c.want)
		}
	}
}
