package ui

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/investigate"
)

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
