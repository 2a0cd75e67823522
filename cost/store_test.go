package cost

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestReadingCreatesNothing: opening a store that was never imported into,
// reporting and looking for spikes leave no folder behind, and answer
// empty; only an import creates the store.
func TestReadingCreatesNothing(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cost")
	store, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReporter(store, emptyIndex{})
	rep, err := r.Build(ctx, ReportConfig{By: ByPrincipal})
	if err != nil || rep.Total != "0" || rep.Rows == nil || len(rep.Rows) != 0 || rep.Methods == nil {
		t.Errorf("report of an empty store: %+v, %v", rep, err)
	}
	if spikes, err := r.Spikes(ctx, nil, DefaultSpikeConfig()); err != nil || len(spikes) != 0 {
		t.Errorf("spikes of an empty store: %+v, %v", spikes, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("reading made the store's folder: %v", err)
	}
	importInto(t, store, hourlyCUR(t, []string{"i-0aaa"}, 3, func(string, int) float64 { return 1 }))
	if _, err := os.Stat(filepath.Join(dir, storeManifestName)); err != nil {
		t.Errorf("import: %v", err)
	}
}
