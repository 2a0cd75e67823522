package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/cairn-audit/cairn"
)

// cairn's REST API, used by its own command line while a server owns the
// data folder. Requests are signed with SigV4 for the service "cairn";
// errors are {"error":"one line","code":"..."}.
const (
	apiSearchDefaultLimit = 100
	apiSearchMaxLimit     = 1000

	// Error codes of the REST API, for clients that branch on them.
	apiCodeBadRequest   = "BadRequest"
	apiCodeQueryRefused = "QueryRefused"
	apiCodeBadQuery     = "BadQuery"
	apiCodeNotFound     = "NotFound"
	apiCodeInternal     = "InternalError"
	apiCodeTooLarge     = "RequestTooLarge"
)

// searchParams are the query parameters of GET /api/v1/search, mapped onto
// filter fields. They are named as the `cairn search` flags.
var searchParams = map[string]func(f *cairn.Filter, v string) error{
	"event-id":      func(f *cairn.Filter, v string) error { f.EventID = v; return nil },
	"user":          func(f *cairn.Filter, v string) error { f.User = v; return nil },
	"event":         func(f *cairn.Filter, v string) error { f.EventName = v; return nil },
	"service":       func(f *cairn.Filter, v string) error { f.EventSource = v; return nil },
	"resource":      func(f *cairn.Filter, v string) error { f.ResourceID = v; return nil },
	"resource-type": func(f *cairn.Filter, v string) error { f.ResourceType = v; return nil },
	"access-key":    func(f *cairn.Filter, v string) error { f.AccessKeyID = v; return nil },
	"ip":            func(f *cairn.Filter, v string) error { f.SourceIP = v; return nil },
	"account":       func(f *cairn.Filter, v string) error { f.Account = v; return nil },
	"region":        func(f *cairn.Filter, v string) error { f.Region = v; return nil },
	"error":         func(f *cairn.Filter, v string) error { f.ErrorCode = v; return nil },
	"text":          func(f *cairn.Filter, v string) error { f.Text = v; return nil },
	"readonly": func(f *cairn.Filter, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("readonly must be true or false")
		}
		f.ReadOnly = cairn.BoolOf(b)
		return nil
	},
	"since": func(f *cairn.Filter, v string) (err error) {
		f.Since, err = parseAPITime("since", v)
		return err
	},
	"until": func(f *cairn.Filter, v string) (err error) {
		f.Until, err = parseAPITime("until", v)
		return err
	},
}

func parseAPITime(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 time such as 2026-03-14T03:10:00Z", name)
	}
	return t.UTC(), nil
}

// parseSearch reads a search request's filter, page size and cursor.
func parseSearch(q url.Values) (f cairn.Filter, limit int, after cairn.Cursor, err error) {
	limit = apiSearchDefaultLimit
	token := ""
	for k, vs := range q {
		if strings.HasPrefix(k, "X-Amz-") {
			continue // a presigned URL's signature
		}
		if len(vs) != 1 {
			return f, 0, after, fmt.Errorf("parameter %s given %d times", truncate(k, 40), len(vs))
		}
		v := vs[0]
		switch k {
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > apiSearchMaxLimit {
				return f, 0, after, fmt.Errorf("limit must be a whole number from 1 to %d", apiSearchMaxLimit)
			}
			limit = n
		case "after":
			token = v
		default:
			set, ok := searchParams[k]
			if !ok {
				return f, 0, after, fmt.Errorf("unknown parameter %q", truncate(k, 40))
			}
			if err := set(&f, v); err != nil {
				return f, 0, after, err
			}
		}
	}
	f.TrimSpace()
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, 0, after, errors.New("since must be before until")
	}
	if token != "" {
		if after, err = decodeToken(token, f, scopeSearch); err != nil {
			return f, 0, after, errors.New("invalid after token: reuse it only with the filter of the search that returned it")
		}
	}
	return f, limit, after, nil
}

