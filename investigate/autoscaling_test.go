package investigate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/investigate"
)

const fixtureAccount = "111122223333"

// Principals of the fixture, as userIdentity JSON.
var (
	bob   = `{"type":"IAMUser","principalId":"AIDAEXAMPLEBOB","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEBOB","userName":"bob"}`
	carol = `{"type":"AssumedRole","principalId":"AROAEXAMPLEOPS:carol@example.com","arn":"arn:aws:sts::111122223333:assumed-role/Ops/carol@example.com","accountId":"111122223333","accessKeyId":"ASIAEXAMPLECAROL","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEOPS","arn":"arn:aws:iam::111122223333:role/Ops","accountId":"111122223333","userName":"Ops"},"attributes":{"creationDate":"2026-03-14T08:00:00Z","mfaAuthenticated":"true"}}}`
	dave  = `{"type":"IAMUser","principalId":"AIDAEXAMPLEDAVE","arn":"arn:aws:iam::111122223333:user/dave","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEDAVE","userName":"dave"}`
	asg   = `{"type":"AssumedRole","principalId":"AROAEXAMPLEASG:AutoScaling","arn":"arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEASG","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEASG","arn":"arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling","accountId":"111122223333","userName":"AWSServiceRoleForAutoScaling"}},"invokedBy":"autoscaling.amazonaws.com"}`
)

func rec(id, at, source, name, who, ip, ua, req, resp, errCode string) string {
	readOnly := strings.HasPrefix(name, "Describe")
	s := fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"%s","userAgent":"%s","requestParameters":%s,"responseElements":%s,"requestID":"req-%s","eventID":"%s","readOnly":%t,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"`,
		who, at, source, name, ip, ua, req, resp, id, id, readOnly)
	if errCode != "" {
		s += fmt.Sprintf(`,"errorCode":"%s","errorMessage":"You are not authorized to perform this operation."`, errCode)
	}
	return s + "}"
}

