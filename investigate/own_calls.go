package investigate

import (
	"context"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// OwnCalls is what an EC2 instance's own calls say about when it was up.
// EC2 names an instance profile's role session after its instance, so the
// calls its software makes (the SSM agent reports every five minutes, and
// the CloudWatch agent and applications call too) carry its ID: an
// instance that went down fell silent, even when nothing else recorded it.
type OwnCalls struct {
	// Count is the number of its calls read, within the window of the moment.
	Count int `json:"count"`
	// Last and Next are its calls around the silence: around the change when
	// there is one, else around the longest gap in the window. Nil when the
	// window holds none on that side.
	Last *Entry `json:"last"`
	Next *Entry `json:"next"`
	// Rhythm is the longest interval between its other calls in the window:
	// it otherwise called at least this often. Empty with too few calls.
	Rhythm string `json:"rhythm,omitempty"`
	// Silent says it went quiet: Last to Next (or, with no Next, to the
	// window's end, while the trail's other calls went on) is longer than
	// its rhythm, by a tenth at least, and two minutes or more.
	Silent bool `json:"silent"`

	// trailEnds says that its calls stop before the window's end, but so
	// do the trail's records of its account and region.
	trailEnds bool
}

// Below minIntervals other intervals, a rhythm says little.
const minIntervals = 4

// ownCalls reads the calls instance made itself within window of t, and
// finds its silence: the one across t when spanning, else the longest.
// It returns nil when the instance made no call of its own in the window.
func (x *Investigator) ownCalls(ctx context.Context, instance string, t time.Time, window time.Duration, spanning bool) (*OwnCalls, error) {
	if !strings.HasPrefix(instance, "i-") {
		return nil, nil
	}
	evs, _, err := x.events(ctx, cairn.Filter{User: instance, Since: t.Add(-window), Until: t.Add(window)})
	if err != nil {
		return nil, err
	}
	// The session name alone could be anyone's: keep the calls whose
	// session is named after the instance.
	calls := evs[:0]
	for i := range evs {
		if evs[i].Principal.SessionName == instance {
			calls = append(calls, evs[i])
		}
	}
	if len(calls) == 0 {
		return nil, nil
	}
	own := &OwnCalls{Count: len(calls)}
	gap := -1 // the silence is between calls[gap] and calls[gap+1], or after calls[gap] when it is the last
	switch {
	case spanning:
		for i := range calls {
			if !calls[i].EventTime.After(t) {
				gap = i
			}
		}
	default:
		for i := 0; i+1 < len(calls); i++ {
			if gap < 0 || interval(calls, i) > interval(calls, gap) {
				gap = i
			}
		}
		// An instance that went down and stayed down falls silent for the
		// rest of the window: a longer silence than any between its calls.
		end := t.Add(window)
		if last := len(calls) - 1; gap < 0 || end.Sub(calls[last].EventTime) > interval(calls, gap) {
			gap = last
		}
	}
	if gap >= 0 {
		own.Last = entryPtr(&calls[gap], instance)
	}
	if gap+1 < len(calls) {
		own.Next = entryPtr(&calls[gap+1], instance)
	}
	var rhythm time.Duration
	n := 0
	for i := 0; i+1 < len(calls); i++ {
		if i != gap {
			rhythm = max(rhythm, interval(calls, i))
			n++
		}
	}
	if n < minIntervals {
		return own, nil
	}
	own.Rhythm = rhythm.String()
	quiet := func(silence time.Duration) bool { return silence >= 2*time.Minute && silence > rhythm+rhythm/10 }
	switch {
	case own.Last != nil && own.Next != nil:
		own.Silent = quiet(interval(calls, gap))
	case own.Last != nil && !spanning && quiet(t.Add(window).Sub(own.Last.Time)):
		// Silent to the window's end: that says something only if the
		// trail went on after its next call was due; where the trail
		// itself ends (a moment left at now), the silence is the trail's.
		due := own.Last.Time.Add(rhythm + rhythm/10)
		last := &calls[gap]
		page, err := x.s.Search(ctx, cairn.Filter{Account: last.RecipientAccountID, Region: last.AWSRegion, Since: due}, cairn.Cursor{}, 1)
		if err != nil {
			return nil, err
		}
		own.Silent = len(page.Events) > 0
		own.trailEnds = !own.Silent
	}
	return own, nil
}

func interval(calls []cairn.Event, i int) time.Duration {
	return calls[i+1].EventTime.Sub(calls[i].EventTime)
}

func entryPtr(e *cairn.Event, resource string) *Entry {
	ent := entryOf(e, resource)
	return &ent
}

// sentence says what the instance's own calls show about change (nil when
// none is recorded), for a summary; "" when they show nothing worth one.
func (o *OwnCalls) sentence(change *Change, window time.Duration) string {
	if o == nil || o.Rhythm == "" || o.Last == nil {
		return ""
	}
	var gap string
	if o.Next != nil {
		gap = o.Next.Time.Sub(o.Last.Time).String()
	}
	switch {
	case o.Next == nil && (o.Silent || change != nil):
		return " Its own calls, otherwise at least every " + o.Rhythm + ", stopped after " + clock(o.Last.Time) + "; none followed within " + window.String() + "."
	case o.trailEnds:
		return " Its own calls, otherwise at least every " + o.Rhythm + ", stop after " + clock(o.Last.Time) + ", where the trail's records of its account and region end too."
	case o.Silent && change != nil && change.Source == "silence":
		return " Its own calls resumed at " + clock(o.Next.Time) + ", " + gap + " later, where it otherwise called at least every " + o.Rhythm + ": it was down or cut off in between."
	case o.Silent:
		return " Its own calls stopped after " + clock(o.Last.Time) + " and resumed at " + clock(o.Next.Time) + " (" + gap +
			", where it otherwise called at least every " + o.Rhythm + "): it was down or cut off in between."
	case change == nil:
		return " Its own calls kept their rhythm through the window, at least every " + o.Rhythm + ", so any restart took less than that."
	}
	return ""
}

func clock(t time.Time) string { return t.UTC().Format(time.RFC3339) }
