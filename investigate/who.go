package investigate

import (
	"cmp"
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// Who explains a principal: the identity as recorded, and the human behind
// a role session where the records allow.
type Who struct {
	// Name is what to call them: the person when known, else the
	// identity's short name.
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	ARN  string `json:"arn,omitempty"`
	// Role, Session and SourceIdentity describe a role session.
	Role           string `json:"role,omitempty"`
	Session        string `json:"session,omitempty"`
	SourceIdentity string `json:"sourceIdentity,omitempty"`
	AccessKeyID    string `json:"accessKeyId,omitempty"`
	MFA            string `json:"mfa,omitempty"` // "true", "false" or ""
	// Service is the AWS service that acted, for service principals and
	// calls a service made for someone.
	Service string `json:"service,omitempty"`
	// IssuedBy is who obtained the session's credentials: the caller of the
	// AssumeRole* call whose response holds AccessKeyID.
	IssuedBy *IssuedBy `json:"issuedBy,omitempty"`
}

// IssuedBy is the call that issued a session's credentials.
type IssuedBy struct {
	EventID   string `json:"eventId"`
	EventName string `json:"eventName"`
	Name      string `json:"name"`
	ARN       string `json:"arn,omitempty"`
	SourceIP  string `json:"sourceIPAddress,omitempty"`
}

func whoOf(e *cairn.Event) *Who {
	p := &e.Principal
	w := &Who{
		Name: p.Name(), Type: p.Type, ARN: p.ARN,
		SourceIdentity: p.SourceIdentity, AccessKeyID: p.AccessKeyID,
		MFA: p.MFAAuthenticated.String(),
	}
	if p.Type == "AssumedRole" {
		w.Role, w.Session = p.UserName, p.SessionName
		// A session name that is an e-mail address or a source identity is
		// the person; a role's own automation keeps the role's name.
		w.Name = cmp.Or(p.SourceIdentity, p.SessionName, p.UserName, p.ARN)
	}
	switch {
	case p.Type == "AWSService":
		w.Service = p.InvokedBy
		w.Name = p.InvokedBy
	case p.InvokedBy != "" && !strings.HasPrefix(e.UserAgent, "aws-cli") && isServiceHost(p.InvokedBy):
		// A service acting with someone's credentials (CloudFormation,
		// Auto Scaling's service-linked role): the service acted.
		w.Service = p.InvokedBy
	case p.Type == "AssumedRole" && isServiceHost(e.SourceIPAddress):
		w.Service = e.SourceIPAddress
	}
	if w.Service != "" {
		w.Name = w.Service // the service acted, whatever its session is called
	}
	if w.Name == "" {
		w.Name = cmp.Or(p.PrincipalID, p.AccountID, "unknown")
	}
	return w
}

func isServiceHost(s string) bool { return strings.HasSuffix(s, ".amazonaws.com") }

// toolOf says how the call was made, from the user agent.
func toolOf(e *cairn.Event) string {
	// S3's records give the agent in brackets: [aws-cli/2.17.60 …].
	ua := strings.TrimSuffix(strings.TrimPrefix(e.UserAgent, "["), "]")
	l := strings.ToLower(ua)
	switch {
	case ua == "":
		return ""
	case isServiceHost(ua) && !strings.Contains(l, "console"):
		return "service"
	case strings.Contains(l, "console") || strings.Contains(l, "signin.amazonaws.com") || strings.HasPrefix(l, "mozilla/"):
		return "console"
	case strings.HasPrefix(l, "aws-cli/"):
		return "aws-cli"
	case strings.Contains(l, "terraform"):
		return "terraform"
	case strings.Contains(l, "cloudformation"):
		return "cloudformation"
	case strings.Contains(l, "boto3") || strings.Contains(l, "botocore"):
		return "boto3" // Python: scripts, and most attack tools
	case strings.Contains(l, "aws-sdk-"):
		// aws-sdk-go-v2/1.30.3, aws-sdk-java/2.25.1, aws-sdk-nodejs/3.x …
		sdk, _, _ := strings.Cut(l[strings.Index(l, "aws-sdk-"):], "/")
		if sdk == "aws-sdk-js" || sdk == "aws-sdk-nodejs" {
			sdk = "aws-sdk-js"
		}
		return sdk
	case strings.Contains(l, "aws-internal"):
		return "sdk"
	}
	return "other"
}

// resolveSessions finds, for each role session's access key, the AssumeRole*
// call that issued it, and names its caller. One search per key.
func (x *Investigator) resolveSessions(ctx context.Context, entries []Entry) error {
	issued := map[string]*IssuedBy{}
	for i := range entries {
		w := entries[i].Who
		if w == nil || w.Type != "AssumedRole" || w.AccessKeyID == "" || w.Service != "" {
			continue
		}
		// A session that names its person (Identity Center's e-mail
		// session names, a source identity) needs no lookup; nor do reads,
		// which explain nothing; and a long timeline stops looking after
		// maxLookups keys.
		if w.SourceIdentity != "" || strings.Contains(w.Session, "@") || entries[i].event.ReadOnly.True() {
			continue
		}
		if _, done := issued[w.AccessKeyID]; !done && len(issued) >= maxLookups {
			continue
		}
		ib, done := issued[w.AccessKeyID]
		if !done {
			var err error
			if ib, err = x.issuer(ctx, w.AccessKeyID, entries[i].Time); err != nil {
				return err
			}
			issued[w.AccessKeyID] = ib
		}
		if ib == nil {
			continue
		}
		w.IssuedBy = ib
		if ib.Name != "" && generatedSession.MatchString(w.Session) {
			w.Name = ib.Name // the session says nothing; who assumed the role does
		}
	}
	return nil
}

// generatedSession matches role session names that tools make up rather
// than people choose: SDK defaults, timestamps, instance IDs, long hex.
var generatedSession = regexp.MustCompile(`^$|^\d+$|^i-[0-9a-f]+$|^botocore-session-\d+$|^aws-(go|sdk|cli)|^GitHubActions$|[0-9a-f]{16,}`)

// maxLookups bounds the AssumeRole lookups of one timeline.
const maxLookups = 25

// maxSession is the longest a role session lasts (AWS's 12-hour maximum
// DurationSeconds): the AssumeRole call that issued a key used at t lies
// within it before t.
const maxSession = 12 * time.Hour

// issuer returns the AssumeRole* call whose response issued the key used at
// t, if the index holds it.
func (x *Investigator) issuer(ctx context.Context, accessKeyID string, t time.Time) (*IssuedBy, error) {
	f := cairn.Filter{ResourceID: accessKeyID, EventSource: "sts.amazonaws.com", Since: t.Add(-maxSession), Until: t.Add(time.Second)}
	page, err := x.s.Search(ctx, f, cairn.Cursor{}, 5)
	if err != nil {
		return nil, err
	}
	for i := range page.Events {
		e := &page.Events[i]
		if !strings.HasPrefix(e.EventName, "AssumeRole") || e.Failed() {
			continue
		}
		p := &e.Principal
		name := p.Name()
		if p.Type == "AssumedRole" {
			name = cmp.Or(p.SourceIdentity, p.SessionName, p.UserName)
		}
		if e.EventName == "AssumeRoleWithSAML" || e.EventName == "AssumeRoleWithWebIdentity" {
			name = cmp.Or(p.UserName, p.PrincipalID, name)
		}
		return &IssuedBy{EventID: e.EventID, EventName: e.EventName, Name: name, ARN: p.ARN, SourceIP: e.SourceIPAddress}, nil
	}
	return nil, nil
}
