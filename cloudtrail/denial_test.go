package cloudtrail

import (
	"strings"
	"testing"
)

func TestParseDenial(t *testing.T) {
	cases := []struct {
		msg  string
		want Denial
		ok   bool
	}{
		{"User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action",
			Denial{Principal: "arn:aws:iam::123456789012:user/MaryMajor", Action: "codecommit:ListRepositories", PolicyType: "identity-based"}, true},
		{"User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRespositories with an explicit deny in a service control policy",
			Denial{Principal: "arn:aws:iam::777788889999:user/JohnDoe", Action: "codecommit:ListRespositories", PolicyType: "service control", Explicit: true}, true},
		{`User: arn:aws:sts::123456789012:assumed-role/app/i-0abc is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::orders/2026/03/14/a.json" because no resource-based policy allows the s3:GetObject action`,
			Denial{Principal: "arn:aws:sts::123456789012:assumed-role/app/i-0abc", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/2026/03/14/a.json", PolicyType: "resource-based"}, true},
		{"You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/ci/gha-run-1 is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:123456789012:instance/* with an explicit deny in a permissions boundary. Encoded authorization failure message: AbC.dEf",
			Denial{Principal: "arn:aws:sts::123456789012:assumed-role/ci/gha-run-1", Action: "ec2:RunInstances", Resource: "arn:aws:ec2:us-east-1:123456789012:instance/*", PolicyType: "permissions boundary", Explicit: true}, true},
		{"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:DeleteRole on resource: role admin with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/DenyIAM.v2",
			Denial{Principal: "arn:aws:iam::123456789012:user/dev", Action: "iam:DeleteRole", Resource: "role admin", PolicyType: "identity-based", Explicit: true, Policy: "arn:aws:iam::123456789012:policy/DenyIAM.v2"}, true},
		{"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1234 because no session policy allows the kms:Decrypt action.",
			Denial{Principal: "arn:aws:iam::123456789012:user/dev", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:123456789012:key/1234", PolicyType: "session"}, true},
		{"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sqs:SendMessage with an explicit deny in a VPC endpoint policy",
			Denial{Principal: "arn:aws:iam::123456789012:user/dev", Action: "sqs:SendMessage", PolicyType: "VPC endpoint", Explicit: true}, true},
		{"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: s3:PutObject",
			Denial{Principal: "arn:aws:iam::123456789012:user/dev", Action: "s3:PutObject"}, true},
		{"Access Denied", Denial{}, false},
		{"User: is not authorized to perform: s3:GetObject", Denial{}, false},
		{"User: arn:aws:iam::1:user/x is not authorized to perform: this operation because of reasons", Denial{}, false},
	}
	for _, c := range cases {
		got, ok := ParseDenial(c.msg)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseDenial(%q)\n = %+v, %v\nwant %+v, %v", c.msg, got, ok, c.want, c.ok)
		}
	}
}

// FuzzParseDenial: nothing panics, and what a parsed message yields is
// made of the message's own text: no field is invented, none has a line
// break, and an action is one word.
func FuzzParseDenial(f *testing.F) {
	for _, s := range []string{
		"User: arn:aws:iam::1:user/a is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:GetObject action",
		"You are not authorized to perform this operation. User: arn:x is not authorized to perform: ec2:RunInstances with an explicit deny in a service control policy. Encoded authorization failure message: x",
		"User: arn:x is not authorized to perform: iam:X with an explicit deny in an identity-based policy: arn:aws:iam::1:policy/P",
		"Access Denied", "User: ", " is not authorized to perform: ", "User: a is not authorized to perform: b on resource: ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		d, ok := ParseDenial(msg)
		if !ok {
			if d != (Denial{}) {
				t.Fatalf("not parsed, but %+v", d)
			}
			return
		}
		if d.Principal == "" || d.Action == "" || strings.ContainsAny(d.Action+d.Principal, " \t\r\n") {
			t.Fatalf("parsed %q into %+v", msg, d)
		}
		for _, field := range []string{d.Principal, d.Action, d.Resource, d.PolicyType, d.Policy} {
			if !strings.Contains(msg, field) || strings.ContainsAny(field, "\r\n") {
				t.Fatalf("field %q of %+v is not a line of %q", field, d, msg)
			}
		}
		if d.Policy != "" && !d.Explicit {
			t.Fatalf("a policy named without an explicit deny: %+v", d)
		}
	})
}
