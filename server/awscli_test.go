package server

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
)

// TestAWSCLI drives LookupEvents with the aws command line, when installed.
func TestAWSCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws CLI is not installed")
	}
	if testing.Short() {
		t.Skip("starts the aws CLI; skipped with -short")
	}
	if out, err := exec.CommandContext(t.Context(), awsPath, "--version").CombinedOutput(); err != nil {
		t.Skipf("the aws CLI does not run: %v: %s", err, out)
	}
	ts := startServer(t, testEvents(75, testBase))
	run := func(secret string, args ...string) (stdout, stderr string, err error) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), awsPath, append([]string{"cloudtrail", "lookup-events",
			"--endpoint-url", ts.URL, "--region", "us-east-1", "--output", "json"}, args...)...)
		// Only these credentials and no profile, config or instance metadata.
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env,
			"AWS_ACCESS_KEY_ID="+testCreds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
			"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		return out.String(), errOut.String(), err
	}

	// The CLI pages by itself (75 events: 50 + 25) and sends the time range
	// as botocore serialises timestamps.
	stdout, stderr, err := run(testCreds.SecretAccessKey,
		"--start-time", "2026-03-13T00:00:00Z", "--end-time", "2026-03-14T03:10:00Z")
	if err != nil {
		t.Fatalf("aws: %v\n%s", err, stderr)
	}
	var out struct {
		Events []struct {
			EventId, Username, ReadOnly, CloudTrailEvent string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("aws output: %v\n%s", err, stdout)
	}
	var got []string
	for _, e := range out.Events {
		got = append(got, e.EventId)
	}
	if diff := cmp.Diff(eventIDs(ts.idx.events), got); diff != "" {
		t.Errorf("aws lookup-events (-want +got):\n%s", diff)
	}
	want := &ts.idx.events[0]
	if e := out.Events[0]; e.Username != lookupUsername(&want.Principal) || e.ReadOnly != want.ReadOnly.String() ||
		e.CloudTrailEvent != string(want.Raw) {
		t.Errorf("first event: %+v", e)
	}

	_, stderr, err = run("wrong-secret", "--lookup-attributes", "AttributeKey=Username,AttributeValue=alice")
	if err == nil || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Errorf("bad secret: err %v, stderr %s", err, stderr)
	}
}
