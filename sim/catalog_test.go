package sim

import (
	"encoding/json"
	"testing"
	"time"
)

// testStream returns a prepared stream of a small organisation, writing
// into memory only.
func testStream(t *testing.T) *stream {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Out = t.TempDir()
	cfg.Events = 10_000
	cfg.normalise()
	cfg.discard = true
	o := newOrg(&cfg)
	ss := newStreams(o, &cfg, nil)
	s := ss[1*len(cfg.Regions)+o.globalRegion()] // the prod account's global stream
	s.prepare()
	s.fw = newFileWriter()
	t.Cleanup(func() { s.fw.close() })
	s.slotEnd = o.start.Add(s.slot)
	return s
}

// records parses what the stream has filed so far.
func records(t *testing.T, s *stream) []map[string]any {
	t.Helper()
	body := append(append([]byte(`{"Records":[`), s.file...), "]}"...)
	var env struct{ Records []map[string]any }
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	return env.Records
}

func TestEveryAPIWritesValidJSON(t *testing.T) {
	s := testStream(t)
	at := s.o.start.Add(10 * time.Hour)
	var p *persona
	for _, q := range s.actors {
		if q.kind == kSSO {
			p = q
			break
		}
	}
	id := s.newIdent(p, at)
	for _, a := range catalog {
		s.call(at, a, &id, false, "")
		b := s.w.b
		if !json.Valid(b) {
			t.Fatalf("%s %s: invalid JSON:\n%s", a.src, a.name, b)
		}
	}
	names := map[string]bool{}
	for _, r := range records(t, s) {
		names[r["eventName"].(string)] = true
	}
	if len(names) < 150 {
		t.Errorf("catalogue has %d distinct names", len(names))
	}
}

func TestLifecyclesWriteValidJSON(t *testing.T) {
	s := testStream(t)
	at := s.o.start.Add(10 * time.Hour)
	for i := 0; i < 3000; i++ {
		s.lifecycleAction(at.Add(time.Duration(i) * 10 * time.Second))
		if s.nRecs > 500 {
			records(t, s)
			s.file, s.nRecs = s.file[:0], 0
		}
	}
	for len(s.pending) > 0 {
		a := s.pending[0]
		s.pending = s.pending[1:]
		a.fn(a.t)
	}
	records(t, s)
	for d := 0; d < 3; d++ {
		s.sessionsForDay(s.o.start.Add(time.Duration(d) * 24 * time.Hour))
	}
	for len(s.pending) > 0 {
		a := s.pending[0]
		s.pending = s.pending[1:]
		a.fn(a.t)
	}
	recs := records(t, s)
	names := map[string]bool{}
	for _, r := range recs {
		names[r["eventName"].(string)] = true
	}
	for _, want := range []string{"AssumeRoleWithSAML", "ConsoleLogin", "AssumeRoleWithWebIdentity"} {
		if !names[want] {
			t.Errorf("no %s after three days of sessions", want)
		}
	}
	for _, l := range s.sideRecs {
		if !json.Valid(l.line) {
			t.Fatalf("invalid %s event: %s", l.source, l.line)
		}
	}
}
