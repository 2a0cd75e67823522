package cloudtrail

import (
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/google/go-cmp/cmp"
)

func TestPrincipal(t *testing.T) {
	byID := map[string]cairn.Event{}
	for _, f := range []string{"envelope.json", "records-last.json", "array.json", "lines.jsonl", "single.json", "logstash.jsonl"} {
		for _, ev := range decodeFixture(t, f) {
			byID[ev.EventID] = ev
		}
	}
	for _, tc := range []struct {
		name, eventID string
		want          cairn.Principal
		key, display  string
	}{
		{"IAMUser", "e755e09c-42f9-4c5c-9064-EXAMPLE228c7", cairn.Principal{
			Type: "IAMUser", ARN: "arn:aws:iam::123456789012:user/Mateo", PrincipalID: "EXAMPLE6E4XEGITWATV6R",
			AccountID: "123456789012", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", UserName: "Mateo", MFAAuthenticated: cairn.BoolFalse,
		}, "arn:aws:iam::123456789012:user/Mateo", "Mateo"},
		{"AssumedRole via Identity Center", "0b0e4c1a-1111-4444-8888-000000000002", cairn.Principal{
			Type: "AssumedRole", ARN: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com",
			PrincipalID: "AROAEXAMPLEROLEID:alice@example.com", AccountID: "123456789012", AccessKeyID: "ASIAEXAMPLEKEY000001",
			UserName:       "AWSReservedSSO_Admin_0123456789abcdef",
			RoleARN:        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
			SessionName:    "alice@example.com",
			SourceIdentity: "alice", MFAAuthenticated: cairn.BoolTrue,
		}, "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com", "alice (AWSReservedSSO_Admin_0123456789abcdef)"},
		{"AssumedRole plain", "9d2b1c3a-0000-4000-8000-000000000005", cairn.Principal{
			Type: "AssumedRole", ARN: "arn:aws:sts::123456789012:assumed-role/DataReader/botocore-session-1",
			PrincipalID: "AROAEXAMPLE2:botocore-session-1", AccountID: "123456789012", AccessKeyID: "ASIAEXAMPLEKEY000002",
			UserName: "DataReader", RoleARN: "arn:aws:iam::123456789012:role/DataReader", SessionName: "botocore-session-1",
			MFAAuthenticated: cairn.BoolFalse,
		}, "", "botocore-session-1 (DataReader)"},
		{"hidden user name", "cd9c0a5e-0000-4000-8000-000000000003", cairn.Principal{
			Type: "IAMUser", PrincipalID: "AIDAEXAMPLE", AccountID: "123456789012", UserName: "HIDDEN_DUE_TO_SECURITY_REASONS",
		}, "AIDAEXAMPLE", "HIDDEN_DUE_TO_SECURITY_REASONS"},
		{"no type, invokedBy (service event)", "4a1f7c2e-0000-4000-8000-000000000004", cairn.Principal{
			AccountID: "123456789012", InvokedBy: "ec2.amazonaws.com",
		}, "service:ec2.amazonaws.com", "ec2.amazonaws.com"},
		{"Root with alias", "11111111-0000-4000-8000-000000000001", cairn.Principal{
			Type: "Root", ARN: "arn:aws:iam::123456789012:root", PrincipalID: "123456789012", AccountID: "123456789012", UserName: "acme-prod",
		}, "", "acme-prod (root)"},
		{"AWSService", "22222222-0000-4000-8000-000000000001", cairn.Principal{
			Type: "AWSService", InvokedBy: "autoscaling.amazonaws.com",
		}, "service:autoscaling.amazonaws.com", "autoscaling.amazonaws.com"},
		{"AWSAccount", "22222222-0000-4000-8000-000000000002", cairn.Principal{
			Type: "AWSAccount", PrincipalID: "AIDAEXAMPLEOTHER", AccountID: "999988887777", InvokedBy: "sts.amazonaws.com",
		}, "service:sts.amazonaws.com", "sts.amazonaws.com"},
		{"IdentityCenterUser", "44444444-0000-4000-8000-000000000001", cairn.Principal{
			Type: "IdentityCenterUser", AccountID: "123456789012", OnBehalfOf: "94482488-3041-7026-18f3-be45837cd0e4",
			IdentityStoreARN: "arn:aws:identitystore::123456789012:identitystore/d-1234567890",
		}, "identitycenter:94482488-3041-7026-18f3-be45837cd0e4", "94482488-3041-7026-18f3-be45837cd0e4"},
		{"WebIdentityUser", "44444444-0000-4000-8000-000000000002", cairn.Principal{
			Type: "WebIdentityUser", PrincipalID: "accounts.google.com:1234567890.apps.googleusercontent.com:1122334455",
			UserName: "1122334455", IdentityProvider: "accounts.google.com",
		}, "", "1122334455"},
		{"FederatedUser", "44444444-0000-4000-8000-000000000003", cairn.Principal{
			Type: "FederatedUser", ARN: "arn:aws:sts::123456789012:federated-user/carol", PrincipalID: "123456789012:carol",
			AccountID: "123456789012", AccessKeyID: "ASIAFEDKEY0000000001", UserName: "carol",
			RoleARN: "arn:aws:iam::123456789012:user/federator", MFAAuthenticated: cairn.BoolFalse,
		}, "", "carol"},
		{"Unknown with Identity Center fields", "44444444-0000-4000-8000-000000000004", cairn.Principal{
			Type: "Unknown", PrincipalID: "123456789012", AccountID: "123456789012", UserName: "dave@example.com",
			OnBehalfOf: "abcd-1234", IdentityStoreARN: "arn:aws:identitystore::123456789012:identitystore/d-1234567890",
		}, "identitycenter:abcd-1234", "dave@example.com"},
		{"SAMLUser", "55555555-0000-4000-8000-000000000001", cairn.Principal{
			Type: "SAMLUser", PrincipalID: "SAMPLE_NAMEQUALIFIER:alice", UserName: "alice", IdentityProvider: "bdGOnTesti4+ewfvaQBrBOpcw1Y=",
		}, "", "alice"},
		{"Role", "66666666-0000-4000-8000-000000000001", cairn.Principal{
			Type: "Role", ARN: "arn:aws:iam::123456789012:role/Deployer", PrincipalID: "AROAROLE", AccountID: "123456789012",
		}, "", "Deployer"},
		{"Directory", "66666666-0000-4000-8000-000000000002", cairn.Principal{
			Type: "Directory", PrincipalID: "S-1-5-21", AccountID: "123456789012", UserName: `corp\erin`,
		}, "", `corp\erin`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, ok := byID[tc.eventID]
			if !ok {
				t.Fatalf("no event %s", tc.eventID)
			}
			p := ev.Principal
			if d := cmp.Diff(tc.want, p); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			key := tc.key
			if key == "" {
				key = p.ARN
				if key == "" {
					key = p.PrincipalID
				}
			}
			if p.Key() != key {
				t.Errorf("Key() = %q, want %q", p.Key(), key)
			}
			if p.Name() != tc.display {
				t.Errorf("Name() = %q, want %q", p.Name(), tc.display)
			}
		})
	}
}

