package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ErrInvalidRecord is wrapped by every *RecordError.
var ErrInvalidRecord = errors.New("invalid CloudTrail record")

// RecordError says why a record could not be decoded. Callers quarantine the
// file it came from, with Error() as the reason.
type RecordError struct {
	// Record is the record's 1-based number in its file; 0 when unknown.
	Record int
	// Offset is the record's byte offset in the decompressed file, valid
	// when Record is set.
	Offset int64
	// Reason completes the sentence "record N …", e.g. "has no eventID".
	Reason string
}

func (e *RecordError) Error() string {
	if e.Record > 0 {
		return "record " + strconv.Itoa(e.Record) + " (offset " + strconv.FormatInt(e.Offset, 10) + ") " + e.Reason
	}
	return "record " + e.Reason
}

func (e *RecordError) Unwrap() error { return ErrInvalidRecord }

func recordErr(format string, args ...any) error {
	return &RecordError{Reason: fmt.Sprintf(format, args...)}
}

// decodeOptions: json v2's defaults already ignore unknown members and match
// names case-sensitively; duplicate names are tolerated (the last wins).
var decodeOptions = json.JoinOptions(
	jsontext.AllowDuplicateNames(true),
	json.RejectUnknownMembers(false),
	json.MatchCaseInsensitiveNames(false),
)

// record holds the fields of a CloudTrail record that cairn indexes. Big
// payloads are kept as spans of the raw bytes and parsed only when the
// resource table has a rule for the call.
type record struct {
	EventVersion        flexString    `json:"eventVersion"`
	EventID             string        `json:"eventID"`
	EventTime           timeField     `json:"eventTime"`
	Timestamp           timeField     `json:"@timestamp"`
	EventSource         string        `json:"eventSource"`
	EventName           string        `json:"eventName"`
	AWSRegion           string        `json:"awsRegion"`
	RecipientAccountID  flexString    `json:"recipientAccountId"`
	SourceIPAddress     string        `json:"sourceIPAddress"`
	UserAgent           string        `json:"userAgent"`
	ErrorCode           string        `json:"errorCode"`
	ErrorMessage        string        `json:"errorMessage"`
	ReadOnly            flexBool      `json:"readOnly"`
	EventType           string        `json:"eventType"`
	EventCategory       string        `json:"eventCategory"`
	ManagementEvent     flexBool      `json:"managementEvent"`
	RequestID           string        `json:"requestID"`
	SharedEventID       string        `json:"sharedEventID"`
	VPCEndpointID       string        `json:"vpcEndpointId"`
	SourceIdentity      string        `json:"sourceIdentity"`
	UserIdentity        *userIdentity `json:"userIdentity"`
	Resources           []resource    `json:"resources"`
	RequestParameters   span          `json:"requestParameters"`
	ResponseElements    span          `json:"responseElements"`
	ServiceEventDetails span          `json:"serviceEventDetails"`
	// EventData carries the fields of events that applications record
	// through PutAuditEvents (eventCategory ActivityAuditLog).
	EventData *activityEventData `json:"eventData"`

	seen repeats // kept from record to record by the pool
}

// EventCategoryActivity is the eventCategory of the events applications
// record through PutAuditEvents. CloudTrail keeps them in Lake alone: its
// event history (LookupEvents) and its trails have none.
const EventCategoryActivity = "ActivityAuditLog"

// activityEventData is the eventData of an integration event, as CloudTrail
// Lake stores it: the application's own who, what and from where.
type activityEventData struct {
	EventSource       string        `json:"eventSource"`
	EventName         string        `json:"eventName"`
	UserIdentity      *userIdentity `json:"userIdentity"`
	UserAgent         string        `json:"userAgent"`
	SourceIPAddress   string        `json:"sourceIPAddress"`
	ErrorCode         string        `json:"errorCode"`
	ErrorMessage      string        `json:"errorMessage"`
	RequestParameters span          `json:"requestParameters"`
	ResponseElements  span          `json:"responseElements"`
}

// liftEventData fills the record's fields from eventData, where an
// integration event keeps them.
func (rec *record) liftEventData() {
	d := rec.EventData
	if d == nil || rec.EventName != "" {
		return
	}
	rec.EventSource, rec.EventName = d.EventSource, d.EventName
	rec.UserIdentity = d.UserIdentity
	rec.UserAgent, rec.SourceIPAddress = d.UserAgent, d.SourceIPAddress
	rec.ErrorCode, rec.ErrorMessage = d.ErrorCode, d.ErrorMessage
	rec.RequestParameters, rec.ResponseElements = d.RequestParameters, d.ResponseElements
}

// records recycles decoding structs: a record is big, and Decode runs for
// every event.
var records = sync.Pool{New: func() any { return new(record) }}

