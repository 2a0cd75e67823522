package cloudtrail

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// decodeFixture reads and decodes every record of a fixture file.
func decodeFixture(t *testing.T, name string) []cairn.Event {
	t.Helper()
	r, err := NewReader(bytes.NewReader(readFixture(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	var evs []cairn.Event
	for {
		ev, err := r.NextEvent()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

var ignoreRawAndPrincipal = cmpopts.IgnoreFields(cairn.Event{}, "Raw", "Principal", "Resources")

func TestDecodeHotFields(t *testing.T) {
	evs := decodeFixture(t, "envelope.json")
	want := cairn.Event{
		EventID:            "e755e09c-42f9-4c5c-9064-EXAMPLE228c7",
		EventTime:          time.Date(2023, 7, 19, 21, 14, 20, 0, time.UTC),
		EventVersion:       "1.08",
		EventSource:        "ec2.amazonaws.com",
		EventName:          "StartInstances",
		AWSRegion:          "us-east-1",
		RecipientAccountID: "123456789012",
		SourceIPAddress:    "192.0.2.0",
		UserAgent:          "aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255-314-253.539.amzn2.x86_64 exec-env/CloudShell exe/x86_64.amzn.2 prompt/off command/ec2.start-instances",
		ReadOnly:           cairn.BoolFalse,
		EventType:          "AwsApiCall",
		EventCategory:      "Management",
		ManagementEvent:    cairn.BoolTrue,
		RequestID:          "e4336db0-149f-4a6b-844d-EXAMPLEb9d16",
	}
	if d := cmp.Diff(want, evs[0], ignoreRawAndPrincipal); d != "" {
		t.Errorf("StartInstances (-want +got):\n%s", d)
	}
	// Raw is the record exactly as read.
	in := readFixture(t, "envelope.json")
	for i, ev := range evs {
		if !bytes.Contains(in, ev.Raw) || ev.Raw[0] != '{' {
			t.Errorf("event %d: Raw is not the verbatim record", i)
		}
	}

	// String booleans, fractional seconds.
	run := evs[1]
	if run.ReadOnly != cairn.BoolFalse || run.ManagementEvent != cairn.BoolTrue {
		t.Errorf("string booleans: readOnly %v managementEvent %v", run.ReadOnly, run.ManagementEvent)
	}
	if !run.EventTime.Equal(time.Date(2024, 2, 2, 19, 30, 1, 512e6, time.UTC)) {
		t.Errorf("EventTime = %v", run.EventTime)
	}
	// AwsConsoleSignin is normalised; absent booleans stay unset.
	login := evs[2]
	if login.EventType != "AwsConsoleSignIn" || login.ReadOnly.Known() || login.ManagementEvent.Known() {
		t.Errorf("console sign-in: %q %v %v", login.EventType, login.ReadOnly, login.ManagementEvent)
	}
	if login.ErrorMessage != "No username found in supplied account" || login.EventVersion != "1.05" {
		t.Errorf("console sign-in: %+v", login)
	}
	data := evs[4]
	if data.VPCEndpointID != "vpce-0123456789abcdef0" || data.EventCategory != "Data" || data.ReadOnly != cairn.BoolTrue {
		t.Errorf("data event: %+v", data)
	}
}

func TestDecodeQuirks(t *testing.T) {
	evs := decodeFixture(t, "logstash.jsonl")
	// @timestamp stands in for a missing eventTime; numbers as strings;
	// booleans in any case.
	ev := evs[0]
	if !ev.EventTime.Equal(time.Date(2024, 8, 8, 8, 8, 8, 123e6, time.UTC)) {
		t.Errorf("EventTime from @timestamp = %v", ev.EventTime)
	}
	if ev.EventVersion != "1.08" || ev.Principal.AccountID != "123456789012" {
		t.Errorf("numbers: version %q account %q", ev.EventVersion, ev.Principal.AccountID)
	}
	if ev.ReadOnly != cairn.BoolFalse || ev.ManagementEvent != cairn.BoolTrue {
		t.Errorf("booleans: %v %v", ev.ReadOnly, ev.ManagementEvent)
	}
	// An unusable eventTime falls back to @timestamp; AwsVpceEvents.
	ev = evs[1]
	if !ev.EventTime.Equal(time.Date(2024, 8, 8, 8, 9, 0, 0, time.UTC)) {
		t.Errorf("EventTime = %v", ev.EventTime)
	}
	if ev.EventType != "AwsVpceEvent" {
		t.Errorf("EventType = %q", ev.EventType)
	}
	if ev.Principal.UserName != `corp\erin` {
		t.Errorf("escaped user name = %q", ev.Principal.UserName)
	}

	for _, tc := range []struct {
		name, rec string
		check     func(t *testing.T, ev cairn.Event)
	}{
		{"eventVersion 1.0", `{"eventVersion":"1.0","eventID":"x","eventTime":"2014-01-01T00:00:00Z"}`, func(t *testing.T, ev cairn.Event) {
			if ev.EventVersion != "1.0" {
				t.Errorf("version %q", ev.EventVersion)
			}
		}},
		{"time with offset", `{"eventID":"x","eventTime":"2024-01-01T01:00:00+01:00"}`, func(t *testing.T, ev cairn.Event) {
			if !ev.EventTime.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || ev.EventTime.Location() != time.UTC {
				t.Errorf("time %v", ev.EventTime)
			}
		}},
		{"time without zone", `{"eventID":"x","eventTime":"2024-01-01T00:00:00"}`, func(t *testing.T, ev cairn.Event) {
			if !ev.EventTime.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("time %v", ev.EventTime)
			}
		}},
		{"epoch millis", `{"eventID":"x","@timestamp":1704067200000}`, func(t *testing.T, ev cairn.Event) {
			if !ev.EventTime.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("time %v", ev.EventTime)
			}
		}},
		{"creationDate basic and mfa bool", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","userIdentity":{"type":"AssumedRole","sessionContext":{"attributes":{"creationDate":"20131102T010628Z","mfaAuthenticated":true}}}}`, func(t *testing.T, ev cairn.Event) {
			if ev.Principal.MFAAuthenticated != cairn.BoolTrue {
				t.Errorf("mfa %v", ev.Principal.MFAAuthenticated)
			}
		}},
		{"creationDate as number", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","userIdentity":{"type":"IAMUser","sessionContext":{"attributes":{"creationDate":1383354388}}}}`, func(t *testing.T, ev cairn.Event) {}},
		{"null userIdentity and resources", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","userIdentity":null,"resources":null,"requestParameters":null}`, func(t *testing.T, ev cairn.Event) {
			if ev.Principal != (cairn.Principal{}) || ev.Resources != nil {
				t.Errorf("principal %+v resources %+v", ev.Principal, ev.Resources)
			}
		}},
		{"duplicate names", `{"eventID":"x","eventID":"y","eventTime":"2024-01-01T00:00:00Z"}`, func(t *testing.T, ev cairn.Event) {
			if ev.EventID != "y" {
				t.Errorf("eventID %q", ev.EventID)
			}
		}},
		{"case-sensitive names", `{"eventID":"x","EventName":"Nope","eventTime":"2024-01-01T00:00:00Z"}`, func(t *testing.T, ev cairn.Event) {
			if ev.EventName != "" {
				t.Errorf("eventName %q from EventName", ev.EventName)
			}
		}},
		{"unknown fields survive in Raw", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","futureField":{"a":[1,2]}}`, func(t *testing.T, ev cairn.Event) {
			if !strings.Contains(string(ev.Raw), "futureField") {
				t.Errorf("raw %s", ev.Raw)
			}
		}},
		{"unparseable boolean is unset", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","readOnly":"maybe"}`, func(t *testing.T, ev cairn.Event) {
			if ev.ReadOnly.Known() {
				t.Errorf("readOnly %v", ev.ReadOnly)
			}
		}},
		{"insight", `{"eventVersion":"1.07","eventTime":"2024-01-01T00:00:00Z","awsRegion":"us-east-1","eventID":"i1","eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","sharedEventID":"s1","insightDetails":{"state":"Start"},"eventCategory":"Insight"}`, func(t *testing.T, ev cairn.Event) {
			if ev.EventType != "AwsCloudTrailInsight" || ev.SharedEventID != "s1" || ev.Principal.Type != "" {
				t.Errorf("%+v", ev)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Decode([]byte(tc.rec))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, ev)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ name, rec, want string }{
		{"no eventID, no time", `{"eventName":"StartInstances"}`, "record has no eventTime"},
		{"no eventID, bad time", `{"eventTime":"yesterday"}`, `record has an unusable eventTime "yesterday"`},
		{"no time", `{"eventID":"x"}`, "record x has no eventTime"},
		{"bad time", `{"eventID":"x","eventTime":"yesterday"}`, `record x has an unusable eventTime "yesterday"`},
		{"array", `[1]`, "record is not a JSON object but an array"},
		{"string", `"x"`, "record is not a JSON object but a string"},
		{"empty", ` `, "record is empty"},
		{"userIdentity string", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","userIdentity":"root"}`, "record has a string at /userIdentity where an object is expected"},
		{"sessionContext array", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","userIdentity":{"sessionContext":[]}}`, "record has an array at /userIdentity/sessionContext where an object is expected"},
		{"resources object", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","resources":{"ARN":"a"}}`, "record has an object at /resources where an array is expected"},
		{"resource ARN number", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","resources":[{"ARN":5}]}`, "record has a number at /resources/0/ARN where a string is expected"},
		{"eventName number", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","eventName":5}`, "record has a number at /eventName where a string is expected"},
		{"accountId object", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z","recipientAccountId":{}}`, "/recipientAccountId"},
		{"truncated", `{"eventID":"x","eventTime":"2024-01-01T00:00:00Z"`, "record is truncated JSON"},
		{"invalid", `{"eventID":"x",}`, "record is not valid JSON at offset 14"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.rec))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			var re *RecordError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("error %T is not a *RecordError", err)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2015-08-17T14:52:27Z", time.Date(2015, 8, 17, 14, 52, 27, 0, time.UTC)},
		{"2015-08-17T14:52:27.5Z", time.Date(2015, 8, 17, 14, 52, 27, 5e8, time.UTC)},
		{"2015-08-17T14:52:27.123456789123Z", time.Date(2015, 8, 17, 14, 52, 27, 123456789, time.UTC)},
		{"20131102T010628Z", time.Date(2013, 11, 2, 1, 6, 28, 0, time.UTC)},
		{"2024-02-02T19:23:50-05:00", time.Date(2024, 2, 3, 0, 23, 50, 0, time.UTC)},
		{"2024-02-02T19:23:50+0530", time.Date(2024, 2, 2, 13, 53, 50, 0, time.UTC)},
		{"2024-02-02 19:23:50", time.Date(2024, 2, 2, 19, 23, 50, 0, time.UTC)},
		{"2024-02-29T23:59:59Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
	} {
		got, err := ParseTime(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "2015", "2015-08-17", "2015-08-17T14:52", "2015-13-17T14:52:27Z", "2015-08-17T14:52:27.Z", "2015-08-17T14:52:27Zjunk", "2015-08-17T14:5a:27Z", "20150817T14:52:27Z", "0001-01-01 00:00:00", "0001-01-01T01:00:00+01:00",
		// Dates that do not exist, which time.Date would roll over into
		// the next month or day.
		"2026-02-30T10:00:00Z", "2026-04-31T10:00:00Z", "2025-02-29T00:00:00Z", "2026-03-31T23:59:60Z",
		"2026-03-31T10:00:00+24:00", "2026-03-31T10:00:00+05:60"} {
		if got, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %v, want error", bad, got)
		}
	}
}

// FuzzParseTime checks the hand-written parser against time.Parse: every
// RFC 3339 time Go accepts is read as the same instant, so that no record's
// time is moved or refused where the standard library would read it.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2015-08-17T14:52:27Z", "2015-08-17T14:52:27.123456Z", "2024-02-02T19:23:50-05:00", "2026-02-30T10:00:00Z", "2026-03-31T23:59:60Z", "20131102T010628Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err == nil && (got.Location() != time.UTC || got.IsZero()) {
			t.Fatalf("ParseTime(%q) = %v: not UTC, or the zero time", s, got)
		}
		want, werr := time.Parse(time.RFC3339Nano, s)
		if werr != nil || want.IsZero() || want.Year() < 1 || want.Year() > 9999 {
			return
		}
		if err != nil || !got.Equal(want) {
			t.Fatalf("ParseTime(%q) = %v, %v; time.Parse reads %v", s, got, err, want)
		}
	})
}

// Decode is safe for concurrent use and gives the same results.
func TestDecodeConcurrent(t *testing.T) {
	_, recs, err := readAll(t, genRecords(400, 7))
	if err != nil {
		t.Fatal(err)
	}
	want := make([]cairn.Event, len(recs))
	for i, raw := range recs {
		if want[i], err = Decode(raw); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for i, raw := range recs {
				got, err := Decode(raw)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(want[i], got) {
					errs <- errors.New(cmp.Diff(want[i], got))
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecordWithoutEventID: CloudTrail's first records (eventVersion 1.0)
// have no eventID. Each is kept under one made from its bytes: the same
// for the same record, delivered twice, and another for another record.
func TestRecordWithoutEventID(t *testing.T) {
	first := `{"eventVersion":"1.0","userIdentity":{"type":"IAMUser","userName":"Alice"},"eventTime":"2014-03-06T21:22:54Z",` +
		`"eventSource":"ec2.amazonaws.com","eventName":"StartInstances","awsRegion":"us-east-2","sourceIPAddress":"205.251.233.176"}`
	other := strings.Replace(first, "StartInstances", "StopInstances", 1)
	a, err := Decode([]byte(first))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Decode([]byte(first))
	b, _ := Decode([]byte(other))
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a.EventID) {
		t.Errorf("derived ID %q is not a UUID of version 8", a.EventID)
	}
	if again.EventID != a.EventID || b.EventID == a.EventID || b.EventID == "" {
		t.Errorf("IDs: %q, again %q, another record %q", a.EventID, again.EventID, b.EventID)
	}
	if a.EventName != "StartInstances" || a.Principal.UserName != "Alice" || string(a.Raw) != first {
		t.Errorf("event: %+v", a)
	}
	// The reader's fast path gives the ID that Decode gives.
	r, err := NewReader(strings.NewReader(`{"Records":[` + first + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ev, err := r.NextEvent(); err != nil || ev.EventID != a.EventID {
		t.Errorf("reader: %q, %v; Decode: %q", ev.EventID, err, a.EventID)
	}
}
