package sim

import (
	"context"
	"os"
	"regexp"
	"slices"
	"testing"
)

// demoEvents is the size of `cairn serve -demo`'s organisation
// (cmd/cairn/gen.go), whose incidents the README's commands name.
const demoEvents = 300_000

var (
	readmeWhyResource = regexp.MustCompile(`cairn why (i-[0-9a-f]+) -at`)
	readmeWhyEvent    = regexp.MustCompile(`cairn why -event ([0-9a-f-]{36})`)
)

// TestREADMENamesTheDemosIncidents: the instances and the denied call the
// README's first commands ask about are the demo organisation's incidents.
// Any change to the simulator's random draws moves them; this says so.
func TestREADMENamesTheDemosIncidents(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Out, cfg.Events, cfg.NoCost, cfg.discard = t.TempDir(), demoEvents, true, true
	if _, err := Generate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	var resources, events []string
	for _, sc := range readScenarios(t, cfg.Out) {
		resources = append(resources, sc.Resource)
		events = append(events, sc.EventIDs...)
	}
	named := 0
	for _, m := range readmeWhyResource.FindAllStringSubmatch(string(readme), -1) {
		named++
		if !slices.Contains(resources, m[1]) {
			t.Errorf("README asks why about %s, which is no incident of the demo: update it from cairn serve -demo's scenarios.json", m[1])
		}
	}
	for _, m := range readmeWhyEvent.FindAllStringSubmatch(string(readme), -1) {
		named++
		if !slices.Contains(events, m[1]) {
			t.Errorf("README asks why event %s was denied, which is no incident's event in the demo: update it from cairn serve -demo's scenarios.json", m[1])
		}
	}
	if named == 0 {
		t.Error("README names no incident of the demo")
	}
}
