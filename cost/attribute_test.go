package cost

import (
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
)

func day(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }

func TestAttribute(t *testing.T) {
	const acct = "111122223333"
	creators := []Creator{
		{ResourceID: "i-0aaa", Type: "AWS::EC2::Instance", Account: acct, Time: day(1), EventID: "e-run", Principal: "dana@example.com", PrincipalID: "AROADANA:dana@example.com"},
		{ResourceID: "web-asg", Type: typeASG, Account: acct, Time: day(1), EventID: "e-asg", Principal: "bob"},
		{ResourceID: "i-0bbb", Type: "AWS::EC2::Instance", Account: acct, Time: day(2), EventID: "e-asg-run", Principal: "autoscaling.amazonaws.com",
			Service: "autoscaling.amazonaws.com", Parents: []cairn.ResourceRef{{ID: "web-asg", Type: typeASG}}},
		// Groups of one name in two regions, the western one created later:
		// an instance launched into the eastern group is its creator's.
		{ResourceID: "worker-asg", Type: typeASG, Account: acct, Region: "us-east-1", Time: day(1), EventID: "e-asg-east", Principal: "ivan"},
		{ResourceID: "worker-asg", Type: typeASG, Account: acct, Region: "us-west-2", Time: day(2), EventID: "e-asg-west", Principal: "dana@example.com"},
		{ResourceID: "i-0east", Type: "AWS::EC2::Instance", Account: acct, Region: "us-east-1", Time: day(3), EventID: "e-east-run", Principal: "autoscaling.amazonaws.com",
			Service: "autoscaling.amazonaws.com", Parents: []cairn.ResourceRef{{ID: "worker-asg", Type: typeASG}}},
		{ResourceID: "i-0west", Type: "AWS::EC2::Instance", Account: acct, Region: "us-west-2", Time: day(3), EventID: "e-west-run", Principal: "autoscaling.amazonaws.com",
			Service: "autoscaling.amazonaws.com", Parents: []cairn.ResourceRef{{ID: "worker-asg", Type: typeASG}}},
		{ResourceID: "logs-bucket", Type: "AWS::S3::Bucket", Account: acct, Time: day(1), EventID: "e-b1", Principal: "erin"},
		{ResourceID: "logs-bucket", Type: "AWS::S3::Bucket", Account: acct, Time: day(10), EventID: "e-b2", Principal: "frank"},
		{ResourceID: "orders", ARN: "arn:aws:rds:us-east-1:111122223333:db:orders", Type: "AWS::RDS::DBInstance", Account: acct, Time: day(1), EventID: "e-db", Principal: "role/Deploy"},
		{ResourceID: "nat-0123", Type: "AWS::EC2::NatGateway", Account: acct, Time: day(1), EventID: "e-nat", Principal: "gina"},
		{ResourceID: "x", Account: acct, Time: day(1), Principal: "role/Maintenance", PrincipalID: "AROAMAINT:botocore-session-1", Role: "Maintenance"},
		// Functions of one name in two regions: two functions.
		{ResourceID: "relay", Type: "AWS::Lambda::Function", Account: acct, Region: "us-west-2", Time: day(1), EventID: "e-fn-west", Principal: "dana@example.com"},
		{ResourceID: "relay", Type: "AWS::Lambda::Function", Account: acct, Region: "us-east-1", Time: day(3), EventID: "e-fn-east", Principal: "alice"},
	}
	a := NewAttributor(creators, nil)
	for _, tc := range []struct {
		name, account, id string
		until             time.Time
		createdBy         string
		tags              map[string]string
		principal, method string
	}{
		{"instance by its launch", acct, "i-0aaa", day(5), "", nil, "dana@example.com", MethodCreation},
		{"instance ARN of a monitoring row", acct, "arn:aws:ec2:us-east-1:111122223333:instance/i-0aaa", day(5), "", nil, "dana@example.com", MethodCreation},
		{"Auto Scaling instance: the group's creator", acct, "i-0bbb", day(5), "", nil, "bob", MethodParentASG},
		{"a group of the same name in another region is another group", acct, "i-0east", day(5), "", nil, "ivan", MethodParentASG},
		{"and the other region's instance goes to its group's creator", acct, "i-0west", day(5), "", nil, "dana@example.com", MethodParentASG},
		{"a bucket name before its reuse", acct, "logs-bucket", day(5), "", nil, "erin", MethodCreation},
		{"a bucket name after its reuse", acct, "logs-bucket", day(20), "", nil, "frank", MethodCreation},
		{"RDS by ARN", acct, "arn:aws:rds:us-east-1:111122223333:db:orders", day(5), "", nil, "role/Deploy", MethodCreation},
		{"NAT gateway ARN to its ID", acct, "arn:aws:ec2:us-east-1:111122223333:natgateway/nat-0123", day(5), "", nil, "gina", MethodCreation},
		{"another account's same ID", "999999999999", "i-0aaa", day(5), "", nil, LabelUnattributed, MethodUnattributed},
		{"no creation call: aws:createdBy", acct, "vol-0ccc", day(5), "AssumedRole:AROADANA:dana@example.com", nil, "dana@example.com", MethodCreatedByTag},
		{"aws:createdBy of a script session names the role", acct, "vol-0ddd", day(5), "AssumedRole:AROAMAINT:botocore-session-9", nil, "role/Maintenance", MethodCreatedByTag},
		{"aws:createdBy of a user", acct, "vol-0eee", day(5), "IAMUser:AIDAHANK:hank", nil, "hank", MethodCreatedByTag},
		{"then the owner tag", acct, "vol-0fff", day(5), "", map[string]string{"owner": "team-data"}, "team-data", MethodOwnerTag},
		{"nothing: unattributed", acct, "vol-0999", day(5), "", nil, LabelUnattributed, MethodUnattributed},
		{"no resource: shared", acct, "", day(5), "", nil, LabelShared, MethodShared},
		{"a function by its region's creation", acct, "arn:aws:lambda:us-west-2:111122223333:function:relay", day(5), "", nil, "dana@example.com", MethodCreation},
		{"the same name in the other region", acct, "arn:aws:lambda:us-east-1:111122223333:function:relay", day(5), "", nil, "alice", MethodCreation},
		{"the same name where no call created it", acct, "arn:aws:lambda:eu-west-1:111122223333:function:relay", day(5), "IAMUser:AIDAALICE:alice", nil, "alice", MethodCreatedByTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := a.Attribute(tc.account, tc.id, tc.until, Clues{CreatedBy: tc.createdBy, Owner: tc.tags["owner"]})
			if got.Principal != tc.principal || got.Method != tc.method {
				t.Fatalf("got %s by %s, want %s by %s", got.Principal, got.Method, tc.principal, tc.method)
			}
		})
	}
	if spans := a.Spans(acct, "arn:aws:lambda:eu-west-1:111122223333:function:relay", Clues{CreatedBy: "IAMUser:AIDAALICE:alice"}); len(spans) != 1 || spans[0].Attribution.Method != MethodCreatedByTag {
		t.Errorf("a function where no call created it spans %+v", spans)
	}
	if got := a.Attribute(acct, "i-0bbb", day(5), Clues{}); got.Creator != "autoscaling.amazonaws.com" || got.Via != typeASG+" web-asg" || got.EventID != "e-asg" {
		t.Errorf("parent attribution keeps the acting service and the group: %+v", got)
	}
}

