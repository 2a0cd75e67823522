package cost

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
)

// TestFindSpikes: a flat series with one burst of three hours gives one
// spike spanning them; noise under the factor or the minimum gives none.
func TestFindSpikes(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var series []point
	for h := range 200 {
		c := 10.0 + float64(h%3) // noise
		if h >= 120 && h < 123 {
			c = 60
		}
		if h == 150 {
			c = 19 // under twice the baseline
		}
		series = append(series, point{t: start.Add(time.Duration(h) * time.Hour), cost: c, raw: fmt.Sprintf("%.2f", c)})
	}
	got := findSpikes(series, time.Hour, 72, 2, 5)
	if len(got) != 1 {
		t.Fatalf("spikes = %+v", got)
	}
	sp := got[0]
	if !sp.Start.Equal(start.Add(120*time.Hour)) || !sp.End.Equal(start.Add(123*time.Hour)) || sp.Peak != "60.00" {
		t.Errorf("spike %+v", sp)
	}
	if sp.Baseline != "11.00" || sp.Increase != "147.00" {
		t.Errorf("baseline %s, increase %s", sp.Baseline, sp.Increase)
	}
	if got := findSpikes(series, time.Hour, 72, 2, 100); len(got) != 0 {
		t.Errorf("a minimum increase of 100 still finds %+v", got)
	}
}

