package ui

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/investigate"
)

// TestWhyWithoutAState: a change whose state no record names is "a change
// of state", not an empty emphasis.
func TestWhyWithoutAState(t *testing.T) {
	u := New(Config{})
	at := time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)
	why := &investigate.Explanation{Resource: "i-0abc", Verdict: investigate.VerdictNoAPIActivity, Summary: "s",
		Change: &investigate.Change{Time: at, Source: "service", EventID: "ev-1"}}
	w := httptest.NewRecorder()
	u.render(w, httptest.NewRequest("GET", "/resource/i-0abc", nil), 200, "resource", &session{keyID: "k", csrf: "c"},
		map[string]any{"Title": "Resource i-0abc", "ID": "i-0abc", "Why": why})
	body := w.Body.String()
	if strings.Contains(body, "<strong></strong>") || !strings.Contains(body, "The change: a change of state at 2026-03-14 03:10:00Z") {
		t.Errorf("a change without a state:\n%s", body)
	}
}

// TestNumbersHaveSeparators: counts read the same on every page, with
// thousands separators.
func TestNumbersHaveSeparators(t *testing.T) {
	u := New(Config{})
	g := &glance{Total: 303060, Errors: 1234, Unit: unitDay, Principals: []countRow{{Key: "alice", Count: 12345}}}
	w := httptest.NewRecorder()
	u.render(w, httptest.NewRequest("GET", "/events", nil), 200, "events", &session{keyID: "k", csrf: "c"},
		map[string]any{"Title": "Events", "Fields": searchFields, "Q": url.Values{}, "Glance": g})
	body := w.Body.String()
	for _, want := range []string{"303,060 events, 1,234 errors", `<td class="num">12,345</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the events page does not show %q", want)
		}
	}
	if row := rowOf(&investigate.Insight{Count: 12345, BaselinePeak: 1500}); !strings.Contains(row.Rate, "(12,345)") || !strings.Contains(row.Baseline, "at most 1,500 in") {
		t.Errorf("an Insight's counts: %q, %q", row.Rate, row.Baseline)
	}
}

// TestSpikeListsEveryCreator: a spike launched by more identities than its
// table shows lists the others on the page, folded, not only their count.
func TestSpikeListsEveryCreator(t *testing.T) {
	u := New(Config{})
	sp := cost.Spike{Granularity: "day", Increase: "100.00", Resources: []cost.SpikeResource{{ResourceID: "i-0", Increase: "10.00"}}, MoreResources: 9}
	for i := range 10 {
		sp.Creators = append(sp.Creators, cost.SpikeCreator{Principal: fmt.Sprintf("launcher-%02d", i), Method: "creation-event", Resources: 1, Increase: "10.00"})
	}
	w := httptest.NewRecorder()
	u.render(w, httptest.NewRequest("GET", "/cost", nil), 200, "cost", &session{keyID: "k", csrf: "c"},
		map[string]any{"Title": "Cost", "Month": "2026-03", "Spikes": []cost.Spike{sp}})
	body := w.Body.String()
	folded := body[strings.Index(body, "<details"):]
	for _, want := range []string{"launcher-08", "launcher-09"} {
		if !strings.Contains(folded, want) {
			t.Errorf("the spike does not list %s among the others:\n%s", want, body)
		}
	}
	if !strings.Contains(body, "and 2 more (listed below), together</td><td class=\"num\">20.00") {
		t.Errorf("the spike's table does not count the others and their increase:\n%s", body)
	}
}

// TestSpikeWithoutResources: a spike of a report without resource IDs says
// so, and whose the rise is by AWS's tags on its rows.
func TestSpikeWithoutResources(t *testing.T) {
	u := New(Config{})
	for _, c := range []struct {
		creators []cost.SpikeCreator
		want     string
	}{
		{[]cost.SpikeCreator{{Principal: "hank", Method: "tag:aws:createdBy", Increase: "200.00"}}, "Its rows name no resource; by AWS's tags on them, the rise goes to:"},
		{nil, `Its rows name no resource and no creator: create the cost report with "Include resource IDs"`},
	} {
		sp := cost.Spike{Granularity: "hour", Increase: "200.00", Creators: c.creators}
		w := httptest.NewRecorder()
		u.render(w, httptest.NewRequest("GET", "/cost", nil), 200, "cost", &session{keyID: "k", csrf: "c"},
			map[string]any{"Title": "Cost", "Month": "2026-03", "Spikes": []cost.Spike{sp}})
		body := w.Body.String()
		if !strings.Contains(body, c.want) || strings.Contains(body, "<th scope=\"col\">calls before</th>") ||
			(c.creators != nil && !strings.Contains(body, "hank")) {
			t.Errorf("creators %v: the spike does not say %q:\n%s", c.creators, c.want, body)
		}
	}
}

// TestUserOfName: a principal's display name gives the user search that
// finds its events.
func TestUserOfName(t *testing.T) {
	for name, want := range map[string]string{
		"AWSConfig-Describe (AWSServiceRoleForConfig)": "AWSConfig-Describe",
		"julia.santos@acme-corp.example (AdminAccess)": "julia.santos@acme-corp.example",
		"alice":                "alice",
		"config.amazonaws.com": "config.amazonaws.com",
		"admin (root)":         "root",
		"account 111122223333": "",
		"(none)":               "",
	} {
		if got := userOfName(name); got != want {
			t.Errorf("userOfName(%q) = %q, want %q", name, got, want)
		}
	}
	// One identity is found by its key, whatever its name looks like.
	for _, c := range []struct{ name, least, greatest, want string }{
		{"ops-role", "arn:aws:iam::111122223333:role/path/ops-role", "arn:aws:iam::111122223333:role/path/ops-role", "arn:aws:iam::111122223333:role/path/ops-role"},
		{"Alice Smith (admin)", "Alice Smith (admin)", "Alice Smith (admin)", "Alice Smith (admin)"},
		{"config.amazonaws.com", "service:config.amazonaws.com", "service:config.amazonaws.com", "config.amazonaws.com"},
		{"AWSConfig-Describe (AWSServiceRoleForConfig)", "arn:aws:sts::111122223333:assumed-role/x/y", "arn:aws:sts::444455556666:assumed-role/x/y", "AWSConfig-Describe"},
		{"account 444455556666", "account:444455556666", "account:444455556666", ""},
	} {
		if got := userOf(c.name, c.least, c.greatest); got != c.want {
			t.Errorf("userOf(%q, %q, %q) = %q, want %q", c.name, c.least, c.greatest, got, c.want)
		}
	}
}
