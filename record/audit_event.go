package record

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The limits of PutAuditEvents, as AWS documents them.
const (
	MaxEventsPerRequest = 100
	MaxRequestBytes     = 1 << 20
	MaxEventDataBytes   = 256 << 10 // CloudTrail Lake's default event size
	maxPayloadBytes     = 100 << 10 // requestParameters, responseElements
	maxAdditionalBytes  = 28 << 10  // additionalEventData
)

// Per-event error codes of PutAuditEvents (failed[].errorCode).
const (
	CodeFieldTooLong       = "FieldTooLong"
	CodeFieldNotFound      = "FieldNotFound"
	CodeInvalidChecksum    = "InvalidChecksum"
	CodeInvalidData        = "InvalidData"
	CodeInvalidRecipient   = "InvalidRecipient"
	CodeInvalidEventSource = "InvalidEventSource"
	CodeInternalFailure    = "InternalFailure"
)

// AuditEvent is one entry of a PutAuditEvents request.
type AuditEvent struct {
	ID                string `json:"id"`
	EventData         string `json:"eventData"`
	EventDataChecksum string `json:"eventDataChecksum,omitempty"`
}

// Rejection says why one audit event was not accepted.
type Rejection struct {
	Code    string
	Message string
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Message }

func reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// idPattern is the documented pattern of an audit event's id.
var idPattern = regexp.MustCompile(`^[-_A-Za-z0-9]{1,128}$`)

// ValidID reports whether id is an acceptable audit event id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// eventData is the documented schema of an audit event's eventData. Sizes
// are checked on the raw members, so that oversized values are rejected
// rather than truncated.
type eventData struct {
	Version             *string        `json:"version"`
	UserIdentity        *userIdentity  `json:"userIdentity"`
	UserAgent           *string        `json:"userAgent"`
	EventSource         *string        `json:"eventSource"`
	EventName           *string        `json:"eventName"`
	EventTime           *string        `json:"eventTime"`
	UID                 *string        `json:"UID"`
	RequestParameters   jsontext.Value `json:"requestParameters"`
	ResponseElements    jsontext.Value `json:"responseElements"`
	ErrorCode           *string        `json:"errorCode"`
	ErrorMessage        *string        `json:"errorMessage"`
	SourceIPAddress     *string        `json:"sourceIPAddress"`
	RecipientAccountID  *string        `json:"recipientAccountId"`
	AdditionalEventData jsontext.Value `json:"additionalEventData"`
}

type userIdentity struct {
	Type        *string        `json:"type"`
	PrincipalID *string        `json:"principalId"`
	Details     jsontext.Value `json:"details"`
}

// eventTimeLayouts are the forms of eventData.eventTime accepted: AWS's
// documented "yyyy-MM-ddTHH:mm:ss" in UTC, with or without a zone or
// fraction.
var eventTimeLayouts = []string{"2006-01-02T15:04:05", time.RFC3339Nano}

// maxEventTimeAhead is how far past the server's clock an eventTime may
// lie: the sender's clock may run somewhat ahead.
const maxEventTimeAhead = time.Hour

// Accepted is an audit event ready for the journal.
type Accepted struct {
	EventID string
	Record  []byte // the stored record (docs/formats/record.md)
}

// Accept validates one audit event sent on ch and builds its stored record,
// or says why it is rejected.
func Accept(ch *Channel, ev *AuditEvent, now time.Time) (Accepted, *Rejection) {
	data := ev.EventData
	if data == "" {
		return Accepted{}, reject(CodeFieldNotFound, "eventData is missing")
	}
	if len(data) > MaxEventDataBytes {
		return Accepted{}, reject(CodeFieldTooLong, "eventData is %d bytes; the limit is %d", len(data), MaxEventDataBytes)
	}
	if ev.EventDataChecksum != "" {
		sum := sha256.Sum256([]byte(data))
		if base64.StdEncoding.EncodeToString(sum[:]) != ev.EventDataChecksum {
			return Accepted{}, reject(CodeInvalidChecksum, "eventDataChecksum does not match the SHA-256 of eventData (base64, as openssl dgst -binary -sha256 | base64 gives it)")
		}
	}
	raw := jsontext.Value(data)
	if !raw.IsValid() {
		return Accepted{}, reject(CodeInvalidData, "eventData is not valid JSON: %s", truncate(invalidJSONReason(data), 200))
	}
	if !utf8.ValidString(data) || raw.Kind() != '{' {
		return Accepted{}, reject(CodeInvalidData, "eventData is not a JSON object")
	}
	var d eventData
	if err := json.Unmarshal(raw, &d, json.RejectUnknownMembers(false)); err != nil {
		return Accepted{}, reject(CodeInvalidData, "eventData does not follow the schema: %s", schemaReason(err))
	}
	t, rej := d.validate(ch, now)
	if rej != nil {
		return Accepted{}, rej
	}
	id := newEventID()
	rec, err := storedRecord(ch, id, t, now, raw)
	if err != nil {
		return Accepted{}, reject(CodeInvalidData, "eventData cannot be stored: %v", err)
	}
	return Accepted{EventID: id, Record: rec}, nil
}

