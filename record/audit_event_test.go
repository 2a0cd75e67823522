package record

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/go-json-experiment/json"
)

var testChannel = Channel{
	ARN:     "arn:aws:cloudtrail:us-east-1:123456789012:channel/2a1b3c4d-0000-4000-8000-000000000001",
	Name:    "app",
	Account: "123456789012",
	Region:  "us-east-1",
}

// eventDataWith returns a valid eventData with fields replaced (nil deletes).
func eventDataWith(changes map[string]any) string {
	d := map[string]any{
		"version":            "1.0",
		"userIdentity":       map[string]any{"type": "User", "principalId": "alice", "details": map[string]any{"team": "billing"}},
		"userAgent":          "myapp/1.2",
		"eventSource":        "invoices.example.com",
		"eventName":          "DeleteInvoice",
		"eventTime":          "2026-03-14T10:00:00",
		"UID":                "req-1",
		"requestParameters":  map[string]any{"invoiceId": "inv-7"},
		"sourceIPAddress":    "192.0.2.10",
		"recipientAccountId": "123456789012",
	}
	for k, v := range changes {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
	}
	b, _ := json.Marshal(d, json.Deterministic(true))
	return string(b)
}

func TestAcceptStoresWhatLakeStores(t *testing.T) {
	data := eventDataWith(nil)
	sum := sha256.Sum256([]byte(data))
	now := time.Date(2026, 3, 14, 10, 0, 3, 0, time.UTC)
	acc, rej := Accept(&testChannel, &AuditEvent{ID: "e1", EventData: data, EventDataChecksum: base64.StdEncoding.EncodeToString(sum[:])}, now)
	if rej != nil {
		t.Fatal(rej)
	}
	ev, err := cloudtrail.Decode(acc.Record)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID != acc.EventID || ev.EventCategory != "ActivityAuditLog" || ev.EventType != "ActivityLog" {
		t.Errorf("identity of the stored record: %+v", ev)
	}
	if ev.EventName != "DeleteInvoice" || ev.EventSource != "invoices.example.com" || ev.SourceIPAddress != "192.0.2.10" ||
		ev.UserAgent != "myapp/1.2" || ev.RecipientAccountID != "123456789012" || ev.AWSRegion != "us-east-1" {
		t.Errorf("fields read from eventData: %+v", ev)
	}
	if !ev.EventTime.Equal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("eventTime = %s", ev.EventTime)
	}
	if ev.Principal.PrincipalID != "alice" || ev.Principal.Type != "User" {
		t.Errorf("principal = %+v", ev.Principal)
	}
	var stored struct {
		Metadata struct {
			IngestionTime string `json:"ingestionTime"`
			ChannelARN    string `json:"channelARN"`
		} `json:"metadata"`
		EventData map[string]any `json:"eventData"`
	}
	if err := json.Unmarshal(acc.Record, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Metadata.ChannelARN != testChannel.ARN || stored.Metadata.IngestionTime != "2026-03-14T10:00:03Z" {
		t.Errorf("metadata = %+v", stored.Metadata)
	}
	if stored.EventData["UID"] != "req-1" {
		t.Errorf("eventData not kept as sent: %v", stored.EventData)
	}
}

