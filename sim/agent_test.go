package sim

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInstancesGoQuietWhileDown checks what `cairn why` reads in an
// instance's own calls: its SSM agent reports every five minutes around an
// incident, falls silent while the instance is down, and reports again as
// soon as it has booted; and an instance calls from one address.
func TestInstancesGoQuietWhileDown(t *testing.T) {
	dir, _ := getSample(t)
	scen := readScenarios(t, dir)
	own := map[string][]time.Time{} // an instance's own calls
	addr := map[string]string{}
	type call struct {
		t   time.Time
		raw string
	}
	var terminations []call
	var last time.Time // the trail's newest record
	readRecords(t, dir, func(key string, r record, raw []byte) {
		tm, _ := time.Parse(time.RFC3339, str(r, "eventTime"))
		if tm.After(last) {
			last = tm
		}
		if str(r, "eventName") == "TerminateInstances" {
			terminations = append(terminations, call{tm, string(raw)})
		}
		var ui record
		json.Unmarshal(r["userIdentity"], &ui)
		arn := str(ui, "arn")
		if !strings.Contains(arn, ":assumed-role/web-ec2-role/i-") {
			return
		}
		inst := arn[strings.LastIndexByte(arn, '/')+1:]
		if ip := str(r, "sourceIPAddress"); ip == "" {
			t.Fatalf("instance %s called from no address: %s", inst, raw)
		} else if addr[inst] == "" {
			addr[inst] = ip
		} else if ip != addr[inst] {
			t.Errorf("instance %s calls from %s and %s", inst, addr[inst], ip)
		}
		own[inst] = append(own[inst], tm)
	})
	// An agent that stops for good stops with its instance: a running
	// instance that fell silent would read as an outage nobody caused.
	for _, sc := range scen {
		calls := own[sc.Resource]
		if len(calls) == 0 || !strings.HasPrefix(sc.Resource, "i-") {
			continue
		}
		end := slices.MaxFunc(calls, func(a, b time.Time) int { return a.Compare(b) })
		stopped := last.Sub(end) < 10*time.Minute
		for _, c := range terminations {
			if strings.Contains(c.raw, `"`+sc.Resource+`"`) && !c.t.Before(end) && c.t.Sub(end) < 10*time.Minute {
				stopped = true
			}
		}
		if !stopped {
			t.Errorf("%s's agent stopped at %s, with neither its termination nor the trail's end (%s) after it", sc.Resource, end, last)
		}
	}
	checked := 0
	for _, sc := range scen {
		if sc.Kind != "hardware-restart" {
			continue
		}
		calls := own[sc.Resource]
		slices.SortFunc(calls, func(a, b time.Time) int { return a.Compare(b) })
		var before, after time.Time
		for _, c := range calls {
			if !c.After(sc.Time) {
				before = c
				continue
			}
			// Running again at End, it boots for a minute at least.
			if c.Before(sc.End.Add(time.Minute)) {
				t.Errorf("%s called at %s, while down from %s or booting after %s", sc.Resource, c, sc.Time, sc.End)
			}
			if after.IsZero() {
				after = c
			}
		}
		if before.IsZero() || sc.Time.Sub(before) > heartbeatEvery+5*time.Second {
			t.Errorf("%s's last call before its restart at %s: %s, want within %s", sc.Resource, sc.Time, before, heartbeatEvery)
		}
		if after.IsZero() || after.Sub(sc.End) > 2*time.Minute {
			t.Errorf("%s running again at %s, first call after: %s, want within 2m", sc.Resource, sc.End, after)
		}
		// The hour before, the agent keeps its rhythm.
		for i := 1; i < len(calls); i++ {
			if calls[i].After(sc.Time.Add(-time.Hour)) && !calls[i].After(sc.Time) && calls[i].Sub(calls[i-1]) > heartbeatEvery+5*time.Second {
				t.Errorf("%s's agent was silent from %s to %s, while up", sc.Resource, calls[i-1], calls[i])
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no hardware restart in the sample")
	}
}
