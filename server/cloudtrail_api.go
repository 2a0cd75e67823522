package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// The CloudTrail API speaks AWS JSON 1.1: POST / with the operation in
// X-Amz-Target, errors as {"__type","message"} plus X-Amzn-ErrorType.
const (
	contentTypeJSON11  = "application/x-amz-json-1.1"
	cloudTrailTarget   = "CloudTrail_20131101."
	cloudTrailTargetNS = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

	lookupMaxResults     = 50
	lookupMaxValueLength = 2000
)

// awsError is an error the caller caused, returned in AWS's shape.
type awsError struct {
	status  int
	code    string
	message string
}

func (e *awsError) Error() string { return e.code + ": " + e.message }

func errBadRequest(code, format string, args ...any) *awsError {
	return &awsError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// jsonOpts allow invalid UTF-8 in raw records and caller input to pass
// through (mangled to U+FFFD) rather than fail a whole response.
var jsonOpts = json.JoinOptions(jsontext.AllowInvalidUTF8(true), json.Deterministic(true))

type cloudTrailOp func(s *Server, ctx context.Context, body []byte) (any, error)

// signedRegionKey keys, in an operation's context, the region its request
// was signed for: the region the client called, as AWS's endpoints are.
type signedRegionKey struct{}

var cloudTrailOps = map[string]cloudTrailOp{
	"LookupEvents":   (*Server).lookupEvents,
	"DescribeTrails": (*Server).describeTrails,
	"ListTrails":     (*Server).listTrails,
	"GetTrail":       (*Server).getTrail,
	"GetTrailStatus": (*Server).getTrailStatus,
	"ListPublicKeys": (*Server).listPublicKeys,
	// CloudTrail Lake's queries (lake_api.go).
	"StartQuery":          (*Server).startQuery,
	"DescribeQuery":       (*Server).describeQuery,
	"GetQueryResults":     (*Server).getQueryResults,
	"CancelQuery":         (*Server).cancelQuery,
	"ListQueries":         (*Server).listQueries,
	"ListEventDataStores": (*Server).listEventDataStores,
	"GetEventDataStore":   (*Server).getEventDataStore,
}

// handleAWSJSON serves POST /: it authenticates, then dispatches on
// X-Amz-Target, as AWS does (an unsigned request to an unknown operation is
// refused for the missing signature first).
func (s *Server) handleAWSJSON(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Amzn-Requestid", reqID)
	log := s.log.With("request_id", reqID, "remote", r.RemoteAddr)

	body, err := s.readBody(w, r)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeJSON11Error(w, &awsError{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
				fmt.Sprintf("Request body exceeds %d bytes.", s.cfg.MaxRequestBytes)})
			return
		}
		log.Info("read request body", "err", err)
		writeJSON11Error(w, errBadRequest("SerializationException", "Could not read the request body."))
		return
	}
	key, err := s.verifier.Verify(r, body, ServiceCloudTrail)
	if err != nil {
		ae, _ := errors.AsType[*AuthError](err)
		log.Info("request refused", "code", ae.Code, "reason", ae.Message)
		writeJSON11Error(w, &awsError{http.StatusBadRequest, ae.Code, ae.Message})
		return
	}

	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, cloudTrailTargetNS)
	if !ok {
		name, ok = strings.CutPrefix(target, cloudTrailTarget)
	}
	op := cloudTrailOps[name]
	if !ok || op == nil {
		log.Info("unknown operation", "target", truncate(target, 200))
		asked := "and the request names no operation (its X-Amz-Target header)"
		if name != "" {
			asked = "not " + truncate(name, 100)
		}
		writeJSON11Error(w, errBadRequest("UnknownOperationException",
			"cairn serves LookupEvents, DescribeTrails, ListTrails, GetTrail, GetTrailStatus, ListPublicKeys, StartQuery, DescribeQuery, GetQueryResults, CancelQuery, ListQueries, ListEventDataStores and GetEventDataStore of CloudTrail's API, %s.", asked))
		return
	}
	log = log.With("op", name, "access_key", key)

	ctx := r.Context()
	if sr, err := parseAuthorization(r.Header.Get("Authorization")); err == nil {
		ctx = context.WithValue(ctx, signedRegionKey{}, sr.region)
	}
	out, err := op(s, ctx, body)
	if err != nil {
		if ae, ok := errors.AsType[*awsError](err); ok {
			log.Info("request failed", "code", ae.code, "message", ae.message)
			writeJSON11Error(w, ae)
			return
		}
		s.internalError(log, r, err)
		writeJSON11Error(w, &awsError{http.StatusInternalServerError, "InternalFailure",
			"The request processing has failed because of an unknown error, exception or failure."})
		return
	}
	b, err := json.Marshal(out, jsonOpts)
	if err != nil {
		s.internalError(log, r, fmt.Errorf("encode %s response: %w", name, err))
		writeJSON11Error(w, &awsError{http.StatusInternalServerError, "InternalFailure",
			"The request processing has failed because of an unknown error, exception or failure."})
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON11)
	_, _ = w.Write(b)
	log.Debug("request served", "bytes", len(b))
}

