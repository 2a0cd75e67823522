package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/ingest"
)

// IngestFunc ingests one source URL into the index that the server serves,
// leaving out the days of AWS's layout before since when it is set
// (ingest.Config.Since); notice, when set, hears about skipped and
// quarantined objects. While a server owns the data folder, `cairn ingest`
// goes through it.
type IngestFunc func(ctx context.Context, url string, since time.Time, notice func(cairn.ObjectState)) (ingest.Summary, error)

// SetIngest enables POST /api/v1/ingest. Call it before Serve.
func (s *Server) SetIngest(fn IngestFunc) { s.ingest = fn }

// POST /api/v1/ingest {"url":"...","since":"<RFC 3339, optional>"} answers with JSON lines: one
// {"notice":{...}} per skipped or quarantined object as it happens, then
// {"summary":{...}} with "error" and "code" when the run failed. The status
// is 200 once the run started, so the outcome is in the last line.

type ingestRequest struct {
	URL   string    `json:"url"`
	Since time.Time `json:"since,omitzero"`
}

type objectStateJSON struct {
	Source     string             `json:"source,omitempty"`
	Key        string             `json:"key"`
	Size       int64              `json:"size"`
	ETag       string             `json:"etag,omitempty"`
	Events     int                `json:"events"`
	New        int                `json:"new"`
	Status     cairn.ObjectStatus `json:"status"`
	Reason     string             `json:"reason,omitempty"`
	IngestedAt time.Time          `json:"ingestedAt,omitzero"`
	Unrecorded bool               `json:"-"` // the index's business only
}