func TestAcceptRejects(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name     string
		ev       AuditEvent
		ch       *Channel
		wantCode string
	}{
		{"not JSON", AuditEvent{EventData: "{not json"}, nil, CodeInvalidData},
		{"a member twice", AuditEvent{EventData: `{"version":"1.0","version":"1.0"}`}, nil, CodeInvalidData},
		{"an array", AuditEvent{EventData: "[1]"}, nil, CodeInvalidData},
		{"empty", AuditEvent{EventData: ""}, nil, CodeFieldNotFound},
		{"bad checksum", AuditEvent{EventData: eventDataWith(nil), EventDataChecksum: "AAAA"}, nil, CodeInvalidChecksum},
		{"no version", AuditEvent{EventData: eventDataWith(map[string]any{"version": nil})}, nil, CodeFieldNotFound},
		{"no userIdentity", AuditEvent{EventData: eventDataWith(map[string]any{"userIdentity": nil})}, nil, CodeFieldNotFound},
		{"no principalId", AuditEvent{EventData: eventDataWith(map[string]any{"userIdentity": map[string]any{"type": "User"}})}, nil, CodeFieldNotFound},
		{"no eventSource", AuditEvent{EventData: eventDataWith(map[string]any{"eventSource": nil})}, nil, CodeFieldNotFound},
		{"no eventName", AuditEvent{EventData: eventDataWith(map[string]any{"eventName": nil})}, nil, CodeFieldNotFound},
		{"no eventTime", AuditEvent{EventData: eventDataWith(map[string]any{"eventTime": nil})}, nil, CodeFieldNotFound},
		{"no UID", AuditEvent{EventData: eventDataWith(map[string]any{"UID": nil})}, nil, CodeFieldNotFound},
		{"no recipient", AuditEvent{EventData: eventDataWith(map[string]any{"recipientAccountId": nil})}, nil, CodeFieldNotFound},
		{"other recipient", AuditEvent{EventData: eventDataWith(map[string]any{"recipientAccountId": "999999999999"})}, nil, CodeInvalidRecipient},
		{"version too long", AuditEvent{EventData: eventDataWith(map[string]any{"version": long(257)})}, nil, CodeFieldTooLong},
		{"eventName too long", AuditEvent{EventData: eventDataWith(map[string]any{"eventName": long(1025)})}, nil, CodeFieldTooLong},
		{"errorMessage too long", AuditEvent{EventData: eventDataWith(map[string]any{"errorMessage": long(257)})}, nil, CodeFieldTooLong},
		{"requestParameters too big", AuditEvent{EventData: eventDataWith(map[string]any{"requestParameters": map[string]any{"a": long(100 << 10)}})}, nil, CodeFieldTooLong},
		{"additionalEventData too big", AuditEvent{EventData: eventDataWith(map[string]any{"additionalEventData": map[string]any{"a": long(28 << 10)}})}, nil, CodeFieldTooLong},
		{"requestParameters not an object", AuditEvent{EventData: eventDataWith(map[string]any{"requestParameters": "x"})}, nil, CodeInvalidData},
		{"eventName not a string", AuditEvent{EventData: eventDataWith(map[string]any{"eventName": 7})}, nil, CodeInvalidData},
		{"bad address", AuditEvent{EventData: eventDataWith(map[string]any{"sourceIPAddress": "example.com"})}, nil, CodeInvalidData},
		{"bad time", AuditEvent{EventData: eventDataWith(map[string]any{"eventTime": "yesterday"})}, nil, CodeInvalidData},
		{"a time in the future", AuditEvent{EventData: eventDataWith(map[string]any{"eventTime": "9999-12-31T23:59:59"})}, nil, CodeInvalidData},
		{"a time in year 1", AuditEvent{EventData: eventDataWith(map[string]any{"eventTime": "0001-01-01T00:00:00"})}, nil, CodeInvalidData},
		{"event too big", AuditEvent{EventData: eventDataWith(map[string]any{"x": long(MaxEventDataBytes)})}, nil, CodeFieldTooLong},
		{"other source", AuditEvent{EventData: eventDataWith(nil)}, &Channel{Account: "123456789012", Source: "other.example.com"}, CodeInvalidEventSource},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := tc.ch
			if ch == nil {
				ch = &testChannel
			}
			_, rej := Accept(ch, &tc.ev, time.Now())
			if rej == nil || rej.Code != tc.wantCode {
				t.Fatalf("got %v, want %s", rej, tc.wantCode)
			}
			if strings.Contains(rej.Message, "record.") || strings.Contains(rej.Message, "*string") {
				t.Errorf("message leaks Go internals: %s", rej.Message)
			}
		})
	}
}

func TestAcceptTimeForms(t *testing.T) {
	for _, in := range []string{"2026-03-14T10:00:00", "2026-03-14T10:00:00Z", "2026-03-14T11:00:00+01:00", "2026-03-14T10:00:00.123Z"} {
		acc, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: eventDataWith(map[string]any{"eventTime": in})}, time.Now())
		if rej != nil {
			t.Fatalf("%s: %v", in, rej)
		}
		ev, _ := cloudtrail.Decode(acc.Record)
		if !ev.EventTime.Equal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("%s read as %s", in, ev.EventTime)
		}
	}
}

func FuzzAccept(f *testing.F) {
	f.Add(eventDataWith(nil))
	f.Add(`{"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"2026-01-01T00:00:00","UID":"u","recipientAccountId":"123456789012"}`)
	f.Fuzz(func(t *testing.T, data string) {
		acc, rej := Accept(&testChannel, &AuditEvent{ID: "f", EventData: data}, time.Now())
		if rej != nil {
			if rej.Code == "" || rej.Message == "" {
				t.Fatalf("rejection without code or message: %+v", rej)
			}
			return
		}
		// Whatever is accepted must be readable back: it will be indexed
		// and delivered.
		if _, err := cloudtrail.Decode(acc.Record); err != nil {
			t.Fatalf("accepted %q but its record does not decode: %v", data, err)
		}
	})
}

