package cloudtrail

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// scanAgrees checks that scanRecord fills the record json.Unmarshal fills,
// both the first time and again from the values it kept (repeats). Where
// scanRecord gives up, Unmarshal decides, so that case only needs
// scanRecord not to have claimed success for what Unmarshal rejects.
func scanAgrees(t *testing.T, raw []byte) (scanned bool) {
	t.Helper()
	var fast, slow record
	ok := scanRecord(raw, &fast)
	err := json.Unmarshal(raw, &slow, decodeOptions)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("scanRecord accepted what json.Unmarshal rejects (%v): %q", err, raw)
	}
	again := record{seen: fast.seen}
	if !scanRecord(raw, &again) {
		t.Fatalf("scanRecord accepted %q, then refused it with what it kept", raw)
	}
	for _, scanned := range []*record{&fast, &again} {
		scanned.seen = repeats{}
		if len(scanned.Resources) == 0 && len(slow.Resources) == 0 {
			scanned.Resources, slow.Resources = nil, nil
		}
		if !reflect.DeepEqual(*scanned, slow) {
			t.Fatalf("scanRecord and json.Unmarshal disagree on %q:\nscan      %+v\nunmarshal %+v", raw, *scanned, slow)
		}
	}
	return true
}

// TestScanQuirks covers what the fast path must decode exactly as
// json.Unmarshal does, or leave to it.
func TestScanQuirks(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		scanned bool
	}{
		{`{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}`, true},
		{` { "eventID" : "a\"b\\\\" , "eventName":"x\u00e9" } `, true},
		{`{"event\u0049D":"escaped name","eventID":"later wins"}`, true},
		{`{"userIdentity":{"type":"IAMUser","arn":"x"},"userIdentity":{"type":"Root"}}`, true},
		{`{"userIdentity":{"type":"IAMUser"},"userIdentity":null}`, true},
		{`{"userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":"TRUE"},"sessionIssuer":null}}}`, true},
		{`{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"a","accountId":123}},"sessionContext":{"sourceIdentity":"s"}}}`, true},
		{`{"resources":[{"ARN":"a"},null,{"arn":"b","accountId":1,"x":[1,{"y":"]"}]}],"resources":[{"type":"t"}]}`, true},
		{`{"resources":[],"readOnly":"false","managementEvent":1,"eventVersion":1.08}`, true},
		{`{"requestParameters":{"a":[1,2,{"b":"}"}]},"responseElements":null,"serviceEventDetails":"s"}`, true},
		{`{"eventData":{"eventName":"e","userIdentity":{"type":"u"},"requestParameters":{}},"eventData":{"eventSource":"s"}}`, true},
		{`{"eventTime":1700000000123,"@timestamp":"bad","recipientAccountId":null}`, true},
		{`{"unknown":{"deep":[[[{"a":"\\"}]]]},"eventID":"z"}`, true},
		{`{"eventName":5}`, false},
		{`{"userIdentity":"root"}`, false},
		{`{"resources":{"ARN":"a"}}`, false},
		{`{"resources":["a"]}`, false},
		{`{"userIdentity":{"sessionContext":[]}}`, false},
	} {
		raw := []byte(tc.raw)
		if !jsontext.Value(raw).IsValid(readOptions) {
			t.Fatalf("test input is not valid JSON: %s", raw)
		}
		if got := scanAgrees(t, raw); got != tc.scanned {
			t.Errorf("scanRecord(%s) = %v, want %v", raw, got, tc.scanned)
		}
	}
}

// FuzzScanAgrees: on any input, scanRecord never panics; on valid JSON,
// when it succeeds, it agrees with json.Unmarshal.
func FuzzScanAgrees(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"eventID":"a","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":"r"}}},"resources":[{"ARN":"x"}]}`,
		`{"eventData":{"userIdentity":{"type":"u"}},"eventTime":"2024-01-01T00:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var rec record
		if n, ok := scanRecordAt(raw, &rec); ok {
			// What the cursor accepts is one valid JSON value, followed by
			// whatever came after it, as the Reader relies on.
			if !jsontext.Value(raw[:n]).IsValid(readOptions) {
				t.Fatalf("the cursor accepted invalid JSON %q", raw[:n])
			}
			var d jsontext.Decoder
			d.Reset(bytes.NewReader(raw), readOptions)
			if v, err := d.ReadValue(); err != nil || len(bytes.TrimLeft(raw[:n], " \t\r\n")) != len(v) {
				t.Fatalf("the cursor ended the record %q at %d, the decoder at %d (%v)", raw, n, d.InputOffset(), err)
			}
		}
		if !jsontext.Value(raw).IsValid(readOptions) {
			if scanRecord(raw, &record{}) {
				t.Fatalf("scanRecord accepted invalid JSON %q", raw)
			}
			return
		}
		scanAgrees(t, raw)
	})
}

// TestScanTruncated: cut records, which callers never pass, make the
// scanner give up rather than fail badly.
func TestScanTruncated(t *testing.T) {
	for _, raw := range []string{`{"eventName":"abc`, `{"eventTime":"`, `{"event`, `{"requestParameters":{"a":[`, `{"readOnly":tr`, `{"userIdentity":{"arn":"x`} {
		var rec record
		if scanRecord([]byte(raw), &rec) {
			t.Errorf("scanRecord accepted %q", raw)
		}
	}
}

// TestScanSharedIdentity: records share the userIdentity read from the same
// object, and a record that repeats the member changes its own copy, never
// the one the next record gets.
func TestScanSharedIdentity(t *testing.T) {
	var seen repeats
	scan := func(raw string) *userIdentity {
		rec := record{seen: seen}
		if !scanRecord([]byte(raw), &rec) {
			t.Fatalf("scanRecord refused %s", raw)
		}
		seen = rec.seen
		return rec.UserIdentity
	}
	first := scan(`{"userIdentity":{"type":"IAMUser","userName":"alice"}}`)
	merged := scan(`{"userIdentity":{"type":"IAMUser","userName":"alice"},"userIdentity":{"arn":"arn:aws:iam::1:user/alice"}}`)
	again := scan(`{"userIdentity":{"type":"IAMUser","userName":"alice"}}`)
	if again != first {
		t.Error("the same object was read twice instead of shared")
	}
	if merged == first || merged.ARN == "" || merged.UserName != "alice" {
		t.Errorf("repeated member: got %+v, want alice's identity with her ARN, in a copy", merged)
	}
	if first.ARN != "" {
		t.Errorf("the shared identity was changed by a later record: %+v", first)
	}
}