type summaryJSON struct {
	Listed     int `json:"listed"`
	Unchanged  int `json:"unchanged"`
	Objects    int `json:"objects"`
	Events     int `json:"events"`
	New        int `json:"new"`
	Duplicates int `json:"duplicates"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	// SkippedEvents counts EventBridge events of other kinds left out.
	SkippedEvents int `json:"skippedEvents,omitempty"`
	// UnusableRecords counts records left out of files read in part.
	UnusableRecords int `json:"unusableRecords,omitempty"`
	// StillQuarantined counts files quarantined by an earlier run and
	// unchanged since.
	StillQuarantined int   `json:"stillQuarantined,omitempty"`
	ElapsedNanos     int64 `json:"elapsedNanos"`
}

type ingestLine struct {
	Notice  *objectStateJSON `json:"notice,omitempty"`
	Summary *summaryJSON     `json:"summary,omitempty"`
	Error   string           `json:"error,omitempty"`
	Code    string           `json:"code,omitempty"`
}

const (
	apiCodeFailedObjects = "FailedObjects"
	apiCodeIngestFailed  = "IngestFailed"
	apiCodeLocalOnly     = "LocalOnly"
)

// fromThisMachine reports whether a request came over loopback: the
// cairn ingest of a user on the server's machine, who can read its folders
// anyway. A key holder elsewhere could otherwise have the server read any
// folder it can, and learn from the quarantine reasons what is in it.
func fromThisMachine(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func toSummaryJSON(s ingest.Summary) *summaryJSON {
	return &summaryJSON{s.Listed, s.Unchanged, s.Objects, s.Events, s.New, s.Duplicates, s.Failed, s.Skipped, s.SkippedEvents, s.UnusableRecords, s.StillQuarantined, int64(s.Elapsed)}
}

func (s *summaryJSON) summary() ingest.Summary {
	return ingest.Summary{Listed: s.Listed, Unchanged: s.Unchanged, Objects: s.Objects, Events: s.Events, New: s.New,
		Duplicates: s.Duplicates, Failed: s.Failed, Skipped: s.Skipped, SkippedEvents: s.SkippedEvents, UnusableRecords: s.UnusableRecords, StillQuarantined: s.StillQuarantined,
		Elapsed: time.Duration(s.ElapsedNanos)}
}

func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request, body []byte, log *slog.Logger) {
	if s.ingest == nil {
		writeAPIError(w, http.StatusNotImplemented, apiCodeBadRequest, "this server does not ingest")
		return
	}
	var req ingestRequest
	if err := json.Unmarshal(body, &req, jsonOpts); err != nil || strings.TrimSpace(req.URL) == "" {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, `the body must be {"url":"<folder, file or s3://bucket/prefix>"}`)
		return
	}
	if !ingest.IsBucket(req.URL) && !fromThisMachine(r) {
		writeAPIError(w, http.StatusForbidden, apiCodeLocalOnly,
			"a folder or file on the server can be ingested only by a request from the server's own machine; give an s3:// URL, or run cairn ingest there")
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(l ingestLine) {
		b, err := json.Marshal(l, jsonOpts)
		if err != nil {
			log.Error("encode ingest line", "err", err)
			return
		}
		_, _ = w.Write(append(b, '\n'))
		_ = rc.Flush()
	}
	// Notices may come from the ingest's workers at once.
	notices := make(chan cairn.ObjectState)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for st := range notices {
			o := objectStateJSON(st)
			send(ingestLine{Notice: &o})
		}
	}()
	sum, err := s.ingest(r.Context(), req.URL, req.Since, func(st cairn.ObjectState) {
		select {
		case notices <- st:
		case <-r.Context().Done():
		}
	})
	close(notices)
	<-done
	last := ingestLine{Summary: toSummaryJSON(sum)}
	switch {
	case errors.Is(err, ingest.ErrFailedObjects):
		last.Error, last.Code = oneLine(err.Error()), apiCodeFailedObjects
	case err != nil:
		// The caller named this source; what went wrong reading it is
		// theirs to see (a missing folder, a denied bucket).
		log.Info("ingest failed", "url", truncate(req.URL, 200), "err", err)
		last.Error, last.Code = oneLine(err.Error()), apiCodeIngestFailed
	}
	send(last)
}

// Ingest has the server ingest url, as `cairn ingest` does without one,
// leaving out the days of AWS's layout before since when it is set. A URL
// without a scheme is a local path, made absolute here because the server's
// working directory is not the caller's. notice, when set, hears about
// skipped and quarantined objects. When objects were quarantined or read in
// part the error matches ingest.ErrFailedObjects and the summary is still
// valid.
func (c *Client) Ingest(ctx context.Context, url string, since time.Time, notice func(cairn.ObjectState)) (ingest.Summary, error) {
	if !strings.Contains(url, "://") {
		abs, err := filepath.Abs(url)
		if err != nil {
			return ingest.Summary{}, fmt.Errorf("ingest %s: %w", url, err)
		}
		url = abs
	}
	body, err := json.Marshal(ingestRequest{URL: url, Since: since}, jsonOpts)
	if err != nil {
		return ingest.Summary{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/ingest", bytes.NewReader(body))
	if err != nil {
		return ingest.Summary{}, fmt.Errorf("cairn server %s: %w", c.base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), ServiceCairn, ClientRegion, time.Now()); err != nil {
		return ingest.Summary{}, fmt.Errorf("sign request: %w", err)
	}
	resp, err := c.send(req)
	if err != nil {
		return ingest.Summary{}, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var l ingestLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return ingest.Summary{}, fmt.Errorf("cairn server: ingest response: %w", err)
		}
		if l.Notice != nil && notice != nil {
			notice(cairn.ObjectState(*l.Notice))
		}
		if l.Summary == nil {
			continue
		}
		s := l.Summary.summary()
		switch l.Code {
		case "":
			return s, nil
		case apiCodeFailedObjects:
			return s, fmt.Errorf("%w (%s)", ingest.ErrFailedObjects, l.Error)
		}
		return s, &APIError{StatusCode: resp.StatusCode, Code: l.Code, Message: l.Error}
	}
	if err := sc.Err(); err != nil {
		return ingest.Summary{}, fmt.Errorf("cairn server %s: ingest response: %w", c.base, err)
	}
	return ingest.Summary{}, fmt.Errorf("cairn server %s: the ingest ended without a summary; the server may have stopped", c.base)
}
