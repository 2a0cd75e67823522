package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	for _, q := range []string{"by=color", "month=March", "measure=blended", "limit=-1", "format=csv", "principal=alice", "by=service&by=day", "from=March", "from=2026-03-02&to=2026-03-01"} {
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
	for _, q := range []string{"by=principal", "by=region&from=2026-03-01&to=2026-03-07"} {
		b, err := c.do(ctx, "GET", "/api/v1/cost/report?"+q, nil)
		var rep cost.Report
		if err != nil || json.Unmarshal(b, &rep) != nil || rep.Total != "0" || rep.Rows == nil || len(rep.Rows) != 0 {
			t.Errorf("report of an empty store, %s: %v, %s", q, err, b)
		}
	}
	b, err := c.do(ctx, "GET", "/api/v1/cost/spikes", nil)
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

// twoCurrencyStore holds March 2026 of two payer accounts, one billed in
// EUR (111122223333, 1.25) and one in USD (444455556666, 2.5).
func twoCurrencyStore(t *testing.T) *cost.Store {
	t.Helper()
	dir := t.TempDir()
	var inputs []string
	for _, p := range []struct{ payer, amount, currency string }{{"111122223333", "1.25", "EUR"}, {"444455556666", "2.5", "USD"}} {
		path := filepath.Join(dir, p.payer, "cur.csv")
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte("identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/CurrencyCode\n"+
			"1,"+p.payer+",2026-03-01T00:00:00Z,"+p.payer+",Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa,"+p.amount+","+p.currency+"\n"), 0o644)
		inputs = append(inputs, path)
	}
	store, err := cost.OpenStore(filepath.Join(dir, "cost"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := store.Import(context.Background(), cost.DefaultImportConfig(), inputs...); err != nil || len(res.Imported) != 2 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	return store
}

// TestCostEndpointsChooseAPayer: over two payers billed in two currencies,
// the report and the spikes ask for a payer with a 400 that names them,
// and answer for the payer given.
func TestCostEndpointsChooseAPayer(t *testing.T) {
	ts := serveIndex(t, testEvents(5, testBase))
	ts.srv.SetCost(twoCurrencyStore(t))
	c := NewClient(ts.URL, testCreds)
	ctx := context.Background()
	for _, path := range []string{"/api/v1/cost/report?by=service", "/api/v1/cost/spikes"} {
		_, err := c.do(ctx, "GET", path, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Message, "payer=") || !strings.Contains(ae.Message, "111122223333, 444455556666") || strings.Contains(ae.Message, "\n") {
			t.Errorf("%s over two currencies: %v", path, err)
		}
	}
	b, err := c.do(ctx, "GET", "/api/v1/cost/report?by=service&payer=444455556666", nil)
	var rep cost.Report
	if err != nil || json.Unmarshal(b, &rep) != nil || rep.Currency != "USD" || rep.Total != "2.5" {
		t.Errorf("report of one payer: %v, %s", err, b)
	}
	if _, err := c.do(ctx, "GET", "/api/v1/cost/spikes?payer=111122223333", nil); err != nil {
		t.Errorf("spikes of one payer: %v", err)
	}
}