func TestPrincipalFallbacks(t *testing.T) {
	for _, tc := range []struct {
		name, ident string
		want        cairn.Principal
	}{
		{"assumed role without session issuer", `{"type":"AssumedRole","principalId":"AROAX:sess","arn":"arn:aws-cn:sts::123456789012:assumed-role/R/sess","accountId":"123456789012"}`,
			cairn.Principal{Type: "AssumedRole", ARN: "arn:aws-cn:sts::123456789012:assumed-role/R/sess", PrincipalID: "AROAX:sess", AccountID: "123456789012",
				UserName: "R", RoleARN: "arn:aws-cn:iam::123456789012:role/R", SessionName: "sess"}},
		{"assumed role without arn", `{"type":"AssumedRole","principalId":"AROAX:sess2","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/R","userName":"R"}}}`,
			cairn.Principal{Type: "AssumedRole", PrincipalID: "AROAX:sess2", UserName: "R", RoleARN: "arn:aws:iam::1:role/R", SessionName: "sess2"}},
		{"web identity session", `{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s","sessionContext":{"webIdFederationData":{"federatedProvider":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com","attributes":{}}}}`,
			cairn.Principal{Type: "AssumedRole", ARN: "arn:aws:sts::1:assumed-role/R/s", UserName: "R", SessionName: "s",
				IdentityProvider: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}},
		{"userIdentity sourceIdentity", `{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s","sourceIdentity":"zed"}`,
			cairn.Principal{Type: "AssumedRole", ARN: "arn:aws:sts::1:assumed-role/R/s", UserName: "R", SessionName: "s", SourceIdentity: "zed"}},
		{"IAM user name from ARN", `{"type":"IAMUser","arn":"arn:aws:iam::1:user/path/to/erin"}`,
			cairn.Principal{Type: "IAMUser", ARN: "arn:aws:iam::1:user/path/to/erin", UserName: "erin"}},
		{"anonymous S3 request", `{"type":"AWSAccount","principalId":"","accountId":"anonymous"}`,
			cairn.Principal{Type: "AWSAccount", AccountID: "anonymous", UserName: "anonymous"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Decode([]byte(`{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","userIdentity":` + tc.ident + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, ev.Principal); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if tc.want.AccountID == cairn.Anonymous && (ev.Principal.Name() != cairn.Anonymous || !ev.Principal.Named(cairn.Anonymous)) {
				t.Errorf("an anonymous request is shown as %q", ev.Principal.Name())
			}
		})
	}
	// A record-level sourceIdentity is used when the session has none.
	ev, err := Decode([]byte(`{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","sourceIdentity":"top","userIdentity":{"type":"AssumedRole"}}`))
	if err != nil || ev.Principal.SourceIdentity != "top" {
		t.Errorf("record-level sourceIdentity: %+v %v", ev.Principal, err)
	}
}
