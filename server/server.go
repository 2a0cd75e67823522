// Package server serves cairn's HTTP APIs over a cairn.Index: the
// AWS-compatible CloudTrail JSON 1.1 API (LookupEvents and friends), and a
// small REST API that cairn's own command line uses while `cairn serve` owns
// the data folder. Every API request is authenticated with AWS Signature
// Version 4 against the configured access keys.
//
// Routes:
//
//	POST /                 CloudTrail JSON 1.1 (X-Amz-Target), signing name "cloudtrail":
//	                       LookupEvents, the trail operations, Lake's queries
//	POST /PutAuditEvents   CloudTrail Data REST-JSON, signing name "cloudtrail-data"
//	GET  /api/v1/search    events matching a filter, signing name "cairn"
//	POST /api/v1/sql       one read-only SELECT over the events view
//	GET  /api/v1/stats     index statistics
//	POST /api/v1/ingest    ingest a source URL (when SetIngest was called)
//	GET  /api/v1/timeline  a resource's timeline (package investigate)
//	GET  /api/v1/why       why a resource changed state near a moment
//	GET  /api/v1/cost/report   cost by principal, service, resource, day, account, region, usagetype, role or tag:KEY
//	GET  /api/v1/cost/spikes   cost spikes and the calls that preceded them
//	GET  /healthz          liveness, unauthenticated, says nothing about the data
//	GET  /...              the web UI (package ui), behind its own login; a request
//	                       signed with SigV4 or with an X-Amz-Target that no route
//	                       takes gets AWS's error shape instead (aws_unrouted.go)
package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cost"
	"github.com/cairn-audit/cairn/investigate"
	"github.com/cairn-audit/cairn/record"
	"github.com/cairn-audit/cairn/server/ui"
)

// Config configures the HTTP server.
type Config struct {
	// Listen is the TCP address to listen on, host:port.
	Listen string
	// MaxRequestBytes bounds a request body; larger requests get 413.
	MaxRequestBytes int64
	// ShutdownTimeout is how long Serve waits for requests in flight once
	// its context is cancelled.
	ShutdownTimeout time.Duration
}

// DefaultConfig returns the defaults: loopback only, 4 MiB bodies, 10 s to
// shut down. A PutAuditEvents batch holds up to 1 MB of eventData, and the
// AWS CLI and boto3 write each character beyond ASCII as \uXXXX: 1 MB of
// accented text is a body of 3 MB.
func DefaultConfig() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		MaxRequestBytes: 4 << 20,
		ShutdownTimeout: 10 * time.Second,
	}
}

// RegisterFlags registers the config's flags on fs, with the config's
// current values as defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "`address` (host:port) to serve the APIs on")
	fs.Int64Var(&c.MaxRequestBytes, "http.max-request-bytes", c.MaxRequestBytes, "largest request body accepted, in `bytes`")
	fs.DurationVar(&c.ShutdownTimeout, "http.shutdown-timeout", c.ShutdownTimeout, "how long to wait for requests in flight when stopping")
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return cairn.WithHint(fmt.Errorf("invalid -listen %q: %w", c.Listen, err), "give host:port, e.g. 127.0.0.1:8080")
	}
	if c.MaxRequestBytes < 64<<10 {
		return cairn.WithHint(fmt.Errorf("invalid -http.max-request-bytes %d", c.MaxRequestBytes), "give at least 65536")
	}
	if c.ShutdownTimeout < 0 {
		return cairn.WithHint(fmt.Errorf("invalid -http.shutdown-timeout %s", c.ShutdownTimeout), "give a duration of zero or more")
	}
	return nil
}

// Server serves the APIs. Create it with New.
type Server struct {
	cfg      Config
	idx      cairn.Index
	verifier *Verifier
	log      *slog.Logger
	handler  http.Handler
	ingest   IngestFunc
	recorder *record.Recorder // nil unless SetRecorder was called
	cost     *cost.Store      // nil unless SetCost was called
	tour     []ui.TourStop    // set by SetTour
	// catchingUp reports whether some source has not been read whole yet;
	// set by SetCatchingUp.
	catchingUp func() bool
	// sourceFailures reports the sources whose last reading failed; set by
	// SetSourceFailures.
	sourceFailures func() map[string]ui.SourceFailure
	ui             *ui.UI
	// base is the context of work that outlives a request (Lake's
	// queries); Serve cancels it when it stops.
	base        context.Context
	stopBase    context.CancelFunc
	lakeQueries lakeQueries
	insights    *investigate.InsightFinder // for LookupEvents and the UI
}

