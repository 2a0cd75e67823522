package investigate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/investigate"
)

// TestWhyDenied explains denied calls of the simulated organisation and
// checks each against a scan of the whole index: the policy the message
// names, the identity's last success before and first after, and the
// denials in between.
func TestWhyDenied(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an organisation; skipped with -short")
	}
	dir, _ := simOrg(t)
	idx := openIndex(t, dir)
	x := investigate.New(idx, investigate.DefaultConfig())
	ctx := context.Background()
	var all []cairn.Event
	var after cairn.Cursor
	for {
		p, err := idx.Search(ctx, cairn.Filter{}, after, 5000)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Events...)
		if p.Next.IsZero() {
			break
		}
		after = p.Next
	}
	// all is newest first.
	checked, withHistory, scp := 0, 0, 0
	for i := range all {
		e := &all[i]
		if checked >= 40 && withHistory > 0 && scp > 0 {
			break
		}
		if !investigate.IsDenial(e.ErrorCode, e.ErrorMessage) {
			continue
		}
		identity := e.Principal.ARN
		if e.Principal.Type == "AssumedRole" {
			identity = e.Principal.RoleARN
		}
		sameAction := func(o *cairn.Event) bool {
			id := o.Principal.ARN
			if o.Principal.Type == "AssumedRole" {
				id = o.Principal.RoleARN
			}
			return id == identity && o.EventName == e.EventName && o.EventSource == e.EventSource
		}
		var last *cairn.Event
		for j := i + 1; j < len(all); j++ {
			if o := &all[j]; sameAction(o) && o.ErrorCode == "" && o.EventTime.Before(e.EventTime) {
				last = o
				break
			}
		}
		rf, err := x.WhyDenied(ctx, e.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if rf.Identity != identity || rf.Summary == "" || !strings.Contains(rf.Summary, "was refused "+e.EventName) {
			t.Fatalf("%s: identity %s (want %s): %s", e.EventID, rf.Identity, identity, rf.Summary)
		}
		standard := strings.Contains(e.ErrorMessage, " is not authorized to perform: ")
		if standard != (rf.Denial != nil) {
			t.Fatalf("%s: denial %+v read from %q", e.EventID, rf.Denial, e.ErrorMessage)
		}
		if !standard {
			if !strings.Contains(rf.Summary, "does not say which policy decided") {
				t.Errorf("%s: %q explained as %s", e.EventID, e.ErrorMessage, rf.Summary)
			}
		} else if strings.Contains(e.ErrorMessage, "service control policy") != (rf.Denial.PolicyType == "service control") {
			t.Errorf("%s: policy type %q for %q", e.EventID, rf.Denial.PolicyType, e.ErrorMessage)
		}
		switch {
		case last == nil && rf.LastAllowed != nil:
			t.Errorf("%s: last allowed %s, but the index has no success before", e.EventID, rf.LastAllowed.EventID)
		case last != nil && (rf.LastAllowed == nil || rf.LastAllowed.EventID != last.EventID) && !last.EventTime.Equal(rf.LastAllowed.Time):
			t.Errorf("%s: last allowed %+v, want %s at %s", e.EventID, rf.LastAllowed, last.EventID, last.EventTime)
		}
		if rf.NextAllowed != nil && (!rf.NextAllowed.Time.After(e.EventTime) || rf.NextAllowed.ErrorCode != "") {
			t.Errorf("%s: next allowed %+v", e.EventID, rf.NextAllowed)
		}
		if rf.Denied < 1 {
			t.Errorf("%s: %d denials counted, this one at least", e.EventID, rf.Denied)
		}
		checked++
		if last != nil {
			withHistory++
		}
		if rf.Denial != nil && rf.Denial.PolicyType == "service control" {
			scp++
		}
	}
	if checked == 0 || withHistory == 0 || scp == 0 {
		t.Fatalf("checked %d denials, %d with a success before, %d by a service control policy", checked, withHistory, scp)
	}
	if _, err := x.WhyDenied(ctx, "no-such-event"); err == nil {
		t.Error("an unknown event ID was explained")
	}
}

