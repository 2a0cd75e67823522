package ui

import "testing"

// After a sign-in the browser goes back where it was asked to, but only to
// a page of this site: a browser drops tabs and line breaks from a URL and
// reads a backslash as a slash, so each of these would leave it.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/events?user=alice":                        "/events?user=alice",
		"/resource/i-1?at=2026-03-14T03%3A10%3A00Z": "/resource/i-1?at=2026-03-14T03%3A10%3A00Z",
		"":                       "/events",
		"//evil.example":         "/events",
		"/\\evil.example":        "/events",
		"/\t/evil.example/phish": "/events",
		"/\n/evil.example":       "/events",
		"/%09/evil.example":      "/%09/evil.example", // escaped: a path on this site
		"https://evil.example":   "/events",
		"javascript:alert(1)":    "/events",
		"/login?next=//evil":     "/events",
		"evil.example/events":    "/events",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
