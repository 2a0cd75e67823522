package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
	"github.com/cairn-audit/cairn/record"
	"github.com/cairn-audit/cairn/server"
	"github.com/cairn-audit/cairn/server/ui"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

var _ flag.Value = (*stringList)(nil)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "")
	data := dataFlag(fs, e)
	scfg := server.DefaultConfig()
	scfg.RegisterFlags(fs)
	xcfg := duckdb.DefaultConfig()
	xcfg.RegisterFlags(fs)
	icfg := ingest.DefaultConfig()
	icfg.RegisterFlags(fs)
	rcfg := record.DefaultConfig()
	rcfg.RegisterFlags(fs)
	var sources stringList
	fs.Var(&sources, "source", "a folder, file or s3://bucket/prefix to ingest continuously (repeatable)")
	interval := fs.Duration("ingest.interval", time.Minute, "how often sources are checked for new objects")
	demo := fs.Bool("demo", false, "generate a month of a simulated organisation once and serve it")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q; give sources with -source", errUsage, pos[0])
	}
	for _, err := range []error{scfg.Validate(), rcfg.Validate(), icfg.Validate()} {
		if err != nil {
			return badFlags(err)
		}
	}
	if *interval < time.Second {
		return fmt.Errorf("%w: -ingest.interval must be at least 1s", errUsage)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := makeDataFolder(*data); err != nil {
		return err
	}
	// The address is taken first: a port in use fails before a demo is
	// generated or a key pair is made, whose secret is shown only once.
	ln, err := net.Listen("tcp", scfg.Listen)
	if err != nil {
		return cairn.WithHint(fmt.Errorf("listen on %s: %w", scfg.Listen, err), "choose another address with -listen")
	}
	defer ln.Close()
	var tour []ui.TourStop
	var demoDir string
	if *demo {
		if demoDir, err = ensureDemo(ctx, e, *data); err != nil {
			return err
		}
		sources = append(sources, demoDir)
		if tour, err = demoTour(demoDir); err != nil {
			return err
		}
	}
	xcfg.Logger = log
	idx, err := openWriter(ctx, *data, xcfg)
	if err != nil {
		return err
	}
	defer idx.Close()

	ing := &serverIngest{cfg: icfg, idx: idx, log: log}
	rcfg.Logger = log
	// Delivered log files are indexed like any other trail's; their events
	// are already in the index, so this only records the files as read.
	// The archive is not listed: a file that someone else put there is not
	// this trail's, and its events stay out of the index (cairn verify
	// names it).
	rcfg.AfterDelivery = func(ctx context.Context, archive string, keys []string) {
		if _, err := ing.delivered(ctx, archive, keys); err != nil && ctx.Err() == nil {
			log.Error("indexing the archive failed", "archive", archive, "err", err)
		}
	}
	rec, err := record.Open(ctx, *data, rcfg, idx)
	if err != nil {
		return err
	}
	defer rec.Close()

	if *demo {
		// The demo's first answers must be whole: it is indexed before the
		// server says where it is.
		if _, err := ing.round(ctx, demoDir); err != nil && !errors.Is(err, ingest.ErrFailedObjects) {
			return err
		}
	}
	costStore, err := cost.OpenStore(costDir(*data))
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if err := writeServerFile(*data, url); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(*data, serverFile))
	// Made last, when nothing else can fail: a new key pair's secret and a
	// new channel's example are printed only when they are made.
	creds, created, err := loadCredentials(e, *data, true)
	if err != nil {
		return err
	}
	newChannel, err := ensureChannel(rec)
	if err != nil {
		return err
	}
	srv := server.New(scfg, idx, []server.Credentials{creds}, log)
	srv.SetIngest(ing.run)
	srv.SetRecorder(rec)
	srv.SetTour(tour)
	srv.SetCost(costStore)
	srv.SetCatchingUp(func() bool { return ing.catchingUp(sources) })
	srv.SetSourceFailures(ing.failures)

	fmt.Fprintf(e.stderr, "cairn serves %s on %s\n", filepath.Clean(*data), url)
	// The secret is shown once, when it is made; later starts say where
	// it is kept.
	if created {
		fmt.Fprintf(e.stderr, "A key pair was made and kept in %s (mode 0600). Try it with the AWS CLI:\n  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws cloudtrail lookup-events --region us-east-1 --endpoint-url %s --max-results 5\n",
			filepath.Join(*data, credentialsFile), creds.AccessKeyID, creds.SecretAccessKey, url)
	} else if e.getenv("CAIRN_ACCESS_KEY_ID") == "" {
		fmt.Fprintf(e.stderr, "API key %s; its secret is in %s\n", creds.AccessKeyID, filepath.Join(*data, credentialsFile))
	}

	if newChannel != nil {
		// The example signs as the lookup-events one does, when its secret
		// is shown; otherwise the aws CLI's own configuration must hold it.
		signAs := ""
		if created {
			signAs = fmt.Sprintf("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s ", creds.AccessKeyID, creds.SecretAccessKey)
		}
		fmt.Fprintf(e.stderr, "Channel %s accepts your applications' events; they are delivered to %s. Send one:\n  %s%s\n",
			newChannel.ARN, rec.ArchiveURL(), signAs, putAuditEventsExample(url, newChannel))
	}

	var wg sync.WaitGroup
	wg.Go(func() { rec.Run(ctx) })
	if len(sources) > 0 {
		ing.afterRound = srv.WarmPages
		wg.Go(func() { ing.loop(ctx, sources, *interval) })
	} else {
		wg.Go(func() { srv.WarmPages(ctx) })
	}
	err = srv.Serve(ctx, ln)
	wg.Wait()
	return err
}