// TestAcceptSaysWhyJSONIsInvalid: a sender learns what to fix, not only
// that eventData is not an object.
func TestAcceptSaysWhyJSONIsInvalid(t *testing.T) {
	for in, want := range map[string]string{
		`{"version":"1.0","version":"1.0"}`:             `duplicate object member name "version"`,
		`{"eventName":"\ud800"}`:                        "invalid surrogate pair",
		`[1]`:                                           "not a JSON object",
		eventDataWith(nil) + "xx":                       "there is more after the JSON object, from byte ",
		eventDataWith(nil) + "}":                        "there is more after the JSON object",
		eventDataWith(nil) + " \n" + eventDataWith(nil): "there is more after the JSON object",
		`[1] 2`: "there is more after the JSON value",
	} {
		_, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: in}, time.Now())
		if rej == nil || rej.Code != CodeInvalidData || !strings.Contains(rej.Message, want) || strings.Contains(rej.Message, "jsontext") {
			t.Errorf("%s: %v, want %q", in, rej, want)
		}
	}
}

// TestAcceptCountsCharacters: AWS limits eventData's strings in
// characters, so a name in a script of two-byte letters may be as long as
// one in ASCII, and the rejection counts as its message says.
func TestAcceptCountsCharacters(t *testing.T) {
	for _, tc := range []struct {
		field string
		max   int
	}{{"eventName", 1024}, {"version", 256}, {"errorMessage", 256}, {"userAgent", 1024}} {
		ok := eventDataWith(map[string]any{tc.field: strings.Repeat("é", tc.max)})
		if _, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: ok}, time.Now()); rej != nil {
			t.Errorf("%s of %d characters (%d bytes): %v", tc.field, tc.max, 2*tc.max, rej)
		}
		over := eventDataWith(map[string]any{tc.field: strings.Repeat("é", tc.max+1)})
		if _, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: over}, time.Now()); rej == nil || rej.Code != CodeFieldTooLong {
			t.Errorf("%s of %d characters: %v, want %s", tc.field, tc.max+1, rej, CodeFieldTooLong)
		}
	}
	principal := eventDataWith(map[string]any{"userIdentity": map[string]any{"type": strings.Repeat("ü", 128), "principalId": strings.Repeat("ü", 1024)}})
	if _, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: principal}, time.Now()); rej != nil {
		t.Errorf("userIdentity at its limits in characters: %v", rej)
	}
}

// TestAcceptSaysHowFarAheadEventTimeIs: the sender learns the real gap, a
// few hours for a local time sent as UTC, and thousands of years for a
// placeholder date, which a Duration cannot hold.
func TestAcceptSaysHowFarAheadEventTimeIs(t *testing.T) {
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	for in, want := range map[string]string{
		"2026-03-14T14:00:00": "is 4h0m ahead of this server's clock (now 2026-03-14T10:00:00Z)",
		"9999-12-31T23:59:59": fmt.Sprintf("is %d days ahead of this server's clock (now 2026-03-14T10:00:00Z)", (far.Unix()-now.Unix())/86400),
	} {
		_, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: eventDataWith(map[string]any{"eventTime": in})}, now)
		if rej == nil || rej.Code != CodeInvalidData || !strings.Contains(rej.Message, want) {
			t.Errorf("%s: %v, want %q", in, rej, want)
		}
	}
}

// TestAcceptKeepsEventDataButItsWhitespace: the stored record keeps
// eventData's members, values and escapes byte for byte, and drops only
// the whitespace between tokens (one record a line), so the checksum of a
// compact eventData is the checksum of the stored one.
func TestAcceptKeepsEventDataButItsWhitespace(t *testing.T) {
	compact := eventDataWith(map[string]any{"eventName": "Delete"})
	compact = strings.Replace(compact, `"Delete"`, `"D\u00e9lete \"x\" "`, 1)
	spaced := strings.ReplaceAll(strings.ReplaceAll(compact, `,"`, ",\n  \""), `":`, `" : `)
	for in, want := range map[string]string{compact: compact, spaced: compact} {
		acc, rej := Accept(&testChannel, &AuditEvent{ID: "e", EventData: in}, time.Now())
		if rej != nil {
			t.Fatal(rej)
		}
		_, stored, _ := strings.Cut(string(acc.Record), `"eventData":`)
		if stored = strings.TrimSuffix(stored, "}"); stored != want {
			t.Errorf("sent %s\nstored %s\nwant   %s", in, stored, want)
		}
	}
}
