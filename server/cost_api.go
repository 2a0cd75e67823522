package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/cairn-audit/cairn/cost"
)

// GET /api/v1/cost/report?by=principal|service|resource|day[&month=YYYY-MM][&service=CODE][&measure=cost|amortized][&owner-tag=T][&limit=N]
//   -> cost.Report, what `cairn cost report -format json` prints
// GET /api/v1/cost/spikes[?month=YYYY-MM][&service=CODE][&factor=2][&min-increase=5]
//   -> []cost.Spike, what `cairn cost spikes -format json` prints

// SetCost makes the cost endpoints report over store.
func (s *Server) SetCost(store *cost.Store) { s.cost = store }

func (s *Server) handleCostReport(w http.ResponseWriter, r *http.Request, _ []byte, log *slog.Logger) {
	if s.cost == nil {
		writeAPIError(w, http.StatusNotFound, apiCodeNotFound, "this server has no cost store")
		return
	}
	if err := s.cost.Reload(); err != nil { // see imports made since
		s.apiInternalError(w, r, log, fmt.Errorf("cost store: %w", err))
		return
	}
	q := r.URL.Query()
	cfg := cost.ReportConfig{By: q.Get("by"), Month: q.Get("month"), Service: q.Get("service"), Measure: q.Get("measure"), OwnerTag: q.Get("owner-tag")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "limit must be a number of rows, 0 or more")
			return
		}
		cfg.Limit = n
	}
	if err := validMonth(cfg.Month); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	switch cfg.By {
	case "", cost.ByPrincipal, cost.ByService, cost.ByResource, cost.ByDay:
	default:
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "by must be principal, service, resource or day")
		return
	}
	if cfg.Measure != "" && cfg.Measure != cost.MeasureCost && cfg.Measure != cost.MeasureAmortized {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "measure must be cost or amortized")
		return
	}
	rep, err := cost.NewReporter(s.cost, s.idx).Build(r.Context(), cfg)
	if err != nil {
		s.costError(w, r, log, err)
		return
	}
	writeAPIJSON(w, r, log, s, rep)
}

func (s *Server) handleCostSpikes(w http.ResponseWriter, r *http.Request, _ []byte, log *slog.Logger) {
	if s.cost == nil {
		writeAPIError(w, http.StatusNotFound, apiCodeNotFound, "this server has no cost store")
		return
	}
	if err := s.cost.Reload(); err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("cost store: %w", err))
		return
	}
	q := r.URL.Query()
	cfg := cost.DefaultSpikeConfig()
	cfg.Month, cfg.Service, cfg.OwnerTag = q.Get("month"), q.Get("service"), q.Get("owner-tag")
	if err := validMonth(cfg.Month); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	for name, dst := range map[string]*float64{"factor": &cfg.Factor, "min-increase": &cfg.MinIncrease} {
		if v := q.Get(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, name+" must be a positive number")
				return
			}
			*dst = f
		}
	}
	spikes, err := cost.NewReporter(s.cost, s.idx).Spikes(r.Context(), s.idx, cfg)
	if err != nil {
		s.costError(w, r, log, err)
		return
	}
	if spikes == nil {
		spikes = []cost.Spike{}
	}
	writeAPIJSON(w, r, log, s, spikes)
}

func validMonth(m string) error {
	if m == "" {
		return nil
	}
	if _, err := time.Parse("2006-01", m); err != nil {
		return fmt.Errorf("month must be YYYY-MM, not %q", truncate(m, 20))
	}
	return nil
}

// costError answers an empty store as a client error and the rest as ours.
func (s *Server) costError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if errors.Is(err, cost.ErrNoCostData) {
		writeAPIError(w, http.StatusNotFound, apiCodeNotFound, err.Error())
		return
	}
	s.apiInternalError(w, r, log, fmt.Errorf("cost: %w", err))
}
