package cost

import (
	"context"
	"slices"
	"testing"

	"github.com/cairn-audit/cairn"
)

// creationIndex answers LoadCreators' query with one creation call.
type creationIndex struct{ row []any }

func (c creationIndex) Query(ctx context.Context, sql string) (*cairn.Table, error) {
	return &cairn.Table{Rows: [][]any{c.row}}, nil
}

// aliceLaunchesSplit is alice's RunInstances of i-fleet-split on 11 March,
// in the columns LoadCreators reads.
var aliceLaunchesSplit = creationIndex{row: []any{"2026-03-11T09:00:00Z", "e-run", "RunInstances", "111122223333", "us-east-1", "IAMUser", "AIDAALICE",
	"arn:aws:iam::111122223333:user/alice", "alice", nil, nil, nil, nil,
	[]any{map[string]any{"id": "i-fleet-split", "type": "AWS::EC2::Instance", "role": "created"}}}}

// TestReportByResourceSplitsAResource: a resource whose cost goes to two
// principals (its creation call found part way through the month: before
// it, the aws:createdBy tag decides) has a row for each, the same on every
// build, and the rows add up to the report by principal.
func TestReportByResourceSplitsAResource(t *testing.T) {
	path := hourlyCUR(t, []string{"i-fleet-split", "i-base"}, 20*24, func(id string, h int) float64 { return 1 })
	store := newStore(t)
	importInto(t, store, path)
	idx := aliceLaunchesSplit
	var first []string
	for build := range 3 {
		rep, err := NewReporter(store, idx).Build(context.Background(), ReportConfig{By: ByResource})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, row := range rep.Rows {
			got = append(got, row.Key+" "+row.Amount+" "+row.Attribution.Principal+" by "+row.Attribution.Method)
		}
		want := []string{"i-base 480 (unattributed) by unattributed", "i-fleet-split 240 alice by creation-event", "i-fleet-split 240 hank by tag:aws:createdBy"}
		if build == 0 {
			first = got
			if !slices.Equal(got, want) {
				t.Fatalf("rows %q, want %q", got, want)
			}
		} else if !slices.Equal(got, first) {
			t.Fatalf("build %d: rows %q, the first build %q", build, got, first)
		}
	}
}

// A report cut to its largest rows keeps (unattributed) and (shared) as rows
// of their own, and sums only the others into (other).
func TestReportLimitKeepsUnattributed(t *testing.T) {
	path := hourlyCUR(t, []string{"i-fleet-split", "i-base"}, 20*24, func(id string, h int) float64 {
		if id == "i-base" {
			return 0.1
		}
		return 1
	})
	store := newStore(t)
	importInto(t, store, path)
	idx := aliceLaunchesSplit
	rep, err := NewReporter(store, idx).Build(context.Background(), ReportConfig{By: ByPrincipal, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range rep.Rows {
		got = append(got, row.Key+" "+row.Amount)
	}
	if want := []string{"alice 240", "(unattributed) 48", "(other) 240"}; !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}
