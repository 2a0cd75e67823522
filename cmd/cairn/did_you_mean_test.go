package main

import (
	"strings"
	"testing"
)

func TestVersionAndMistypedCommands(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		if r := runCairn(t, nil, arg); r.code != 0 || !strings.HasPrefix(r.stdout, "cairn ") || !strings.Contains(r.stdout, ", go1.") {
			t.Errorf("cairn %s: exit %d\n%s%s", arg, r.code, r.stdout, r.stderr)
		}
	}
	for typed, meant := range map[string]string{"serach": "search", "ingets": "ingest", "sevre": "serve", "timelines": "timeline", "wy": "why"} {
		r := runCairn(t, nil, typed)
		if r.code != 2 || !strings.Contains(r.stderr, "did you mean "+meant+"?") {
			t.Errorf("cairn %s: exit %d, %q", typed, r.code, r.stderr)
		}
	}
	if r := runCairn(t, nil, "search", "-evnt", "RunInstances"); r.code != 2 || !strings.Contains(r.stderr, "(did you mean -event? run cairn search -h for help)") {
		t.Errorf("cairn search -evnt: exit %d, %q", r.code, r.stderr)
	}
	// Other servers' names for -listen.
	if r := runCairn(t, nil, "serve", "-addr", "127.0.0.1:0"); r.code != 2 || !strings.Contains(r.stderr, "(did you mean -listen?") {
		t.Errorf("cairn serve -addr: exit %d, %q", r.code, r.stderr)
	}
	if r := runCairn(t, nil, "search", "-port", "1"); strings.Contains(r.stderr, "did you mean") {
		t.Errorf("cairn search -port: %q", r.stderr)
	}
	if r := runCairn(t, nil, "frobnicate"); r.code != 2 || strings.Contains(r.stderr, "did you mean") {
		t.Errorf("cairn frobnicate: exit %d, %q", r.code, r.stderr)
	}
}
