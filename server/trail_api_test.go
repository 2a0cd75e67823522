package server

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// A recorded trail covers every region, so DescribeTrails shows it in each;
// without shadow trails, only in its home region, as AWS answers.
func TestDescribeTrailsShadowTrails(t *testing.T) {
	url, _ := recordingServer(t)
	for _, tt := range []struct {
		region string
		shadow *bool
		want   int
	}{
		{"eu-west-1", nil, 1},
		{"eu-west-1", aws.Bool(true), 1},
		{"eu-west-1", aws.Bool(false), 0},
		{"us-east-1", aws.Bool(false), 1},
	} {
		c := cloudtrail.New(cloudtrail.Options{Region: tt.region, BaseEndpoint: aws.String(url), Credentials: staticCreds(testCreds)})
		out, err := c.DescribeTrails(t.Context(), &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: tt.shadow})
		if err != nil || len(out.TrailList) != tt.want {
			t.Errorf("in %s, includeShadowTrails %v: %v, %d trails, want %d", tt.region, aws.ToBool(tt.shadow), err, len(out.TrailList), tt.want)
		}
		for _, tr := range out.TrailList {
			if aws.ToBool(tr.IsMultiRegionTrail) && !aws.ToBool(tr.IncludeGlobalServiceEvents) {
				t.Errorf("%s: a multi-region trail without global service events, which AWS refuses", aws.ToString(tr.Name))
			}
		}
	}
}
