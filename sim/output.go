package sim

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
)

// writeSideFiles writes scenarios.json and the Health and EC2 events.
func writeSideFiles(cfg *Config, streams []*stream, st *Stats) error {
	var health, ec2 []sideLine
	truth := map[string][]string{}
	var scen []Scenario
	for _, s := range streams {
		for _, l := range s.sideRecs {
			if l.source == "aws.health" {
				health = append(health, l)
			} else {
				ec2 = append(ec2, l)
			}
		}
		for _, pl := range s.scen {
			truth[pl.id] = append(truth[pl.id], s.truth[pl.id]...)
		}
		scen = append(scen, s.scenOut...)
	}
	for i := range scen {
		ids := truth[scen[i].ID]
		if ids == nil {
			ids = []string{}
		}
		scen[i].EventIDs = ids
	}
	slices.SortStableFunc(scen, func(a, b Scenario) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if scen == nil {
		scen = []Scenario{}
	}
	b, err := json.MarshalIndent(scen, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(cfg.Out, scenariosFile), append(b, '\n')); err != nil {
		return err
	}
	st.Scenarios = len(scen)
	byTime := func(a, b sideLine) int { return a.t.Compare(b.t) }
	slices.SortStableFunc(health, byTime)
	slices.SortStableFunc(ec2, byTime)
	join := func(ls []sideLine) []byte {
		var out []byte
		for _, l := range ls {
			out = append(out, l.line...)
			out = append(out, '\n')
		}
		return out
	}
	if err := writeFile(filepath.Join(cfg.Out, "health", "aws.health.jsonl"), join(health)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(cfg.Out, "health", "aws.ec2.jsonl"), join(ec2)); err != nil {
		return err
	}
	st.Health, st.EC2Changes = len(health), len(ec2)
	return nil
}