// invalidJSONReason says what is wrong with eventData that is not one
// valid JSON value (a repeated member name, a lone surrogate, content after
// the value), in the decoder's words less its package's name.
func invalidJSONReason(data string) string {
	dec := jsontext.NewDecoder(strings.NewReader(data))
	v, err := dec.ReadValue()
	if err != nil {
		return strings.TrimPrefix(err.Error(), "jsontext: ")
	}
	// The first value is whole and valid: something follows it.
	what := "the JSON value"
	if v.Kind() == '{' {
		what = "the JSON object"
	}
	rest := strings.TrimLeft(data[dec.InputOffset():], " \t\r\n")
	at := len(data) - len(rest)
	return fmt.Sprintf("there is more after %s, from byte %d (%q): send one object per event", what, at, truncate(rest, 16))
}

func (d *eventData) validate(ch *Channel, now time.Time) (time.Time, *Rejection) {
	required := []struct {
		name string
		v    *string
		max  int
	}{
		{"version", d.Version, 256},
		{"eventSource", d.EventSource, 1024},
		{"eventName", d.EventName, 1024},
		{"eventTime", d.EventTime, 64},
		{"UID", d.UID, 1024},
		{"recipientAccountId", d.RecipientAccountID, 1024},
	}
	for _, f := range required {
		if f.v == nil || *f.v == "" {
			return time.Time{}, reject(CodeFieldNotFound, "eventData.%s is missing", f.name)
		}
		if longerThan(*f.v, f.max) {
			return time.Time{}, reject(CodeFieldTooLong, "eventData.%s is longer than %d characters", f.name, f.max)
		}
	}
	if d.UserIdentity == nil {
		return time.Time{}, reject(CodeFieldNotFound, "eventData.userIdentity is missing")
	}
	if u := d.UserIdentity; u.Type == nil || *u.Type == "" {
		return time.Time{}, reject(CodeFieldNotFound, "eventData.userIdentity.type is missing")
	} else if longerThan(*u.Type, 128) {
		return time.Time{}, reject(CodeFieldTooLong, "eventData.userIdentity.type is longer than 128 characters")
	} else if u.PrincipalID == nil || *u.PrincipalID == "" {
		return time.Time{}, reject(CodeFieldNotFound, "eventData.userIdentity.principalId is missing")
	} else if longerThan(*u.PrincipalID, 1024) {
		return time.Time{}, reject(CodeFieldTooLong, "eventData.userIdentity.principalId is longer than 1024 characters")
	} else if len(u.Details) > 0 && u.Details.Kind() != '{' && u.Details.Kind() != 'n' {
		return time.Time{}, reject(CodeInvalidData, "eventData.userIdentity.details is not a JSON object")
	}
	optional := []struct {
		name string
		v    *string
		max  int
	}{
		{"userAgent", d.UserAgent, 1024},
		{"errorCode", d.ErrorCode, 256},
		{"errorMessage", d.ErrorMessage, 256},
	}
	for _, f := range optional {
		if f.v != nil && longerThan(*f.v, f.max) {
			return time.Time{}, reject(CodeFieldTooLong, "eventData.%s is longer than %d characters", f.name, f.max)
		}
	}
	objects := []struct {
		name string
		v    jsontext.Value
		max  int
	}{
		{"requestParameters", d.RequestParameters, maxPayloadBytes},
		{"responseElements", d.ResponseElements, maxPayloadBytes},
		{"additionalEventData", d.AdditionalEventData, maxAdditionalBytes},
	}
	for _, f := range objects {
		if len(f.v) == 0 || f.v.Kind() == 'n' {
			continue
		}
		if f.v.Kind() != '{' {
			return time.Time{}, reject(CodeInvalidData, "eventData.%s is not a JSON object", f.name)
		}
		if len(f.v) > f.max {
			return time.Time{}, reject(CodeFieldTooLong, "eventData.%s is %d bytes; the limit is %d", f.name, len(f.v), f.max)
		}
	}
	if d.SourceIPAddress != nil && *d.SourceIPAddress != "" {
		if _, err := netip.ParseAddr(*d.SourceIPAddress); err != nil {
			return time.Time{}, reject(CodeInvalidData, "eventData.sourceIPAddress %q is not an IPv4 or IPv6 address", truncate(*d.SourceIPAddress, 64))
		}
	}
	if *d.RecipientAccountID != ch.Account {
		return time.Time{}, reject(CodeInvalidRecipient, "eventData.recipientAccountId %s is not the channel's account %s", truncate(*d.RecipientAccountID, 16), ch.Account)
	}
	if ch.Source != "" && *d.EventSource != ch.Source {
		return time.Time{}, reject(CodeInvalidEventSource, "eventData.eventSource %q is not the channel's source %q", truncate(*d.EventSource, 64), ch.Source)
	}
	for _, layout := range eventTimeLayouts {
		t, err := time.Parse(layout, *d.EventTime)
		if err != nil {
			continue
		}
		// An event from the future would head every newest-first answer and
		// hide the Insights of the rest: a clock or a local time sent as
		// UTC, which the sender should hear about.
		switch t = t.UTC().Truncate(time.Second); {
		case t.After(now.Add(maxEventTimeAhead)):
			return time.Time{}, reject(CodeInvalidData, "eventData.eventTime %s is %s ahead of this server's clock (now %s): give the time the activity happened, in UTC",
				t.Format("2006-01-02T15:04:05"), aheadBy(t, now), now.UTC().Format("2006-01-02T15:04:05Z"))
		case t.Year() < 1970:
			return time.Time{}, reject(CodeInvalidData, "eventData.eventTime %s is before 1970: give the time the activity happened, in UTC", t.Format("2006-01-02T15:04:05"))
		}
		return t, nil
	}
	return time.Time{}, reject(CodeInvalidData, "eventData.eventTime %q is not yyyy-MM-ddTHH:mm:ss in UTC", truncate(*d.EventTime, 64))
}