// New returns a server for idx that accepts requests signed with any of
// creds. A nil log discards. New does not validate cfg; call Validate.
func New(cfg Config, idx cairn.Index, creds []Credentials, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultConfig().MaxRequestBytes
	}
	s := &Server{cfg: cfg, idx: idx, verifier: NewVerifier(creds), log: log}
	s.base, s.stopBase = context.WithCancel(context.Background())
	s.insights = investigate.NewInsightFinder(idx, s.indexVersion)
	if len(s.verifier.secrets) == 0 {
		log.Warn("no API credentials configured: every API request will be refused")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", s.handleAWSJSON)
	mux.HandleFunc("POST /PutAuditEvents", s.handlePutAuditEvents)
	s.registerAPI(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.ui = ui.New(ui.Config{Index: idx, Check: s.verifier.Check, Cost: func() *cost.Store { return s.cost },
		Recorder: func() *record.Recorder { return s.recorder }, Tour: func() []ui.TourStop { return s.tour },
		CatchingUp: s.isCatchingUp, SourceFailures: s.failingSources, Insights: s.insights.Find, Log: log})
	mux.Handle("/", s.awsOrUI(s.ui))
	s.handler = securityHeaders(mux)
	return s
}

// indexVersion names the index's state: its event count and newest event
// change with every commit that stores something.
func (s *Server) indexVersion(ctx context.Context) string {
	st, err := s.idx.Stats(ctx)
	if err != nil {
		return "" // found again each time rather than kept past a change
	}
	return fmt.Sprintf("%d %s", st.Events, st.Newest.UTC().Format(time.RFC3339Nano))
}

// WarmPages builds the UI's costly views ahead of their first view: the
// newest month's cost page and the Insights; call it when the index or the
// cost store has changed.
func (s *Server) WarmPages(ctx context.Context) {
	s.ui.WarmCost(ctx)
	if _, err := s.insights.Find(ctx, time.Time{}, time.Time{}); err != nil && ctx.Err() == nil {
		s.log.Warn("finding Insights ahead failed", "err", err)
	}
}

// SetCatchingUp tells the server how to know that its sources have not
// all been read whole yet (a first ingest of a large trail takes a while):
// its answers then say that they cover what is indexed so far. Call it
// before Serve.
func (s *Server) SetCatchingUp(f func() bool) { s.catchingUp = f }

func (s *Server) isCatchingUp() bool { return s.catchingUp != nil && s.catchingUp() }

// SetSourceFailures tells the server how to know which of its sources it
// fails to read, for the UI's health page. Call it before Serve.
func (s *Server) SetSourceFailures(f func() map[string]ui.SourceFailure) { s.sourceFailures = f }

func (s *Server) failingSources() map[string]ui.SourceFailure {
	if s.sourceFailures == nil {
		return nil
	}
	return s.sourceFailures()
}

// SetTour gives the UI's events page the stops of a tour (cairn serve
// -demo: the simulated organisation's incidents). Call it before Serve.
func (s *Server) SetTour(stops []ui.TourStop) { s.tour = stops }

// Handler returns the server's routes as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx is cancelled, then stops accepting
// connections and waits up to Config.ShutdownTimeout for requests in flight;
// requests still running then are cancelled, and Serve waits briefly for
// them to return, so that the caller may close the index afterwards. It
// returns nil after a clean shutdown. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Requests outlive ctx until the shutdown timeout, then are cancelled.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	var inflight atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.Add(1)
			defer inflight.Add(-1)
			s.handler.ServeHTTP(w, r)
		}),
		// No ReadTimeout: once a handler runs, it would cancel the
		// request's context mid-query. readBody bounds the body instead.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	var err error
	if s.cfg.ShutdownTimeout > 0 {
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if s.cfg.ShutdownTimeout <= 0 || err != nil {
		cancelRequests()
		_ = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = cmp.Or(err, serr)
	}
	// Lake's queries run outside requests: stop them too.
	s.stopBase()
	s.lakeQueries.stop()
	// Cancelled requests return quickly; wait for them, a little.
	for deadline := time.Now().Add(5 * time.Second); inflight.Load() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.log.Warn("requests still running after shutdown; stopping anyway", "requests", inflight.Load())
			break
		}
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down %s: %w", ln.Addr(), err)
	}
	if err != nil {
		s.log.Warn("requests cancelled at shutdown", "waited", s.cfg.ShutdownTimeout)
	}
	s.log.Info("stopped", "addr", ln.Addr().String())
	return nil
}

// securityHeaders sets headers that keep browsers from sniffing, framing or
// caching API responses.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// readBody reads the whole request body up to the configured limit and
// within bodyReadTimeout. The signature may cover the body's hash, so it is
// read before verifying.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.cfg.MaxRequestBytes {
		return nil, &http.MaxBytesError{Limit: s.cfg.MaxRequestBytes}
	}
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (httptest.ResponseRecorder
	// does not);
	// the body limit still holds.
	_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	defer rc.SetReadDeadline(time.Time{})
	return io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes))
}

// bodyReadTimeout bounds how long a client may take to send a body.
const bodyReadTimeout = time.Minute

// newRequestID returns a random ID in UUID form, as AWS's request IDs are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
