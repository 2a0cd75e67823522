package server

import (
	"context"
	"errors"
	"testing"

	"github.com/go-json-experiment/json"
)

// TestTimelineAndWhyEndpoints: the UI's JSON endpoints answer with the
// documented objects, and refuse requests without a resource.
func TestTimelineAndWhyEndpoints(t *testing.T) {
	ts := startServer(t, testEvents(75, testBase))
	c := NewClient(ts.URL, testCreds)
	ctx := context.Background()

	b, err := c.do(ctx, "GET", "/api/v1/timeline?resource=i-0003", nil)
	if err != nil {
		t.Fatal(err)
	}
	var tl struct {
		Resource string `json:"resource"`
		Entries  []struct {
			EventID string `json:"eventId"`
			Kind    string `json:"kind"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &tl); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, e := range ts.idx.events {
		if len(e.Resources) > 0 && e.Resources[0].ID == "i-0003" {
			want++
		}
	}
	if tl.Resource != "i-0003" || len(tl.Entries) != want || want == 0 {
		t.Fatalf("timeline: %s with %d entries, want %d", tl.Resource, len(tl.Entries), want)
	}

	b, err = c.do(ctx, "GET", "/api/v1/why?resource=i-0003&at=2026-03-14T03:00:00Z&window=1d", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ex map[string]any
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"resource", "at", "window", "change", "verdict", "summary", "cause", "candidates", "failedAttempts", "evidence"} {
		if _, ok := ex[k]; !ok {
			t.Errorf("why: no %q in %s", k, b)
		}
	}
	if ex["window"] != "24h0m0s" { // a window in days, as the CLI takes it
		t.Errorf("why: window %v, want 24h0m0s", ex["window"])
	}

	// ev-0000 was denied; ev-0001 succeeded; ev-9999 does not exist.
	b, err = c.do(ctx, "GET", "/api/v1/why?event=ev-0000", nil)
	if err != nil {
		t.Fatal(err)
	}
	var rf map[string]any
	if err := json.Unmarshal(b, &rf); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"event", "denial", "summary", "identity", "lastAllowed", "nextAllowed", "denied", "changes"} {
		if _, ok := rf[k]; !ok {
			t.Errorf("why denied: no %q in %s", k, b)
		}
	}
	for path, status := range map[string]int{"/api/v1/why?event=ev-0001": 400, "/api/v1/why?event=ev-9999": 404,
		"/api/v1/why?resource=i-0doesnotexist&at=2026-03-14T03:00:00Z": 404} {
		_, err := c.do(ctx, "GET", path, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != status {
			t.Errorf("GET %s: %v, want a %d", path, err, status)
		}
	}

	for _, path := range []string{"/api/v1/why", "/api/v1/timeline", "/api/v1/why?resource=x&at=yesterday", "/api/v1/why?resource=x&window=-1m"} {
		_, err := c.do(ctx, "GET", path, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 {
			t.Errorf("GET %s: %v, want a 400", path, err)
		}
	}
}