// autoScalingFixture writes a group's history: bob creates web-asg, Auto
// Scaling launches i-0aaa1111 into it; dave fails to stop the instance;
// carol sets the group's capacity to zero and Auto Scaling terminates the
// instance. Dave's own web-asg in us-west-2 is another group. The records come shuffled, and two of them twice, in another
// file, as CloudTrail may deliver them; the EC2 state changes come as
// EventBridge notifications.
func autoScalingFixture(t *testing.T) string {
	dir := t.TempDir()
	ec2, as := "ec2.amazonaws.com", "autoscaling.amazonaws.com"
	create := rec("e-create", "2026-03-14T09:00:00Z", as, "CreateAutoScalingGroup", bob, "198.51.100.20", "aws-cli/2.15.0 Python/3.11",
		`{"autoScalingGroupName":"web-asg","minSize":0,"maxSize":4,"desiredCapacity":1,"launchTemplate":{"launchTemplateName":"web-lt","version":"$Latest"}}`, `null`, "")
	launch := rec("e-launch", "2026-03-14T09:01:10Z", ec2, "RunInstances", asg, as, as,
		`{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]},"instanceType":"t3.medium","tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"aws:autoscaling:groupName","value":"web-asg"}]}]}}`,
		`{"reservationId":"r-0123","ownerId":"111122223333","instancesSet":{"items":[{"instanceId":"i-0aaa1111","instanceType":"t3.medium","currentState":{"code":0,"name":"pending"}}]}}`, "")
	describe := rec("e-describe", "2026-03-14T13:50:00Z", ec2, "DescribeInstances", dave, "192.0.2.44", "aws-cli/2.15.0", `{"instancesSet":{"items":[{"instanceId":"i-0aaa1111"}]}}`, `null`, "")
	denied := rec("e-denied", "2026-03-14T13:55:00Z", ec2, "StopInstances", dave, "192.0.2.44", "aws-cli/2.15.0",
		`{"instancesSet":{"items":[{"instanceId":"i-0aaa1111"}]},"force":false}`, `null`, "Client.UnauthorizedOperation")
	scale := rec("e-scale", "2026-03-14T14:00:00Z", as, "SetDesiredCapacity", carol, "203.0.113.9", "aws-cli/2.15.0 Python/3.11",
		`{"autoScalingGroupName":"web-asg","desiredCapacity":0,"honorCooldown":false}`, `null`, "")
	terminate := rec("e-terminate", "2026-03-14T14:00:40Z", ec2, "TerminateInstances", asg, as, as,
		`{"instancesSet":{"items":[{"instanceId":"i-0aaa1111"}]}}`,
		`{"instancesSet":{"items":[{"instanceId":"i-0aaa1111","currentState":{"code":32,"name":"shutting-down"},"previousState":{"code":16,"name":"running"}}]}}`, "")
	logs := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-east-1", "2026", "03", "14")
	os.MkdirAll(logs, 0o755)
	write := func(name string, recs ...string) {
		b := `{"Records":[` + strings.Join(recs, ",") + `]}`
		if err := os.WriteFile(filepath.Join(logs, name), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(fixtureAccount+"_CloudTrail_us-east-1_20260314T1405Z_AAAAAAAAAAAAAAAA.json", terminate, describe, launch, scale, denied, create)
	write(fixtureAccount+"_CloudTrail_us-east-1_20260314T1410Z_BBBBBBBBBBBBBBBB.json", scale, terminate)
	// Another team's group of the same name in another region is no
	// parent of the instance: none of its events belong in its history.
	west := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-west-2", "2026", "03", "14")
	os.MkdirAll(west, 0o755)
	inWest := func(r string) string {
		return strings.Replace(r, `"awsRegion":"us-east-1"`, `"awsRegion":"us-west-2"`, 1)
	}
	westCreate := inWest(rec("e-west-create", "2026-03-14T08:30:00Z", as, "CreateAutoScalingGroup", dave, "192.0.2.44", "aws-cli/2.15.0",
		`{"autoScalingGroupName":"web-asg","minSize":0,"maxSize":2,"desiredCapacity":1}`, `null`, ""))
	westScale := inWest(rec("e-west-scale", "2026-03-14T13:59:00Z", as, "SetDesiredCapacity", dave, "192.0.2.44", "aws-cli/2.15.0",
		`{"autoScalingGroupName":"web-asg","desiredCapacity":0,"honorCooldown":false}`, `null`, ""))
	if err := os.WriteFile(filepath.Join(west, fixtureAccount+"_CloudTrail_us-west-2_20260314T1405Z_DDDDDDDDDDDDDDDD.json"), []byte(`{"Records":[`+westCreate+","+westScale+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	state := func(id, at, s string) string {
		return fmt.Sprintf(`{"version":"0","id":"%s","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"%s","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:111122223333:instance/i-0aaa1111"],"detail":{"instance-id":"i-0aaa1111","state":"%s"}}`, id, at, s)
	}
	os.MkdirAll(filepath.Join(dir, "events"), 0o755)
	lines := strings.Join([]string{
		state("s-3", "2026-03-14T14:01:30Z", "terminated"),
		state("s-2", "2026-03-14T14:00:41Z", "shutting-down"),
		state("s-1", "2026-03-14T09:01:40Z", "running"),
		state("s-2", "2026-03-14T14:00:41Z", "shutting-down"),
	}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "events", "aws.ec2.jsonl"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAutoScalingRestartTracedToPerson: the instance went away because Auto
// Scaling terminated it, because carol set the group's capacity; dave's
// denied stop is listed apart.
func TestAutoScalingRestartTracedToPerson(t *testing.T) {
	idx := openIndex(t, autoScalingFixture(t))
	x := investigate.New(idx, investigate.DefaultConfig())
	ex, err := x.Why(context.Background(), "i-0aaa1111", time.Date(2026, 3, 14, 14, 5, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Verdict != investigate.VerdictServiceAction || ex.Cause == nil || ex.Cause.EventID != "e-terminate" {
		t.Fatalf("verdict %s, cause %+v: %s", ex.Verdict, ex.Cause, ex.Summary)
	}
	if ex.Cause.Who.Service != "autoscaling.amazonaws.com" {
		t.Errorf("the acting service is %q", ex.Cause.Who.Service)
	}
	tr := ex.Cause.Trigger
	if tr == nil || tr.EventID != "e-scale" || tr.Who.Name != "carol@example.com" || tr.SourceIP != "203.0.113.9" || tr.Tool != "aws-cli" {
		t.Fatalf("trigger %+v: %s", tr, ex.Summary)
	}
	if !strings.Contains(ex.Summary, "i-0aaa1111 began shutting down at 2026-03-14T14:00:41Z") ||
		!strings.Contains(ex.Summary, "carol@example.com") || !strings.Contains(ex.Summary, "SetDesiredCapacity") {
		t.Errorf("summary: %s", ex.Summary)
	}
	if len(ex.FailedAttempts) != 1 || ex.FailedAttempts[0].EventID != "e-denied" || ex.FailedAttempts[0].Who.Name != "dave" {
		t.Errorf("failed attempts: %+v", ex.FailedAttempts)
	}
	// The change is what EC2 reported: the first notification of the
	// episode, a second after the call.
	if ex.Change == nil || !ex.Change.Time.Equal(time.Date(2026, 3, 14, 14, 0, 41, 0, time.UTC)) || ex.Change.State != "shutting-down" {
		t.Errorf("change: %+v", ex.Change)
	}
}

// TestTimelineOrderedAndUnique: records delivered out of order and twice
// make one timeline, in time order, each event once, with the group's
// events and the state changes.
func TestTimelineOrderedAndUnique(t *testing.T) {
	idx := openIndex(t, autoScalingFixture(t))
	tl, err := investigate.New(idx, investigate.DefaultConfig()).Timeline(context.Background(), "i-0aaa1111", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tl.Entries {
		got = append(got, e.EventID)
	}
	want := []string{"e-create", "e-launch", "s-1", "e-describe", "e-denied", "e-scale", "e-terminate", "s-2", "s-3"}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline = %v\nwant       %v", got, want)
	}
	if !slices.Equal(tl.Related, []string{"web-asg"}) {
		t.Errorf("related = %v", tl.Related)
	}
	byID := map[string]investigate.Entry{}
	for _, e := range tl.Entries {
		byID[e.EventID] = e
	}
	if e := byID["e-create"]; !strings.Contains(e.Via, "web-asg") || e.Who.Name != "bob" {
		t.Errorf("group creation: %+v", e)
	}
	if e := byID["e-launch"]; e.Kind != investigate.KindService || e.Via != "" {
		t.Errorf("launch: %+v", e)
	}
	if e := byID["s-2"]; e.Kind != investigate.KindStateChange || e.State != "shutting-down" {
		t.Errorf("state change: %+v", e)
	}
	if e := byID["e-scale"]; e.Who.MFA != "true" || e.Who.Role != "Ops" {
		t.Errorf("carol's session: %+v", e.Who)
	}
}

// TestSessionTracedToWhoAssumedTheRole: a script's session has a made-up
// name; the AssumeRole call that issued its key says who ran it.
func TestSessionTracedToWhoAssumedTheRole(t *testing.T) {
	dir := t.TempDir()
	alice := `{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEALICE","userName":"alice"}`
	script := `{"type":"AssumedRole","principalId":"AROAEXAMPLEJOB:botocore-session-1773478800","arn":"arn:aws:sts::111122223333:assumed-role/Maintenance/botocore-session-1773478800","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEJOB","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEJOB","arn":"arn:aws:iam::111122223333:role/Maintenance","accountId":"111122223333","userName":"Maintenance"}}}`
	assume := rec("e-assume", "2026-03-14T09:00:00Z", "sts.amazonaws.com", "AssumeRole", alice, "198.51.100.7", "Boto3/1.34.0 Python/3.12",
		`{"roleArn":"arn:aws:iam::111122223333:role/Maintenance","roleSessionName":"botocore-session-1773478800"}`,
		`{"credentials":{"accessKeyId":"ASIAEXAMPLEJOB","sessionToken":"x","expiration":"Mar 14, 2026, 10:00:00 AM"},"assumedRoleUser":{"assumedRoleId":"AROAEXAMPLEJOB:botocore-session-1773478800","arn":"arn:aws:sts::111122223333:assumed-role/Maintenance/botocore-session-1773478800"}}`, "")
	reboot := rec("e-reboot", "2026-03-14T09:10:00Z", "ec2.amazonaws.com", "RebootInstances", script, "198.51.100.7", "Boto3/1.34.0 Python/3.12",
		`{"instancesSet":{"items":[{"instanceId":"i-0bbb2222"}]}}`, `null`, "")
	logs := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-east-1", "2026", "03", "14")
	os.MkdirAll(logs, 0o755)
	os.WriteFile(filepath.Join(logs, fixtureAccount+"_CloudTrail_us-east-1_20260314T0915Z_CCCCCCCCCCCCCCCC.json"), []byte(`{"Records":[`+reboot+","+assume+`]}`), 0o644)

	ex, err := investigate.New(openIndex(t, dir), investigate.DefaultConfig()).Why(context.Background(), "i-0bbb2222", time.Date(2026, 3, 14, 9, 12, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Verdict != investigate.VerdictAPICall || ex.Cause == nil {
		t.Fatalf("verdict %s: %s", ex.Verdict, ex.Summary)
	}
	w := ex.Cause.Who
	if w.Name != "alice" || w.IssuedBy == nil || w.IssuedBy.EventID != "e-assume" || w.Role != "Maintenance" || ex.Cause.Tool != "boto3" {
		t.Fatalf("who %+v, issued by %+v, tool %s: %s", w, w.IssuedBy, ex.Cause.Tool, ex.Summary)
	}
}

// TestWhyNamesWhatItCannotFind: a moment when nothing names the resource
// says when something last did (a mistyped -at, or none at all, which is
// now); a resource that nothing names is a wrong question, not a verdict.
func TestWhyNamesWhatItCannotFind(t *testing.T) {
	idx := openIndex(t, autoScalingFixture(t))
	x := investigate.New(idx, investigate.DefaultConfig())
	ctx := context.Background()
	ex, err := x.Why(ctx, "i-0aaa1111", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ex.Summary, "the last event that does is InstanceStateChange (terminated) at 2026-03-14T14:01:30Z") {
		t.Errorf("a moment long after the instance's end: %s", ex.Summary)
	}
	// A quiet moment of its life: the last change before it is the state it
	// was in, and nothing later is taken for the last.
	quiet, err := x.Why(ctx, "i-0aaa1111", time.Date(2026, 3, 14, 11, 30, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(quiet.Summary, "the last event before it that does is InstanceStateChange (running) at 2026-03-14T09:01:40Z") ||
		!strings.Contains(quiet.Summary, "the newest is InstanceStateChange (terminated) at 2026-03-14T14:01:30Z") {
		t.Errorf("a quiet moment: %s", quiet.Summary)
	}
	// Before its launch, nothing named it yet.
	early, err := x.Why(ctx, "i-0aaa1111", time.Date(2026, 3, 13, 12, 0, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(early.Summary, "Nothing names it at or before that moment (it did not exist yet") {
		t.Errorf("before its launch: %s", early.Summary)
	}
	// docs/cli.md's lists are lists, and its fields are there, when empty.
	b, _ := json.Marshal(ex)
	if !strings.Contains(string(b), `"evidence":[]`) || !strings.Contains(string(b), `"candidates":[]`) {
		t.Errorf("empty lists in the JSON: %s", b)
	}
	tl, err := x.Timeline(ctx, "i-0aaa1111", time.Time{}, time.Time{})
	if b, _ = json.Marshal(tl); err != nil || !strings.Contains(string(b), `"truncated":false`) {
		t.Errorf("timeline JSON: %v %.200s", err, b)
	}
	_, err = x.Why(ctx, "i-0doesnotexist", time.Date(2026, 3, 14, 14, 5, 0, 0, time.UTC), 30*time.Minute)
	var unknown *investigate.UnknownResourceError
	if !errors.As(err, &unknown) || unknown.Resource != "i-0doesnotexist" {
		t.Fatalf("a resource no event names: %v", err)
	}
}

// TestAccessKeyTimelineHoldsItsCalls: the history of an access key is its
// creation and every call made with it, so that "was the thief's new key
// used, and when last?" has an answer.
func TestAccessKeyTimelineHoldsItsCalls(t *testing.T) {
	dir := t.TempDir()
	const key = "AKIAIOSFODNN7EXAMPLE"
	mallory := `{"type":"IAMUser","principalId":"AIDAEXAMPLEMALLORY","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"` + key + `","userName":"mallory"}`
	iam, s3 := "iam.amazonaws.com", "s3.amazonaws.com"
	recs := []string{
		rec("e-create", "2026-03-14T09:00:00Z", iam, "CreateAccessKey", bob, "192.0.2.10", "aws-cli/2.15.0", `{"userName":"mallory"}`,
			`{"accessKey":{"userName":"mallory","accessKeyId":"`+key+`","status":"Active","createDate":"Mar 14, 2026 9:00:00 AM"}}`, ""),
		rec("e-use1", "2026-03-14T09:05:00Z", s3, "ListBuckets", mallory, "203.0.113.66", "Boto3/1.26.137", `{"Host":"s3.amazonaws.com"}`, `null`, ""),
		rec("e-use2", "2026-03-14T09:06:00Z", iam, "ListUsers", mallory, "203.0.113.66", "Boto3/1.26.137", `{}`, `null`, ""),
		rec("e-other", "2026-03-14T09:07:00Z", iam, "ListUsers", bob, "192.0.2.10", "aws-cli/2.15.0", `{}`, `null`, ""),
	}
	logs := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-east-1", "2026", "03", "14")
	os.MkdirAll(logs, 0o755)
	if err := os.WriteFile(filepath.Join(logs, fixtureAccount+"_CloudTrail_us-east-1_20260314T0910Z_AAAAAAAAAAAAAAAA.json"), []byte(`{"Records":[`+strings.Join(recs, ",")+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tl, err := investigate.New(openIndex(t, dir), investigate.DefaultConfig()).Timeline(context.Background(), key, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tl.Entries {
		got = append(got, e.EventID)
	}
	if strings.Join(got, " ") != "e-create e-use1 e-use2" || tl.Type != "AWS::IAM::AccessKey" {
		t.Fatalf("timeline of %s (%s): %v", key, tl.Type, got)
	}
}

// TestTimelineOfANameInTwoRegions: web-asg names a group in us-east-1 and
// dave's in us-west-2; its timeline takes both, and says so, as why does;
// an instance ID names one instance.
func TestTimelineOfANameInTwoRegions(t *testing.T) {
	idx := openIndex(t, autoScalingFixture(t))
	x := investigate.New(idx, investigate.DefaultConfig())
	ctx := context.Background()
	tl, err := x.Timeline(ctx, "web-asg", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fixtureAccount + " us-east-1", fixtureAccount + " us-west-2"}
	if !slices.Equal(tl.Places, want) {
		t.Errorf("places = %v, want %v", tl.Places, want)
	}
	ex, err := x.Why(ctx, "web-asg", time.Date(2026, 3, 14, 14, 0, 0, 0, time.UTC), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ex.Places, want) || !strings.Contains(ex.Summary, "web-asg names resources in 2 accounts or regions") {
		t.Errorf("why: places %v: %s", ex.Places, ex.Summary)
	}
	if tl, err = x.Timeline(ctx, "i-0aaa1111", time.Time{}, time.Time{}); err != nil || tl.Places != nil {
		t.Errorf("an instance: places %v, %v", tl.Places, err)
	}
}
