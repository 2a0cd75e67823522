package ui_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/server"
)

// costStore imports one legacy CUR CSV per payer of March 2026 (its lines
// after the header) into a new store.
func costStore(t *testing.T, lines map[string]string) *cost.Store {
	t.Helper()
	dir := t.TempDir()
	var inputs []string
	for payer, body := range lines {
		path := filepath.Join(dir, payer, "cur.csv")
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte("identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/CurrencyCode\n"+body), 0o644)
		inputs = append(inputs, path)
	}
	store, err := cost.OpenStore(filepath.Join(dir, "cost"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Import(context.Background(), cost.DefaultImportConfig(), inputs...); err != nil {
		t.Fatal(err)
	}
	return store
}

// TestCostPageChoosesAPayer: a month of two payers billed in EUR and USD
// is no server failure: the page answers 400 with one line, lists the
// payers to choose from, and shows the payer chosen in its currency.
func TestCostPageChoosesAPayer(t *testing.T) {
	store := costStore(t, map[string]string{
		"111122223333": "1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa,1.25,EUR\n",
		"444455556666": "1,444455556666,2026-03-01T00:00:00Z,444455556666,Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0bbb,2.5,USD\n",
	})
	ts := startSmallWith(t, func(srv *server.Server) { srv.SetCost(store) })
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")

	resp, body := get(t, c, ts.URL+"/cost?month=2026-03")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="must-choose"`) || !strings.Contains(body, "several currencies (EUR, USD)") ||
		!strings.Contains(body, `<option value="444455556666">444455556666</option>`) || !strings.Contains(body, "payer=111122223333") {
		t.Errorf("two currencies: status %d\n%s", resp.StatusCode, body)
	}
	resp, body = get(t, c, ts.URL+"/cost?month=2026-03&payer=444455556666")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="cost-total" data-amount="2.5"`) || !strings.Contains(body, "USD") ||
		!strings.Contains(body, `<option value="444455556666" selected>`) {
		t.Errorf("one payer: status %d\n%s", resp.StatusCode, body)
	}
	resp, body = get(t, c, ts.URL+"/cost?month=2026-03&payer=444455556666&tag=team")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("one payer by tag: status %d\n%s", resp.StatusCode, body)
	}
}

// TestCostPageSaysRowsWereRejected: rows that could not be read at import
// are in no amount, and the page says how many and what they cost, as
// cairn cost report does.
func TestCostPageSaysRowsWereRejected(t *testing.T) {
	store := costStore(t, map[string]string{
		"111122223333": "1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa,1.25,USD\n" +
			"2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,yesterday,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa,0.75,USD\n" +
			"3,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa,lots,USD\n",
	})
	ts := startSmallWith(t, func(srv *server.Server) { srv.SetCost(store) })
	c := newClient(t)
	login(t, c, ts.URL, "AKIDUITEST", "s3cret/ui+test")
	resp, body := get(t, c, ts.URL+"/cost?month=2026-03")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="rejected"`) || !strings.Contains(body, "2 input rows") || !strings.Contains(body, "0.75 USD") {
		t.Errorf("status %d\n%s", resp.StatusCode, body)
	}
}
