package investigate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Verdicts of an explanation.
const (
	VerdictAPICall       = "api-call"        // a person's or a program's API call did it
	VerdictServiceAction = "service-action"  // an AWS service did it, maybe for someone
	VerdictAWSHealth     = "aws-health"      // no API call; AWS Health reports the cause
	VerdictNoAPIActivity = "no-api-activity" // nothing that went through the API explains it
	VerdictNoChange      = "no-change"       // no change of state is recorded near the moment
)

// Explanation says why a resource changed state near a moment. Its JSON
// form is a documented, stable schema (docs/cli.md, "cairn why").
type Explanation struct {
	Resource string    `json:"resource"`
	Type     string    `json:"type,omitempty"`
	At       time.Time `json:"at"`
	Window   string    `json:"window"`
	// Change is the change of state nearest At that is explained; nil when
	// the window holds none.
	Change  *Change `json:"change"`
	Verdict string  `json:"verdict"`
	Summary string  `json:"summary"`
	// Cause is the most likely cause, nil for aws-health, no-api-activity
	// and no-change.
	Cause      *Candidate  `json:"cause"`
	Candidates []Candidate `json:"candidates"`
	// FailedAttempts are calls on the resource in the window that failed.
	FailedAttempts []Entry `json:"failedAttempts"`
	// Evidence is the Health events and state-change notifications that
	// bear on the change.
	Evidence []Entry `json:"evidence"`
	// OwnCalls is what an instance's own calls show about when it was up;
	// nil for other resources and for an instance that made none in the
	// window.
	OwnCalls *OwnCalls `json:"ownCalls,omitempty"`
	// Settle says what would settle the question when the records cannot.
	Settle string `json:"settle,omitempty"`
	// Places are those of the resource's timeline (Timeline.Places): set,
	// the name stands for several resources, whose events were weighed
	// together, and the summary says so.
	Places []string `json:"places,omitempty"`
}

// Change is the change of state being explained.
type Change struct {
	Time    time.Time `json:"time"`
	State   string    `json:"state,omitempty"`
	EventID string    `json:"eventId"`
	// Source says what recorded the change: "api-call", "service",
	// "state-change-notification", or "silence" when only the instance's
	// own calls did (Time is then its last call before it went quiet).
	Source string `json:"source"`
}

// Candidate is a possible cause, ranked.
type Candidate struct {
	Entry
	Score  float64 `json:"score"`
	Reason string  `json:"reason"`
	// Trigger is the person's call on a parent resource that a service
	// action carried out (an Auto Scaling group update, a stack update).
	Trigger *Entry `json:"trigger,omitempty"`
}

// episodeGap joins state-change notifications into one episode (stopping,
// stopped, pending, running): the cause precedes the episode's first one.
const episodeGap = 15 * time.Minute

// Why explains the change of state of resource nearest at: the candidate
// causes in the window before it, ranked, with the evidence. A name that
// stands for resources in several places says so at the end of every
// summary.
func (x *Investigator) Why(ctx context.Context, resource string, at time.Time, window time.Duration) (*Explanation, error) {
	resource = strings.TrimSpace(resource) // as Timeline takes it
	ex, err := x.why(ctx, resource, at, window)
	if err == nil && ex.Places != nil {
		ex.Summary += " " + PlacesNote(resource, ex.Places)
	}
	return ex, err
}

