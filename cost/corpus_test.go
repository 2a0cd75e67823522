package cost

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
)

// TestCorpusCostReports imports every cost report of the real corpus
// ($CAIRN_CORPUS/cost: AWS's sample CUR and FOCUS files): each must be
// recognised and imported, and the October 2018 EC2 cost split by
// aws:createdBy is logged for comparison with corpus/cost/INVENTORY.md.
func TestCorpusCostReports(t *testing.T) {
	dir := cloudtrailtest.Corpus(t, "cost")
	ctx := context.Background()
	store, err := OpenStore(filepath.Join(t.TempDir(), "cost"))
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		res, err := store.Import(ctx, DefaultImportConfig(), filepath.Join(dir, e.Name()))
		if err != nil {
			t.Errorf("import %s: %v", e.Name(), err)
			continue
		}
		for _, p := range res.Imported {
			t.Logf("%s: %s %s, %d rows (%d rejected %v), total %s", e.Name(), p.Period.Period, p.Format, p.Rows, p.Rejected, p.Rejects, p.Total)
		}
		for _, f := range res.Failures {
			t.Errorf("%s: %+v", e.Name(), f)
		}
	}
	if len(store.Periods()) == 0 {
		t.Fatal("no period of the corpus was imported")
	}
	r := NewReporter(store, emptyIndex{})
	s, err := r.open(ctx, ReportConfig{Month: "2018-10", Service: "AmazonEC2"})
	if err != nil {
		t.Skipf("no October 2018 EC2 cost in the corpus: %v", err)
	}
	defer s.close()
	rows, err := s.conn.QueryContext(ctx, "SELECT coalesce(created_by, '(none)'), CAST(sum(cost) AS VARCHAR) FROM "+s.from+s.where+" GROUP BY 1 ORDER BY sum(cost) DESC", s.args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var by, amount string
		rows.Scan(&by, &amount)
		t.Logf("October 2018 EC2 by aws:createdBy: %-70s %s", by, decimalString(mustRat(amount)))
	}
}

// emptyIndex is an index with no events: reports then attribute by tags.
type emptyIndex struct{}

func (emptyIndex) Query(ctx context.Context, sql string) (*cairn.Table, error) {
	return &cairn.Table{}, nil
}
