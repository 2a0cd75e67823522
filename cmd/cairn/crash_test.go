package main

import (
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIngestSurvivesSIGKILL kills a real ingest at random moments, again and
// again, then lets one finish: the index must hold every event exactly once,
// as a clean ingest does.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a trail and kills processes; skipped with -short")
	}
	trail := filepath.Join(t.TempDir(), "trail")
	if r := runCairn(t, nil, "gen", "-out", trail, "-events", "40000", "-days", "3", "-seed", "7", "-no-cost"); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	clean := filepath.Join(t.TempDir(), "clean")
	if r := runCairn(t, nil, "ingest", "-data", clean, "-quiet", trail); r.code != 0 {
		t.Fatalf("clean ingest: %s", r.stderr)
	}
	count := func(data string) string {
		t.Helper()
		r := runCairn(t, nil, "sql", "-data", data, "-format", "csv",
			"SELECT count(*) AS events, count(DISTINCT recipientAccountId || eventID) AS distinct_events FROM events")
		if r.code != 0 {
			t.Fatalf("sql: %s", r.stderr)
		}
		return strings.TrimSpace(r.stdout)
	}
	want := count(clean)

	data := filepath.Join(t.TempDir(), "killed")
	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for range 12 {
		cmd := exec.Command(cairnBin, "ingest", "-data", data, "-quiet", "-ingest.batch", "2000", trail)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(700)) * time.Millisecond)
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			kills++
		}
		cmd.Wait()
	}
	if r := runCairn(t, nil, "ingest", "-data", data, "-quiet", trail); r.code != 0 {
		t.Fatalf("ingest after %d kills: exit %d: %s", kills, r.code, r.stderr)
	}
	if got := count(data); got != want {
		t.Fatalf("after %d kills the index holds %q, a clean ingest %q", kills, got, want)
	}
	t.Logf("%d kills; %s", kills, want)
}
