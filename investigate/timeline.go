// Package investigate answers "why did this happen?" about one resource: its
// timeline (every call that touched it, who made it and how, the AWS Health
// and state-change evidence, the calls on the resources it was created by)
// and an explanation of one change of state (an API call, an AWS service
// acting, an AWS Health event, or nothing that went through the API).
package investigate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// Searcher finds events; a cairn.Index and cairn's server client both are.
type Searcher = cairn.Searcher

// Kinds of timeline entries.
const (
	KindCall        = "call"         // an API call by a person or a program
	KindService     = "service"      // an API call or event by an AWS service
	KindHealth      = "health"       // an AWS Health event
	KindStateChange = "state-change" // an EC2 instance state-change notification
)

// Entry is one event of a timeline, explained.
type Entry struct {
	Time        time.Time  `json:"time"`
	Kind        string     `json:"kind"`
	EventID     string     `json:"eventId"`
	EventName   string     `json:"eventName"`
	EventSource string     `json:"eventSource"`
	Account     string     `json:"account,omitempty"`
	Region      string     `json:"region,omitempty"`
	Who         *Who       `json:"who,omitempty"`
	SourceIP    string     `json:"sourceIPAddress,omitempty"`
	UserAgent   string     `json:"userAgent,omitempty"`
	Tool        string     `json:"tool,omitempty"`
	Role        cairn.Role `json:"role,omitempty"` // what the event did to the resource
	ErrorCode   string     `json:"errorCode,omitempty"`
	ErrorMsg    string     `json:"errorMessage,omitempty"`
	// State is the instance state an event left the resource in, when the
	// event says (state-change notifications, Start/Stop/Reboot calls).
	State string `json:"state,omitempty"`
	// Detail is a one-line description for Health events.
	Detail string `json:"detail,omitempty"`
	// Via names the related resource the event touched instead of this
	// one, e.g. "AWS::AutoScaling::AutoScalingGroup web-asg".
	Via string `json:"via,omitempty"`

	event *cairn.Event
}

// Failed reports whether the call failed.
func (e *Entry) Failed() bool { return e.ErrorCode != "" || e.ErrorMsg != "" }

