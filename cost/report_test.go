package cost

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// A report by region sums each region's cost and one by usage type each
// usage type's; lines that name neither (tax) are a row of their own.
func TestReportByRegionAndUsageType(t *testing.T) {
	cur := `identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,product/region,lineItem/ResourceId,lineItem/UnblendedCost
1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,USE1-BoxUsage:m5.large,us-east-1,i-orders,10.5
2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,EUC1-BoxUsage:m5.large,eu-central-1,i-search,4
3,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T01:00:00Z,2026-03-02T02:00:00Z,AmazonEC2,USE1-BoxUsage:m5.large,us-east-1,i-orders,10.5
4,111122223333,2026-03-01T00:00:00Z,111122223333,Tax,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,,,1.5
`
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, []byte(cur), 0o644); err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	importInto(t, store, path)
	for by, want := range map[string][]string{
		ByRegion:    {"us-east-1 21", "eu-central-1 4", "(no region) 1.5"},
		ByUsageType: {"USE1-BoxUsage:m5.large 21", "EUC1-BoxUsage:m5.large 4", "(no usage type) 1.5"},
	} {
		rep, err := NewReporter(store, aliceLaunchesSplit).Build(context.Background(), ReportConfig{By: by})
		if err != nil {
			t.Fatalf("by %s: %v", by, err)
		}
		var got []string
		for _, row := range rep.Rows {
			got = append(got, row.Key+" "+row.Amount)
		}
		if !slices.Equal(got, want) || rep.Total != "26.5" {
			t.Errorf("by %s: rows %q, total %s; want %q, 26.5", by, got, rep.Total, want)
		}
	}
}

