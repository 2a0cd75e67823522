package investigate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/investigate"
)

// stoppedInstanceTrail writes a CloudTrail-only trail in which i-0ccc3333's
// SSM agent reports every five minutes from 08:00 and falls silent after
// 09:00, for good. When trailGoesOn, a pipeline's calls in the same account
// and region carry on until noon.
func stoppedInstanceTrail(t *testing.T, trailGoesOn bool) string {
	dir := t.TempDir()
	agent := `{"type":"AssumedRole","principalId":"AROAEXAMPLEWEB:i-0ccc3333","arn":"arn:aws:sts::111122223333:assumed-role/web-ec2-role/i-0ccc3333","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEWEB","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEWEB","arn":"arn:aws:iam::111122223333:role/web-ec2-role","accountId":"111122223333","userName":"web-ec2-role"}},"inScopeOf":{"issuerType":"AWS::EC2::Instance","credentialsIssuedTo":"arn:aws:ec2:us-east-1:111122223333:instance/i-0ccc3333"}}`
	var recs []string
	start := time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)
	for i := 0; i <= 12; i++ {
		at := start.Add(time.Duration(i) * 5 * time.Minute).Add(time.Duration(i%3) * time.Second)
		recs = append(recs, rec(fmt.Sprintf("e-agent-%02d", i), at.Format(time.RFC3339), "ssm.amazonaws.com", "UpdateInstanceInformation", agent, "10.0.1.17",
			"aws-sdk-go/1.44.0 (go1.21; linux; amd64) amazon-ssm-agent/3.3.0", `{"instanceId":"i-0ccc3333","agentStatus":"Active"}`, `null`, ""))
	}
	if trailGoesOn {
		for i := 0; i < 12; i++ {
			at := start.Add(time.Hour + time.Duration(i)*15*time.Minute)
			recs = append(recs, rec(fmt.Sprintf("e-other-%02d", i), at.Format(time.RFC3339), "ec2.amazonaws.com", "DescribeInstances", bob, "198.51.100.20",
				"aws-cli/2.15.0", `{"instancesSet":{}}`, `null`, ""))
		}
	}
	logs := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-east-1", "2026", "03", "14")
	os.MkdirAll(logs, 0o755)
	if err := os.WriteFile(filepath.Join(logs, fixtureAccount+"_CloudTrail_us-east-1_20260314T1200Z_EEEEEEEEEEEEEEEE.json"), []byte(`{"Records":[`+strings.Join(recs, ",")+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSilenceThatDoesNotEnd: an instance that stopped and stayed down, in a
// trail with nothing but CloudTrail, went quiet: asked a moment after its
// last call, or ten minutes after, why says so, and does not call
// it a calm window.
func TestSilenceThatDoesNotEnd(t *testing.T) {
	x := investigate.New(openIndex(t, stoppedInstanceTrail(t, true)), investigate.DefaultConfig())
	last := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{last.Add(time.Second), last.Add(10 * time.Minute)} {
		ex, err := x.Why(context.Background(), "i-0ccc3333", at, 30*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Verdict != investigate.VerdictNoAPIActivity || ex.Change == nil || ex.Change.Source != "silence" || !ex.Change.Time.Equal(last) {
			t.Fatalf("at %s: verdict %s, change %+v: %s", at, ex.Verdict, ex.Change, ex.Summary)
		}
		if own := ex.OwnCalls; own == nil || !own.Silent || own.Next != nil {
			t.Errorf("at %s: own calls %+v", at, own)
		}
		if !strings.Contains(ex.Summary, "stopped after 2026-03-14T09:00:00Z; none followed within 30m0s") {
			t.Errorf("at %s: summary: %s", at, ex.Summary)
		}
	}
	// In the middle of its life, it kept its rhythm.
	ex, err := x.Why(context.Background(), "i-0ccc3333", last.Add(-25*time.Minute), 20*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Verdict != investigate.VerdictNoChange || !strings.Contains(ex.Summary, "kept their rhythm") {
		t.Errorf("mid-life: verdict %s: %s", ex.Verdict, ex.Summary)
	}
}

// TestSilenceWhereTheTrailEnds: where the trail's records end with the
// instance's, its silence says nothing about the instance.
func TestSilenceWhereTheTrailEnds(t *testing.T) {
	x := investigate.New(openIndex(t, stoppedInstanceTrail(t, false)), investigate.DefaultConfig())
	ex, err := x.Why(context.Background(), "i-0ccc3333", time.Date(2026, 3, 14, 9, 10, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Verdict != investigate.VerdictNoChange || ex.OwnCalls == nil || ex.OwnCalls.Silent {
		t.Fatalf("verdict %s, own calls %+v: %s", ex.Verdict, ex.OwnCalls, ex.Summary)
	}
	if !strings.Contains(ex.Summary, "where the trail's records of its account and region end too") {
		t.Errorf("summary: %s", ex.Summary)
	}
}
