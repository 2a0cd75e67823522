package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-audit/cairn/cost"
)

// GET /api/v1/cost/report?by=principal|service|resource|day|account|region|usagetype|role|tag:KEY[&month=YYYY-MM][&from=YYYY-MM-DD][&to=YYYY-MM-DD][&payer=ACCOUNT][&service=CODE][&measure=cost|amortized][&owner-tag=T][&limit=N]
//   -> cost.Report, what `cairn cost report -format json` prints
// GET /api/v1/cost/spikes[?month=YYYY-MM][&payer=ACCOUNT][&service=CODE][&factor=2][&min-increase=5]
//   -> []cost.Spike, what `cairn cost spikes -format json` prints
//
// A store that nothing was imported into (its folder may not exist: reading
// creates nothing) answers an empty report and no spikes. A selection over
// payers billed in several currencies is a 400 that names the payers to
// choose from with payer=.

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
	if err := knownParams(q, "by", "month", "from", "to", "payer", "service", "measure", "owner-tag", "limit"); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	cfg := cost.ReportConfig{By: q.Get("by"), Month: q.Get("month"), From: q.Get("from"), To: q.Get("to"), Payer: q.Get("payer"), Service: q.Get("service"), Measure: q.Get("measure"), OwnerTag: q.Get("owner-tag")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "limit must be a number of rows, 0 or more")
			return
		}
		cfg.Limit = n
	}
	if err := cfg.Validate(); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	rep, err := cost.NewReporter(s.cost, s.idx).Build(r.Context(), cfg)
	if refuseMixedCurrencies(w, err) {
		return
	}
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("cost report: %w", err))
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
	if err := knownParams(q, "month", "payer", "service", "owner-tag", "factor", "min-increase"); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	cfg := cost.DefaultSpikeConfig()
	cfg.Month, cfg.Payer, cfg.Service, cfg.OwnerTag = q.Get("month"), q.Get("payer"), q.Get("service"), q.Get("owner-tag")
	for name, dst := range map[string]*float64{"factor": &cfg.Factor, "min-increase": &cfg.MinIncrease} {
		if v := q.Get(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, name+" must be a number")
				return
			}
			*dst = f
		}
	}
	if err := cfg.Validate(); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	spikes, err := cost.NewReporter(s.cost, s.idx).Spikes(r.Context(), s.idx, cfg)
	if refuseMixedCurrencies(w, err) {
		return
	}
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("cost spikes: %w", err))
		return
	}
	if spikes == nil {
		spikes = []cost.Spike{}
	}
	writeAPIJSON(w, r, log, s, spikes)
}

// refuseMixedCurrencies answers a selection over payers billed in several
// currencies with a 400 that names the payers, and reports whether it did:
// the caller must choose one, which is no failure of the server's.
func refuseMixedCurrencies(w http.ResponseWriter, err error) bool {
	var mixed *cost.MixedCurrenciesError
	if !errors.As(err, &mixed) {
		return false
	}
	writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, fmt.Sprintf("%s: %s: cairn converts no currency: give payer=ACCOUNT, one of %s",
		cost.ErrMixedCurrencies, strings.Join(mixed.Currencies, ", "), strings.Join(mixed.Payers, ", ")))
	return true
}

// knownParams refuses a parameter the endpoint does not take, or one given
// twice: format=csv answered JSON, and principal=alice answered everyone,
// without a word. A presigned URL's own parameters pass.
func knownParams(q url.Values, known ...string) error {
	for k, vs := range q {
		if strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown parameter %q; this endpoint takes %s", truncate(k, 40), strings.Join(known, ", "))
		}
		if len(vs) != 1 {
			return fmt.Errorf("parameter %s given %d times", k, len(vs))
		}
	}
	return nil
}
