package investigate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Refusal explains a denied call: which kind of policy refused it and what
// could change that, and what the caller's history says: when the same
// identity was last allowed the same action, and what changed its
// permissions since. Its JSON form is documented with `cairn why -event`.
type Refusal struct {
	Event Entry `json:"event"`
	// Denial is what the errorMessage says; nil when it is not in AWS's
	// standard form ("Access Denied").
	Denial  *cloudtrail.Denial `json:"denial"`
	Summary string             `json:"summary"`
	// Identity is whose history was read: the role of a role session (its
	// sessions come and go), else the caller's ARN.
	Identity string `json:"identity"`
	// LastAllowed is the identity's last successful call of the same
	// action before the denial (among its 1,000 calls of it before), and
	// NextAllowed its first one after (within refusalHorizon); nil when
	// there is none.
	LastAllowed *Entry `json:"lastAllowed"`
	NextAllowed *Entry `json:"nextAllowed"`
	// Denied counts the identity's denied calls of the action, this one
	// included, from LastAllowed (or refusalHorizon before) to NextAllowed
	// (or refusalHorizon after).
	Denied int `json:"denied"`
	// Since and Until are the span [Since, Until) that Denied counts over;
	// zero when the caller is unknown and nothing was counted.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Changes are the calls in that span that changed the policies the
	// denial names: the role's or user's own, the organisation's service
	// control policies, or the resource's policy.
	Changes []Entry `json:"changes"`
}

// NotDeniedError is WhyDenied's answer for an event that is not a denied
// call: the question, not the index, is wrong.
type NotDeniedError struct {
	Missing bool // no event has the ID
	msg     string
}

func (e *NotDeniedError) Error() string { return e.msg }

// refusalHorizon bounds how far the history of a denial is read when no
// success bounds it; lastAllowedPages (of 200 calls) how far back a
// success before it is looked for.
const (
	refusalHorizon   = 7 * 24 * time.Hour
	lastAllowedPages = 5
)

// IsDenial reports whether a failed call was refused for want of
// permission.
func IsDenial(code, msg string) bool {
	if code == "" {
		return false
	}
	if _, ok := cloudtrail.ParseDenial(msg); ok {
		return true
	}
	return strings.Contains(code, "AccessDenied") || strings.Contains(code, "Unauthorized") || code == "Forbidden"
}

// WhyDenied explains the denied call with event ID id.
func (x *Investigator) WhyDenied(ctx context.Context, id string) (*Refusal, error) {
	page, err := x.s.Search(ctx, cairn.Filter{EventID: id}, cairn.Cursor{}, 1)
	if err != nil {
		return nil, err
	}
	if len(page.Events) == 0 {
		return nil, &NotDeniedError{Missing: true, msg: "no event has the ID " + id + ": copy it from cairn search -format json (its eventID), or from the web UI's event page"}
	}
	return x.ExplainDenial(ctx, &page.Events[0])
}