// internalError logs an error that the caller must not see. A request whose
// caller went away is not an error of the server's.
func (s *Server) internalError(log *slog.Logger, r *http.Request, err error) {
	if r.Context().Err() != nil {
		log.Info("request abandoned by the client", "err", err)
		return
	}
	log.Error("request failed", "err", err)
}

func writeJSON11Error(w http.ResponseWriter, e *awsError) {
	b, err := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.code, e.message}, jsonOpts)
	if err != nil {
		b = []byte(`{"__type":"InternalFailure","message":""}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON11)
	h.Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

// decodeInput unmarshals a JSON 1.1 request body; an empty body is {}.
func decodeInput(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v, jsonOpts); err != nil {
		return errBadRequest("SerializationException", "%s", serializationMessage(err))
	}
	return nil
}

// serializationMessage describes a decoding error by where it happened,
// without Go type names.
func serializationMessage(err error) string {
	if se, ok := errors.AsType[*json.SemanticError](err); ok && se.JSONPointer != "" {
		return fmt.Sprintf("Unexpected value at %s.", se.JSONPointer)
	}
	if se, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		return fmt.Sprintf("Malformed JSON at byte offset %d.", se.ByteOffset)
	}
	return "Malformed request body."
}

// LookupEvents

type lookupAttribute struct {
	AttributeKey   string `json:"AttributeKey"`
	AttributeValue string `json:"AttributeValue"`
}

type lookupEventsInput struct {
	LookupAttributes []lookupAttribute `json:"LookupAttributes"`
	// Timestamps are epoch seconds, possibly fractional, as the SDKs send.
	StartTime     *float64 `json:"StartTime"`
	EndTime       *float64 `json:"EndTime"`
	EventCategory *string  `json:"EventCategory"`
	MaxResults    *int64   `json:"MaxResults"`
	NextToken     *string  `json:"NextToken"`
}

type lookupResource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

type lookupEvent struct {
	EventId         string           `json:"EventId,omitempty"`
	EventName       string           `json:"EventName,omitempty"`
	ReadOnly        string           `json:"ReadOnly,omitempty"`
	AccessKeyId     string           `json:"AccessKeyId,omitempty"`
	EventTime       float64          `json:"EventTime"`
	EventSource     string           `json:"EventSource,omitempty"`
	Username        string           `json:"Username,omitempty"`
	Resources       []lookupResource `json:"Resources"` // [] when none, as AWS answers
	CloudTrailEvent string           `json:"CloudTrailEvent,omitempty"`
}

type lookupEventsOutput struct {
	Events    []lookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

// lookupAttributeKeys maps each LookupAttribute key onto the filter field it
// sets. Unlike AWS, which takes one attribute, several combine with AND.
var lookupAttributeKeys = map[string]func(f *cairn.Filter, v string) error{
	"EventId":      func(f *cairn.Filter, v string) error { f.EventID = v; return nil },
	"EventName":    func(f *cairn.Filter, v string) error { f.EventName = v; return nil },
	"Username":     func(f *cairn.Filter, v string) error { f.User = v; return nil },
	"ResourceType": func(f *cairn.Filter, v string) error { f.ResourceType = v; return nil },
	"ResourceName": func(f *cairn.Filter, v string) error { f.ResourceID = v; return nil },
	"EventSource":  func(f *cairn.Filter, v string) error { f.EventSource = v; return nil },
	"AccessKeyId":  func(f *cairn.Filter, v string) error { f.AccessKeyID = v; return nil },
	"ReadOnly": func(f *cairn.Filter, v string) error {
		switch strings.ToLower(v) {
		case "true":
			f.ReadOnly = cairn.BoolTrue
		case "false":
			f.ReadOnly = cairn.BoolFalse
		default:
			return errors.New("ReadOnly must be true or false")
		}
		return nil
	},
}

// insightAttributeKeys are the attributes AWS allows for Insights lookups.
var insightAttributeKeys = map[string]bool{"EventId": true, "EventName": true, "EventSource": true}

// lookupFilter turns a LookupEvents request into a filter, validating it as
// AWS does.
func lookupFilter(in *lookupEventsInput) (cairn.Filter, bool, error) {
	var f cairn.Filter
	insight := false
	if in.EventCategory != nil {
		if *in.EventCategory != "insight" {
			return f, false, errBadRequest("InvalidEventCategoryException", "EventCategory must be insight or omitted.")
		}
		insight = true
	}
	seen := make(map[string]bool, len(in.LookupAttributes))
	for _, a := range in.LookupAttributes {
		set, ok := lookupAttributeKeys[a.AttributeKey]
		if !ok {
			return f, false, errBadRequest("InvalidLookupAttributesException",
				"Invalid AttributeKey %q. Valid keys are EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.",
				truncate(a.AttributeKey, 100))
		}
		if insight && !insightAttributeKeys[a.AttributeKey] {
			return f, false, errBadRequest("InvalidLookupAttributesException",
				"Insights lookups accept only the EventId, EventName and EventSource attributes.")
		}
		if seen[a.AttributeKey] {
			return f, false, errBadRequest("InvalidLookupAttributesException",
				"AttributeKey %s appears more than once.", a.AttributeKey)
		}
		seen[a.AttributeKey] = true
		if a.AttributeValue == "" || len(a.AttributeValue) > lookupMaxValueLength {
			return f, false, errBadRequest("InvalidLookupAttributesException",
				"AttributeValue for %s must be 1 to %d characters long.", a.AttributeKey, lookupMaxValueLength)
		}
		if err := set(&f, a.AttributeValue); err != nil {
			return f, false, errBadRequest("InvalidLookupAttributesException", "%s.", err.Error())
		}
	}
	var start, end time.Time
	var err error
	if in.StartTime != nil {
		if start, err = epochTime(*in.StartTime); err != nil {
			return f, false, errBadRequest("InvalidTimeRangeException", "StartTime: %v.", err)
		}
		f.Since = start
	}
	if in.EndTime != nil {
		if end, err = epochTime(*in.EndTime); err != nil {
			return f, false, errBadRequest("InvalidTimeRangeException", "EndTime: %v.", err)
		}
		// EndTime is inclusive, Filter.Until exclusive. Indexes keep at
		// least microseconds, so one microsecond past the end includes
		// an event at exactly EndTime and nothing after it.
		f.Until = end.Truncate(time.Microsecond).Add(time.Microsecond)
	}
	if in.StartTime != nil && in.EndTime == nil && start.After(time.Now()) {
		// AWS's EndTime defaults to now, so a StartTime after it is a range
		// of nothing, refused as one.
		return f, false, errBadRequest("InvalidTimeRangeException", "StartTime must be before or equal to EndTime, which is now when not given.")
	}
	if in.StartTime != nil && in.EndTime != nil && start.After(end) {
		return f, false, errBadRequest("InvalidTimeRangeException", "StartTime must be before or equal to EndTime.")
	}
	return f, insight, nil
}

// epochTime converts epoch seconds to a time, rounded to the microsecond
// (the SDKs send milliseconds, and float64 blurs the last digits).
func epochTime(sec float64) (time.Time, error) {
	if math.IsNaN(sec) || math.IsInf(sec, 0) || sec < -62135596800 || sec > 253402300799 {
		return time.Time{}, errors.New("out of range")
	}
	whole := math.Floor(sec)
	micros := math.Round((sec - whole) * 1e6)
	return time.Unix(int64(whole), int64(micros)*1e3).UTC(), nil
}

func epochSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond()/1e6)/1e3
}

func (s *Server) lookupEvents(ctx context.Context, body []byte) (any, error) {
	var in lookupEventsInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	f, insight, err := lookupFilter(&in)
	if err != nil {
		return nil, err
	}
	limit := lookupMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > lookupMaxResults {
			return nil, errBadRequest("InvalidMaxResultsException",
				"Value %d for MaxResults is invalid. MaxResults must be between 1 and %d.", *in.MaxResults, lookupMaxResults)
		}
		limit = int(*in.MaxResults)
	}
	scope := scopeLookupEvents
	if insight {
		scope = scopeLookupInsight
	}
	var after cairn.Cursor
	if in.NextToken != nil && *in.NextToken != "" {
		if after, err = decodeToken(*in.NextToken, f, scope); err != nil {
			return nil, errBadRequest("InvalidNextTokenException",
				"Invalid NextToken. Reuse a NextToken only with the parameters of the call that returned it.")
		}
	}
	out := lookupEventsOutput{Events: []lookupEvent{}}
	if insight {
		next, events, err := s.lookupInsights(ctx, f, after, limit)
		if err != nil {
			return nil, err
		}
		out.Events = append(out.Events, events...)
		if !next.IsZero() {
			out.NextToken = encodeToken(next, f, scope)
		}
		return out, nil
	}
	page, err := s.searchLookup(ctx, f, after, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for i := range page.Events {
		out.Events = append(out.Events, toLookupEvent(&page.Events[i]))
	}
	if !page.Next.IsZero() {
		out.NextToken = encodeToken(page.Next, f, scope)
	}
	return out, nil
}

// lookupScan bounds the events one page of LookupEvents reads (a variable
// for tests).
var lookupScan = 5000

// searchLookup answers LookupEvents with the events CloudTrail's event
// history holds: CloudTrail records, not the AWS Health and EC2 state-change
// events that cairn keeps beside them in EventBridge form (another shape
// altogether), nor the events applications record (PutAuditEvents), which
// CloudTrail keeps in Lake alone, in a shape of their own (eventData); and, for a Username lookup, those whose Username
// (lookupUsername) is the value, where cairn's user filter also matches a
// role's name or ARN, a principal ID, a source identity. It reads the
// filter's matches in order and keeps those; after reading lookupScan of
// them it returns what it kept, maybe nothing, with a token to go on, as
// AWS may return a short or empty page.
func (s *Server) searchLookup(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Page, error) {
	keep := func(e *cairn.Event) bool {
		return !cloudtrail.EventBridgeCategory(e.EventCategory) && e.EventCategory != cloudtrail.EventCategoryActivity &&
			(f.User == "" || lookupUsername(&e.Principal) == f.User)
	}
	// A page's worth and one more, which says whether there is a next
	// page; twice as many each time events were left out. A Username's
	// matches are mostly not kept, so those are read 500 at a time.
	want := limit + 1
	if f.User != "" {
		want = 500
	}
	var out cairn.Page
	for read := 0; read < lookupScan; want = min(2*want, 500) {
		page, err := s.idx.Search(ctx, f, after, min(want, lookupScan))
		if err != nil {
			return cairn.Page{}, err
		}
		for i := range page.Events {
			e := &page.Events[i]
			read++
			if !keep(e) {
				continue
			}
			out.Events = append(out.Events, *e)
			if len(out.Events) == limit {
				if i < len(page.Events)-1 || !page.Next.IsZero() {
					out.Next = cairn.Cursor{EventTime: e.EventTime, Key: e.DedupKey()}
				}
				return out, nil
			}
		}
		if page.Next.IsZero() {
			return out, nil
		}
		after = page.Next
	}
	out.Next = after
	return out, nil
}

func toLookupEvent(e *cairn.Event) lookupEvent {
	le := lookupEvent{
		EventId:         e.EventID,
		EventName:       e.EventName,
		ReadOnly:        e.ReadOnly.String(),
		AccessKeyId:     e.Principal.AccessKeyID,
		EventTime:       epochSeconds(e.EventTime),
		EventSource:     e.EventSource,
		Username:        lookupUsername(&e.Principal),
		CloudTrailEvent: string(e.Raw),
	}
	le.Resources = []lookupResource{}
	seen := make(map[lookupResource]bool, len(e.Resources))
	for _, r := range e.Resources {
		lr := lookupResource{ResourceType: r.Type, ResourceName: r.ID}
		if lr.ResourceName == "" {
			lr.ResourceName = r.ARN
		}
		if lr == (lookupResource{}) || seen[lr] {
			continue
		}
		seen[lr] = true
		le.Resources = append(le.Resources, lr)
	}
	return le
}

// lookupUsername is Event.Username as CloudTrail's event history fills it:
// the IAM user, the role session for an assumed role, "root" for the root
// user, the service for service calls.
func lookupUsername(p *cairn.Principal) string {
	switch p.Type {
	case "Root":
		return "root"
	case "AssumedRole":
		if p.SessionName != "" {
			return p.SessionName
		}
	case "AWSService":
		if p.InvokedBy != "" {
			return p.InvokedBy
		}
	}
	if p.UserName != "" {
		return p.UserName
	}
	if i := strings.LastIndexByte(p.ARN, '/'); i >= 0 {
		return p.ARN[i+1:]
	}
	if p.InvokedBy != "" {
		return p.InvokedBy
	}
	// Events that applications record name their user by principalId only.
	return p.PrincipalID
}
