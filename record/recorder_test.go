package record

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func at(s string) time.Time      { t, _ := time.Parse(time.RFC3339, s); return t }
func countEvents(t *testing.T, idx cairn.Index) int64 {
	t.Helper()
	tab, err := idx.Query(context.Background(), "SELECT count(*) FROM events")
	if err != nil {
		t.Fatal(err)
	}
	return tab.Rows[0][0].(int64)
}

type harness struct {
	t    *testing.T
	data string
	clk  *clock
	idx  *duckdb.Index
	rec  *Recorder
	// delivered is what the recorder's last AfterDelivery was given.
	delivered []string
}

func newHarness(t *testing.T, start time.Time) *harness {
	h := &harness{t: t, data: t.TempDir(), clk: &clock{t: start}}
	icfg := duckdb.DefaultConfig()
	icfg.Dir = filepath.Join(h.data, "index")
	idx, err := duckdb.Open(context.Background(), icfg)
	if err != nil {
		t.Fatal(err)
	}
	h.idx = idx
	t.Cleanup(func() { idx.Close() })
	h.open()
	return h
}

func (h *harness) open() {
	cfg := DefaultConfig()
	cfg.Now = h.clk.Now
	cfg.AfterDelivery = func(_ context.Context, _ string, keys []string) { h.delivered = keys }
	rec, err := Open(context.Background(), h.data, cfg, h.idx)
	if err != nil {
		h.t.Fatal(err)
	}
	h.rec = rec
	h.t.Cleanup(func() { rec.Close() })
}

