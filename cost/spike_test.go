package cost

import (
	"fmt"
	"testing"
	"time"
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