// aheadBy says how far t lies past now: in hours and minutes within a day
// (a local time sent as UTC is a whole number of hours off), in days
// beyond, counted in seconds since a Duration ends 292 years out.
func aheadBy(t, now time.Time) string {
	if d := t.Sub(now); d < 24*time.Hour {
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return fmt.Sprintf("%d days", (t.Unix()-now.Unix())/(24*60*60))
}

// storedRecord builds the record that CloudTrail Lake stores for an
// integration event, with eventData embedded as sent less the whitespace
// between its tokens (docs/formats/record.md).
func storedRecord(ch *Channel, id string, eventTime, now time.Time, eventData jsontext.Value) ([]byte, error) {
	var b strings.Builder
	b.Grow(len(eventData) + 400)
	b.WriteString(`{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":"`)
	b.WriteString(id)
	b.WriteString(`","eventTime":"`)
	b.WriteString(eventTime.Format(time.RFC3339))
	b.WriteString(`","awsRegion":`)
	writeString(&b, ch.Region)
	b.WriteString(`,"recipientAccountId":`)
	writeString(&b, ch.Account)
	b.WriteString(`,"metadata":{"ingestionTime":"`)
	b.WriteString(now.UTC().Format(time.RFC3339))
	b.WriteString(`","channelARN":`)
	writeString(&b, ch.ARN)
	b.WriteString(`},"eventData":`)
	// Compact keeps one record per line in the journal and in JSON-lines
	// exports; the members and values are kept as sent.
	compact := eventData.Clone()
	if err := compact.Compact(); err != nil {
		return nil, err
	}
	b.Write(compact)
	b.WriteString("}")
	return []byte(b.String()), nil
}

func writeString(b *strings.Builder, s string) {
	q, _ := jsontext.AppendQuote(nil, s)
	b.Write(q)
}

// newEventID returns a random UUID, the form of CloudTrail's event IDs.
func newEventID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// schemaReason phrases a decoding error without Go type names.
func schemaReason(err error) string {
	var se *json.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		return "a member has the wrong type at " + string(se.JSONPointer)
	}
	return "a member has the wrong type"
}

// longerThan reports whether s has more than n characters (Unicode code
// points), the unit of AWS's limits on eventData's strings: a name in a
// script of two-byte letters may be as long as one in ASCII.
func longerThan(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
