package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
)

// TestInsightsCommand: cairn insights lists the trail's two Insights, in
// each format, and gives the same answer through a running server.
func TestInsightsCommand(t *testing.T) {
	records, _ := cloudtrailtest.InsightTrail(false)
	trail := t.TempDir()
	write(t, trail, "trail.json", records)
	data := filepath.Join(t.TempDir(), "data")
	if r := runCairn(t, nil, "ingest", "-quiet", "-data", data, trail); r.code != 0 {
		t.Fatalf("ingest: %s", r.stderr)
	}

	r := runCairn(t, nil, "insights", "-data", data, "-since", "2026-03-01")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 ||
		!strings.Contains(lines[1], "error rate") || !strings.Contains(lines[1], "GetParameter AccessDeniedException") || !strings.Contains(lines[1], "app (100%)") ||
		!strings.Contains(lines[2], "call rate") || !strings.Contains(lines[2], "TerminateInstances") || !strings.Contains(lines[2], "bob (100%)") {
		t.Fatalf("insights (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	direct := runCairn(t, nil, "insights", "-data", data, "-since", "2026-03-01", "-format", "json")
	var found []struct {
		InsightType, EventName string
		Count                  int
	}
	if err := json.Unmarshal([]byte(direct.stdout), &found); err != nil || len(found) != 2 || found[1].Count != 30 {
		t.Fatalf("-format json: %v: %s", err, direct.stdout)
	}
	rec := runCairn(t, nil, "insights", "-data", data, "-since", "2026-03-01", "-format", "records")
	var file struct{ Records []map[string]any }
	if err := json.Unmarshal([]byte(rec.stdout), &file); err != nil || len(file.Records) != 4 {
		t.Fatalf("-format records: %v: %s", err, rec.stdout)
	}
	if r := runCairn(t, nil, "insights", "-data", data, "-since", "2026-03-09T13:00:00Z"); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "no unusual activity from 2026-03-09") {
		t.Errorf("after both: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"-format", "xml"}, {"GetParameter"}, {"-since", "2026-03-10", "-until", "2026-03-01"}} {
		if r := runCairn(t, nil, append([]string{"insights", "-data", data}, args...)...); r.code != 2 {
			t.Errorf("insights %v: exit %d, want 2 (usage)", args, r.code)
		}
	}

	// Through a server that owns the data folder: numbers travel as JSON.
	env := []string{"CAIRN_ACCESS_KEY_ID=AKIATESTCAIRN", "CAIRN_SECRET_ACCESS_KEY=test-secret"}
	cmd := exec.Command(cairnBin, "serve", "-data", data, "-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	var serveErr bytes.Buffer
	cmd.Stderr = &serveErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); findServer(data) == ""; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", serveErr.String())
		}
	}
	served := runCairn(t, env, "insights", "-data", data, "-since", "2026-03-01", "-format", "json")
	if served.code != 0 || served.stdout != direct.stdout {
		t.Errorf("through the server (exit %d, %s):\n%s\nwant\n%s", served.code, served.stderr, served.stdout, direct.stdout)
	}
}