// ensureChannel makes a channel named "default" when there is none, so that
// a new server can record at once; it returns the channel it made.
func ensureChannel(rec *record.Recorder) (*record.Channel, error) {
	list, err := rec.Channels().List()
	if err != nil || len(list) > 0 {
		return nil, err
	}
	ch, err := rec.Channels().Create(record.NewChannel{Name: "default", Account: defaultAccount, Region: "us-east-1"}, time.Now())
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// putAuditEventsExample is an aws command line that records one event on
// the channel: with its source, when it takes only one, and its external
// ID, when it asks for one.
func putAuditEventsExample(url string, ch *record.Channel) string {
	source, _ := json.Marshal(cmp.Or(ch.Source, "myapp"))
	data := fmt.Sprintf(`{"version":"1.0","userIdentity":{"type":"User","principalId":"alice"},"eventSource":%s,"eventName":"DeleteInvoice","eventTime":"%s","UID":"req-1","recipientAccountId":"%s","sourceIPAddress":"192.0.2.10"}`,
		source, time.Now().UTC().Format("2006-01-02T15:04:05"), ch.Account)
	events, _ := json.Marshal([]map[string]string{{"id": "1", "eventData": data}})
	line := fmt.Sprintf("aws cloudtrail-data put-audit-events --region %s --endpoint-url %s --channel-arn %s", ch.Region, url, ch.ARN)
	if ch.ExternalID != "" {
		line += " --external-id " + shellQuote(ch.ExternalID)
	}
	return line + " --audit-events " + shellQuote(string(events))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeServerFile(data, url string) error {
	b, _ := json.Marshal(runningServer{URL: url, PID: os.Getpid()})
	return os.WriteFile(filepath.Join(data, serverFile), b, 0o644)
}

// serverIngest runs ingests inside the server: its sources on an interval,
// and the URLs that cairn ingest sends while the server owns the index.
type serverIngest struct {
	cfg ingest.Config
	idx cairn.Index
	log *slog.Logger
	mu  sync.Mutex // one ingest at a time keeps progress reports readable
	// listedWhole is when each source was last listed whole by a round;
	// guarded by wholeMu, not mu, which an ingest holds while it runs.
	wholeMu     sync.Mutex
	listedWhole map[string]time.Time
	// afterRound runs after each round of the sources, when the index may
	// have changed.
	afterRound func(context.Context)
	// failing is each source whose last reading failed, by the URL the
	// index knows it by; guarded by wholeMu.
	failing map[string]ui.SourceFailure
}

// noteOutcome records whether a reading of a source failed, for the
// health page. Quarantined objects are not a failure of the source.
func (s *serverIngest) noteOutcome(url string, err error) {
	s.wholeMu.Lock()
	defer s.wholeMu.Unlock()
	if err == nil || errors.Is(err, ingest.ErrFailedObjects) || errors.Is(err, context.Canceled) {
		delete(s.failing, url)
		return
	}
	now := time.Now().UTC()
	f, ok := s.failing[url]
	if !ok {
		f.Since = now
	}
	f.Err, f.Last = oneLine(err.Error()), now
	if s.failing == nil {
		s.failing = map[string]ui.SourceFailure{}
	}
	s.failing[url] = f
}

// failures is a copy of the failing sources.
func (s *serverIngest) failures() map[string]ui.SourceFailure {
	s.wholeMu.Lock()
	defer s.wholeMu.Unlock()
	return maps.Clone(s.failing)
}

// fullListEvery is how often a source is listed whole by the server's
// rounds. The rounds between list only the days of AWS's layout from
// yesterday on (roundSince): on S3 each folder is a request, and a year of
// an organisation's trail is tens of thousands of day folders, which a
// round a minute would list again to find the few files delivered since
// the last. Listing whole when the server starts and once a day after
// finds what CloudTrail delivers later than a day, and objects outside the
// layout are listed by every round.
const fullListEvery = 24 * time.Hour

// roundSince returns the ingest.Config.Since of a round that starts at now,
// given when its source was last listed whole: zero, listing it whole, when
// it never was or fullListEvery has passed, and otherwise the start of
// yesterday (UTC, the layout's days).
func roundSince(listedWhole, now time.Time) time.Time {
	if listedWhole.IsZero() || now.Sub(listedWhole) >= fullListEvery {
		return time.Time{}
	}
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
}

func (s *serverIngest) loop(ctx context.Context, sources []string, every time.Duration) {
	// A source whose rounds keep failing (a full disk, a store that is
	// down) is tried less often: each failed round reads its backlog again.
	type failing struct {
		rounds int
		next   time.Time
	}
	backoff := map[string]*failing{}
	for {
		for _, u := range sources {
			f := backoff[u]
			if f != nil && time.Now().Before(f.next) {
				continue
			}
			_, err := s.round(ctx, u)
			if err == nil || errors.Is(err, ingest.ErrFailedObjects) || ctx.Err() != nil {
				delete(backoff, u)
				continue
			}
			if f == nil {
				f = &failing{}
				backoff[u] = f
			}
			f.rounds++
			wait := retryAfter(every, f.rounds)
			f.next = time.Now().Add(wait)
			s.log.Error("ingest failed", "source", u, "err", err, "next", nextStep(err), "retry in", wait.Round(time.Second).String())
		}
		if s.afterRound != nil && ctx.Err() == nil {
			s.afterRound(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// round ingests one of the server's sources, listing it whole or from
// yesterday on (roundSince).
func (s *serverIngest) round(ctx context.Context, url string) (ingest.Summary, error) {
	start := time.Now()
	s.wholeMu.Lock()
	since := roundSince(s.listedWhole[url], start)
	s.wholeMu.Unlock()
	sum, err := s.run(ctx, url, since, nil)
	if since.IsZero() && (err == nil || errors.Is(err, ingest.ErrFailedObjects)) {
		s.wholeMu.Lock()
		if s.listedWhole == nil {
			s.listedWhole = map[string]time.Time{}
		}
		s.listedWhole[url] = start
		s.wholeMu.Unlock()
	}
	return sum, err
}

// catchingUp reports whether some of the sources has not been read whole
// yet since the server started: a first ingest of a large trail takes a
// while, and the answers meanwhile cover only part of it.
func (s *serverIngest) catchingUp(sources []string) bool {
	s.wholeMu.Lock()
	defer s.wholeMu.Unlock()
	for _, u := range sources {
		if s.listedWhole[u].IsZero() {
			return true
		}
	}
	return false
}

// run ingests one URL, leaving out the days of AWS's layout before since
// when it is set; notice, when set, hears about skipped and quarantined
// objects.
func (s *serverIngest) run(ctx context.Context, url string, since time.Time, notice func(cairn.ObjectState)) (ingest.Summary, error) {
	return s.runKeys(ctx, url, nil, since, notice)
}

// delivered ingests the log files the recorder delivered to its archive,
// and no other file of it.
func (s *serverIngest) delivered(ctx context.Context, archive string, keys []string) (ingest.Summary, error) {
	if len(keys) == 0 {
		return ingest.Summary{}, nil
	}
	return s.runKeys(ctx, archive, keys, time.Time{}, nil)
}

// runKeys is run, reading only the given keys of the source when there
// are some.
func (s *serverIngest) runKeys(ctx context.Context, url string, keys []string, since time.Time, notice func(cairn.ObjectState)) (ingest.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := ingest.OpenSource(ctx, url)
	if err != nil {
		// Under the name it has once read, so that the health page shows
		// the failure on the source's own entry.
		s.noteOutcome(ingest.SourceURL(url), err)
		return ingest.Summary{}, err
	}
	if keys != nil {
		src.Keys = keys
	}
	cfg := s.cfg
	cfg.Since = since
	cfg.Notice = func(st cairn.ObjectState) {
		switch st.Status {
		case cairn.ObjectQuarantined:
			s.log.Warn("quarantined", "source", st.Source, "key", st.Key, "reason", st.Reason)
		case cairn.ObjectDone: // read in part, read again after a change, or with conflicting duplicates
			s.log.Warn("ingest note", "source", st.Source, "key", st.Key, "reason", st.Reason)
		}
		if notice != nil {
			notice(st)
		}
	}
	sum, err := ingest.Run(ctx, cfg, s.idx, src)
	s.noteOutcome(src.URL, err)
	// A round that failed stored nothing of what it read: the error says
	// so (loop), and "ingested" would not be true.
	if sum.Objects > 0 && (err == nil || errors.Is(err, ingest.ErrFailedObjects)) {
		s.log.Info("ingested", "source", src.URL, "objects", sum.Objects, "events", sum.Events, "new", sum.New,
			"duplicates", sum.Duplicates, "conflicts", sum.Conflicts, "failed", sum.Failed, "skipped", sum.Skipped)
	}
	return sum, err
}

// retryAfter is how long a source waits after its rounds failed rounds
// times in a row: a round's interval, doubled with each failure after the
// first, up to ten minutes (or the interval, if longer).
func retryAfter(every time.Duration, rounds int) time.Duration {
	most := max(every, 10*time.Minute)
	wait := every
	for i := 1; i < rounds && wait < most; i++ {
		wait *= 2
	}
	return min(wait, most)
}

// nextStep says what an operator does about a failed round.
func nextStep(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "free space on the disk that holds the data folder"
	case errors.Is(err, os.ErrPermission):
		return "give cairn's user write access to the data folder and everything in it"
	case errors.Is(err, duckdb.ErrLocked):
		return "stop the other cairn process that writes the data folder"
	}
	return "the health page shows the failure until a round succeeds"
}
