package cloudtrail

import "strings"

// Denial is what an access-denied errorMessage says, in the form AWS gives
// it since 2021:
//
//	User: ARN is not authorized to perform: ACTION [on resource: RESOURCE]
//	  because no POLICY-TYPE allows the ACTION action
//	  | with an explicit deny in a[n] POLICY-TYPE[: POLICY-ARN]
//
// EC2 puts "You are not authorized to perform this operation. " before it
// and "Encoded authorization failure message: …" after it.
type Denial struct {
	Principal string `json:"principal"` // the ARN denied
	Action    string `json:"action"`    // e.g. s3:GetObject
	Resource  string `json:"resource"`  // "" when the message names none
	// PolicyType names the kind of policy that decided: "identity-based",
	// "resource-based", "service control", "resource control",
	// "permissions boundary", "session", "VPC endpoint"; "" when the message
	// does not say.
	PolicyType string `json:"policyType"`
	// Explicit is true for an explicit deny, false when no policy of that
	// type allows the action.
	Explicit bool `json:"explicit"`
	// Policy is the denying policy's ARN, when the message names it.
	Policy string `json:"policy,omitempty"`
}

const (
	userPrefix   = "User: "
	notAuth      = " is not authorized to perform: "
	onResource   = " on resource: "
	becauseNo    = " because no "
	explicitDeny = " with an explicit deny in "
)

// ParseDenial reads an access-denied errorMessage. It reports false for a
// message not in that form ("Access Denied", a service's own wording).
func ParseDenial(msg string) (Denial, bool) {
	var d Denial
	u := strings.Index(msg, userPrefix)
	if u < 0 {
		return d, false
	}
	rest := msg[u+len(userPrefix):]
	p := strings.Index(rest, notAuth)
	if p <= 0 {
		return d, false
	}
	d.Principal = rest[:p]
	rest = rest[p+len(notAuth):]
	// The reason starts at the first " because no " or " with an explicit
	// deny in "; a resource ARN contains neither.
	reason := len(rest)
	for _, marker := range []string{becauseNo, explicitDeny} {
		if i := strings.Index(rest, marker); i >= 0 && i < reason {
			reason = i
		}
	}
	head, tail := rest[:reason], rest[reason:]
	if i := strings.Index(head, onResource); i >= 0 {
		d.Action = head[:i]
		d.Resource = strings.Trim(sentence(head[i+len(onResource):]), `"`)
	} else {
		d.Action = head
	}
	d.Action = strings.TrimSuffix(strings.TrimSpace(d.Action), ".")
	if d.Action == "" || strings.ContainsAny(d.Action, " \t\r\n") || strings.ContainsAny(d.Principal, " \t\r\n") {
		return Denial{}, false
	}
	switch {
	case strings.HasPrefix(tail, becauseNo):
		t := sentence(tail[len(becauseNo):])
		if i := strings.Index(t, " allows"); i > 0 {
			d.PolicyType = policyType(t[:i])
		}
	case strings.HasPrefix(tail, explicitDeny):
		d.Explicit = true
		t := sentence(tail[len(explicitDeny):])
		t = strings.TrimPrefix(strings.TrimPrefix(t, "an "), "a ")
		if c := strings.Index(t, ": "); c >= 0 {
			d.Policy = strings.TrimSpace(t[c+2:])
			t = t[:c]
		}
		d.PolicyType = policyType(t)
	}
	return d, true
}

// sentence cuts s at the end of its first sentence: a policy ARN has dots
// but no ". ".
func sentence(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}

// policyType turns "service control policy" into "service control".
func policyType(s string) string {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), " policy"))
	return strings.TrimSuffix(s, " policies")
}