// searchQuery is the inverse of parseSearch, for the client.
func searchQuery(f cairn.Filter, limit int, after cairn.Cursor) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("event-id", f.EventID)
	set("user", f.User)
	set("event", f.EventName)
	set("service", f.EventSource)
	set("resource", f.ResourceID)
	set("resource-type", f.ResourceType)
	set("access-key", f.AccessKeyID)
	set("ip", f.SourceIP)
	set("account", f.Account)
	set("region", f.Region)
	set("error", f.ErrorCode)
	set("text", f.Text)
	set("readonly", f.ReadOnly.String())
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if !after.IsZero() {
		q.Set("after", encodeToken(after, f, scopeSearch))
	}
	return q
}

// apiHandler is a REST handler that runs after authentication, with the
// request body already read.
type apiHandler func(w http.ResponseWriter, r *http.Request, body []byte, log *slog.Logger)

func (s *Server) registerAPI(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/search", s.api(s.handleSearch))
	mux.Handle("POST /api/v1/sql", s.api(s.handleSQL))
	mux.Handle("GET /api/v1/stats", s.api(s.handleStats))
	mux.Handle("POST /api/v1/ingest", s.api(s.handleIngest))
	mux.Handle("GET /api/v1/timeline", s.api(s.handleTimeline))
	mux.Handle("GET /api/v1/why", s.api(s.handleWhy))
	mux.Handle("GET /api/v1/cost/report", s.api(s.handleCostReport))
	mux.Handle("GET /api/v1/cost/spikes", s.api(s.handleCostSpikes))
	known := map[string]string{"/api/v1/search": "GET", "/api/v1/sql": "POST", "/api/v1/stats": "GET", "/api/v1/ingest": "POST",
		"/api/v1/timeline": "GET", "/api/v1/why": "GET", "/api/v1/cost/report": "GET", "/api/v1/cost/spikes": "GET"}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow, ok := known[r.URL.Path]; ok {
			w.Header().Set("Allow", allow)
			writeAPIError(w, http.StatusMethodNotAllowed, apiCodeBadRequest, "use "+allow+" for "+r.URL.Path)
			return
		}
		writeAPIError(w, http.StatusNotFound, apiCodeNotFound, "no such API endpoint: "+truncate(r.URL.Path, 100))
	})
}

// api authenticates a REST request (SigV4, service "cairn") before h.
func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := newRequestID()
		w.Header().Set("X-Request-Id", reqID)
		log := s.log.With("request_id", reqID, "remote", r.RemoteAddr, "path", r.URL.Path)
		body, err := s.readBody(w, r)
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				writeAPIError(w, http.StatusRequestEntityTooLarge, apiCodeTooLarge,
					fmt.Sprintf("request body exceeds %d bytes", s.cfg.MaxRequestBytes))
				return
			}
			log.Info("read request body", "err", err)
			writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "could not read the request body")
			return
		}
		key, err := s.verifier.Verify(r, body, ServiceCairn)
		if err != nil {
			ae, _ := errors.AsType[*AuthError](err)
			log.Info("request refused", "code", ae.Code, "reason", ae.Message)
			status := http.StatusForbidden
			switch ae.Code {
			case CodeMissingAuthenticationToken:
				status = http.StatusUnauthorized
			case CodeIncompleteSignature:
				status = http.StatusBadRequest
			}
			writeAPIError(w, status, ae.Code, ae.Message)
			return
		}
		if s.isCatchingUp() {
			w.Header().Set(HeaderCatchingUp, "true")
		}
		h(w, r, body, log.With("access_key", key))
	})
}

// HeaderCatchingUp marks a REST answer given while some source of the
// server has not been read whole yet: it covers what is indexed so far.
const HeaderCatchingUp = "Cairn-Catching-Up"

