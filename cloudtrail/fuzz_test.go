package cloudtrail

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json/jsontext"
)

// FuzzReader feeds arbitrary bytes (plain and gzip) through NewReader, Next
// and Decode: nothing may panic, every record returned must be valid JSON
// and a verbatim part of the input, and every error must be one line.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if fi, err := os.Stat(name); err == nil && fi.IsDir() { // testdata/fuzz: the fuzzer's own corpus
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	for _, s := range []string{
		`{"Records":[]}`, `[]`, `{}`, `{"Records":null}`, `{"x":1,"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}]}`,
		`{"eventID":"a","eventTime":"20240101T000000Z"}{"eventID":"b","@timestamp":1}`, "\xef\xbb\xbf[{}]", `[{"eventID":"a"}] {"eventID":"b"}`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, compress bool) {
		in := data
		if compress {
			in = gz(t, data)
		}
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			checkOneLine(t, err)
			return
		}
		for range 10000 {
			raw, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkOneLine(t, err)
				return
			}
			if !jsontext.Value(raw).IsValid(readOptions) {
				t.Fatalf("record %d is not valid JSON: %q", r.Count(), raw)
			}
			if !bytes.Contains(data, raw) {
				t.Fatalf("record %d is not verbatim: %q", r.Count(), raw)
			}
			ev, err := Decode(raw)
			if err != nil {
				checkOneLine(t, err)
				continue
			}
			if ev.EventID == "" || ev.EventTime.IsZero() || !bytes.Equal(ev.Raw, raw) {
				t.Fatalf("decoded event lacks required fields: %+v", ev)
			}
			for _, ref := range ev.Resources {
				if ref.ID == "" || ref.Role == "" {
					t.Fatalf("empty resource ref %+v in %q", ref, raw)
				}
			}
		}
	})
}

func checkOneLine(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); msg == "" || bytes.ContainsAny([]byte(msg), "\n\r") {
		t.Fatalf("error is not one line: %q", msg)
	}
}

// FuzzDecodeEventBridge feeds arbitrary bytes (plain and gzip) through
// NewEventBridgeReader and DecodeEventBridge, and every event through StateOf
// and ParseHealth: nothing may panic, every event returned must be a verbatim
// part of the input with an id, a time, our source and resources that name
// something, and every error must be one line.
func FuzzDecodeEventBridge(f *testing.F) {
	for _, name := range []string{"testdata/health.json", "testdata/ec2-state.jsonl", "testdata/single.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	for _, s := range []string{
		simHealth, simStateChange, "[" + simHealth + "," + simStateChange + "]", simHealth + "\n" + simStateChange + "\n",
		`{"id":"a","detail-type":"Object Created","source":"aws.s3","detail":{}}`,
		`{"id":"a","detail-type":"x","source":"aws.health","time":1700000000,"resources":null,"detail":{"eventTypeCode":"C","affectedEntities":[{"entityValue":"arn:aws:ec2:r:1:volume/vol-1"}],"startTime":"Mon, 02 Jan 2006 15:04:05 GMT"}}`,
		`{"id":"a","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"2026-01-01T00:00:00Z","resources":["arn:x"],"detail":{"instance-id":"i-1","state":"running"}}`,
		`[]`, `{}`, `7`, `[{}] {}`,
		`{"id":"a","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"1","time":"2026-01-01T00:00:00Z","detail":{"eventID":"e","eventTime":"2026-01-01T00:00:00Z","eventName":"RunInstances"}}`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, compress bool) {
		check := func(ev cairn.Event, raw []byte) {
			if !EventBridgeCategory(ev.EventCategory) {
				// A CloudTrail record sent "via CloudTrail": its detail, which
				// reads back as the record it is, as stored records are.
				again, err := Decode(ev.Raw)
				if !bytes.Contains(raw, ev.Raw) || err != nil || again.EventID != ev.EventID || !again.EventTime.Equal(ev.EventTime) {
					t.Fatalf("the record of %q is not its detail, read back: %q, %v", raw, ev.Raw, err)
				}
				return
			}
			if ev.EventID == "" || ev.EventTime.IsZero() || !bytes.Equal(ev.Raw, raw) {
				t.Fatalf("decoded event lacks required fields: %+v", ev)
			}
			if ev.EventSource != SourceHealth && ev.EventSource != SourceEC2 {
				t.Fatalf("event of source %q kept", ev.EventSource)
			}
			seen := map[string]bool{}
			for _, ref := range ev.Resources {
				if ref.ID == "" || ref.Role == "" || seen[ref.ID] {
					t.Fatalf("empty or repeated resource ref %+v in %q", ref, raw)
				}
				seen[ref.ID] = true
			}
			StateOf(raw)
			if _, err := ParseHealth(raw); err != nil {
				checkOneLine(t, err)
			}
		}
		// The whole input as one event.
		if ev, err := DecodeEventBridge(data); err != nil {
			checkOneLine(t, err)
		} else {
			check(ev, data)
		}
		in := data
		if compress {
			in = gz(t, data)
		}
		r, err := NewEventBridgeReader(bytes.NewReader(in))
		if err != nil {
			checkOneLine(t, err)
			return
		}
		defer r.Close()
		for range 10000 {
			raw, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkOneLine(t, err)
				return
			}
			if !jsontext.Value(raw).IsValid(readOptions) || !bytes.Contains(data, raw) {
				t.Fatalf("event %d is not verbatim valid JSON: %q", r.Count(), raw)
			}
			ev, err := DecodeEventBridge(raw)
			if err != nil {
				checkOneLine(t, err)
				continue
			}
			check(ev, raw)
		}
	})
}
