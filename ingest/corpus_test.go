package ingest

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
)

// TestCorpus ingests every file of the real corpus (CloudTrail records that
// nobody here wrote): each file must land or be quarantined with a reason,
// nothing may crash, and a second run must add nothing.
func TestCorpus(t *testing.T) {
	dir := cloudtrailtest.Corpus(t, "cloudtrail")
	ctx := context.Background()
	idx := openIndex(t)
	src, err := OpenSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	icfg := DefaultConfig()
	icfg.Notice = func(st cairn.ObjectState) {
		if st.Reason == "" {
			t.Errorf("%s %s without a reason", st.Status, st.Key)
		}
		t.Logf("%s %s: %s", st.Status, st.Key, st.Reason)
	}
	sum, err := Run(ctx, icfg, idx, src)
	if err != nil && !errors.Is(err, ErrFailedObjects) {
		t.Fatal(err)
	}
	t.Logf("corpus: %s", sum)
	if sum.New == 0 {
		t.Fatal("no event of the corpus was ingested")
	}
	st, err := idx.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != int64(sum.New) {
		t.Fatalf("index holds %d events, ingest stored %d", st.Events, sum.New)
	}
	again, err := Run(ctx, icfg, idx, src)
	if err != nil || again.New != 0 || again.Objects != 0 {
		t.Fatalf("second run: %s (%v)", again, err)
	}
}
