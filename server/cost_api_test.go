package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-audit/cairn/cost"
)

// TestCostEndpointsRefuseWhatTheyCannotAnswer: a server without a cost
// store answers 404; bad parameters are 400s. (The reports themselves are
// tested in package cost.)
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
	for _, q := range []string{"by=color", "month=March", "measure=blended", "limit=-1", "format=csv", "principal=alice", "by=service&by=day"} {
		if _, err := c.do(ctx, "GET", "/api/v1/cost/report?"+q, nil); !isStatus(err, 400) {
			t.Errorf("%s: %v", q, err)
		}
	}
	for _, q := range []string{"factor=x", "factor=0.5", "min-increase=-1", "month=March", "top=3"} {
		if _, err := c.do(ctx, "GET", "/api/v1/cost/spikes?"+q, nil); !isStatus(err, 400) {
			t.Errorf("spikes %s: %v", q, err)
		}
	}
}

// TestCostEndpointsOfAnEmptyStore: when no cost report was imported (the
// store's folder does not even exist), the report is empty and there is no
// spike, and answering creates nothing.
func TestCostEndpointsOfAnEmptyStore(t *testing.T) {
	ts := startServer(t, testEvents(5, testBase))
	c := NewClient(ts.URL, testCreds)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cost")
	store, err := cost.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv.SetCost(store)
	b, err := c.do(ctx, "GET", "/api/v1/cost/report?by=principal", nil)
	var rep cost.Report
	if err != nil || json.Unmarshal(b, &rep) != nil || rep.Total != "0" || rep.Rows == nil || len(rep.Rows) != 0 {
		t.Errorf("report of an empty store: %v, %s", err, b)
	}
	b, err = c.do(ctx, "GET", "/api/v1/cost/spikes", nil)
	if err != nil || string(b) != "[]\n" && string(b) != "[]" {
		t.Errorf("spikes of an empty store: %v, %q", err, b)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("reading the cost store made its folder: %v", err)
	}
}

func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}