// ExplainDenial is WhyDenied of an event already found: a search by event
// ID scans a column of every segment, 0.1 s of CPU over 2,000,000 events,
// and the web UI's event page has just made it.
func (x *Investigator) ExplainDenial(ctx context.Context, e *cairn.Event) (*Refusal, error) {
	if !IsDenial(e.ErrorCode, e.ErrorMessage) {
		what := "it succeeded"
		switch {
		case e.ErrorCode != "":
			what = "it failed with " + e.ErrorCode + ", not for want of permission"
		case e.Failed():
			what = "it failed (" + e.ErrorMessage + "), not for want of permission"
		}
		msg := "event " + e.EventID + " was not denied: " + what
		if !e.Failed() && !e.ReadOnly.True() && len(e.Resources) > 0 {
			// Asked of a call that did something, why -event is most likely
			// meant as why about what it changed.
			msg += "; to explain the change it made: cairn why " + e.Resources[0].ID + " -at " + e.EventTime.UTC().Format(time.RFC3339)
		}
		return nil, &NotDeniedError{msg: msg}
	}
	rf := &Refusal{Event: entryOf(e, ""), Identity: identityOf(&e.Principal), Changes: []Entry{}}
	if d, ok := cloudtrail.ParseDenial(e.ErrorMessage); ok {
		rf.Denial = &d
	} else if strings.Contains(e.ErrorMessage, "VPC endpoint policy") {
		// A network activity event's wording ("The request was denied due to
		// a VPC endpoint policy") names the policy but not the action.
		rf.Denial = &cloudtrail.Denial{PolicyType: "VPC endpoint", Explicit: strings.Contains(e.ErrorMessage, "explicit deny"),
			Action: strings.TrimSuffix(e.EventSource, ".amazonaws.com") + ":" + e.EventName}
	}
	same := cairn.Filter{User: rf.Identity, EventSource: e.EventSource, EventName: e.EventName}
	if rf.Identity == "" {
		rf.Summary = verdictOfDenial(rf, e)
		return rf, nil
	}
	// The last success before: newest first, the first without an error.
	before := same
	before.Until = e.EventTime
	from := e.EventTime.Add(-refusalHorizon)
	var after cairn.Cursor
	for pages := 0; pages < lastAllowedPages && rf.LastAllowed == nil; pages++ {
		p, err := x.s.Search(ctx, before, after, 200)
		if err != nil {
			return nil, err
		}
		for i := range p.Events {
			if p.Events[i].ErrorCode == "" {
				rf.LastAllowed = entryPtr(&p.Events[i], "")
				from = p.Events[i].EventTime
				break
			}
		}
		if p.Next.IsZero() {
			break
		}
		after = p.Next
	}
	// The first success after: in a growing window, oldest first, so that a
	// busy identity's week is not read when its next hour answers.
	to := e.EventTime.Add(refusalHorizon)
	lo := e.EventTime
	for _, w := range []time.Duration{time.Hour, 24 * time.Hour, refusalHorizon} {
		next := same
		next.Since, next.Until = lo, e.EventTime.Add(w)
		evs, _, err := x.events(ctx, next)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(evs, func(ev cairn.Event) bool { return ev.ErrorCode == "" && ev.EventTime.After(e.EventTime) }); i >= 0 {
			rf.NextAllowed = entryPtr(&evs[i], "")
			to = evs[i].EventTime
			break
		}
		lo = next.Until
	}
	// The denials in between: failed calls only, few.
	failed := same
	failed.ErrorCode, failed.Since, failed.Until = cairn.ErrorAny, from, to
	rf.Since, rf.Until = from, to
	evs, _, err := x.events(ctx, failed)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		if IsDenial(evs[i].ErrorCode, evs[i].ErrorMessage) {
			rf.Denied++
		}
	}
	if rf.Changes, err = x.policyChanges(ctx, rf, e, from, to); err != nil {
		return nil, err
	}
	rf.Summary = verdictOfDenial(rf, e) + history(rf, e)
	return rf, nil
}

// identityOf is whose permissions decided: a role session's role, else the
// caller itself.
func identityOf(p *cairn.Principal) string {
	if p.Type == "AssumedRole" && p.RoleARN != "" {
		return p.RoleARN
	}
	return p.ARN
}

// policyChanges finds the calls in [from, to) that changed the policies the
// denial names.
func (x *Investigator) policyChanges(ctx context.Context, rf *Refusal, e *cairn.Event, from, to time.Time) ([]Entry, error) {
	kind := ""
	if rf.Denial != nil {
		kind = rf.Denial.PolicyType
	}
	var f cairn.Filter
	var keep func(*cairn.Event) bool
	switch kind {
	case "service control", "resource control":
		// The organisation's policies change in its management account.
		f = cairn.Filter{EventSource: "organizations.amazonaws.com"}
		keep = func(c *cairn.Event) bool { return strings.Contains(c.EventName, "Policy") }
	case "resource-based":
		res := rf.Denial.Resource
		if res == "" {
			return []Entry{}, nil
		}
		f = cairn.Filter{ResourceID: res}
		keep = func(c *cairn.Event) bool {
			return strings.Contains(c.EventName, "Policy") || strings.Contains(c.EventName, "Permission")
		}
	default:
		// The caller's own policies: its role's or its user's.
		name := e.Principal.UserName
		if name == "" || (e.Principal.Type != "AssumedRole" && e.Principal.Type != "IAMUser") {
			return []Entry{}, nil
		}
		f = cairn.Filter{ResourceID: name, EventSource: "iam.amazonaws.com"}
		// Role and user names are the account's own: another account's
		// role of the same name is another role. Of the writes on it, those
		// that change what it may do: its policies, its permissions
		// boundary, a user's groups (not a tag or a new access key).
		keep = func(c *cairn.Event) bool {
			return c.RecipientAccountID == e.RecipientAccountID && changesPermissions(c.EventName)
		}
	}
	f.ReadOnly = cairn.BoolFalse
	f.Since, f.Until = from, to
	evs, _, err := x.events(ctx, f)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for i := range evs {
		c := &evs[i]
		if c.ErrorCode == "" && keep(c) {
			out = append(out, entryOf(c, ""))
		}
	}
	return out, nil
}

