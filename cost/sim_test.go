package cost

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
	"github.com/cairn-audit/cairn/sim"
)

// simCost generates a simulated organisation, indexes its CloudTrail logs
// and imports its cost report.
func simCost(t *testing.T) (*Store, *duckdb.Index, []sim.Scenario) {
	t.Helper()
	if testing.Short() {
		t.Skip("generates an organisation; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Events, cfg.Seed = dir, 80000, 5
	if _, err := sim.Generate(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	icfg := duckdb.DefaultConfig()
	icfg.Dir = filepath.Join(t.TempDir(), "index")
	idx, err := duckdb.Open(ctx, icfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	src, err := ingest.OpenSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.DefaultConfig(), idx, src); err != nil {
		t.Fatal(err)
	}
	store, err := OpenStore(filepath.Join(t.TempDir(), "cost"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.Import(ctx, DefaultImportConfig(), filepath.Join(dir, "cost", "cur"))
	if err != nil || len(res.Imported) != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	var scenarios []sim.Scenario
	b, _ := os.ReadFile(filepath.Join(dir, "scenarios.json"))
	if err := json.Unmarshal(b, &scenarios); err != nil {
		t.Fatal(err)
	}
	return store, idx, scenarios
}

// TestSimulatedAttribution: on the simulator's organisation, the cost the
// simulator knows a creator for (its aws:createdBy) goes to that creator
// for at least 99% of the amount, from CloudTrail alone; and every report
// adds up to the total exactly.
func TestSimulatedAttribution(t *testing.T) {
	store, idx, scenarios := simCost(t)
	ctx := context.Background()
	r := NewReporter(store, idx)

	s, err := r.open(ctx, ReportConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// The simulator sets aws:createdBy to the true creator (the acting
	// service for what Auto Scaling launched); compare it with the
	// principalId of the creating call that cairn found, for the cost it
	// attributed from CloudTrail, and with the tag where it fell back on it.
	rows, err := s.conn.QueryContext(ctx, `SELECT created_by, method, coalesce(creator_id, ''), CAST(sum(amount) AS VARCHAR)
		FROM `+s.joined(MeasureCost)+` WHERE created_by IS NOT NULL GROUP BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	fromTrail, fromTrailRight, attributable, attributableRight, known := new(big.Rat), new(big.Rat), new(big.Rat), new(big.Rat), new(big.Rat)
	var misses []string
	for rows.Next() {
		var createdBy, method, creatorID, amount string
		if err := rows.Scan(&createdBy, &method, &creatorID, &amount); err != nil {
			t.Fatal(err)
		}
		amt := mustRat(amount)
		known.Add(known, amt)
		parts := strings.SplitN(createdBy, ":", 3)
		want := parts[len(parts)-1]
		if len(parts) == 3 && parts[0] == "AssumedRole" {
			want = parts[1] + ":" + parts[2]
		} else if len(parts) == 3 {
			want = parts[1]
		}
		switch method {
		case MethodCreation, MethodParentASG, MethodParentStack:
			fromTrail.Add(fromTrail, amt)
			attributable.Add(attributable, amt)
			if creatorID == want {
				fromTrailRight.Add(fromTrailRight, amt)
				attributableRight.Add(attributableRight, amt)
			} else if len(misses) < 10 {
				misses = append(misses, createdBy+" → "+method+" "+creatorID+" "+amount)
			}
		case MethodCreatedByTag:
			attributable.Add(attributable, amt)
			attributableRight.Add(attributableRight, amt)
		}
	}
	rows.Close()
	s.close()
	ratio := func(a, b *big.Rat) float64 {
		if b.Sign() == 0 {
			return 0
		}
		f, _ := new(big.Rat).Quo(a, b).Float64()
		return f
	}
	t.Logf("cost with a known creator %s: %.1f%% attributed from CloudTrail, of which %.2f%% to the right creator; %.2f%% of all attributable cost right",
		decimalString(known), 100*ratio(fromTrail, known), 100*ratio(fromTrailRight, fromTrail), 100*ratio(attributableRight, attributable))
	if ratio(fromTrailRight, fromTrail) < 0.99 || ratio(attributableRight, attributable) < 0.99 {
		t.Errorf("attribution below 99%%; e.g.\n%s", strings.Join(misses, "\n"))
	}

	// The report by resource drills into the report by principal: its
	// rows, gathered by principal and method, are that report's amounts,
	// and the same store gives it again row for row.
	byPrincipal, err := r.Build(ctx, ReportConfig{By: ByPrincipal, Month: "2026-03", OwnerTag: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	byResource, err := r.Build(ctx, ReportConfig{By: ByResource, Month: "2026-03", OwnerTag: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	gathered := map[string][]string{}
	for _, row := range byResource.Rows {
		// The row without a resource too: its cost goes to the creator
		// that aws:createdBy names, or is shared.
		k := row.Attribution.Principal + "|" + row.Attribution.Method
		gathered[k] = append(gathered[k], row.Amount)
	}
	for _, row := range byPrincipal.Rows {
		for _, m := range row.Methods {
			if got := SumAmounts(gathered[row.Key+"|"+m.Key]...); got != m.Amount {
				t.Errorf("%s by %s: %s by principal, %s in the rows by resource", row.Key, m.Key, m.Amount, got)
			}
		}
	}
	again, err := r.Build(ctx, ReportConfig{By: ByResource, Month: "2026-03", OwnerTag: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Rows, byResource.Rows) {
		t.Errorf("the report by resource changed from one build to the next")
	}

	for _, by := range []string{ByPrincipal, ByService, ByResource, ByDay, ByAccount, ByRole, "tag:team"} {
		rep, err := r.Build(ctx, ReportConfig{By: by, Month: "2026-03", OwnerTag: "owner"})
		if err != nil {
			t.Fatal(err)
		}
		var amounts []string
		for _, row := range rep.Rows {
			amounts = append(amounts, row.Amount)
		}
		if got := SumAmounts(amounts...); got != rep.Total {
			t.Errorf("report by %s: rows add up to %s, total %s", by, got, rep.Total)
		}
		var methods []string
		for _, m := range rep.Methods {
			methods = append(methods, m.Amount)
		}
		if got := SumAmounts(methods...); got != rep.Total {
			t.Errorf("report by %s: methods add up to %s, total %s", by, got, rep.Total)
		}
		if by == ByPrincipal {
			keys := make([]string, 0, len(rep.Rows))
			for _, row := range rep.Rows {
				keys = append(keys, row.Key)
			}
			if !slices.Contains(keys, LabelShared) {
				t.Errorf("no shared cost in %v", keys)
			}
			t.Logf("by principal: total %s; %v", rep.Total, rep.Methods)
		}
		if by == "tag:team" {
			// The simulator's stacks are the orders team's.
			var keys []string
			for _, row := range rep.Rows {
				keys = append(keys, row.Key)
			}
			slices.Sort(keys)
			if want := []string{LabelShared, LabelUntagged, "orders"}; !slices.Equal(keys, want) {
				t.Errorf("by tag:team: rows %q, want %q", keys, want)
			}
		}
	}
	for _, p := range store.Periods() {
		rep, err := r.Build(ctx, ReportConfig{By: ByService, Month: p.Period})
		if err != nil {
			t.Fatal(err)
		}
		if mustRat(rep.Total).Cmp(mustRat(p.Total)) != 0 {
			t.Errorf("report total %s, imported total %s", rep.Total, p.Total)
		}
	}

	// The cost spike of a fleet launch is found, with the launch.
	spikeCfg := DefaultSpikeConfig()
	spikeCfg.Month = "2026-03" // a filter too, whose placeholder follows the query's own
	spikes, err := r.Spikes(ctx, idx, spikeCfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		if sc.Kind != "cost-spike" {
			continue
		}
		found := false
		for _, sp := range spikes {
			for _, res := range sp.Resources {
				if !slices.Contains(sc.Resources, res.ResourceID) {
					continue
				}
				for _, c := range res.Calls {
					if slices.Contains(sc.EventIDs, c.EventID) && sp.Start.Sub(sc.Time) < 2*3600e9 && sc.Time.Sub(sp.Start) < 3600e9 {
						found = true
					}
					// What was called once the fleet cost (tags, commands)
					// did not make the rise.
					if firstBilled := sc.Time.Truncate(time.Hour).Add(time.Hour); c.Time.After(firstBilled) {
						t.Errorf("%s spike %s: %s at %s, after the launch's first billed hour ended at %s", sp.Granularity, sp.Start, c.EventName, c.Time, firstBilled)
					}
				}
			}
		}
		if !found {
			t.Errorf("the fleet launch of %s at %s is not explained by any spike: %+v", sc.ID, sc.Time, spikes)
		}
	}
}