func (x *Investigator) why(ctx context.Context, resource string, at time.Time, window time.Duration) (*Explanation, error) {
	if window <= 0 {
		window = 30 * time.Minute
	}
	at = at.UTC()
	// The episode may have begun up to episodeGap×4 before at; the causes
	// lie up to a window before that.
	since, until := at.Add(-window-4*episodeGap), at.Add(window)
	tl, err := x.Timeline(ctx, resource, since, until)
	if err != nil {
		return nil, err
	}
	// AWS Health reports an event once it has begun, and may close it
	// hours later: a report published after until can cover the moment.
	health, err := x.healthEvents(ctx, resource, at.Add(max(window, healthLate)))
	if err != nil {
		return nil, err
	}
	ex := &Explanation{Resource: resource, Type: tl.Type, At: at, Window: window.String(),
		Candidates: []Candidate{}, FailedAttempts: []Entry{}, Evidence: []Entry{}, Places: tl.Places}

	changing := stateChanging
	change := nearestChange(tl.Entries, at, window, changing)
	moment := at
	if change != nil {
		moment = change.Time
	}
	if ex.OwnCalls, err = x.ownCalls(ctx, resource, moment, window, change != nil); err != nil {
		return nil, err
	}
	if change == nil && ex.OwnCalls != nil && ex.OwnCalls.Silent {
		// Nothing recorded the change but the instance's silence: that is
		// the change to explain.
		last := ex.OwnCalls.Last
		change = &Change{Time: last.Time, EventID: last.EventID, Source: "silence"}
	}
	if change == nil {
		// A role or a bucket has no state to change: what changes it is a
		// call that configures it (DetachRolePolicy, PutBucketPolicy).
		changing = func(ent *Entry) bool { return stateChanging(ent) || ent.Role == cairn.RoleModified }
		change = nearestChange(tl.Entries, at, window, changing)
	}
	if change == nil {
		quiet := ""
		if len(tl.Entries) == 0 && ex.OwnCalls == nil && len(relevantHealth(health, at, window)) == 0 {
			// Nothing names it near the moment: say when something did, or
			// that nothing ever did, which is a mistyped ID, not an answer.
			if quiet, err = x.lastNamed(ctx, resource, at); err != nil {
				return nil, err
			}
		}
		if quiet == "" {
			if quiet, err = x.nearestChangeNote(ctx, resource, at, window); err != nil {
				return nil, err
			}
		}
		// Nothing to explain: that is not a finding that something happened
		// off the API, so there is nothing to settle either.
		ex.Verdict = VerdictNoChange
		ex.Summary = fmt.Sprintf("No change of state of %s is recorded within %s of %s.", resource, window, at.Format(time.RFC3339)) +
			quiet + ex.OwnCalls.sentence(nil, window)
		ex.Evidence = relevantHealth(health, at, window)
		return ex, nil
	}
	ex.Change = change
	from, to := change.Time.Add(-window), change.Time.Add(time.Minute)
	// The episode's later notifications (stopped, pending, running) are
	// evidence too: they show how the change went on.
	last := change.Time
	for i := range tl.Entries {
		ent := &tl.Entries[i]
		if ent.Kind == KindStateChange && ent.Via == "" && ent.Time.After(to) && ent.Time.Sub(last) <= episodeGap {
			ex.Evidence = append(ex.Evidence, *ent)
			last = ent.Time
		}
	}
	for i := range tl.Entries {
		ent := &tl.Entries[i]
		if ent.Time.Before(from) || ent.Time.After(to) {
			continue
		}
		switch {
		case ent.Kind == KindStateChange:
			ex.Evidence = append(ex.Evidence, *ent)
		case ent.Kind == KindHealth:
			// Health events come from healthEvents, which finds them
			// whenever they were published.
		case ent.Failed():
			if !ent.event.ReadOnly.True() {
				ex.FailedAttempts = append(ex.FailedAttempts, *ent)
			}
		case ent.Via != "":
			if !ent.event.ReadOnly.True() {
				ex.Candidates = append(ex.Candidates, candidate(ent, change, window, "changed "+ent.Via+", which manages "+resource))
			}
		case changing(ent):
			ex.Candidates = append(ex.Candidates, candidate(ent, change, window, reasonFor(ent, resource)))
		}
	}
	ex.Evidence = append(ex.Evidence, relevantHealth(health, change.Time, window)...)
	slices.SortFunc(ex.Evidence, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	slices.SortStableFunc(ex.Candidates, func(a, b Candidate) int { return cmp.Compare(b.Score, a.Score) })
	x.decide(ex, resource, window)
	return ex, nil
}

// nearbyChange is how far from a moment that found no change why looks for
// the nearest one: a person asks about the time they remember, often off by
// more than the window.
const nearbyChange = 12 * time.Hour

// nearestChangeNote says when the change of state nearest to at, within
// nearbyChange but outside the window, happened, and how to ask about it,
// or "".
func (x *Investigator) nearestChangeNote(ctx context.Context, resource string, at time.Time, window time.Duration) (string, error) {
	tl, err := x.Timeline(ctx, resource, at.Add(-nearbyChange), at.Add(nearbyChange))
	if err != nil {
		return "", err
	}
	change := nearestChange(tl.Entries, at, nearbyChange, stateChanging)
	if change == nil {
		return "", nil
	}
	d, when := change.Time.Sub(at), "after"
	if d < 0 {
		d, when = -d, "before"
	}
	if d <= window {
		return "", nil
	}
	what := "its nearest change of state"
	if change.State != "" {
		what += " (" + change.State + ")"
	}
	return fmt.Sprintf(" %s is at %s, %s %s: ask with -at %s.", strings.ToUpper(what[:1])+what[1:], change.Time.Format(time.RFC3339),
		strings.TrimSuffix(d.Round(time.Minute).String(), "0s"), when, change.Time.Format(time.RFC3339)), nil
}

// PlacesNote says that a name stands for resources in several places.
func PlacesNote(resource string, places []string) string {
	return fmt.Sprintf("%s names resources in %d accounts or regions (%s), whose events are taken together here: give the resource's ARN to see one.",
		resource, len(places), strings.Join(places, ", "))
}

// UnknownResourceError is Why's answer for a resource that no event names:
// the question, not the index, is wrong.
type UnknownResourceError struct {
	Resource string
	// Named is, for an ARN, the ARNs under which events name its resource's
	// ID: the same instance in another region or account, as mistyped.
	Named []string
}

func (e *UnknownResourceError) Error() string {
	if len(e.Named) > 0 {
		return "no event names " + e.Resource + "; events name " + strings.Join(e.Named, ", ") + ": give that ARN, or the ID alone"
	}
	return "no event names " + e.Resource + "; check the ID, or ingest the trail that recorded it"
}

// namedElsewhere returns the ARNs, other than arn, under which events name
// the resource ID that arn ends with (up to three).
func (x *Investigator) namedElsewhere(ctx context.Context, arn string) ([]string, error) {
	if !strings.HasPrefix(arn, "arn:") {
		return nil, nil
	}
	id := arn[strings.LastIndexAny(arn, "/:")+1:]
	if id == "" {
		return nil, nil
	}
	page, err := x.s.Search(ctx, cairn.Filter{ResourceID: id}, cairn.Cursor{}, 50)
	if err != nil {
		return nil, err
	}
	var named []string
	for _, e := range page.Events {
		for _, r := range e.Resources {
			if r.ID == id && r.ARN != "" && r.ARN != arn && !slices.Contains(named, r.ARN) && len(named) < 3 {
				named = append(named, r.ARN)
			}
		}
	}
	return named, nil
}

// lastNamed says what last named resource before at and what named it
// newest, for an explanation whose window holds nothing (a quiet moment, a
// mistyped one, or -at left at now): the last change before the moment is
// the state the resource was in. It fails with UnknownResourceError when
// no event ever named it.
func (x *Investigator) lastNamed(ctx context.Context, resource string, at time.Time) (string, error) {
	for _, f := range []cairn.Filter{{ResourceID: resource}, {User: resource}} {
		page, err := x.s.Search(ctx, f, cairn.Cursor{}, 1)
		if err != nil {
			return "", err
		}
		if len(page.Events) == 0 {
			continue
		}
		newest := &page.Events[0]
		if !newest.EventTime.After(at) {
			return fmt.Sprintf(" Nothing names it in that window; the last event that does is %s.", describeEvent(newest)), nil
		}
		f.Until = at
		if page, err = x.s.Search(ctx, f, cairn.Cursor{}, 1); err != nil {
			return "", err
		}
		if len(page.Events) == 0 {
			return fmt.Sprintf(" Nothing names it at or before that moment (it did not exist yet, or the trail does not reach back so far); the newest event that does is %s.", describeEvent(newest)), nil
		}
		return fmt.Sprintf(" Nothing names it in that window; the last event before it that does is %s, and the newest is %s.", describeEvent(&page.Events[0]), describeEvent(newest)), nil
	}
	named, err := x.namedElsewhere(ctx, resource)
	if err != nil {
		return "", err
	}
	return "", &UnknownResourceError{Resource: resource, Named: named}
}

// describeEvent names an event for a sentence: what, when, by whom.
func describeEvent(e *cairn.Event) string {
	s := e.EventName
	if state := cloudtrail.StateOf(e.Raw); state != "" {
		s += " (" + state + ")"
	}
	s += " at " + e.EventTime.UTC().Format(time.RFC3339)
	if who := e.Principal.Name(); who != "" {
		s += " by " + who
	}
	return s
}

// nearestChange finds the change of state nearest at (within window), and
// for a state-change notification the first one of its episode.
func nearestChange(entries []Entry, at time.Time, window time.Duration, changing func(*Entry) bool) *Change {
	best := -1
	var bestDist time.Duration
	for i := range entries {
		ent := &entries[i]
		if ent.Via != "" || ent.Failed() || !(ent.Kind == KindStateChange || changing(ent)) {
			continue
		}
		d := ent.Time.Sub(at)
		if d < 0 {
			d = -d
		}
		if d > window {
			continue
		}
		// Ties go to the earlier change: the question is usually asked
		// after the fact.
		if best < 0 || d < bestDist {
			best, bestDist = i, d
		}
	}
	if best < 0 {
		return nil
	}
	ent := &entries[best]
	if ent.Kind == KindStateChange {
		// Walk back through the episode's notifications.
		first := best
		for i := best - 1; i >= 0; i-- {
			e := &entries[i]
			if e.Kind != KindStateChange || e.Via != "" {
				continue
			}
			if entries[first].Time.Sub(e.Time) > episodeGap {
				break
			}
			first = i
		}
		ent = &entries[first]
		return &Change{Time: ent.Time, State: ent.State, EventID: ent.EventID, Source: "state-change-notification"}
	}
	src := "api-call"
	if ent.Kind == KindService {
		src = "service"
	}
	return &Change{Time: ent.Time, State: ent.State, EventID: ent.EventID, Source: src}
}

// candidate scores an entry: a direct, successful call close before the
// change scores highest; a person's call beats a service's only when the
// service acted for someone else; parents score lower than the resource
// itself.
func candidate(ent *Entry, ch *Change, window time.Duration, reason string) Candidate {
	dt := ch.Time.Sub(ent.Time)
	if dt < 0 {
		dt = 0
	}
	score := 1.0 - 0.5*float64(dt)/float64(window)
	if ent.Via != "" {
		score *= 0.6
	}
	if ent.EventID == ch.EventID {
		score += 0.3 // the call is the change itself
	}
	if ch.State != "" && ent.State != "" && sameDirection(ent.State, ch.State) {
		score += 0.2
	}
	return Candidate{Entry: *ent, Score: float64(int(score*1000)) / 1000, Reason: reason}
}

// sameDirection reports whether a call's state and an observed one belong to
// the same movement (going down, or coming up).
func sameDirection(a, b string) bool {
	down := func(s string) bool {
		return s == "stopping" || s == "stopped" || s == "shutting-down" || s == "terminated" || s == "rebooting"
	}
	return down(a) == down(b)
}

func reasonFor(ent *Entry, resource string) string {
	switch ent.Kind {
	case KindService:
		return ent.Who.Service + " called " + ent.EventName + " on " + resource
	}
	return ent.EventName + " on " + resource + " itself"
}

// decide sets the verdict, the cause and the summary.
func (x *Investigator) decide(ex *Explanation, resource string, window time.Duration) {
	var person, service, parent *Candidate
	for i := range ex.Candidates {
		c := &ex.Candidates[i]
		switch {
		case c.Via != "" && c.Kind == KindCall:
			if parent == nil {
				parent = c
			}
		case c.Via == "" && c.Kind == KindService:
			if service == nil {
				service = c
			}
		case c.Via == "" && c.Kind == KindCall:
			if person == nil {
				person = c
			}
		}
	}
	when := func(c *Candidate) string {
		d := ex.Change.Time.Sub(c.Time).Round(time.Second)
		if d <= 0 {
			return "at the change"
		}
		return d.String() + " before the change"
	}
	switch {
	case person != nil:
		ex.Verdict, ex.Cause = VerdictAPICall, person
		ex.Summary = fmt.Sprintf("%s %s: %s by %s%s, %s.", resource, changeWord(ex.Change), person.EventName,
			describeWho(person.Who), how(&person.Entry), when(person))
	case service != nil || parent != nil:
		c := service
		if c == nil {
			c = parent
		}
		ex.Verdict, ex.Cause = VerdictServiceAction, c
		if service != nil && parent != nil {
			t := parent.Entry
			c.Trigger = &t
		}
		ex.Summary = fmt.Sprintf("%s %s: %s by %s, %s.", resource, changeWord(ex.Change), c.EventName, describeWho(c.Who), when(c))
		if c.Trigger != nil {
			ex.Summary += fmt.Sprintf(" It followed %s on %s by %s%s.", c.Trigger.EventName, strings.TrimPrefix(c.Trigger.Via, "AWS::AutoScaling::AutoScalingGroup "),
				describeWho(c.Trigger.Who), how(c.Trigger))
		} else if c == parent {
			ex.Summary = fmt.Sprintf("%s %s after %s on %s by %s%s, %s; the service that manages it acted without a record of its own.",
				resource, changeWord(ex.Change), c.EventName, c.Via, describeWho(c.Who), how(&c.Entry), when(c))
		}
	default:
		var h *Entry
		for i := range ex.Evidence {
			if ex.Evidence[i].Kind == KindHealth {
				h = &ex.Evidence[i]
			}
		}
		if h != nil {
			ex.Verdict = VerdictAWSHealth
			ex.Summary = fmt.Sprintf("%s %s with no API call: not initiated through the API. AWS Health reports %s AWS-side: hardware or maintenance.",
				resource, changeWord(ex.Change), strings.TrimSuffix(h.Detail, ".")+".")
		} else {
			ex.Verdict = VerdictNoAPIActivity
			ex.Summary = fmt.Sprintf("%s %s and no API call in the %s before explains it: not initiated through the API: AWS-side (hardware or maintenance) or from inside the instance.",
				resource, changeWord(ex.Change), ex.Window)
			ex.Settle = settle(resource)
		}
	}
	ex.Summary += ex.OwnCalls.sentence(ex.Change, window)
	if len(ex.FailedAttempts) > 0 {
		ex.Summary += fmt.Sprintf(" %d failed attempt(s) in the window are listed apart.", len(ex.FailedAttempts))
	}
}

func changeWord(ch *Change) string {
	at := ch.Time.UTC().Format(time.RFC3339)
	if ch.Source == "silence" {
		return "went quiet after " + at
	}
	switch ch.State {
	case "":
		return "changed at " + at
	case "stopping", "rebooting":
		return "began " + ch.State + " at " + at
	case "shutting-down":
		return "began shutting down at " + at
	case "pending":
		return "began starting at " + at
	case "running":
		return "was running at " + at
	case "stopped", "terminated":
		return "was " + ch.State + " at " + at
	}
	return "went " + ch.State + " at " + at
}

func describeWho(w *Who) string {
	if w == nil {
		return "an unknown principal"
	}
	s := w.Name
	var via []string
	if w.Role != "" && w.Name != w.Role {
		via = append(via, "role "+w.Role)
	}
	if w.IssuedBy != nil {
		via = append(via, "credentials from "+w.IssuedBy.EventName)
	}
	if w.Service != "" && w.Name != w.Service {
		via = append(via, "through "+w.Service)
	}
	if w.MFA == "true" {
		via = append(via, "with MFA")
	}
	if len(via) > 0 {
		s += " (" + strings.Join(via, ", ") + ")"
	}
	return s
}

func how(e *Entry) string {
	var parts []string
	if e.SourceIP != "" {
		parts = append(parts, "from "+e.SourceIP)
	}
	switch e.Tool {
	case "", "other":
	case "console":
		parts = append(parts, "in the console")
	case "aws-cli", "service":
		parts = append(parts, "with the "+e.Tool)
	default:
		parts = append(parts, "with "+e.Tool) // boto3, aws-sdk-go-v2, terraform
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

// healthLate is how long after a moment an AWS Health event that covers
// it is looked for, whatever the window.
const healthLate = 24 * time.Hour

// healthEvents returns the AWS Health events that name the resource,
// published before until, however long before.
func (x *Investigator) healthEvents(ctx context.Context, resource string, until time.Time) ([]Entry, error) {
	page, err := x.s.Search(ctx, cairn.Filter{ResourceID: resource, EventSource: "aws.health", Until: until}, cairn.Cursor{}, 100)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(page.Events))
	for i := range page.Events {
		out = append(out, entryOf(&page.Events[i], resource))
	}
	return out, nil
}

// relevantHealth keeps the Health events whose period or publication falls
// within window of t.
func relevantHealth(health []Entry, t time.Time, window time.Duration) []Entry {
	out := []Entry{} // a list in the JSON, even when empty
	for _, h := range health {
		d, err := cloudtrail.ParseHealth(h.event.Raw)
		near := func(u time.Time) bool { return !u.IsZero() && u.After(t.Add(-window)) && u.Before(t.Add(window)) }
		inside := err == nil && !d.Start.IsZero() && !d.Start.After(t.Add(window)) && (d.End.IsZero() || !d.End.Before(t.Add(-window)))
		if near(h.Time) || inside {
			out = append(out, h)
		}
	}
	return out
}

// settle says what would tell the remaining causes apart.
func settle(resource string) string {
	if strings.HasPrefix(resource, "i-") {
		return "Look inside the instance: its console output (aws ec2 get-console-output --instance-id " + resource +
			") and OS logs show a reboot or shutdown started from within. Its scheduled events (aws ec2 describe-instance-status --instance-ids " +
			resource + " --include-all-instances) and the account's AWS Health events show maintenance; a support case confirms a host failure."
	}
	return "Check the service's own logs and the account's AWS Health events; a support case can confirm an AWS-side cause."
}
