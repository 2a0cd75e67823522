package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/server/ui"
	"github.com/cairn-audit/cairn/sim"
)

func runGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen", "")
	cfg := sim.DefaultConfig()
	cfg.RegisterFlags(fs)
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q; give the folder with -out", errUsage, pos[0])
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	stats, err := sim.Generate(ctx, cfg)
	if err != nil {
		return err
	}
	stats.Print(e.stdout)
	return nil
}

// demoEvents is the size of the demo organisation: a month of a small
// company, generated in seconds.
const demoEvents = 300_000

// ensureDemo generates the demo organisation into DATA/demo once, and
// returns the folder.
func ensureDemo(ctx context.Context, e *env, data string) (string, error) {
	dir := filepath.Join(data, "demo")
	done := filepath.Join(data, "demo.generated")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Events = dir, demoEvents
	fmt.Fprintf(e.stderr, "generating the demo organisation (%d events over %d days) into %s\n", cfg.Events, cfg.Days, dir)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if _, err := sim.Generate(ctx, cfg); err != nil {
		return "", fmt.Errorf("generate demo: %w", err)
	}
	// Its cost report too, so that cost report and cost spikes answer at
	// once. The import replaces the period, so a repeat is harmless.
	store, err := cost.OpenStore(costDir(data))
	if err != nil {
		return "", err
	}
	if _, err := store.Import(ctx, cost.DefaultImportConfig(), filepath.Join(dir, "cost", "cur")); err != nil {
		return "", fmt.Errorf("import the demo's cost report: %w", err)
	}
	// The marker is written last, so an interrupted generation starts over.
	return dir, os.WriteFile(done, nil, 0o644)
}

// demoTour asks the questions the demo organisation's incidents raise, each
// linked to the page that answers it, for the events page to show a
// newcomer. The answers are not given away: finding them is the demo.
func demoTour(demoDir string) ([]ui.TourStop, error) {
	b, err := os.ReadFile(filepath.Join(demoDir, "scenarios.json"))
	if err != nil {
		return nil, err
	}
	var scenarios []sim.Scenario
	if err := json.Unmarshal(b, &scenarios); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(demoDir, "scenarios.json"), err)
	}
	var stops []ui.TourStop
	for _, sc := range scenarios {
		when := sc.Time.UTC().Format("2 January at 15:04 UTC")
		why := "/resource/" + url.PathEscape(sc.Resource) + "?at=" + url.QueryEscape(sc.Time.UTC().Format(time.RFC3339))
		var stop ui.TourStop
		switch sc.Kind {
		case "api-reboot":
			stop = ui.TourStop{Question: fmt.Sprintf("Instance %s rebooted on %s: who did it, and how?", sc.Resource, when), URL: why}
		case "hardware-restart":
			stop = ui.TourStop{Question: fmt.Sprintf("Instance %s restarted on %s: a person, a service, or the hardware?", sc.Resource, when), URL: why}
		case "scheduled-retirement":
			stop = ui.TourStop{Question: fmt.Sprintf("Instance %s stopped on %s: why?", sc.Resource, when), URL: why}
		case "leaked-access-key":
			stop = ui.TourStop{Question: fmt.Sprintf("Access key %s was used from %s at night: what did it do?", sc.AccessKeyID, sc.SourceIP),
				URL: "/events?" + url.Values{"access-key": {sc.AccessKeyID}, "ip": {sc.SourceIP}}.Encode()}
		case "logging-stopped":
			stop = ui.TourStop{Question: fmt.Sprintf("A trail stopped recording on %s: who stopped it?", when), URL: why}
		case "cost-spike":
			stop = ui.TourStop{Question: fmt.Sprintf("The bill jumped on %s: which calls caused it, and who made them?", sc.Time.UTC().Format("2 January")),
				URL: "/cost?month=" + sc.Time.UTC().Format("2006-01")}
		case "permission-removed":
			if len(sc.EventIDs) < 2 {
				continue
			}
			stop = ui.TourStop{Question: fmt.Sprintf("The orders functions were refused their parameters on %s: what changed?", when),
				URL: "/event/" + url.PathEscape(sc.EventIDs[1])}
		default:
			continue
		}
		stops = append(stops, stop)
	}
	// Not an incident of its own: what stood out, before knowing where to
	// look.
	stops = append(stops, ui.TourStop{Question: "What did people and programs do this month that they had not done before?", URL: "/insights"})
	return stops, nil
}
