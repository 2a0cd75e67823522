package cost

import (
	"context"
	"slices"
	"testing"
)

// TestWhyEmpty: an empty report is explained by what the store holds.
func TestWhyEmpty(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	r := NewReporter(store, emptyIndex{})
	if got, err := r.WhyEmpty(ctx, "", ""); err != nil || got != ErrNoCostData.Error() {
		t.Errorf("nothing imported: %q, %v", got, err)
	}
	importInto(t, store, hourlyCUR(t, []string{"i-0aaa"}, 3, func(string, int) float64 { return 1 }))
	r = NewReporter(store, emptyIndex{})
	for _, tc := range []struct{ month, service, want string }{
		{"2026-04", "", "no cost imported for 2026-04; the months imported: 2026-03"},
		{"", "EC2", "no cost under the service code EC2; the codes there, closest first: AmazonEC2"},
		{"2026-03", "ec2", "no cost under the service code ec2 in 2026-03; the codes there, closest first: AmazonEC2"},
		{"2026-03", "AmazonEC2", ""},
		{"", "", ""},
	} {
		if got, err := r.WhyEmpty(ctx, tc.month, tc.service); err != nil || got != tc.want {
			t.Errorf("month %q, service %q: %q, %v; want %q", tc.month, tc.service, got, err, tc.want)
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
