package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/investigate"
)

// GET /api/v1/timeline?resource=ID[&since=T][&until=T] -> investigate.Timeline
// GET /api/v1/why?resource=ID[&at=T][&window=30m]      -> investigate.Explanation
// GET /api/v1/why?event=ID                             -> investigate.Refusal
// Times are RFC 3339; the JSON is what `cairn timeline -format json` and
// `cairn why -format json` print.

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request, _ []byte, log *slog.Logger) {
	q := r.URL.Query()
	resource := q.Get("resource")
	if resource == "" {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "resource is required: an instance ID, a bucket, a role, an ARN")
		return
	}
	var since, until time.Time
	var err error
	if v := q.Get("since"); v != "" {
		if since, err = parseAPITime("since", v); err != nil {
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
			return
		}
	}
	if v := q.Get("until"); v != "" {
		if until, err = parseAPITime("until", v); err != nil {
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
			return
		}
	}
	tl, err := investigate.New(s.idx, investigate.DefaultConfig()).Timeline(r.Context(), resource, since, until)
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("timeline: %w", err))
		return
	}
	writeAPIJSON(w, r, log, s, tl)
}

func (s *Server) handleWhy(w http.ResponseWriter, r *http.Request, _ []byte, log *slog.Logger) {
	q := r.URL.Query()
	if id := q.Get("event"); id != "" {
		s.whyDenied(w, r, id, log)
		return
	}
	resource := q.Get("resource")
	if resource == "" {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "resource is required: an instance ID, a bucket, a role, an ARN; or event, the ID of a denied call")
		return
	}
	at := time.Now().UTC()
	var err error
	if v := q.Get("at"); v != "" {
		if at, err = parseAPITime("at", v); err != nil {
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
			return
		}
	}
	window := 30 * time.Minute
	if v := q.Get("window"); v != "" {
		var ok bool
		if window, ok = cairn.ParseSpan(v); !ok {
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "window must be a positive duration such as 30m, 2h or 2d")
			return
		}
	}
	ex, err := investigate.New(s.idx, investigate.DefaultConfig()).Why(r.Context(), resource, at, window)
	var unknown *investigate.UnknownResourceError
	switch {
	case errors.As(err, &unknown):
		writeAPIError(w, http.StatusNotFound, apiCodeNotFound, unknown.Error())
		return
	case err != nil:
		s.apiInternalError(w, r, log, fmt.Errorf("why: %w", err))
		return
	}
	writeAPIJSON(w, r, log, s, ex)
}

// whyDenied answers /api/v1/why?event=ID: why that call was denied.
func (s *Server) whyDenied(w http.ResponseWriter, r *http.Request, id string, log *slog.Logger) {
	rf, err := investigate.New(s.idx, investigate.DefaultConfig()).WhyDenied(r.Context(), id)
	var nd *investigate.NotDeniedError
	switch {
	case errors.As(err, &nd) && nd.Missing:
		writeAPIError(w, http.StatusNotFound, apiCodeNotFound, nd.Error())
	case errors.As(err, &nd):
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, nd.Error())
	case err != nil:
		s.apiInternalError(w, r, log, fmt.Errorf("why denied: %w", err))
	default:
		writeAPIJSON(w, r, log, s, rf)
	}
}

func writeAPIJSON(w http.ResponseWriter, r *http.Request, log *slog.Logger, s *Server, v any) {
	b, err := json.Marshal(v, jsonOpts)
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}