// TestCreatedByNamesTheRole: an aws:createdBy tag names a role session by
// the role's unique ID; the trail's sessions of that role (principalId
// AROA…:session, ARN …:assumed-role/ROLE/session) give the role's name, not
// the name of whoever was behind the session that revealed it.
func TestCreatedByNamesTheRole(t *testing.T) {
	const acct = "517047402216"
	call := func(principalID, arn, sourceIdentity, invokedBy, created string) []any {
		return []any{"2026-03-10T12:00:00Z", "e-" + created, "RunInstances", acct, "us-east-1", "AssumedRole", principalID, arn,
			nil, nil, strings.SplitN(principalID, ":", 2)[1], sourceIdentity, invokedBy,
			[]any{map[string]any{"id": created, "type": "AWS::EC2::Instance", "role": "created"}}}
	}
	var creators []Creator
	for _, row := range [][]any{
		// A pipeline's run started by a person: its calls go to the person.
		call("AROA7XEQKRHRAS2T5BXBB:gha-run-1", "arn:aws:sts::"+acct+":assumed-role/GitHubActionsDeploy/gha-run-1", "farah.haddad@acme-corp.example", "", "i-01"),
		call("AROAMON5YYJZ5WINBDIRB:AutoScaling", "arn:aws:sts::"+acct+":assumed-role/AWSServiceRoleForAutoScaling/AutoScaling", "", "autoscaling.amazonaws.com", "i-02"),
		// The pipeline's deployment through CloudFormation, with its credentials.
		call("AROA7XEQKRHRAS2T5BXBB:gha-run-2", "arn:aws:sts::"+acct+":assumed-role/GitHubActionsDeploy/gha-run-2", "farah.haddad@acme-corp.example", "cloudformation.amazonaws.com", "i-03"),
	} {
		creators = append(creators, creatorsOf(row)...)
	}
	// A role whose sessions the trail shows, though they created nothing.
	roles := map[string]string{"AROAHACSG4F3WV2BPMCA2": "AWSReservedSSO_ReadOnlyAccess_2f78ad3c09637ffb"}
	a := NewAttributor(creators, roles)
	for _, tc := range []struct{ createdBy, principal, creator, role string }{
		{"AssumedRole:AROA7XEQKRHRAS2T5BXBB:gha-run-8013785905", "role/GitHubActionsDeploy", "assumed-role/GitHubActionsDeploy/gha-run-8013785905", "GitHubActionsDeploy"},
		{"AssumedRole:AROA7XEQKRHRAS2T5BXBB:gha-run-1", "farah.haddad@acme-corp.example", "assumed-role/GitHubActionsDeploy/gha-run-1", "GitHubActionsDeploy"}, // as its calls are named
		{"AssumedRole:AROAMON5YYJZ5WINBDIRB:AutoScaling", "autoscaling.amazonaws.com", "assumed-role/AWSServiceRoleForAutoScaling/AutoScaling", "AWSServiceRoleForAutoScaling"},
		{"AssumedRole:AROA7XEQKRHRAS2T5BXBB:dana@acme-corp.example", "dana@acme-corp.example", "", "GitHubActionsDeploy"},
		{"AssumedRole:AROAHACSG4F3WV2BPMCA2:george@acme-corp.example", "george@acme-corp.example", "", "AWSReservedSSO_ReadOnlyAccess_2f78ad3c09637ffb"},
		{"AssumedRole:AROAHACSG4F3WV2BPMCA2:botocore-1", "role/AWSReservedSSO_ReadOnlyAccess_2f78ad3c09637ffb", "assumed-role/AWSReservedSSO_ReadOnlyAccess_2f78ad3c09637ffb/botocore-1", "AWSReservedSSO_ReadOnlyAccess_2f78ad3c09637ffb"},
		{"AssumedRole:AROAUNSEEN:deploy-7", "role AROAUNSEEN", "assumed-role/AROAUNSEEN/deploy-7", ""},
	} {
		got := a.Attribute(acct, "vol-0old", day(20), Clues{CreatedBy: tc.createdBy})
		if got.Principal != tc.principal || got.Creator != tc.creator || got.Method != MethodCreatedByTag || got.role != tc.role {
			t.Errorf("%s: got %q (creator %q, role %q) by %s, want %q (creator %q, role %q)", tc.createdBy, got.Principal, got.Creator, got.role, got.Method, tc.principal, tc.creator, tc.role)
		}
	}
	// A creating call names its session as the tag does, also through CloudFormation.
	for id, want := range map[string]string{"i-01": "assumed-role/GitHubActionsDeploy/gha-run-1", "i-03": "assumed-role/GitHubActionsDeploy/gha-run-2", "i-02": ""} {
		if got := a.Attribute(acct, id, day(20), Clues{}); got.Method != MethodCreation || got.Creator != want {
			t.Errorf("%s: creator %q by %s, want %q", id, got.Creator, got.Method, want)
		}
	}
}

