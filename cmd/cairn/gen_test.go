package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/server/ui"
)

// TestGenIngestsCleanlyAndScenariosAreSearchable: what cairn gen writes is
// ingested with no failure, and every scripted incident can be found.
func TestGenIngestsCleanlyAndScenariosAreSearchable(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a trail; skipped with -short")
	}
	trail := filepath.Join(t.TempDir(), "trail")
	r := runCairn(t, nil, "gen", "-out", trail, "-events", "30000", "-days", "31", "-seed", "3")
	if r.code != 0 || !strings.Contains(r.stdout, "read-only") {
		t.Fatalf("gen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data := filepath.Join(t.TempDir(), "data")
	r = runCairn(t, nil, "ingest", "-data", data, trail)
	if r.code != 0 || !strings.Contains(r.stdout, "0 failed") {
		t.Fatalf("ingest of gen output: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(trail, "scenarios.json"))
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []struct {
		ID, Kind, Resource, Principal string
		EventIDs                      []string `json:"eventIds"`
	}
	if err := json.Unmarshal(b, &scenarios); err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 5 {
		t.Fatalf("%d scenarios", len(scenarios))
	}
	for _, s := range scenarios {
		for _, id := range s.EventIDs {
			r := runCairn(t, nil, "search", "-data", data, "-id", id, "-format", "json")
			if r.code != 0 || len(ids(t, r.stdout)) != 1 {
				t.Errorf("scenario %s: event %s not found (%s)", s.ID, id, r.stderr)
			}
		}
		if s.Kind == "api-reboot" {
			r := runCairn(t, nil, "search", "-data", data, "-resource", s.Resource, "-event", "RebootInstances", "-format", "json")
			if got := ids(t, r.stdout); len(got) == 0 {
				t.Errorf("scenario %s: no RebootInstances of %s", s.ID, s.Resource)
			}
		}
	}
	// The demo's tour asks one question per incident, each linked to the
	// page that answers it, and last what stood out.
	tour, err := demoTour(trail)
	if err != nil {
		t.Fatal(err)
	}
	if len(tour) != len(scenarios)+1 || tour[len(tour)-1].URL != "/insights" {
		t.Errorf("%d tour stops for %d scenarios, the last %+v; want one more, the Insights", len(tour), len(scenarios), tour[len(tour)-1])
	}
	for i, stop := range tour {
		if !strings.HasPrefix(stop.URL, "/") || !strings.HasSuffix(stop.Question, "?") {
			t.Errorf("tour stop %d: %+v", i, stop)
		}
	}
	for _, s := range scenarios {
		if s.Kind == "permission-removed" && !slices.ContainsFunc(tour, func(stop ui.TourStop) bool { return stop.URL == "/event/"+s.EventIDs[1] }) {
			t.Errorf("no tour stop explains the refusal %s", s.EventIDs[1])
		}
		if s.Resource == "" || s.Kind == "cost-spike" || s.Kind == "permission-removed" {
			continue
		}
		if !slices.ContainsFunc(tour, func(stop ui.TourStop) bool {
			return strings.HasPrefix(stop.URL, "/resource/"+url.PathEscape(s.Resource)+"?at=")
		}) {
			t.Errorf("no tour stop explains %s (%s)", s.Resource, s.Kind)
		}
	}
}

// TestDemoSizeMatchesTheREADMETest: sim/readme_test.go generates the demo
// organisation at this size to check the README's IDs.
func TestDemoSizeMatchesTheREADMETest(t *testing.T) {
	if demoEvents != 300_000 {
		t.Errorf("the demo has %d events; change sim/readme_test.go's demoEvents with it", demoEvents)
	}
}

// TestGenIntoAFolderInUse: gen refuses a folder an earlier generation used,
// in one line that names -replace; with -replace nothing of the earlier one
// is left; and the events it prints are the records written, with a word
// when -events asked for fewer than the sign-ins, lifecycles and incidents.
func TestGenIntoAFolderInUse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "g")
	if r := runCairn(t, nil, "gen", "-out", out, "-days", "3", "-events", "3000", "-accounts", "1", "-regions", "us-east-1"); r.code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	again := []string{"gen", "-out", out, "-days", "1", "-events", "50", "-accounts", "1", "-regions", "us-east-1", "-no-cost"}
	r := runCairn(t, nil, again...)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "cairn gen: ") || !strings.Contains(r.stderr, "-replace") {
		t.Fatalf("gen into an earlier generation: exit %d, want 1 and one line naming -replace:\n%s", r.code, r.stderr)
	}
	r = runCairn(t, nil, append(again, "-replace")...)
	if r.code != 0 {
		t.Fatalf("gen -replace: exit %d\n%s", r.code, r.stderr)
	}
	m := regexp.MustCompile(`events +(\d+) \(\+(\d+) duplicate`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no event count in\n%s", r.stdout)
	}
	events, _ := strconv.Atoi(m[1])
	dups, _ := strconv.Atoi(m[2])
	if n := countRecords(t, out); n != events+dups {
		t.Errorf("gen printed %d events and %d duplicates; the folder holds %d records", events, dups, n)
	}
	if events > 50 && !strings.Contains(r.stdout, "more than -events 50") {
		t.Errorf("%d events for -events 50, and no word why:\n%s", events, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "cost")); err == nil {
		t.Error("the earlier generation's cost report is still there")
	}
}

// countRecords counts the CloudTrail records of every log file under dir.
func countRecords(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		recs, err := logRecords(path)
		n += len(recs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// logRecords returns the records of a gzipped CloudTrail log file.
func logRecords(path string) ([]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var file struct{ Records []json.RawMessage }
	if err := json.NewDecoder(zr).Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file.Records, nil
}
