package investigate

import (
	"strings"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// stateAfterCall is the instance state a successful call starts, for the
// calls that change an instance's state.
func stateAfterCall(e *cairn.Event) string {
	if e.Failed() {
		return ""
	}
	switch e.EventSource + ":" + e.EventName {
	case "ec2.amazonaws.com:RunInstances", "ec2.amazonaws.com:StartInstances":
		return "pending"
	case "ec2.amazonaws.com:StopInstances":
		return "stopping"
	case "ec2.amazonaws.com:RebootInstances":
		return "rebooting"
	case "ec2.amazonaws.com:TerminateInstances", "autoscaling.amazonaws.com:TerminateInstanceInAutoScalingGroup":
		return "shutting-down"
	case "ec2.amazonaws.com:BidEvictedEvent":
		return "shutting-down"
	}
	return ""
}

func stateOf(e *cairn.Event) string { return cloudtrail.StateOf(e.Raw) }

// healthDetail is a Health event in one line: its code, status and period.
func healthDetail(e *cairn.Event) string {
	h, err := cloudtrail.ParseHealth(e.Raw)
	if err != nil {
		return e.EventName
	}
	parts := []string{h.EventTypeCode}
	if h.StatusCode != "" {
		parts = append(parts, h.StatusCode)
	}
	if !h.Start.IsZero() {
		span := "from " + h.Start.UTC().Format("2006-01-02 15:04Z")
		if !h.End.IsZero() {
			span += " to " + h.End.UTC().Format("2006-01-02 15:04Z")
		}
		parts = append(parts, span)
	}
	d := strings.Join(parts, ", ")
	if h.Description != "" {
		d += ": " + firstSentence(h.Description)
	}
	return d
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// stateChanging reports whether an entry's call changes the state of what
// it names (as opposed to reading or configuring it).
func stateChanging(ent *Entry) bool {
	switch ent.Role {
	case cairn.RoleStateChanged, cairn.RoleCreated, cairn.RoleDeleted:
		return true
	}
	return ent.State != ""
}