// TestWhyDeniedFindsWhatChanged: a pipeline role read a parameter at 09:00;
// bob detached a policy from it at 10:00; its reads were denied at 11:00
// and 11:15; carol attached a policy at 12:00 and the 12:05 read went
// through. A change to another role is not the deploy role's business.
func TestWhyDeniedFindsWhatChanged(t *testing.T) {
	dir := t.TempDir()
	deploy := func(session string) string {
		return `{"type":"AssumedRole","principalId":"AROAEXAMPLEDEPLOY:` + session + `","arn":"arn:aws:sts::111122223333:assumed-role/deploy/` + session + `","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE` + strings.ToUpper(strings.ReplaceAll(session, "-", "")) + `","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEDEPLOY","arn":"arn:aws:iam::111122223333:role/deploy","accountId":"111122223333","userName":"deploy"},"attributes":{"creationDate":"2026-03-14T08:00:00Z","mfaAuthenticated":"false"}}}`
	}
	ssm, iam := "ssm.amazonaws.com", "iam.amazonaws.com"
	get := `{"name":"/app/db","withDecryption":true}`
	denied := func(id, at, session string) string {
		r := rec(id, at, ssm, "GetParameter", deploy(session), "198.51.100.7", "aws-sdk-go-v2/1.26.1", get, `null`, "")
		msg := "User: arn:aws:sts::111122223333:assumed-role/deploy/" + session + " is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:111122223333:parameter/app/db because no identity-based policy allows the ssm:GetParameter action"
		return strings.TrimSuffix(r, "}") + `,"errorCode":"AccessDeniedException","errorMessage":"` + msg + `"}`
	}
	recs := []string{
		rec("e-ok1", "2026-03-14T09:00:00Z", ssm, "GetParameter", deploy("run-1"), "198.51.100.7", "aws-sdk-go-v2/1.26.1", get, `null`, ""),
		rec("e-detach", "2026-03-14T10:00:00Z", iam, "DetachRolePolicy", bob, "192.0.2.10", "aws-cli/2.15.0", `{"roleName":"deploy","policyArn":"arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"}`, `null`, ""),
		denied("e-denied1", "2026-03-14T11:00:00Z", "run-2"),
		denied("e-denied2", "2026-03-14T11:15:00Z", "run-3"),
		rec("e-other", "2026-03-14T11:30:00Z", iam, "PutRolePolicy", bob, "192.0.2.10", "aws-cli/2.15.0", `{"roleName":"other","policyName":"p"}`, `null`, ""),
		// A write on the role that grants nothing: not a change of its policies.
		rec("e-tag", "2026-03-14T11:40:00Z", iam, "TagRole", bob, "192.0.2.10", "aws-cli/2.15.0", `{"roleName":"deploy","tags":[{"key":"team","value":"orders"}]}`, `null`, ""),
		rec("e-attach", "2026-03-14T12:00:00Z", iam, "AttachRolePolicy", carol, "203.0.113.9", "aws-cli/2.15.0", `{"roleName":"deploy","policyArn":"arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"}`, `null`, ""),
		rec("e-ok2", "2026-03-14T12:05:00Z", ssm, "GetParameter", deploy("run-4"), "198.51.100.7", "aws-sdk-go-v2/1.26.1", get, `null`, ""),
	}
	logs := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-east-1", "2026", "03", "14")
	os.MkdirAll(logs, 0o755)
	b := `{"Records":[` + strings.Join(recs, ",") + `]}`
	if err := os.WriteFile(filepath.Join(logs, fixtureAccount+"_CloudTrail_us-east-1_20260314T1210Z_AAAAAAAAAAAAAAAA.json"), []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	x := investigate.New(openIndex(t, dir), investigate.DefaultConfig())
	rf, err := x.WhyDenied(context.Background(), "e-denied2")
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, c := range rf.Changes {
		changes = append(changes, c.EventID)
	}
	if rf.LastAllowed == nil || rf.LastAllowed.EventID != "e-ok1" || rf.NextAllowed == nil || rf.NextAllowed.EventID != "e-ok2" ||
		rf.Denied != 2 || strings.Join(changes, " ") != "e-detach e-attach" {
		t.Fatalf("last %+v, next %+v, %d denied, changes %v", rf.LastAllowed, rf.NextAllowed, rf.Denied, changes)
	}
	for _, want := range []string{"no policy of its role deploy allows ssm:GetParameter on arn:aws:ssm:us-east-1:111122223333:parameter/app/db",
		"deploy last did GetParameter successfully at 2026-03-14T09:00:00Z", "refused 2 times", "allowed again at 2026-03-14T12:05:00Z",
		"Before the denial, DetachRolePolicy by bob at 2026-03-14T10:00:00Z changed the policies", "After it, AttachRolePolicy by carol@example.com (role Ops, with MFA) at 2026-03-14T12:00:00Z changed them again"} {
		if !strings.Contains(rf.Summary, want) {
			t.Errorf("the summary does not say %q: %s", want, rf.Summary)
		}
	}
	if _, err := x.WhyDenied(context.Background(), "e-ok1"); err == nil || !strings.Contains(err.Error(), "was not denied") {
		t.Errorf("a successful call explained as a denial: %v", err)
	}
}

// TestWhyDeniedByAVPCEndpointPolicy: a network activity event's denial
// names a VPC endpoint policy in words of its own; why says so.
func TestWhyDeniedByAVPCEndpointPolicy(t *testing.T) {
	dir := t.TempDir()
	r := rec("e-vpce", "2026-03-14T11:00:00Z", "cloudtrail.amazonaws.com", "ListTrails", bob, "10.0.1.5", "aws-cli/2.15.0", `null`, `null`, "")
	r = strings.TrimSuffix(r, "}") + `,"errorCode":"VpceAccessDenied","errorMessage":"The request was denied due to a VPC endpoint policy","eventCategory":"NetworkActivity","vpcEndpointId":"vpce-0123456789abcdef0"}`
	logs := filepath.Join(dir, "AWSLogs", fixtureAccount, "CloudTrail", "us-east-1", "2026", "03", "14")
	os.MkdirAll(logs, 0o755)
	if err := os.WriteFile(filepath.Join(logs, fixtureAccount+"_CloudTrail_us-east-1_20260314T1110Z_AAAAAAAAAAAAAAAA.json"), []byte(`{"Records":[`+r+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	rf, err := investigate.New(openIndex(t, dir), investigate.DefaultConfig()).WhyDenied(context.Background(), "e-vpce")
	if err != nil {
		t.Fatal(err)
	}
	if rf.Denial == nil || rf.Denial.PolicyType != "VPC endpoint" ||
		!strings.Contains(rf.Summary, "the policy of the VPC endpoint the call went through does not allow cloudtrail:ListTrails") {
		t.Errorf("denial %+v: %s", rf.Denial, rf.Summary)
	}
}