func writeAPIError(w http.ResponseWriter, status int, code, msg string) {
	b, err := json.Marshal(struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}{oneLine(msg), code}, jsonOpts)
	if err != nil {
		b = []byte(`{"error":"internal error","code":"InternalError"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) apiInternalError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	s.internalError(log, r, err)
	writeAPIError(w, http.StatusInternalServerError, apiCodeInternal,
		"internal error; the server log has the details (request "+w.Header().Get("X-Request-Id")+")")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// GET /api/v1/search
//
//	{"events":[<raw record>...], "decoded":[<cairn's view of each>...], "next":"token"}
//
// events holds each record exactly as stored, byte for byte. decoded holds,
// in the same order, the fields cairn extracted (principal, resources with
// their roles), so that a client need not decode the records again.

// eventJSON is cairn's decoded view of an event on the wire.
type eventJSON struct {
	EventID            string         `json:"eventID,omitempty"`
	EventTime          time.Time      `json:"eventTime,omitzero"`
	EventVersion       string         `json:"eventVersion,omitempty"`
	EventSource        string         `json:"eventSource,omitempty"`
	EventName          string         `json:"eventName,omitempty"`
	AWSRegion          string         `json:"awsRegion,omitempty"`
	RecipientAccountID string         `json:"recipientAccountId,omitempty"`
	SourceIPAddress    string         `json:"sourceIPAddress,omitempty"`
	UserAgent          string         `json:"userAgent,omitempty"`
	ErrorCode          string         `json:"errorCode,omitempty"`
	ErrorMessage       string         `json:"errorMessage,omitempty"`
	ReadOnly           *bool          `json:"readOnly,omitempty"`
	EventType          string         `json:"eventType,omitempty"`
	EventCategory      string         `json:"eventCategory,omitempty"`
	ManagementEvent    *bool          `json:"managementEvent,omitempty"`
	RequestID          string         `json:"requestID,omitempty"`
	SharedEventID      string         `json:"sharedEventID,omitempty"`
	VPCEndpointID      string         `json:"vpcEndpointId,omitempty"`
	Principal          principalJSON  `json:"principal"`
	Resources          []resourceJSON `json:"resources,omitempty"`
}

type principalJSON struct {
	Type             string `json:"type,omitempty"`
	ARN              string `json:"arn,omitempty"`
	PrincipalID      string `json:"principalId,omitempty"`
	AccountID        string `json:"accountId,omitempty"`
	AccessKeyID      string `json:"accessKeyId,omitempty"`
	UserName         string `json:"userName,omitempty"`
	RoleARN          string `json:"roleArn,omitempty"`
	SessionName      string `json:"sessionName,omitempty"`
	SourceIdentity   string `json:"sourceIdentity,omitempty"`
	InvokedBy        string `json:"invokedBy,omitempty"`
	OnBehalfOf       string `json:"onBehalfOf,omitempty"`
	IdentityStoreARN string `json:"identityStoreArn,omitempty"`
	IdentityProvider string `json:"identityProvider,omitempty"`
	MFAAuthenticated *bool  `json:"mfaAuthenticated,omitempty"`
	// Key and Name are derived, for readers of the API; clients ignore them.
	Key  string `json:"key,omitempty"`
	Name string `json:"name,omitempty"`
}

type resourceJSON struct {
	ID      string     `json:"id,omitempty"`
	ARN     string     `json:"arn,omitempty"`
	Type    string     `json:"type,omitempty"`
	Account string     `json:"account,omitempty"`
	Region  string     `json:"region,omitempty"`
	Role    cairn.Role `json:"role,omitempty"`
}

func boolPtr(b cairn.Bool) *bool {
	if !b.Known() {
		return nil
	}
	v := b.True()
	return &v
}

func boolOfPtr(b *bool) cairn.Bool {
	if b == nil {
		return cairn.BoolUnset
	}
	return cairn.BoolOf(*b)
}

func toEventJSON(e *cairn.Event) eventJSON {
	p := &e.Principal
	ej := eventJSON{
		EventID: e.EventID, EventTime: e.EventTime, EventVersion: e.EventVersion,
		EventSource: e.EventSource, EventName: e.EventName, AWSRegion: e.AWSRegion,
		RecipientAccountID: e.RecipientAccountID, SourceIPAddress: e.SourceIPAddress,
		UserAgent: e.UserAgent, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage,
		ReadOnly: boolPtr(e.ReadOnly), EventType: e.EventType, EventCategory: e.EventCategory,
		ManagementEvent: boolPtr(e.ManagementEvent), RequestID: e.RequestID,
		SharedEventID: e.SharedEventID, VPCEndpointID: e.VPCEndpointID,
		Principal: principalJSON{
			Type: p.Type, ARN: p.ARN, PrincipalID: p.PrincipalID, AccountID: p.AccountID,
			AccessKeyID: p.AccessKeyID, UserName: p.UserName, RoleARN: p.RoleARN,
			SessionName: p.SessionName, SourceIdentity: p.SourceIdentity, InvokedBy: p.InvokedBy,
			OnBehalfOf: p.OnBehalfOf, IdentityStoreARN: p.IdentityStoreARN,
			IdentityProvider: p.IdentityProvider, MFAAuthenticated: boolPtr(p.MFAAuthenticated),
			Key: p.Key(), Name: p.Name(),
		},
	}
	for _, r := range e.Resources {
		ej.Resources = append(ej.Resources, resourceJSON(r))
	}
	return ej
}

func (ej *eventJSON) event(raw []byte) cairn.Event {
	p := &ej.Principal
	e := cairn.Event{
		EventID: ej.EventID, EventTime: ej.EventTime, EventVersion: ej.EventVersion,
		EventSource: ej.EventSource, EventName: ej.EventName, AWSRegion: ej.AWSRegion,
		RecipientAccountID: ej.RecipientAccountID, SourceIPAddress: ej.SourceIPAddress,
		UserAgent: ej.UserAgent, ErrorCode: ej.ErrorCode, ErrorMessage: ej.ErrorMessage,
		ReadOnly: boolOfPtr(ej.ReadOnly), EventType: ej.EventType, EventCategory: ej.EventCategory,
		ManagementEvent: boolOfPtr(ej.ManagementEvent), RequestID: ej.RequestID,
		SharedEventID: ej.SharedEventID, VPCEndpointID: ej.VPCEndpointID,
		Principal: cairn.Principal{
			Type: p.Type, ARN: p.ARN, PrincipalID: p.PrincipalID, AccountID: p.AccountID,
			AccessKeyID: p.AccessKeyID, UserName: p.UserName, RoleARN: p.RoleARN,
			SessionName: p.SessionName, SourceIdentity: p.SourceIdentity, InvokedBy: p.InvokedBy,
			OnBehalfOf: p.OnBehalfOf, IdentityStoreARN: p.IdentityStoreARN,
			IdentityProvider: p.IdentityProvider, MFAAuthenticated: boolOfPtr(p.MFAAuthenticated),
		},
		Raw: raw,
	}
	for _, r := range ej.Resources {
		e.Resources = append(e.Resources, cairn.ResourceRef(r))
	}
	return e
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, _ []byte, log *slog.Logger) {
	f, limit, after, err := parseSearch(r.URL.Query())
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, err.Error())
		return
	}
	page, err := s.idx.Search(r.Context(), f, after, limit)
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("search: %w", err))
		return
	}
	// The raw records are copied in verbatim: a JSON encoder would
	// reformat them, and Raw must survive byte for byte.
	var buf bytes.Buffer
	buf.WriteString(`{"events":[`)
	decoded := make([]eventJSON, len(page.Events))
	for i := range page.Events {
		if i > 0 {
			buf.WriteByte(',')
		}
		e := &page.Events[i]
		raw := bytes.TrimSpace(e.Raw)
		if jsontext.Value(raw).IsValid() {
			buf.Write(raw)
		} else {
			// Not JSON: send it as a string so the response stays valid.
			log.Warn("stored record is not valid JSON", "event_id", e.EventID)
			b, _ := json.Marshal(string(e.Raw), jsonOpts)
			buf.Write(b)
		}
		decoded[i] = toEventJSON(e)
	}
	buf.WriteString(`],"decoded":`)
	if err := json.MarshalWrite(&buf, decoded, jsonOpts); err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("encode search response: %w", err))
		return
	}
	if !page.Next.IsZero() {
		buf.WriteString(`,"next":`)
		b, _ := json.Marshal(encodeToken(page.Next, f, scopeSearch))
		buf.Write(b)
	}
	buf.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// POST /api/v1/sql {"sql":"SELECT ..."} -> {"columns":[...],"rows":[[...]]}

type sqlRequest struct {
	SQL string `json:"sql"`
}

type sqlResponse struct {
	Columns []string `json:"columns"`
	// Types says "timestamp" for a column whose values are all times or
	// NULL (they travel as RFC 3339 strings), "" otherwise, so that a client
	// can give back the same values as the index.
	Types []string `json:"types"`
	Rows  [][]any  `json:"rows"`
}

const sqlTypeTimestamp = "timestamp"

func (s *Server) handleSQL(w http.ResponseWriter, r *http.Request, body []byte, log *slog.Logger) {
	var req sqlRequest
	if err := json.Unmarshal(body, &req, jsonOpts); err != nil {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, `the body must be {"sql":"SELECT ..."}`)
		return
	}
	if strings.TrimSpace(req.SQL) == "" {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadRequest, "sql is empty")
		return
	}
	t, err := s.idx.Query(r.Context(), req.SQL)
	if errors.Is(err, cairn.ErrQueryRefused) {
		writeAPIError(w, http.StatusBadRequest, apiCodeQueryRefused, err.Error())
		return
	}
	if errors.Is(err, cairn.ErrBadQuery) {
		writeAPIError(w, http.StatusBadRequest, apiCodeBadQuery, err.Error())
		return
	}
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("query: %w", err))
		return
	}
	resp := sqlResponse{Columns: t.Columns, Types: make([]string, len(t.Columns)), Rows: make([][]any, len(t.Rows))}
	if resp.Columns == nil {
		resp.Columns = []string{}
	}
	for j := range resp.Types {
		kind := ""
		for _, row := range t.Rows {
			if j >= len(row) || row[j] == nil {
				continue
			}
			if _, ok := row[j].(time.Time); !ok {
				kind = ""
				break
			}
			kind = sqlTypeTimestamp
		}
		resp.Types[j] = kind
	}
	for i, row := range t.Rows {
		out := make([]any, len(row))
		for j, v := range row {
			out[j] = jsonable(v)
		}
		resp.Rows[i] = out
	}
	b, err := json.Marshal(resp, jsonOpts)
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("encode query result: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// jsonable converts a value from a database row into one that JSON can
// carry: times as RFC 3339 strings, bytes as text (or base64 when not
// UTF-8), non-finite floats as strings, maps with any keys as objects, and
// anything unknown by its fmt form.
func jsonable(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x
	case float32:
		return jsonable(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case time.Duration:
		return x.String()
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return x // base64
	case fmt.Stringer:
		return x.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = jsonable(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = jsonable(it.Value().Interface())
		}
		return out
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return jsonable(rv.Elem().Interface())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint()
	case reflect.Float32, reflect.Float64:
		return jsonable(rv.Float())
	}
	return fmt.Sprint(v)
}

// GET /api/v1/stats

type statsJSON struct {
	Events      int64     `json:"events"`
	Oldest      time.Time `json:"oldest,omitzero"`
	Newest      time.Time `json:"newest,omitzero"`
	Files       int       `json:"files"`
	Bytes       int64     `json:"bytes"`
	Objects     int64     `json:"objects"`
	Quarantined int64     `json:"quarantined"`
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request, _ []byte, log *slog.Logger) {
	st, err := s.idx.Stats(r.Context())
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("stats: %w", err))
		return
	}
	b, err := json.Marshal(statsJSON(st), jsonOpts)
	if err != nil {
		s.apiInternalError(w, r, log, fmt.Errorf("encode stats: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
