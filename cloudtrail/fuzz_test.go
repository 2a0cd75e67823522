package cloudtrail

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzReader feeds arbitrary bytes (plain and gzip) through NewReader, Next
// and Decode: nothing may panic, every record returned must be valid JSON
// and a verbatim part of the input, and every error must be one line.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
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
