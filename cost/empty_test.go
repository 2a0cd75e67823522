package cost

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWhyEmpty: an empty report is explained by what the store holds.
func TestWhyEmpty(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	r := NewReporter(store, emptyIndex{})
	if got, err := r.WhyEmpty(ctx, "", "", ""); err != nil || got != ErrNoCostData.Error() {
		t.Errorf("nothing imported: %q, %v", got, err)
	}
	importInto(t, store, hourlyCUR(t, []string{"i-0aaa"}, 3, func(string, int) float64 { return 1 }))
	r = NewReporter(store, emptyIndex{})
	for _, tc := range []struct{ month, payer, service, want string }{
		{"2026-04", "", "", "no cost imported for 2026-04; the months imported: 2026-03"},
		{"", "", "EC2", "no cost under the service code EC2; the codes there, closest first: AmazonEC2"},
		{"2026-03", "", "ec2", "no cost under the service code ec2 in 2026-03; the codes there, closest first: AmazonEC2"},
		{"", "111111111111", "", "no cost imported for the payer account 111111111111; the payers there: 111122223333"},
		{"2026-03", "111111111111", "AmazonEC2", "no cost imported for the payer account 111111111111 in 2026-03; the payers there: 111122223333"},
		{"2026-03", "111122223333", "AmazonEC2", ""},
		{"2026-03", "", "AmazonEC2", ""},
		{"", "", "", ""},
	} {
		if got, err := r.WhyEmpty(ctx, tc.month, tc.payer, tc.service); err != nil || got != tc.want {
			t.Errorf("month %q, payer %q, service %q: %q, %v; want %q", tc.month, tc.payer, tc.service, got, err, tc.want)
		}
	}
}

// TestWhyUntagged: a report by a tag that no resource carries says so,
// with the tags there are; one with a value of the tag says nothing.
func TestWhyUntagged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cur.csv")
	os.WriteFile(path, []byte(`identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:team,resourceTags/user:Cost-Center
1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,i-orders,10.5,orders,
2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonS3,logs,1,,cc-1
`), 0o644)
	store := newStore(t)
	importInto(t, store, path)
	r := NewReporter(store, emptyIndex{})
	for _, tc := range []struct{ by, service, want string }{
		{"tag:nosuch", "", "no resource has the tag nosuch; the tags there: cost_center, team"},
		{"tag:team", "AmazonS3", "no resource of AmazonS3 has the tag team; the tags there: cost_center, team"},
		{"tag:Team", "", ""},
		{ByService, "", ""},
	} {
		rep, err := r.Build(ctx, ReportConfig{By: tc.by, Service: tc.service})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := r.WhyUntagged(ctx, rep); err != nil || got != tc.want {
			t.Errorf("by %s, service %q: %q, %v; want %q", tc.by, tc.service, got, err, tc.want)
		}
	}
}

func TestClosestCodes(t *testing.T) {
	codes := []string{"AWSELB", "AWSLambda", "AmazonEC2", "AmazonECS", "AmazonS3"}
	for typed, want := range map[string][]string{
		"EC2":       {"AmazonEC2"},              // contained
		"amazonecs": {"AmazonECS", "AmazonEC2"}, // case, then one edit
		"lambda":    {"AWSLambda"},
		"S3":        {"AmazonS3"},
	} {
		if got := closestCodes(typed, codes); !slices.Equal(got[:len(want)], want) {
			t.Errorf("%s: %v, want %v first", typed, got, want)
		}
	}
}