// reset empties r for the next record, keeping its buffers and the values
// it has seen.
func (r *record) reset() { *r = record{Resources: r.Resources[:0], seen: r.seen} }

func putRecord(r *record) {
	r.reset()
	records.Put(r)
}

// resource is one entry of resources[]. CloudTrail writes ARN in upper case;
// some tools lower-case it.
type resource struct {
	ARN       string     `json:"ARN"`
	ARNLower  string     `json:"arn"`
	ARNPrefix string     `json:"ARNPrefix"`
	AccountID flexString `json:"accountId"`
	Type      string     `json:"type"`
}

// checkObject says, as a *RecordError, why raw is not a JSON object.
func checkObject(raw []byte) error {
	i := skipSpace(raw, 0)
	if i == len(raw) {
		return recordErr("is empty")
	}
	if raw[i] != '{' {
		return recordErr("is not a JSON object but %s", kindName(jsontext.Value(raw[i:]).Kind()))
	}
	return nil
}

// Decode decodes one raw record into an Event whose Raw is raw itself (not a
// copy, not re-serialised); the event's strings may share raw's memory, so
// raw must not change afterwards. Errors are *RecordError with a one-line
// reason.
func Decode(raw []byte) (cairn.Event, error) {
	return decode(raw, jsontext.Value(raw).IsValid(readOptions))
}

// decodeValid is Decode for a record known to be valid JSON, as the Reader
// returns them.
func decodeValid(raw []byte) (cairn.Event, error) { return decode(raw, true) }

// decode decodes raw; valid says that it is valid JSON, which scanRecord
// needs.
func decode(raw []byte, valid bool) (cairn.Event, error) {
	if err := checkObject(raw); err != nil {
		return cairn.Event{}, err
	}
	rec := records.Get().(*record)
	defer putRecord(rec)
	if !valid || !scanRecord(raw, rec) {
		// json.Unmarshal says what is wrong: invalid JSON, or a value of
		// the wrong type, and where.
		rec.reset()
		if err := json.Unmarshal(raw, rec, decodeOptions); err != nil {
			return cairn.Event{}, &RecordError{Reason: unmarshalReason(err)}
		}
	}
	return eventOf(rec, raw)
}

// decodeAt decodes the record at the start of b, which may go on after it,
// checking as it reads that the record is valid JSON; the Reader's fast
// path (reader_fast.go) reads a file this way. It returns the record's
// length and the decoding error, if any; scanned is false when the cursor
// gave up (scanRecord), and the caller must read the record otherwise.
func decodeAt(b []byte) (ev cairn.Event, n int, err error, scanned bool) {
	rec := records.Get().(*record)
	defer putRecord(rec)
	n, scanned = scanRecordAt(b, rec)
	if !scanned {
		return cairn.Event{}, 0, nil, false
	}
	ev, err = eventOf(rec, b[:n:n])
	return ev, n, err, true
}

// eventOf builds the event of a decoded record.
func eventOf(rec *record, raw []byte) (cairn.Event, error) {
	rec.liftEventData()
	t := rec.EventTime
	if !t.ok {
		which := "" // the record's ID, when it has one
		if rec.EventID != "" {
			which = rec.EventID + " "
		}
		if rec.Timestamp.ok {
			t = rec.Timestamp
		} else if t.bad != "" {
			return cairn.Event{}, recordErr("%shas an unusable eventTime %q", which, t.bad)
		} else {
			return cairn.Event{}, recordErr("%shas no eventTime", which)
		}
	}
	if rec.EventID == "" {
		rec.EventID = DerivedEventID(raw)
	}
	ev := cairn.Event{
		EventID:            rec.EventID,
		EventTime:          t.t,
		EventVersion:       string(rec.EventVersion),
		EventSource:        rec.EventSource,
		EventName:          rec.EventName,
		AWSRegion:          rec.AWSRegion,
		RecipientAccountID: string(rec.RecipientAccountID),
		SourceIPAddress:    rec.SourceIPAddress,
		UserAgent:          rec.UserAgent,
		ErrorCode:          rec.ErrorCode,
		ErrorMessage:       rec.ErrorMessage,
		ReadOnly:           cairn.Bool(rec.ReadOnly),
		EventType:          normalizeEventType(rec.EventType),
		EventCategory:      rec.EventCategory,
		ManagementEvent:    cairn.Bool(rec.ManagementEvent),
		RequestID:          rec.RequestID,
		SharedEventID:      rec.SharedEventID,
		VPCEndpointID:      rec.VPCEndpointID,
		Raw:                raw,
	}
	ev.Principal = principalOf(rec.UserIdentity, rec.SourceIdentity)
	ev.Resources = extractResources(&ev, rec, raw)
	return ev, nil
}

