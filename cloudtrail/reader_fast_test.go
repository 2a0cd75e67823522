package cloudtrail

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// describeReading reads a file the way ingest does, and then again through Next,
// and describes every step: records, events, errors, offsets.
func describeReading(t *testing.T, file []byte) []string {
	t.Helper()
	var out []string
	for _, events := range []bool{true, false} {
		r, err := NewReader(bytes.NewReader(file))
		if err != nil {
			return append(out, "NewReader: "+err.Error())
		}
		for range 10000 {
			if events {
				ev, err := r.NextEvent()
				if err != nil {
					out = append(out, fmt.Sprintf("error %v (count %d)", err, r.Count()))
					if _, ok := err.(*RecordError); ok {
						continue
					}
					break
				}
				out = append(out, fmt.Sprintf("event %d at %d: %q %+v %+v", r.Count(), r.Offset(), ev.Raw, ev.Principal, ev.Resources),
					fmt.Sprintf("%s %s %s %s %v %s", ev.EventID, ev.EventTime, ev.EventName, ev.ErrorCode, ev.ReadOnly, ev.RecipientAccountID))
			} else {
				raw, err := r.Next()
				if err != nil {
					out = append(out, fmt.Sprintf("error %v (count %d)", err, r.Count()))
					break
				}
				out = append(out, fmt.Sprintf("record %d at %d: %q", r.Count(), r.Offset(), raw))
			}
		}
		out = append(out, "format "+r.Format().String())
		r.Close()
	}
	return out
}

// readsAlike checks that the fast path reads a gzip file exactly as the
// decoder does: the same records, events and errors, in the same places.
func readsAlike(t *testing.T, data []byte) {
	t.Helper()
	file := gz(t, data)
	fast := describeReading(t, file)
	readFast = false
	slow := describeReading(t, file)
	readFast = true
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("the fast path reads %q otherwise than the decoder:\nfast %s\nslow %s", data, strings.Join(fast, "\n     "), strings.Join(slow, "\n     "))
	}
}

var fastPathCases = []string{
	`{"Records":[]}`,
	` { "Records" : [ {"eventID":"a","eventTime":"2024-01-01T00:00:00Z"} , {"eventID":"b","eventTime":"2024-01-01T00:00:01Z"} ] } `,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}],"x":1}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}]}{"Records":[{"eventID":"b","eventTime":"2024-01-01T00:00:00Z"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"},]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"} {"eventID":"b"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"},{"eventID":"b","eventTime":"2024-01-01T00:00:00Z","x":[1,2,}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"},{"eventID":"b\ud800","eventTime":"2024-01-01T00:00:00Z"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"},{"eventID":"b","eventTime":"2024-01-01T00:00:00Z","userAgent":"caf` + "\xe9" + `"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","userAgent":"café \u00e9\n\"x\""}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","userAgent":"tab` + "\t" + `"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","userAgent":"\x"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"a" 1}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"a":1 "b":2}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":[1 2]}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"n":1.}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"n":tru}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"n":trux,"m":nulL}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"n":-1.5e+3,"z":0,"t":true,"f":false,"x":null,"a":[[],{}]}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"n":01}}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","readOnly":"yes"}]}`,
	`{"Records":[{"eventTime":"2024-01-01T00:00:00Z"},{"eventID":"b","eventTime":"2024-01-01T00:00:00Z"}]}`,
	`{"Records":[1,{"eventID":"b","eventTime":"2024-01-01T00:00:00Z"}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}]`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}]} x`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","resources":[{"ARN":"arn:aws:s3:::b"},null]}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`,
	`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z","requestParameters":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}]}`,
	"\xef\xbb\xbf" + `{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"}]}`,
}

func TestFastPathReadsAsTheDecoder(t *testing.T) {
	for _, c := range fastPathCases {
		readsAlike(t, []byte(c))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		readsAlike(t, b)
	}
	readsAlike(t, genRecords(500, 7))
}

// FuzzFastPath: on any input, the fast path reads as the decoder reads.
func FuzzFastPath(f *testing.F) {
	for _, c := range fastPathCases {
		f.Add([]byte(c))
	}
	f.Add(genRecords(20, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		readsAlike(t, data)
	})
}

// TestFastPathIsTaken: a file in CloudTrail's shape is read by the fast
// path to its end, every record included.
func TestFastPathIsTaken(t *testing.T) {
	r, err := NewReader(bytes.NewReader(gz(t, genRecords(500, 7))))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		if _, err := r.NextEvent(); err != nil {
			break
		}
		n++
	}
	if n != 500 || !r.fast || r.taken != 500 {
		t.Fatalf("read %d events, fast path %v, %d records taken by it; want 500, true, 500", n, r.fast, r.taken)
	}
}