// -from and -to keep the lines whose usage starts on those days, ends
// included; a line billed for the month counts on the day it starts, as in
// Cost Explorer's daily view.
func TestReportUsageRange(t *testing.T) {
	cur := `identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost
1,111122223333,2026-03-01T00:00:00Z,111122223333,Tax,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,1.5
2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T23:00:00Z,2026-03-02T00:00:00Z,AmazonEC2,i-orders,1
3,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-orders,2
4,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T23:59:59Z,2026-03-03T00:00:00Z,AmazonEC2,i-orders,4
5,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-03T00:00:00Z,2026-03-03T01:00:00Z,AmazonEC2,i-orders,8
`
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, []byte(cur), 0o644); err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	importInto(t, store, path)
	for _, tc := range []struct{ from, to, total string }{
		{"", "", "16.5"},
		{"2026-03-02", "2026-03-02", "6"},
		{"2026-03-02", "", "14"},
		{"", "2026-03-01", "2.5"},
		{"2026-03-04", "", "0"},
	} {
		rep, err := NewReporter(store, aliceLaunchesSplit).Build(context.Background(), ReportConfig{By: ByService, From: tc.from, To: tc.to})
		if err != nil || rep.Total != tc.total || rep.From != tc.from || rep.To != tc.to {
			t.Errorf("from %q to %q: %v, %+v; want a total of %s", tc.from, tc.to, err, rep, tc.total)
		}
	}
	for _, tc := range []struct{ from, to, want string }{
		{"2026-3-1", "", `from must be a day, YYYY-MM-DD, not "2026-3-1"`},
		{"", "March", `to must be a day, YYYY-MM-DD, not "March"`},
		{"2026-03-02", "2026-03-01", "to 2026-03-01 is before from 2026-03-02"},
	} {
		if err := (ReportConfig{From: tc.from, To: tc.to}).Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("from %q to %q: %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}

// A report by account sums each usage account's cost, and a report by a
// user tag each of its values, whatever spelling names the tag; cost of
// resources without the tag is (untagged), and cost without a resource,
// which no tag reaches, (shared).
func TestReportByAccountAndTag(t *testing.T) {
	cur := `identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:Team
1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-orders,10.5,orders
2,111122223333,2026-03-01T00:00:00Z,444455556666,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-search,4,search
3,111122223333,2026-03-01T00:00:00Z,444455556666,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonS3,logs-bucket,0.25,
4,111122223333,2026-03-01T00:00:00Z,111122223333,Tax,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,1.5,
5,111122223333,2026-03-01T00:00:00Z,444455556666,Usage,2026-03-03T00:00:00Z,2026-03-03T01:00:00Z,AmazonEC2,i-orders-2,3,orders
`
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, []byte(cur), 0o644); err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	importInto(t, store, path)
	rows := func(by string, limit int) []string {
		t.Helper()
		rep, err := NewReporter(store, aliceLaunchesSplit).Build(context.Background(), ReportConfig{By: by, Limit: limit})
		if err != nil {
			t.Fatalf("by %s: %v", by, err)
		}
		var got []string
		for _, row := range rep.Rows {
			got = append(got, row.Key+" "+row.Amount)
		}
		if rep.Total != "19.25" {
			t.Errorf("by %s: total %s, want 19.25", by, rep.Total)
		}
		return got
	}
	if keys, err := NewReporter(store, aliceLaunchesSplit).TagKeys(context.Background(), "2026-03"); err != nil || !slices.Equal(keys, []string{"team"}) {
		t.Errorf("tag keys %q, %v; want team", keys, err)
	}
	if got, want := rows(ByAccount, 0), []string{"111122223333 12", "444455556666 7.25"}; !slices.Equal(got, want) {
		t.Errorf("by account: rows %q, want %q", got, want)
	}
	for _, by := range []string{"tag:team", "tag:Team", "tag:user:team", "tag:user_TEAM", "tag:resourceTags/user:Team", "tag:resource_tags_user_team"} {
		if got, want := rows(by, 0), []string{"orders 13.5", "search 4", "(shared) 1.5", "(untagged) 0.25"}; !slices.Equal(got, want) {
			t.Errorf("by %s: rows %q, want %q", by, got, want)
		}
	}
	if got, want := rows("tag:team", 1), []string{"orders 13.5", "(shared) 1.5", "(untagged) 0.25", "(other) 4"}; !slices.Equal(got, want) {
		t.Errorf("by tag:team, limit 1: rows %q, want %q", got, want)
	}
	// What no day incurred (the month's tax) stays a row of its own too.
	if got, want := rows(ByDay, 1), []string{"2026-03-02 14.75", LabelWholePeriod + " 1.5", "(other) 3"}; !slices.Equal(got, want) {
		t.Errorf("by day, limit 1: rows %q, want %q", got, want)
	}
	for by, want := range map[string]string{
		"tag:":                           "needs a user tag's key",
		"tag:aws:createdBy":              "AWS's own tags",
		"tag:resourceTags/aws:createdBy": "AWS's own tags",
		"team":                           "by must be principal, service, resource, day, account, region, usagetype, role or tag:KEY",
	} {
		err := ReportConfig{By: by}.Validate()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("by %q: error %v, want one saying %q", by, err, want)
		}
	}
}

// TestReportAttributesRowsWithoutResourceByTag: a row without a resource ID
// that carries aws:createdBy (a NAT gateway's hours, a report exported
// without resource IDs) goes to the creator the tag names, by the tag;
// only rows that name neither (tax) are shared. By tag, such a row is a
// resource's, untagged, not shared.
func TestReportAttributesRowsWithoutResourceByTag(t *testing.T) {
	cur := `identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/aws:createdBy,resourceTags/user:team
1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,,0.045,IAMUser:AIDAHANK:hank,
2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T01:00:00Z,2026-03-02T02:00:00Z,AmazonEC2,,0.045,IAMUser:AIDAHANK:hank,
3,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,,2,AssumedRole:AROADANA:dana@example.com,search
4,111122223333,2026-03-01T00:00:00Z,111122223333,Tax,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,1.5,,
`
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, []byte(cur), 0o644); err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	importInto(t, store, path)
	rows := func(by string) []string {
		t.Helper()
		rep, err := NewReporter(store, emptyIndex{}).Build(context.Background(), ReportConfig{By: by})
		if err != nil {
			t.Fatalf("by %s: %v", by, err)
		}
		var got []string
		for _, row := range rep.Rows {
			s := row.Key + " " + row.Amount
			if row.Attribution != nil {
				s += " " + row.Attribution.Principal + " by " + row.Attribution.Method
			}
			for _, m := range row.Methods {
				s += " " + m.Key
			}
			got = append(got, s)
		}
		return got
	}
	if got, want := rows(ByPrincipal), []string{"dana@example.com 2 tag:aws:createdBy", "(shared) 1.5 shared", "hank 0.09 tag:aws:createdBy"}; !slices.Equal(got, want) {
		t.Errorf("by principal: rows %q, want %q", got, want)
	}
	if got, want := rows(ByResource), []string{"(no resource) 2 dana@example.com by tag:aws:createdBy", "(no resource) 1.5 (shared) by shared", "(no resource) 0.09 hank by tag:aws:createdBy"}; !slices.Equal(got, want) {
		t.Errorf("by resource: rows %q, want %q", got, want)
	}
	if got, want := rows("tag:team"), []string{"search 2", "(shared) 1.5", "(untagged) 0.09"}; !slices.Equal(got, want) {
		t.Errorf("by tag:team: rows %q, want %q", got, want)
	}
}