func (h *harness) channel(name, account, region string) Channel {
	ch, err := h.rec.Channels().Create(NewChannel{Name: name, Account: account, Region: region}, h.clk.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return ch
}

// put sends n events on ch and returns the eventIDs acknowledged.
func (h *harness) put(ch Channel, n int, user string) []string {
	var ids []string
	for lo := 0; lo < n; lo += MaxEventsPerRequest {
		var evs []AuditEvent
		for i := lo; i < min(n, lo+MaxEventsPerRequest); i++ {
			evs = append(evs, AuditEvent{ID: fmt.Sprintf("e%d", i), EventData: eventDataWith(map[string]any{
				"recipientAccountId": ch.Account,
				"userIdentity":       map[string]any{"type": "User", "principalId": user},
				"eventTime":          h.clk.Now().Add(-time.Second).UTC().Format("2006-01-02T15:04:05"),
				"UID":                fmt.Sprintf("req-%d", i),
			})})
		}
		res, err := h.rec.Put(context.Background(), ch.ARN, "", evs)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(res.Failed) > 0 {
			h.t.Fatalf("failed: %+v", res.Failed[0])
		}
		for _, s := range res.Successful {
			ids = append(ids, s.EventID)
		}
	}
	return ids
}

// deliverThree sends three events on ch and delivers them at 10:05, before
// the first digest is due.
func (h *harness) deliverThree(ch Channel) {
	h.put(ch, 3, "alice")
	h.rec.commitLive(context.Background())
	h.clk.Set(at("2026-03-14T10:05:00Z"))
	h.rec.deliverAndDigest(context.Background(), true)
}

func (h *harness) validate() *cloudtrail.Report {
	h.t.Helper()
	return h.validateWith(cloudtrail.ValidateOptions{})
}

func (h *harness) validateWith(opts cloudtrail.ValidateOptions) *cloudtrail.Report {
	h.t.Helper()
	st, err := file.New(filepath.Join(h.data, "archive"))
	if err != nil {
		h.t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range h.rec.Keys() {
		keys[k.Fingerprint] = &k.Private.PublicKey
	}
	opts.PublicKeys, opts.Bucket = keys, "archive"
	rep, err := cloudtrail.Validate(context.Background(), st, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

func archiveFiles(t *testing.T, root, kind string) []string {
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") && strings.Contains(p, "/"+kind+"/") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestRecorderDeliversAndSignsAValidTrail(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	other := h.channel("other", "210987654321", "eu-west-1")

	ids := h.put(app, 250, "alice")
	ids = append(ids, h.put(other, 30, "bob")...)
	h.rec.commitLive(ctx)
	if n := countEvents(t, h.idx); n != 280 {
		t.Fatalf("index holds %d events right after Put, want 280", n)
	}
	page, err := h.idx.Search(ctx, cairn.Filter{User: "bob"}, cairn.Cursor{}, 100)
	if err != nil || len(page.Events) != 30 {
		t.Fatalf("search by user: %d events, %v", len(page.Events), err)
	}

	h.clk.Set(at("2026-03-14T10:05:00Z"))
	h.rec.deliverAndDigest(ctx, true)
	got := archiveFiles(t, filepath.Join(h.data, "archive"), "CloudTrail")
	if len(got) != 2 {
		t.Fatalf("log files = %v, want one per account and region", got)
	}
	// What the server is told to index is those files, by key.
	for i := range got {
		rel, _ := filepath.Rel(filepath.Join(h.data, "archive"), got[i])
		got[i] = filepath.ToSlash(rel)
	}
	if slices.Sort(got); !slices.Equal(h.delivered, got) {
		t.Fatalf("after delivery the recorder named %v, want %v", h.delivered, got)
	}
	// Before the first digest, the recorder's record alone accounts for
	// the files delivered.
	recorded, savedAt, err := RecordedChains(h.data)
	if err != nil {
		t.Fatal(err)
	}
	if rep := h.validateWith(cloudtrail.ValidateOptions{Recorded: recorded, RecordedAt: savedAt}); !rep.Valid() || rep.Pending != 2 || rep.DigestFiles != 0 {
		t.Fatalf("before the first digest: %+v", rep)
	}
	if got := archiveFiles(t, filepath.Join(h.data, "archive"), "CloudTrail-Digest"); len(got) != 0 {
		t.Fatalf("digest written before its period ended: %v", got)
	}
	// More events, delivered in the next period.
	h.put(app, 5, "carol")
	h.rec.commitLive(ctx)
	h.clk.Set(at("2026-03-14T11:00:30Z"))
	h.rec.deliverAndDigest(ctx, true)
	// Two empty periods later: digests are delivered even when empty.
	h.clk.Set(at("2026-03-14T13:00:30Z"))
	h.rec.deliverAndDigest(ctx, true)

	digests := archiveFiles(t, filepath.Join(h.data, "archive"), "CloudTrail-Digest")
	if len(digests) != 6 {
		t.Fatalf("digests = %d, want 3 per trail (11:00, 12:00, 13:00): %v", len(digests), digests)
	}
	rep := h.validate()
	if !rep.Valid() || rep.DigestFiles != 6 || rep.LogFiles != 3 || rep.ValidLogFiles != 3 {
		t.Fatalf("validation: %+v", rep)
	}
	// What the recorder recorded accounts for every file, as cairn verify
	// checks its own trail.
	recorded, savedAt, err = RecordedChains(h.data)
	if err != nil || len(recorded) != 2 || savedAt.IsZero() {
		t.Fatalf("recorded chains: %+v, %v, %v", recorded, savedAt, err)
	}
	if rep := h.validateWith(cloudtrail.ValidateOptions{Recorded: recorded, RecordedAt: savedAt}); !rep.Valid() || rep.Pending != 0 {
		t.Fatalf("validation with the recorder's record: %+v", rep)
	}

	// Delivered files are indexed like any trail, without duplicates.
	src, err := ingest.OpenSource(ctx, filepath.Join(h.data, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ingest.Run(ctx, ingest.DefaultConfig(), h.idx, src)
	if err != nil || sum.Objects != 3 || sum.New != 0 {
		t.Fatalf("ingest of the archive: %+v, %v", sum, err)
	}
	if n := countEvents(t, h.idx); n != 285 {
		t.Fatalf("index holds %d events, want 285", n)
	}
	_ = ids
}

// A crash after log files were written but before state.json recorded them
// repeats the delivery: it must find its own files and add nothing.
func TestRedeliveryAfterACrashWritesNothingTwice(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	h.put(app, 120, "alice")

	statePath := filepath.Join(h.data, "record", "state.json")
	before, _ := os.ReadFile(statePath)
	h.clk.Set(at("2026-03-14T10:05:00Z"))
	seg, ok, err := h.rec.journal.Seal(h.clk.Now())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	saved, _ := os.ReadFile(seg.Path)
	h.rec.deliverAndDigest(ctx, false)
	logs := archiveFiles(t, filepath.Join(h.data, "archive"), "CloudTrail")
	if len(logs) != 1 {
		t.Fatalf("log files = %v", logs)
	}
	// Undo what happened after the files were written.
	h.rec.Close()
	if before == nil {
		os.Remove(statePath)
	} else {
		os.WriteFile(statePath, before, 0o644)
	}
	os.WriteFile(seg.Path, saved, 0o644)

	h.open()
	h.rec.deliverAndDigest(ctx, false)
	if got := archiveFiles(t, filepath.Join(h.data, "archive"), "CloudTrail"); len(got) != 1 || got[0] != logs[0] {
		t.Fatalf("redelivery wrote %v, want only %v", got, logs)
	}
	if _, err := os.Stat(seg.Path); !os.IsNotExist(err) {
		t.Fatalf("delivered segment kept: %v", err)
	}
	h.clk.Set(at("2026-03-14T11:00:01Z"))
	h.rec.deliverAndDigest(ctx, false)
	if rep := h.validate(); !rep.Valid() || rep.LogFiles != 1 {
		t.Fatalf("validation after redelivery: %+v", rep)
	}
}

// Events acknowledged but not yet committed to the index when the process
// died are indexed from the journal at the next start.
func TestJournalReplayIndexesAcknowledgedEvents(t *testing.T) {
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	h.put(app, 42, "alice")
	h.rec.Close() // no commitLive: the index has nothing yet
	if n := countEvents(t, h.idx); n != 0 {
		t.Fatalf("index has %d events before replay", n)
	}
	h.open()
	if n := countEvents(t, h.idx); n != 42 {
		t.Fatalf("index has %d events after replay, want 42", n)
	}
	h.rec.Close()
	h.open() // a second replay stores nothing twice
	if n := countEvents(t, h.idx); n != 42 {
		t.Fatalf("index has %d events after a second replay, want 42", n)
	}
}

func TestPutRefusesWholeRequests(t *testing.T) {
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	guarded, err := h.rec.Channels().Create(NewChannel{Name: "guarded", Account: "123456789012", Region: "us-east-1", ExternalID: "s3cret-id"}, h.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	ok := []AuditEvent{{ID: "a", EventData: eventDataWith(nil)}}
	for _, tc := range []struct {
		name, channel, external string
		events                  []AuditEvent
		code                    string
	}{
		{"no channel", "", "", ok, CodeInvalidChannelARN},
		{"not a channel ARN", "arn:aws:cloudtrail:us-east-1:123456789012:trail/x", "", ok, CodeInvalidChannelARN},
		{"unknown channel", "arn:aws:cloudtrail:us-east-1:123456789012:channel/nope", "", ok, CodeChannelNotFound},
		{"missing external ID", guarded.ARN, "", ok, CodeChannelInsufficientPermission},
		{"duplicate ids", app.ARN, "", []AuditEvent{ok[0], ok[0]}, CodeDuplicatedAuditEventID},
		// An id outside its pattern, or none, fails the request's validation, as AWS's does.
		{"bad id", app.ARN, "", []AuditEvent{ok[0], {ID: "bad id!", EventData: eventDataWith(nil)}}, CodeValidation},
		{"no id", app.ARN, "", []AuditEvent{{EventData: eventDataWith(nil)}}, CodeValidation},
		{"no events", app.ARN, "", nil, CodeValidation},
		{"too many events", app.ARN, "", make([]AuditEvent, 101), CodeValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.rec.Put(context.Background(), tc.channel, tc.external, tc.events)
			re, isReq := err.(*RequestError)
			if !isReq || re.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
	// The channel's ID and the right external ID are accepted.
	res, err := h.rec.Put(context.Background(), guarded.ID(), "s3cret-id", ok)
	if err != nil || len(res.Successful) != 1 {
		t.Fatalf("put by channel ID: %+v, %v", res, err)
	}
	// A bad event fails alone.
	res, err = h.rec.Put(context.Background(), app.ARN, "", []AuditEvent{ok[0], {ID: "b", EventData: "{}"}, {ID: "c", EventData: "not json"}})
	if err != nil || len(res.Successful) != 1 || len(res.Failed) != 2 || res.Failed[0].ID != "b" || res.Failed[0].ErrorCode != CodeFieldNotFound {
		t.Fatalf("mixed request: %+v, %v", res, err)
	}
	// The health page's counts: the events of the requests that reached
	// the events (1 + 3), and those acknowledged (1 + 1).
	if st := h.rec.Status(); st.Received != 4 || st.Acked != 2 {
		t.Errorf("received %d, acknowledged %d; want 4 and 2", st.Received, st.Acked)
	}
}

// A write killed after its object was published but before its metadata
// was (a folder archive keeps a digest's signature beside it) is completed
// by the next attempt, with the same bytes; other content is still refused.
func TestPutOnceCompletesMetadataOfAnEarlierAttempt(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	key := "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/03/14/digest.json.gz"
	body := []byte(`{"digestStartTime":"2026-03-14T09:00:00Z"}`)
	// The earlier attempt, as a kill left it: the object without metadata.
	if err := h.rec.archive.Put(ctx, key, bytes.NewReader(cloudtrail.Gzip(body)), cairn.PutOptions{IfNoneMatch: true}); err != nil {
		t.Fatal(err)
	}
	opts := cairn.PutOptions{Metadata: map[string]string{"signature": "0a1b", "signature-algorithm": "SHA256withRSA"}}
	if err := h.rec.putOnce(ctx, key, body, opts); err != nil {
		t.Fatal(err)
	}
	info, err := h.rec.archive.Head(ctx, key)
	if err != nil || info.Metadata["signature"] != "0a1b" || info.Metadata["signature-algorithm"] != "SHA256withRSA" {
		t.Errorf("metadata after the second attempt: %v, %v", info.Metadata, err)
	}
	if err := h.rec.putOnce(ctx, key, []byte(`{"other":1}`), opts); err == nil || !strings.Contains(err.Error(), "other content") {
		t.Errorf("other content at the key: %v", err)
	}
}

// TestStatusTimesAreOfSuccesses: while digests fail, GetTrailStatus's time
// of the latest digest stays at the latest one written, as CloudTrail's
// does, and the error says why.
func TestStatusTimesAreOfSuccesses(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	h.deliverThree(app)
	h.clk.Set(at("2026-03-14T11:00:30Z"))
	h.rec.deliverAndDigest(ctx, true)
	first := h.rec.Status()
	if first.LatestDigest.IsZero() || first.LatestDigestError != "" || first.LatestDelivery.IsZero() {
		t.Fatalf("after the first digest: %+v", first)
	}
	// Another writer's object where the next digest goes.
	key := cloudtrail.Layout{}.DigestKey(app.Account, app.Region, "cairn", "us-east-1", at("2026-03-14T12:00:00Z"), false)
	path := filepath.Join(h.data, "archive", filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("another writer's digest"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.clk.Set(at("2026-03-14T12:00:30Z"))
	h.rec.deliverAndDigest(ctx, true)
	st := h.rec.Status()
	if !st.LatestDigest.Equal(first.LatestDigest) || st.LatestDigestError == "" {
		t.Errorf("after a failed digest: latest %s (was %s), error %q", st.LatestDigest, first.LatestDigest, st.LatestDigestError)
	}
}

// TestSecondRecorderOnOneArchiveRefused: a second server, with its own data
// folder and keys, that records the same account and region into the same
// archive would sign the chain with another key and break it for good: it
// is refused at start, and the first one opens again.
func TestSecondRecorderOnOneArchiveRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	h.deliverThree(app)
	statePath := filepath.Join(h.data, "record", "state.json")
	before, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	h.clk.Set(at("2026-03-14T11:00:30Z"))
	h.rec.deliverAndDigest(ctx, true)
	h.rec.Close()
	// A crash after the digest was written, before the record said so:
	// the digest is its own, and it opens.
	if err := os.WriteFile(statePath, before, 0o644); err != nil {
		t.Fatal(err)
	}
	h.open()
	h.rec.deliverAndDigest(ctx, false)
	if st := h.rec.Status(); st.LatestDigestError != "" {
		t.Fatalf("the digest written before the crash: %s", st.LatestDigestError)
	}
	h.rec.Close()

	other := t.TempDir()
	chans, err := OpenChannels(filepath.Join(other, "record", "channels.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chans.Create(NewChannel{Name: "app", Account: "123456789012", Region: "us-east-1"}, h.clk.Now()); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Now = h.clk.Now
	cfg.Archive = filepath.Join(h.data, "archive")
	if rec, err := Open(ctx, other, cfg, h.idx); !errors.Is(err, ErrForeignDigests) {
		if rec != nil {
			rec.Close()
		}
		t.Fatalf("a second recorder on the archive: %v", err)
	} else if !strings.Contains(err.Error(), "123456789012 us-east-1") {
		t.Errorf("the error does not name the chain: %v", err)
	}
	h.open()
}

// TestSecondRecorderRefusedWhenItsChainBegins: a second server that starts
// with no channels has nothing to be refused for at start; once events come
// for an account and region that another server signs into the same
// archive, its first delivery to that chain is refused, its events staying
// in its journal, and the first server's chain stays whole.
func TestSecondRecorderRefusedWhenItsChainBegins(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	h.deliverThree(h.channel("app", "123456789012", "us-east-1"))
	h.clk.Set(at("2026-03-14T11:00:30Z"))
	h.rec.deliverAndDigest(ctx, true)

	second := &harness{t: t, data: t.TempDir(), clk: h.clk}
	icfg := duckdb.DefaultConfig()
	icfg.Dir = filepath.Join(second.data, "index")
	idx, err := duckdb.Open(ctx, icfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cfg := DefaultConfig()
	cfg.Now = h.clk.Now
	cfg.Archive = filepath.Join(h.data, "archive")
	if second.rec, err = Open(ctx, second.data, cfg, idx); err != nil {
		t.Fatalf("a second recorder with no channels yet: %v", err)
	}
	t.Cleanup(func() { second.rec.Close() })
	second.put(second.channel("app", "123456789012", "us-east-1"), 2, "bob")
	second.rec.commitLive(ctx)
	h.clk.Set(at("2026-03-14T12:00:30Z"))
	second.rec.deliverAndDigest(ctx, true)
	if st := second.rec.Status(); !strings.Contains(st.LatestDeliveryError, ErrForeignDigests.Error()) || st.DeliveredFiles != 0 {
		t.Fatalf("the second recorder's first delivery: %+v", st)
	}
	h.clk.Set(at("2026-03-14T13:00:30Z"))
	h.rec.deliverAndDigest(ctx, false)
	if st := h.rec.Status(); st.LatestDigestError != "" {
		t.Fatalf("the first recorder's next digest: %s", st.LatestDigestError)
	}
	if rep := h.validate(); !rep.Valid() {
		t.Fatalf("the first recorder's chain: %+v", rep)
	}
}

// TestLoggingSinceOutlivesARestart: a trail's logging began when its first
// chain did, which the state keeps; a restart does not move it, and an
// account with no chain yet has logged since the recorder started.
func TestLoggingSinceOutlivesARestart(t *testing.T) {
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	if got := h.rec.LoggingSince("123456789012"); !got.Equal(at("2026-03-14T10:02:00Z")) {
		t.Errorf("before any chain: %s, want the recorder's start", got)
	}
	h.deliverThree(h.channel("app", "123456789012", "us-east-1"))
	began := h.rec.LoggingSince("123456789012")
	if began.IsZero() || began.After(at("2026-03-14T10:05:00Z")) {
		t.Fatalf("after the first delivery: %s", began)
	}
	h.rec.Close()
	h.clk.Set(at("2026-03-15T08:00:00Z"))
	h.open()
	if got := h.rec.LoggingSince("123456789012"); !got.Equal(began) {
		t.Errorf("after a restart: %s, want %s", got, began)
	}
	if got := h.rec.LoggingSince("999999999999"); !got.Equal(at("2026-03-15T08:00:00Z")) {
		t.Errorf("another account: %s, want the restart", got)
	}
}

// TestStopSignsTheLastFiles: a recorder that stops delivers what it holds
// and signs a last digest over the files no digest lists yet, ending then;
// started again, its next digest begins there, and the trail verifies with
// nothing pending in between.
func TestStopSignsTheLastFiles(t *testing.T) {
	h := newHarness(t, at("2026-03-14T10:02:00Z"))
	app := h.channel("app", "123456789012", "us-east-1")
	h.put(app, 3, "alice")
	h.rec.commitLive(context.Background())
	h.clk.Set(at("2026-03-14T10:07:30Z"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.rec.deliveryLoop(ctx) // a stopped context: the loop closes out at once

	if r := h.validate(); !r.Valid() || r.Pending != 0 || r.LogFiles != 1 || r.DigestFiles != 1 {
		t.Fatalf("after a stop: %+v", r)
	}
	last := h.rec.state.Trails[trailID(app.Account, app.Region)].Last
	if last == nil || !last.End.Equal(at("2026-03-14T10:07:31Z")) || last.Files != 1 {
		t.Fatalf("the last digest: %+v, want one file, ending 10:07:31", last)
	}

	// Started again: the chain goes on from there.
	h.rec.Close()
	h.open()
	h.put(app, 2, "bob")
	h.rec.commitLive(context.Background())
	h.clk.Set(at("2026-03-14T10:30:00Z"))
	h.rec.deliverAndDigest(context.Background(), true)
	h.clk.Set(at("2026-03-14T11:00:01Z"))
	h.rec.deliverAndDigest(context.Background(), false)
	next := h.rec.state.Trails[trailID(app.Account, app.Region)].Last
	if next == nil || !next.Start.Equal(last.End) || !next.End.Equal(at("2026-03-14T11:00:00Z")) {
		t.Fatalf("the digest after a restart: %+v, want from 10:07:31 to 11:00", next)
	}
	if r := h.validate(); !r.Valid() || r.Pending != 0 || r.LogFiles != 2 || r.DigestFiles != 2 {
		t.Fatalf("after a restart: %+v", r)
	}
}