// TestServiceTagsNameTheGroupsCreator: what Auto Scaling creates for a
// group, and CloudFormation for a stack, with no creating call in the trail
// (an instance's root volume; any row of a report without resource IDs),
// is tagged with the service's session and the group or stack: its cost
// goes to whoever created that, as the instances' does.
func TestServiceTagsNameTheGroupsCreator(t *testing.T) {
	const acct = "517047402216"
	const autoScaling = "AssumedRole:AROAMON5YYJZ5WINBDIRB:AutoScaling"
	creators := []Creator{
		{ResourceID: "web-asg", Type: typeASG, Account: acct, Region: "us-east-1", Time: day(1), EventID: "e-asg", Principal: "ivan@acme-corp.example", Role: "Admin"},
		{ResourceID: "web-asg", Type: typeASG, Account: acct, Region: "eu-west-1", Time: day(2), EventID: "e-asg-eu", Principal: "dana@acme-corp.example"},
		{ResourceID: "orders", Type: typeStack, Account: acct, Region: "us-east-1", Time: day(1), EventID: "e-stack", Principal: "role/GitHubActionsDeploy"},
		{ResourceID: "i-0asg", Type: "AWS::EC2::Instance", Account: acct, Region: "us-east-1", Time: day(1), Principal: "autoscaling.amazonaws.com",
			PrincipalID: "AROAMON5YYJZ5WINBDIRB:AutoScaling", Role: "AWSServiceRoleForAutoScaling", Service: "autoscaling.amazonaws.com"},
	}
	a := NewAttributor(creators, nil)
	for _, tc := range []struct {
		name, id          string
		clues             Clues
		principal, method string
		via, creator      string
	}{
		{"a root volume", "vol-0root", Clues{Region: "us-east-1", CreatedBy: autoScaling, ASG: "web-asg"},
			"ivan@acme-corp.example", MethodParentASG, typeASG + " web-asg", "autoscaling.amazonaws.com"},
		{"the group of its region", "vol-0root", Clues{Region: "eu-west-1", CreatedBy: autoScaling, ASG: "web-asg"},
			"dana@acme-corp.example", MethodParentASG, typeASG + " web-asg", "autoscaling.amazonaws.com"},
		{"no resource ID", "", Clues{Region: "us-east-1", CreatedBy: autoScaling, ASG: "web-asg"},
			"ivan@acme-corp.example", MethodParentASG, typeASG + " web-asg", "autoscaling.amazonaws.com"},
		{"the group's tag alone", "", Clues{Region: "us-east-1", ASG: "web-asg"}, "ivan@acme-corp.example", MethodParentASG, typeASG + " web-asg", ""},
		{"a stack's resource", "vol-0stack", Clues{Region: "us-east-1", Stack: "orders"}, "role/GitHubActionsDeploy", MethodParentStack, typeStack + " orders", ""},
		{"a person's tag wins", "vol-0mine", Clues{Region: "us-east-1", CreatedBy: "IAMUser:AIDAHANK:hank", ASG: "web-asg"}, "hank", MethodCreatedByTag, "", ""},
		{"an unknown group: the service", "vol-0other", Clues{Region: "us-east-1", CreatedBy: autoScaling, ASG: "gone-asg"}, "autoscaling.amazonaws.com", MethodCreatedByTag, "", "assumed-role/AWSServiceRoleForAutoScaling/AutoScaling"},
		{"an unknown group alone", "", Clues{Region: "us-east-1", ASG: "gone-asg"}, LabelUnattributed, MethodUnattributed, "", ""},
	} {
		got := a.Attribute(acct, tc.id, day(20), tc.clues)
		if got.Principal != tc.principal || got.Method != tc.method || got.Via != tc.via || got.Creator != tc.creator {
			t.Errorf("%s: got %q by %s via %q (creator %q), want %q by %s via %q (creator %q)", tc.name, got.Principal, got.Method, got.Via, got.Creator, tc.principal, tc.method, tc.via, tc.creator)
		}
	}
}

func TestTagKeyOfOwnerTag(t *testing.T) {
	for in, want := range map[string]string{"user:Cost-Center": "cost_center", "user_cost_center": "cost_center", "Owner": "owner", "team.name": "team_name"} {
		if got := tagKey(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestDecimalString(t *testing.T) {
	if got := SumAmounts("0.1000000000", "0.2", "-0.05"); got != "0.25" {
		t.Errorf("sum = %s", got)
	}
	if got := SumAmounts("1.00", "-1"); got != "0" {
		t.Errorf("zero = %s", got)
	}
}