// creationRows answers LoadCreators' query with several creation calls.
type creationRows [][]any

func (c creationRows) Query(ctx context.Context, sql string) (*cairn.Table, error) {
	return &cairn.Table{Rows: c}, nil
}

// TestReportByRole: a pipeline's session whose source identity names a
// person bills the person, and the report by role shows the pipeline's
// role; the resource's attribution keeps the session the call came
// through. A user's resource has no role, and what no call created stays
// shared or unattributed.
func TestReportByRole(t *testing.T) {
	cur := `identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/aws:createdBy
1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-gha,10,
2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-alice,4,
3,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,vol-tagged,2,AssumedRole:AROAGHA:gha-run-7
4,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-nobody,0.5,
5,111122223333,2026-03-01T00:00:00Z,111122223333,Tax,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,1.5,
`
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, []byte(cur), 0o644); err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	importInto(t, store, path)
	created := func(id string) []any {
		return []any{map[string]any{"id": id, "type": "AWS::EC2::Instance", "role": "created"}}
	}
	idx := creationRows{
		{"2026-03-01T09:00:00Z", "e-gha", "RunInstances", "111122223333", "us-east-1", "AssumedRole", "AROAGHA:gha-run-42",
			"arn:aws:sts::111122223333:assumed-role/GitHubActionsDeploy/gha-run-42", "GitHubActionsDeploy", "arn:aws:iam::111122223333:role/GitHubActionsDeploy",
			"gha-run-42", "hana@example.com", nil, created("i-gha")},
		{"2026-03-01T10:00:00Z", "e-alice", "RunInstances", "111122223333", "us-east-1", "IAMUser", "AIDAALICE",
			"arn:aws:iam::111122223333:user/alice", "alice", nil, nil, nil, nil, created("i-alice")},
	}
	build := func(by string) *Report {
		t.Helper()
		rep, err := NewReporter(store, idx).Build(context.Background(), ReportConfig{By: by})
		if err != nil {
			t.Fatalf("by %s: %v", by, err)
		}
		return rep
	}
	var got []string
	for _, row := range build(ByRole).Rows {
		got = append(got, row.Key+" "+row.Amount)
	}
	if want := []string{"role/GitHubActionsDeploy 12", "(no role) 4", "(shared) 1.5", "(unattributed) 0.5"}; !slices.Equal(got, want) {
		t.Errorf("by role: rows %q, want %q", got, want)
	}
	got = nil
	for _, row := range build(ByResource).Rows {
		got = append(got, row.Key+" "+row.Attribution.Principal+" "+row.Attribution.Creator)
	}
	if want := []string{"i-gha hana@example.com assumed-role/GitHubActionsDeploy/gha-run-42", "i-alice alice ", "vol-tagged role/GitHubActionsDeploy assumed-role/GitHubActionsDeploy/gha-run-7",
		"(no resource) (shared) ", "i-nobody (unattributed) "}; !slices.Equal(got, want) {
		t.Errorf("by resource: rows %q, want %q", got, want)
	}
}