// hourlyCUR writes a legacy CUR CSV of March 2026 with one usage row per
// resource and hour, costing cost(resource, hour) (no row when 0), and
// returns its path. The fleet's instances (i-fleet-…) carry an
// aws:createdBy tag.
func hourlyCUR(t *testing.T, resources []string, hours int, cost func(id string, h int) float64) string {
	t.Helper()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/aws:createdBy\n")
	for h := range hours {
		from, to := start.Add(time.Duration(h)*time.Hour), start.Add(time.Duration(h+1)*time.Hour)
		for _, id := range resources {
			createdBy := ""
			if strings.HasPrefix(id, "i-fleet-") {
				createdBy = "IAMUser:AIDAHANK:hank"
			}
			if c := cost(id, h); c != 0 {
				fmt.Fprintf(&b, "%s-%d,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,%s,%s,AmazonEC2,%s,%g,%s\n",
					id, h, from.Format(time.RFC3339), to.Format(time.RFC3339), id, c, createdBy)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "cur.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// spikesOf imports a cost report into a store of its own and finds its
// spikes with the default configuration and no events to search.
func spikesOf(t *testing.T, path string) []Spike {
	t.Helper()
	store := newStore(t)
	importInto(t, store, path)
	spikes, err := NewReporter(store, emptyIndex{}).Spikes(context.Background(), nil, DefaultSpikeConfig())
	if err != nil {
		t.Fatal(err)
	}
	return spikes
}

// TestSpikeResources: a fleet of 20 instances that cost the same is listed
// the same way every time (ties by resource ID), the resources left out are
// counted, each resource's rise is over the spike's whole span, as the
// spike's is (here they add up to it), and each is attributed as the
// reports attribute it.
func TestSpikeResources(t *testing.T) {
	resources := []string{"i-base", "i-resized"}
	for i := range 20 {
		resources = append(resources, fmt.Sprintf("i-fleet-%02d", 19-i)) // written in reverse order
	}
	path := hourlyCUR(t, resources, 120, func(id string, h int) float64 {
		switch {
		case id == "i-base":
			return 1
		case id == "i-resized" && h >= 98:
			return 3 // resized two hours into the spike
		case id == "i-resized":
			return 1
		case h >= 96 && h < 106:
			return 2 // the fleet runs ten hours
		}
		return 0
	})
	store := newStore(t)
	importInto(t, store, path)
	cfg := DefaultSpikeConfig()
	for run := range 3 {
		spikes, err := NewReporter(store, emptyIndex{}).Spikes(context.Background(), nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(spikes) == 0 || spikes[0].Granularity != "hour" {
			t.Fatalf("spikes %+v", spikes)
		}
		sp := spikes[0]
		var got []string
		for _, r := range sp.Resources {
			got = append(got, r.ResourceID+" +"+r.Increase)
		}
		want := []string{"i-fleet-00 +20", "i-fleet-01 +20", "i-fleet-02 +20", "i-fleet-03 +20", "i-fleet-04 +20"}
		if !slices.Equal(got, want) {
			t.Errorf("run %d: resources %v, want %v", run, got, want)
		}
		// Attributed as the reports attribute them: here by the tag.
		if a := sp.Resources[0].Attribution; a.Principal != "hank" || a.Method != MethodCreatedByTag {
			t.Errorf("run %d: the fleet attributed to %s by %s, want hank by the aws:createdBy tag", run, a.Principal, a.Method)
		}
		// 15 more of the fleet, and the resized instance: +2 an hour for 8
		// hours. With the listed 5 × 20, the spike's 416.
		if sp.MoreResources != 16 || sp.Increase != "416.00" {
			t.Errorf("run %d: %d more resources, spike +%s; want 16 more, +416.00", run, sp.MoreResources, sp.Increase)
		}
		// Every resource that rose, listed or not, by who its cost goes to.
		var creators []string
		for _, c := range sp.Creators {
			creators = append(creators, fmt.Sprintf("%s by %s: %d +%s", c.Principal, c.Method, c.Resources, c.Increase))
		}
		if want := []string{"hank by tag:aws:createdBy: 20 +400", LabelUnattributed + " by unattributed: 1 +16"}; !slices.Equal(creators, want) {
			t.Errorf("run %d: creators %q, want %q", run, creators, want)
		}
	}
}

// TestSpikeWithoutResourceIDs: a report exported without resource IDs
// lists no resource, but its rows' aws:createdBy tags still say whose the
// rise is.
func TestSpikeWithoutResourceIDs(t *testing.T) {
	var resources []string
	for i := range 20 {
		resources = append(resources, fmt.Sprintf("i-fleet-%02d", i))
	}
	path := hourlyCUR(t, append(resources, "i-base"), 120, func(id string, h int) float64 {
		if id == "i-base" || h >= 96 && h < 106 {
			return 1
		}
		return 0
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], ",")
		f[8] = "" // lineItem/ResourceId
		lines[i] = strings.Join(f, ",")
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	spikes := spikesOf(t, path)
	if len(spikes) == 0 {
		t.Fatal("no spike")
	}
	sp := spikes[0]
	var creators []string
	for _, c := range sp.Creators {
		creators = append(creators, fmt.Sprintf("%s by %s: %d +%s", c.Principal, c.Method, c.Resources, c.Increase))
	}
	if want := []string{"hank by tag:aws:createdBy: 0 +200"}; len(sp.Resources) != 0 || !slices.Equal(creators, want) {
		t.Errorf("resources %+v, creators %q; want none and %q", sp.Resources, creators, want)
	}
}

// TestDaySpikeCountsItsHourSpikes: a fleet's ten hours are a spike by the
// hour and by the day; the day's says it is the same rise, so that the two
// increases are not added up.
func TestDaySpikeCountsItsHourSpikes(t *testing.T) {
	resources := []string{"i-base"}
	for i := range 20 {
		resources = append(resources, fmt.Sprintf("i-fleet-%02d", i))
	}
	path := hourlyCUR(t, resources, 20*24, func(id string, h int) float64 {
		if id == "i-base" || h >= 14*24+8 && h < 14*24+18 {
			return 1
		}
		return 0
	})
	spikes := spikesOf(t, path)
	var got []string
	for _, sp := range spikes {
		got = append(got, fmt.Sprintf("%s %d", sp.Granularity, sp.HourSpikes))
	}
	if want := []string{"hour 0", "day 1"}; !slices.Equal(got, want) {
		t.Errorf("spikes %q, want %q", got, want)
	}
}

// callLog answers a search by resource and time range from a list of calls.
type callLog []cairn.Event

func (l callLog) Search(_ context.Context, f cairn.Filter, _ cairn.Cursor, limit int) (cairn.Page, error) {
	var p cairn.Page
	for _, e := range l {
		if e.Resources[0].ID == f.ResourceID && !e.EventTime.Before(f.Since) && e.EventTime.Before(f.Until) && len(p.Events) < limit {
			p.Events = append(p.Events, e)
		}
	}
	return p, nil
}

// TestSpikeCallsBeforeTheRise: a day's spike lists the calls made before
// the resource's first billed hour, not those of the rest of that day.
func TestSpikeCallsBeforeTheRise(t *testing.T) {
	day10 := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	launch := day10.Add(15*time.Hour + 5*time.Minute)
	path := hourlyCUR(t, []string{"i-base", "i-fleet-00"}, 14*24, func(id string, h int) float64 {
		switch {
		case id == "i-base":
			return 1
		case h >= 10*24+15:
			return 40 // from 15:00 on the 11th
		}
		return 0
	})
	store := newStore(t)
	importInto(t, store, path)
	call := func(id, name string, at time.Time) cairn.Event {
		return cairn.Event{EventID: id, EventName: name, EventTime: at, EventSource: "ec2.amazonaws.com",
			Principal: cairn.Principal{Type: "IAMUser", UserName: "hank"}, Resources: []cairn.ResourceRef{{ID: "i-fleet-00"}}}
	}
	events := callLog{call("e-run", "RunInstances", launch), call("e-tags", "CreateTags", day10.Add(20*time.Hour+46*time.Minute))}
	spikes, err := NewReporter(store, emptyIndex{}).Spikes(context.Background(), events, DefaultSpikeConfig())
	if err != nil {
		t.Fatal(err)
	}
	days := 0
	for _, sp := range spikes {
		for _, r := range sp.Resources {
			var names []string
			for _, c := range r.Calls {
				names = append(names, c.EventName)
			}
			if r.ResourceID == "i-fleet-00" && !slices.Equal(names, []string{"RunInstances"}) {
				t.Errorf("%s spike from %s: calls %v, want the launch alone", sp.Granularity, sp.Start, names)
			}
		}
		if sp.Granularity == "day" {
			days++
		}
	}
	if days == 0 {
		t.Fatalf("no day's spike: %+v", spikes)
	}
}

// TestSpikeKeepsItsBaseline: a rise that lasts a week is one spike of a
// week, hourly and daily, measured against the cost from before it began,
// not cut short once its own hours fill the median.
func TestSpikeKeepsItsBaseline(t *testing.T) {
	path := hourlyCUR(t, []string{"i-base", "i-gpu"}, 31*24, func(id string, h int) float64 {
		switch {
		case id == "i-base":
			return 10
		case h >= 10*24 && h < 17*24:
			return 300 // from 11 March to 18 March
		}
		return 0
	})
	spikes := spikesOf(t, path)
	var got []string
	for _, sp := range spikes {
		got = append(got, fmt.Sprintf("%s %s – %s: +%s against %s", sp.Granularity,
			sp.Start.Format(time.RFC3339), sp.End.Format(time.RFC3339), sp.Increase, sp.Baseline))
	}
	want := []string{
		"hour 2026-03-11T00:00:00Z – 2026-03-18T00:00:00Z: +50400.00 against 10.00",
		"day 2026-03-11T00:00:00Z – 2026-03-18T00:00:00Z: +50400.00 against 240.00",
	}
	if !slices.Equal(got, want) {
		t.Errorf("spikes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
