package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/cairn-audit/cairn/blob/s3/s3test"
)

// TestRecordedTrailOnS3 is the recorder as a user meets it: the official
// cloudtraildata client sends events to cairn serve, whose archive is a
// bucket of a real S3-compatible server; the events are searchable within
// two seconds; log and digest files appear in the bucket; cairn verify and
// the real aws cloudtrail validate-logs accept the trail, and both name the
// log file whose byte was changed.
func TestRecordedTrailOnS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts versitygw and cairn serve; skipped with -short")
	}
	endpoint, s3Key, s3Secret := s3test.StartVersity(t)
	bucket := s3test.NewBucket(t, endpoint, s3Key, s3Secret)
	// The aws CLI signs its CloudTrail and S3 calls with one key pair, so
	// cairn accepts the S3 server's.
	env := []string{
		"CAIRN_ACCESS_KEY_ID=" + s3Key, "CAIRN_SECRET_ACCESS_KEY=" + s3Secret,
		"AWS_ACCESS_KEY_ID=" + s3Key, "AWS_SECRET_ACCESS_KEY=" + s3Secret,
		"AWS_ENDPOINT_URL_S3=" + endpoint, "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
	}
	data := filepath.Join(t.TempDir(), "data")
	if r := runCairn(t, env, "channel", "create", "orders", "-data", data, "-account", "123456789012"); r.code != 0 {
		t.Fatalf("channel create: %s", r.stderr)
	}
	var ch struct{ ARN string }
	json.Unmarshal([]byte(r0(t, data)), &ch)
	archive := "s3://" + bucket + "/trail"
	started := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)

	// An archive bucket that does not exist stops the server before it
	// acknowledges anything it could not deliver.
	if r := runCairn(t, env, "serve", "-data", filepath.Join(t.TempDir(), "d"), "-listen", "127.0.0.1:0", "-archive", "s3://no-such-bucket-"+bucket+"/trail"); r.code != 1 ||
		!strings.Contains(r.stderr, "create the bucket") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("serve with a missing archive bucket: exit %d, %q", r.code, r.stderr)
	}

	cmd := exec.Command(cairnBin, "serve", "-data", data, "-listen", "127.0.0.1:0", "-archive", archive,
		"-delivery.interval", "500ms", "-digest.interval", "2s")
	cmd.Env = append(os.Environ(), env...)
	var serveErr bytes.Buffer
	cmd.Stderr = &serveErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		url = findServer(data)
	}
	if url == "" {
		t.Fatalf("serve did not start:\n%s", serveErr.String())
	}

	client := cloudtraildata.New(cloudtraildata.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentialsFor(s3Key, s3Secret),
	})
	var acked []string
	for b := range 3 {
		out, err := client.PutAuditEvents(context.Background(), &cloudtraildata.PutAuditEventsInput{
			ChannelArn: aws.String(ch.ARN), AuditEvents: auditEvents("123456789012", fmt.Sprintf("e2e-%d", b), 100),
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Failed) > 0 || len(out.Successful) != 100 {
			t.Fatalf("PutAuditEvents: %d successful, %d failed", len(out.Successful), len(out.Failed))
		}
		for _, s := range out.Successful {
			acked = append(acked, aws.ToString(s.EventID))
		}
	}
	// The aws command line sends one more, as a user would.
	if awsPath, err := exec.LookPath("aws"); err == nil {
		events, _ := json.Marshal([]map[string]string{{"id": "cli-1", "eventData": *auditEvents("123456789012", "cli", 1)[0].EventData}})
		cli := exec.Command(awsPath, "cloudtrail-data", "put-audit-events", "--endpoint-url", url, "--region", "us-east-1",
			"--channel-arn", ch.ARN, "--audit-events", string(events), "--output", "json")
		cli.Env = append(append(os.Environ(), env...), "AWS_PAGER=")
		out, err := cli.CombinedOutput()
		var res struct{ Successful []struct{ EventID string } }
		if err != nil || json.Unmarshal(out, &res) != nil || len(res.Successful) != 1 {
			t.Fatalf("aws cloudtrail-data put-audit-events: %v\n%s", err, out)
		}
		acked = append(acked, res.Successful[0].EventID)
	}
	ackedAt := time.Now()
	// Searchable within two seconds of the acknowledgement.
	for {
		r := runCairn(t, env, "search", "-data", data, "-user", "loadgen", "-format", "json", "-limit", "0")
		if found := ids(t, r.stdout); containsAll(found, acked) {
			break
		}
		if time.Since(ackedAt) > 2*time.Second {
			t.Fatalf("events not searchable 2s after their acknowledgement: %s", r.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A Lake integration's query, its store's ID kept, counts them through
	// eventData, as Lake's integration schema has it.
	lake := cloudtrail.New(cloudtrail.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentialsFor(s3Key, s3Secret)})
	if got := lakeCount(t, lake, "SELECT count(*) FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE WHERE eventData.userIdentity.principalId = 'loadgen' "+
		"AND eventData.eventSource = 'crash.example.com' AND metadata.channelARN = '"+ch.ARN+"'"); got != fmt.Sprint(len(acked)) {
		t.Errorf("a Lake query of the integration's events counted %s, want %d", got, len(acked))
	}
	// The SDK's own validation of errors: an unknown channel.
	_, err := client.PutAuditEvents(context.Background(), &cloudtraildata.PutAuditEventsInput{
		ChannelArn: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:channel/nope"), AuditEvents: auditEvents("123456789012", "x", 1),
	})
	if err == nil || !strings.Contains(err.Error(), "ChannelNotFound") {
		t.Errorf("unknown channel: %v", err)
	}

	// Log files and digests appear in the bucket; wait for a digest that
	// covers the last delivery.
	s3c := s3test.Client(endpoint, s3Key, s3Secret)
	var logs, digests []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		logs, digests = listKeys(t, s3c, bucket, "trail/AWSLogs/123456789012/CloudTrail/"), listKeys(t, s3c, bucket, "trail/AWSLogs/123456789012/CloudTrail-Digest/")
		if len(logs) > 0 && len(digests) >= 3 && verifyCode(t, env, data, archive) == 0 {
			break
		}
	}
	if len(logs) == 0 || len(digests) < 3 {
		t.Fatalf("archive: %d log files, %d digests\n%s", len(logs), len(digests), serveErr.String())
	}
	// The server stays up: validate-logs asks it for the trail and its keys.
	if r := runCairn(t, env, "verify", "-data", data, archive); r.code != 0 {
		t.Fatalf("cairn verify of the untouched trail: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	trailARN := "arn:aws:cloudtrail:us-east-1:123456789012:trail/cairn"
	awsOut, awsCode := validateLogs(t, env, url, trailARN, started)
	if awsCode >= 0 && (awsCode != 0 || !strings.Contains(awsOut, "digest files valid")) {
		t.Fatalf("aws cloudtrail validate-logs of the untouched trail: exit %d\n%s", awsCode, awsOut)
	}
	if awsCode == 0 {
		t.Logf("aws cloudtrail validate-logs:\n%s", awsOut[strings.Index(awsOut, "Results requested"):])
	}

	// Change one byte of a log file: both name it.
	tampered := logs[0]
	obj, err := s3c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &tampered})
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(obj.Body)
	body, _ := io.ReadAll(zr)
	obj.Body.Close()
	i := bytes.Index(body, []byte("198.51.100.7"))
	body[i+len("198.51.100.")] = '8'
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()
	if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &tampered, Body: bytes.NewReader(gz.Bytes())}); err != nil {
		t.Fatal(err)
	}
	r := runCairn(t, env, "verify", "-data", data, archive)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, strings.TrimPrefix(tampered, "trail/")) {
		t.Fatalf("cairn verify of a changed log file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if awsCode >= 0 {
		awsOut, awsCode = validateLogs(t, env, url, trailARN, started)
		if awsCode == 0 || !strings.Contains(awsOut, tampered) {
			t.Fatalf("aws cloudtrail validate-logs of a changed log file: exit %d\n%s", awsCode, awsOut)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly: %v\n%s", err, serveErr.String())
	}
}

func containsAll(have, want []string) bool {
	set := make(map[string]bool, len(have))
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

func listKeys(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func verifyCode(t *testing.T, env []string, data, archive string) int {
	return runCairn(t, env, "verify", "-data", data, archive).code
}

// validateLogs runs the real aws cloudtrail validate-logs against cairn (for
// the trail and its keys) and the S3 server (for the files), through
// AWS_ENDPOINT_URL_S3, which aws-cli reads from version 1.29 / 2.13 on. It
// returns -1 when no such aws command is installed.
func validateLogs(t *testing.T, env []string, url, trailARN string, start time.Time) (string, int) {
	t.Helper()
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Log("the aws CLI is not installed: validate-logs not tried")
		return "", -1
	}
	if !awsReadsServiceEndpoints(awsPath) {
		t.Log("the aws CLI predates AWS_ENDPOINT_URL_S3: validate-logs not tried")
		return "", -1
	}
	cfg := filepath.Join(t.TempDir(), "aws-config")
	os.WriteFile(cfg, []byte("[default]\ns3 =\n    addressing_style = path\n"), 0o600)
	cmd := exec.Command(awsPath, "cloudtrail", "validate-logs", "--trail-arn", trailARN,
		"--start-time", start.Format(time.RFC3339), "--endpoint-url", url, "--region", "us-east-1", "--verbose")
	cmd.Env = append(append(os.Environ(), env...), "AWS_CONFIG_FILE="+cfg, "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// awsReadsServiceEndpoints reports whether the aws CLI is new enough to
// read AWS_ENDPOINT_URL_S3 (aws-cli 1.29 or 2.13).
func awsReadsServiceEndpoints(awsPath string) bool {
	out, err := exec.Command(awsPath, "--version").CombinedOutput()
	if err != nil {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(string(out), "aws-cli/"), "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 2 || (major == 2 && minor >= 13) || (major == 1 && minor >= 29)
}

// lakeCount runs a Lake query of one count through the Lake query API and
// returns the count as Lake gives it, as text.
func lakeCount(t *testing.T, c *cloudtrail.Client, statement string) string {
	t.Helper()
	ctx := context.Background()
	q, err := c.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(statement)})
	if err != nil {
		t.Fatalf("StartQuery: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, err := c.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: q.QueryId})
		if err != nil {
			t.Fatalf("GetQueryResults: %v", err)
		}
		switch res.QueryStatus {
		case "FINISHED":
			if len(res.QueryResultRows) != 1 || len(res.QueryResultRows[0]) != 1 {
				t.Fatalf("%d rows", len(res.QueryResultRows))
			}
			for _, v := range res.QueryResultRows[0][0] {
				return v
			}
		case "FAILED", "CANCELLED", "TIMED_OUT":
			t.Fatalf("the query ended %s: %s", res.QueryStatus, aws.ToString(res.ErrorMessage))
		}
	}
	t.Fatal("the query did not finish in 30s")
	return ""
}