// Timeline is the history of one resource, oldest first.
type Timeline struct {
	Resource string    `json:"resource"`
	Type     string    `json:"type,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	Until    time.Time `json:"until,omitzero"`
	// Related are the resources the resource was created by or with, whose
	// events are included with Via set.
	Related   []string `json:"related"`
	Entries   []Entry  `json:"entries"`
	Truncated bool     `json:"truncated"`
	// Places are the accounts and regions ("111122223333 us-east-1", or
	// the account alone for IAM and S3, whose names are global) whose
	// events name the resource, when there are several: a name given
	// without its ARN, such as a database's or a group's, may name another
	// resource in each, and the timeline holds them all.
	Places []string `json:"places,omitempty"`
}

// Config bounds an investigation.
type Config struct {
	// MaxEvents bounds the events read for one resource.
	MaxEvents int
	// ResolveSessions looks up the AssumeRole call behind each role session
	// (one search per session).
	ResolveSessions bool
}

// DefaultConfig reads up to 5,000 events per resource and resolves sessions.
func DefaultConfig() Config { return Config{MaxEvents: 5000, ResolveSessions: true} }

// Investigator investigates resources over a Searcher. Safe for concurrent
// use when the Searcher is.
type Investigator struct {
	s   Searcher
	cfg Config
}

// New returns an investigator over s.
func New(s Searcher, cfg Config) *Investigator {
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultConfig().MaxEvents
	}
	return &Investigator{s: s, cfg: cfg}
}

// Timeline returns every event that touched resource in [since, until)
// (zero bounds are open), plus the events of its parent resources (the Auto
// Scaling group or CloudFormation stack that created it) in that range, in
// time order, with each principal explained.
func (x *Investigator) Timeline(ctx context.Context, resource string, since, until time.Time) (*Timeline, error) {
	resource = strings.TrimSpace(resource)
	if resource == "" {
		return nil, fmt.Errorf("no resource given: name an instance ID, a bucket, a role, an ARN")
	}
	own, truncated, err := x.events(ctx, cairn.Filter{ResourceID: resource, Since: since, Until: until})
	if err != nil {
		return nil, err
	}
	if isAccessKeyID(resource) {
		// A key's history is also every call made with it: was a leaked
		// key, or the one its thief created, used, and when last?
		used, more, err := x.events(ctx, cairn.Filter{AccessKeyID: resource, Since: since, Until: until})
		if err != nil {
			return nil, err
		}
		seen := make(map[string]bool, len(own))
		for i := range own {
			seen[own[i].EventID] = true
		}
		for i := range used {
			if !seen[used[i].EventID] {
				own = append(own, used[i])
			}
		}
		truncated = truncated || more
	}
	tl := &Timeline{Resource: resource, Since: since, Until: until, Truncated: truncated, Related: []string{}}
	var entries []Entry
	for i := range own {
		e := &own[i]
		ent := entryOf(e, resource)
		if tl.Type == "" {
			tl.Type = typeOf(e, resource)
		}
		entries = append(entries, ent)
	}
	if tl.Type == "" && isAccessKeyID(resource) {
		tl.Type = "AWS::IAM::AccessKey" // named by the calls made with it, not as their resource
	}
	if !isAccessKeyID(resource) && !strings.HasPrefix(resource, "arn:") {
		tl.Places = placesOf(entries, tl.Type)
	}
	parents := parentsOf(own, resource)
	if len(parents) == 0 && strings.HasPrefix(resource, "i-") && !since.IsZero() {
		// The launch may predate the range: look it up on its own.
		launch, _, err := x.events(ctx, cairn.Filter{ResourceID: resource, EventName: "RunInstances", Until: until})
		if err != nil {
			return nil, err
		}
		parents = parentsOf(launch, resource)
	}
	for _, parent := range parents {
		evs, _, err := x.events(ctx, cairn.Filter{ResourceID: parent.ID, Account: parent.Account, Region: parent.Region, Since: since, Until: until})
		if err != nil {
			return nil, err
		}
		tl.Related = append(tl.Related, parent.ID)
		via := strings.TrimSpace(parent.Type + " " + parent.ID)
		for i := range evs {
			e := &evs[i]
			if e.ReadOnly.True() || touches(e, resource) {
				continue // reads of the parent say nothing; own events are in already
			}
			ent := entryOf(e, parent.ID)
			ent.Via = via
			entries = append(entries, ent)
		}
	}
	slices.SortStableFunc(entries, func(a, b Entry) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.EventID, b.EventID))
	})
	if x.cfg.ResolveSessions {
		if err := x.resolveSessions(ctx, entries); err != nil {
			return nil, err
		}
	}
	tl.Entries = entries
	if tl.Entries == nil {
		tl.Entries = []Entry{}
	}
	return tl, nil
}

// placesOf returns the places of the entries when there are several: the
// account and region of each, or the account alone for a type whose names
// are global (IAM's, S3 buckets).
func placesOf(entries []Entry, typ string) []string {
	global := strings.HasPrefix(typ, "AWS::IAM::") || typ == "AWS::S3::Bucket"
	var places []string
	for i := range entries {
		e := &entries[i]
		if e.Account == "" {
			continue
		}
		p := e.Account
		if !global && e.Region != "" {
			p += " " + e.Region
		}
		if !slices.Contains(places, p) {
			places = append(places, p)
		}
	}
	if len(places) < 2 {
		return nil
	}
	slices.Sort(places)
	return places
}

// isAccessKeyID reports whether s is an access key ID: AKIA… (long-term)
// or ASIA… (temporary), 20 characters of A–Z and 2–7.
func isAccessKeyID(s string) bool {
	if len(s) != 20 || !(strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return false
	}
	for _, c := range s[4:] {
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// events reads every event matching f, oldest first, up to MaxEvents (the
// newest ones are kept when there are more).
func (x *Investigator) events(ctx context.Context, f cairn.Filter) ([]cairn.Event, bool, error) {
	var out []cairn.Event
	var after cairn.Cursor
	for {
		limit := min(1000, x.cfg.MaxEvents-len(out))
		page, err := x.s.Search(ctx, f, after, limit)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page.Events...)
		if page.Next.IsZero() || len(page.Events) == 0 {
			break
		}
		if len(out) >= x.cfg.MaxEvents {
			slices.Reverse(out)
			return out, true, nil
		}
		after = page.Next
	}
	slices.Reverse(out)
	return out, false, nil
}

// entryOf explains one event as it concerns resource.
func entryOf(e *cairn.Event, resource string) Entry {
	ent := Entry{
		Time: e.EventTime, EventID: e.EventID, EventName: e.EventName, EventSource: e.EventSource,
		Account: e.RecipientAccountID, Region: e.AWSRegion,
		SourceIP: e.SourceIPAddress, UserAgent: e.UserAgent,
		ErrorCode: e.ErrorCode, ErrorMsg: e.ErrorMessage,
		event: e,
	}
	for _, r := range e.Resources {
		if r.Names(resource) {
			ent.Role = r.Role
			break
		}
	}
	switch {
	case e.EventSource == "aws.health":
		ent.Kind = KindHealth
		ent.Detail = healthDetail(e)
	case e.EventSource == "aws.ec2" && e.EventName == "InstanceStateChange":
		ent.Kind = KindStateChange
		ent.State = stateOf(e)
	default:
		ent.Who = whoOf(e)
		ent.Tool = toolOf(e)
		ent.Kind = KindCall
		if ent.Who.Service != "" {
			ent.Kind = KindService
		}
		ent.State = stateAfterCall(e)
	}
	return ent
}

func touches(e *cairn.Event, resource string) bool {
	for _, r := range e.Resources {
		if r.Names(resource) {
			return true
		}
	}
	return false
}

func typeOf(e *cairn.Event, resource string) string {
	for _, r := range e.Resources {
		if r.Names(resource) && r.Type != "" {
			return r.Type
		}
	}
	return ""
}

// Parent resource types: what creates resources on someone's behalf.
var parentTypes = map[string]bool{
	"AWS::AutoScaling::AutoScalingGroup": true,
	"AWS::CloudFormation::Stack":         true,
}

// parentsOf finds the Auto Scaling groups and stacks that the resource's
// creating call names (RunInstances with the group's or stack's tags), in
// the account and region of that call: a group's name is unique only there,
// and another team's group of the same name elsewhere is no parent.
func parentsOf(events []cairn.Event, resource string) []cairn.ResourceRef {
	var out []cairn.ResourceRef
	seen := map[cairn.ResourceRef]bool{}
	for i := range events {
		e := &events[i]
		created := false
		for _, r := range e.Resources {
			if r.Names(resource) && r.Role == cairn.RoleCreated {
				created = true
			}
		}
		if !created {
			continue
		}
		for _, r := range e.Resources {
			if !parentTypes[r.Type] || r.Names(resource) {
				continue
			}
			p := cairn.ResourceRef{ID: r.ID, Type: r.Type, Account: cmp.Or(r.Account, e.RecipientAccountID), Region: cmp.Or(r.Region, e.AWSRegion)}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}
