package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/cost"
)

// TestCostEndpointsRefuseWhatTheyCannotAnswer: no report imported is a 404
// that says what to do; bad parameters are 400s. (The reports themselves
// are tested in package cost.)
func TestCostEndpointsRefuseWhatTheyCannotAnswer(t *testing.T) {
	ts := startServer(t, testEvents(5, testBase))
	c := NewClient(ts.URL, testCreds)
	ctx := context.Background()
	if _, err := c.do(ctx, "GET", "/api/v1/cost/report", nil); !isStatus(err, 404) {
		t.Errorf("no cost store: %v", err)
	}
	store, err := cost.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts.srv.SetCost(store)
	_, err = c.do(ctx, "GET", "/api/v1/cost/report?by=principal", nil)
	if !isStatus(err, 404) || !strings.Contains(err.Error(), "cairn cost import") {
		t.Errorf("empty store: %v", err)
	}
	for _, q := range []string{"by=color", "month=March", "measure=blended", "limit=-1"} {
		if _, err := c.do(ctx, "GET", "/api/v1/cost/report?"+q, nil); !isStatus(err, 400) {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := c.do(ctx, "GET", "/api/v1/cost/spikes?factor=x", nil); !isStatus(err, 400) {
		t.Errorf("spikes factor=x: %v", err)
	}
}

func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}