// normalizeEventType emits the current spelling of eventType values whose
// spelling drifted (format reference §0.7).
func normalizeEventType(s string) string {
	switch s {
	case "AwsConsoleSignin", "ConsoleSignin", "ConsoleSignIn":
		return "AwsConsoleSignIn"
	case "AwsVpceEvents":
		return "AwsVpceEvent"
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// unmarshalReason phrases an unmarshal error as the end of "record …".
func unmarshalReason(err error) string {
	var se *json.SemanticError
	if errors.As(err, &se) {
		where := string(se.JSONPointer)
		if where == "" {
			where = "the top level"
		}
		if se.JSONKind != 0 && se.GoType != nil {
			return fmt.Sprintf("has %s at %s where %s is expected", kindName(se.JSONKind), where, goKindName(se.GoType))
		}
		if se.Err != nil {
			return fmt.Sprintf("has an unusable value at %s: %v", where, se.Err)
		}
		return fmt.Sprintf("has an unusable value at %s", where)
	}
	var sy *jsontext.SyntacticError
	if errors.As(err, &sy) {
		if errors.Is(sy.Err, io.ErrUnexpectedEOF) {
			return fmt.Sprintf("is truncated JSON at offset %d", sy.ByteOffset)
		}
		return fmt.Sprintf("is not valid JSON at offset %d: %v", sy.ByteOffset, sy.Err)
	}
	return "cannot be decoded: " + err.Error()
}

func goKindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[flexString]():
		return "a string"
	case reflect.TypeFor[flexBool]():
		return "a boolean"
	case reflect.TypeFor[timeField]():
		return "a time"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	}
	return "a " + t.Kind().String()
}

// flexBool is a boolean that CloudTrail sometimes writes as a string. Values
// other than true/false (in either form) read as unset.
type flexBool cairn.Bool

func (b *flexBool) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	b.set(v)
	return nil
}

// set reads a boolean from any JSON value.
func (b *flexBool) set(v []byte) {
	switch {
	case len(v) == 4 && string(v) == "true":
		*b = flexBool(cairn.BoolTrue)
	case len(v) == 5 && string(v) == "false":
		*b = flexBool(cairn.BoolFalse)
	case bytes.EqualFold(v, []byte(`"true"`)):
		*b = flexBool(cairn.BoolTrue)
	case bytes.EqualFold(v, []byte(`"false"`)):
		*b = flexBool(cairn.BoolFalse)
	default:
		*b = flexBool(cairn.BoolUnset)
	}
}

// flexString is a string that some tools write as a number (account IDs,
// eventVersion). A number keeps its literal text.
type flexString string

func (s *flexString) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return s.set(v)
}

// set reads a string, a number's text, or null from a JSON value.
func (s *flexString) set(v jsontext.Value) error {
	switch v.Kind() {
	case '"':
		*s = flexString(unquote(v))
	case '0':
		*s = flexString(v)
	case 'n':
		*s = ""
	default:
		return fmt.Errorf("found %s where a string is expected", kindName(v.Kind()))
	}
	return nil
}

// unquote returns a JSON string's value, without the unquoting machinery when
// it has no escapes (the common case).
func unquote(v jsontext.Value) string {
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return internString(inner)
	}
	b, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return string(inner)
	}
	return string(b)
}

// internString returns well-known values without allocating.
func internString(b []byte) string {
	if s, ok := interned[string(b)]; ok {
		return s
	}
	return string(b)
}

var interned = map[string]string{}

func init() {
	for _, s := range []string{
		"1.0", "1.01", "1.02", "1.03", "1.04", "1.05", "1.06", "1.07", "1.08", "1.09", "1.10", "1.11",
	} {
		interned[s] = s
	}
}

// timeField is a timestamp in any of the forms ParseTime accepts, or an
// epoch number (seconds, or milliseconds when large). An unusable value is
// kept in bad for the error message rather than failing the unmarshal, so
// that a good @timestamp can stand in for a bad eventTime.
type timeField struct {
	t   time.Time
	ok  bool
	bad string
}

func (f *timeField) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	f.set(v)
	return nil
}

// set reads a time from any JSON value.
func (f *timeField) set(v jsontext.Value) {
	*f = timeField{}
	switch v.Kind() {
	case '"':
		inner := v[1 : len(v)-1]
		if t, ok := parseTime(inner); ok {
			f.t, f.ok = t, true
			return
		}
		f.bad = unquote(v)
	case '0':
		if n, err := strconv.ParseFloat(string(v), 64); err == nil && n > 0 {
			if n > 1e11 {
				n /= 1000
			}
			sec := int64(n)
			f.t = time.Unix(sec, int64((n-float64(sec))*1e9)).UTC().Truncate(time.Millisecond)
			f.ok = true
			return
		}
		f.bad = string(v)
	case 'n':
	default:
		f.bad = string(v)
	}
}