// changesPermissions reports whether an IAM call on a role or user changes
// what it may do: Attach/Detach/Put/Delete…Policy, …PermissionsBoundary,
// UpdateAssumeRolePolicy, and a user's AddUserToGroup and
// RemoveUserFromGroup.
func changesPermissions(eventName string) bool {
	return strings.Contains(eventName, "Policy") || strings.Contains(eventName, "PermissionsBoundary") ||
		eventName == "AddUserToGroup" || eventName == "RemoveUserFromGroup"
}

// verdictOfDenial says which policy refused the call and who can change it.
func verdictOfDenial(rf *Refusal, e *cairn.Event) string {
	who := describeWho(whoOf(e))
	d := rf.Denial
	if d == nil {
		return fmt.Sprintf("%s was refused %s (%s); the message does not say which policy decided (%q).",
			who, e.EventName, e.ErrorCode, e.ErrorMessage)
	}
	what := d.Action
	if d.Resource != "" {
		what += " on " + d.Resource
	}
	holder := "its role " + e.Principal.UserName
	if e.Principal.Type != "AssumedRole" {
		holder = d.Principal
	}
	var s string
	switch {
	case d.PolicyType == "service control" && d.Explicit:
		s = "a service control policy of the organisation denies " + what + ": only the organisation's management account can change that, and no policy in account " + e.RecipientAccountID + " can allow it."
	case d.PolicyType == "service control":
		s = "no service control policy of the organisation allows " + what + " in account " + e.RecipientAccountID + ": only the organisation's management account can change that."
	case d.PolicyType == "resource control" && d.Explicit:
		s = "a resource control policy of the organisation denies " + what + ": only the organisation's management account can change that."
	case d.PolicyType == "resource-based" && d.Explicit:
		s = "the resource's own policy (a bucket, key or queue policy) denies " + what + " to it."
	case d.PolicyType == "resource-based":
		s = "the resource's own policy does not allow " + what + " to it: a call from another account needs the resource's policy to allow it too."
	case d.PolicyType == "permissions boundary":
		s = "the permissions boundary of " + holder + " " + allowsOrDenies(d) + " " + what + ": the boundary must change, whatever its policies allow."
	case d.PolicyType == "session":
		s = "the session policy passed when its session was made " + allowsOrDenies(d) + " " + what + ": a new session with another policy, or none, is needed."
	case d.PolicyType == "VPC endpoint":
		s = "the policy of the VPC endpoint the call went through " + allowsOrDenies(d) + " " + what + "."
	case d.PolicyType == "identity-based" && d.Explicit:
		s = "a policy of " + holder + " denies " + what + " explicitly"
		if d.Policy != "" {
			s += " (" + d.Policy + ")"
		}
		s += ": an explicit deny wins over any allow, so that policy must change."
	case d.PolicyType == "identity-based":
		s = "no policy of " + holder + " allows " + what + ": a policy attached to it must allow it."
	default:
		s = "it is not authorized to perform " + what + "; the message does not say which policy decided."
	}
	return who + " was refused " + e.EventName + ": " + s
}

func allowsOrDenies(d *cloudtrail.Denial) string {
	if d.Explicit {
		return "denies"
	}
	return "does not allow"
}

// history says what the identity's record adds: when it was last and next
// allowed, how often it was refused, and what changed in between.
func history(rf *Refusal, e *cairn.Event) string {
	var b strings.Builder
	name := rf.Identity
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if l := rf.LastAllowed; l != nil {
		fmt.Fprintf(&b, " %s last did %s successfully at %s, %s before.", name, e.EventName, clock(l.Time), e.EventTime.Sub(l.Time).Round(time.Second))
	} else {
		fmt.Fprintf(&b, " %s has not done %s successfully before in the index.", name, e.EventName)
	}
	if rf.Denied > 1 {
		fmt.Fprintf(&b, " It was refused %d times in all.", rf.Denied)
	}
	if n := rf.NextAllowed; n != nil {
		fmt.Fprintf(&b, " It was allowed again at %s.", clock(n.Time))
	}
	// What broke it is the last change before; what mended it, the first
	// after.
	var before, after *Entry
	for i := range rf.Changes {
		c := &rf.Changes[i]
		if c.Time.After(e.EventTime) {
			after = c
			break
		}
		before = c
	}
	if before != nil {
		fmt.Fprintf(&b, " Before the denial, %s by %s at %s changed the policies.", before.EventName, describeWho(before.Who), clock(before.Time))
	}
	if after != nil {
		fmt.Fprintf(&b, " After it, %s by %s at %s changed them again.", after.EventName, describeWho(after.Who), clock(after.Time))
	}
	return b.String()
}
