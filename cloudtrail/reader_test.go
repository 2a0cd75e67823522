package cloudtrail

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/klauspost/compress/gzip"
)

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll returns every record, or the first error.
func readAll(t testing.TB, in []byte) (*Reader, [][]byte, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(in))
	if err != nil {
		return nil, nil, err
	}
	var recs [][]byte
	for {
		raw, err := r.Next()
		if err == io.EOF {
			return r, recs, nil
		}
		if err != nil {
			return r, recs, err
		}
		recs = append(recs, raw)
	}
}

func TestReaderShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []byte
		format Format
		n      int
	}{
		{"envelope", readFixture(t, "envelope.json"), FormatEnvelope, 5},
		{"records not first", readFixture(t, "records-last.json"), FormatEnvelope, 1},
		{"array", readFixture(t, "array.json"), FormatArray, 2},
		{"json lines and concatenated", readFixture(t, "lines.jsonl"), FormatLines, 4},
		{"single event", readFixture(t, "single.json"), FormatLines, 1},
		{"logstash lines", readFixture(t, "logstash.jsonl"), FormatLines, 2},
		{"empty envelope", []byte(`{"Records":[]}`), FormatEnvelope, 0},
		{"empty array", []byte(" [ ] \n"), FormatArray, 0},
		{"two envelopes", []byte(`{"Records":[{"eventID":"a"}]}` + "\n" + `{"Records":[{"eventID":"b"},{"eventID":"c"}]}`), FormatEnvelope, 3},
		{"two Records arrays", []byte(`{"Records":[{"eventID":"a"}],"x":1,"Records":[{"eventID":"b"}]}`), FormatEnvelope, 2},
		{"byte order mark", []byte("\xef\xbb\xbf{\"Records\":[{\"eventID\":\"a\"}]}"), FormatEnvelope, 1},
		{"array then lines", []byte(`[{"eventID":"a"}] {"eventID":"b"}`), FormatArray, 2},
	} {
		for _, compress := range []bool{false, true} {
			name := tc.name
			in := tc.in
			if compress {
				name += "/gzip"
				in = gz(t, in)
			}
			t.Run(name, func(t *testing.T) {
				r, recs, err := readAll(t, in)
				if err != nil {
					t.Fatal(err)
				}
				if r.Format() != tc.format {
					t.Errorf("Format = %v, want %v", r.Format(), tc.format)
				}
				if r.Compressed() != compress {
					t.Errorf("Compressed = %v", r.Compressed())
				}
				if len(recs) != tc.n || r.Count() != tc.n {
					t.Fatalf("got %d records (Count %d), want %d", len(recs), r.Count(), tc.n)
				}
				for i, raw := range recs {
					if !jsontext.Value(raw).IsValid(readOptions) {
						t.Errorf("record %d is not valid JSON: %s", i+1, raw)
					}
					if raw[0] != '{' || raw[len(raw)-1] != '}' {
						t.Errorf("record %d is not trimmed to the object: %q", i+1, raw)
					}
					if !bytes.Contains(tc.in, raw) {
						t.Errorf("record %d is not a verbatim slice of the input: %s", i+1, raw)
					}
				}
			})
		}
	}
}

// The returned records belong to the caller: reading on must not change them.
func TestReaderRecordsAreCopies(t *testing.T) {
	in := readFixture(t, "envelope.json")
	_, recs, err := readAll(t, in)
	if err != nil {
		t.Fatal(err)
	}
	_, again, _ := readAll(t, in)
	for i := range recs {
		if !bytes.Equal(recs[i], again[i]) {
			t.Fatalf("record %d changed", i+1)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	envelope := readFixture(t, "envelope.json")
	gzEnvelope := gz(t, envelope)
	badCRC := bytes.Clone(gzEnvelope)
	badCRC[len(badCRC)-6] ^= 0xff
	for _, tc := range []struct {
		name string
		in   []byte
		want string // substring of the error, from NewReader or Next
	}{
		{"empty", nil, "empty file"},
		{"only spaces", []byte("  \n"), "empty file"},
		{"gzip of nothing", gz(t, nil), "empty file"},
		{"not json", []byte("hello world"), "invalid JSON at offset 0"},
		{"text that begins as true would", []byte("this is not gzip at all"), "invalid JSON at offset 1"},
		{"string", []byte(`"x"`), "top-level JSON value is a string"},
		{"digest", readFixture(t, "digest.json"), "not a CloudTrail log: top-level object has no Records array"},
		{"eventbridge", readFixture(t, "health.json"), "no Records array"},
		{"empty object", []byte(`{}`), "no Records array (an empty object)"},
		{"Records not array", []byte(`{"Records":{"a":1}}`), "Records at offset 11 is an object, not an array"},
		{"Records null", []byte(`{"Records":null}`), "is null, not an array"},
		{"truncated envelope", envelope[:1234], "truncated JSON at offset"},
		{"truncated record", []byte(`{"Records":[{"eventID":"a"},{"eventID":"b`), "record 2: truncated JSON at offset"},
		{"truncated gzip", gzEnvelope[:len(gzEnvelope)/2], "corrupt gzip data after"},
		{"gzip checksum", badCRC, "checksum"},
		{"gzip header", []byte{0x1f, 0x8b, 0, 0, 0}, "corrupt gzip header"},
		{"garbage between records", []byte(`{"Records":[{"eventID":"a"} x]}`), "record 2: invalid JSON at offset 28"},
		{"trailing garbage", []byte(`{"Records":[{"eventID":"a"}]} ]`), "invalid JSON at offset 30"},
		{"number at top level after array", []byte(`[{"eventID":"a"}] 7`), "is a number"},
		{"invalid utf8", []byte("{\"Records\":[{\"eventID\":\"a\xff\"}]}"), "invalid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.in)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			notCT := strings.HasPrefix(err.Error(), "not a CloudTrail log") || strings.HasPrefix(err.Error(), "empty file")
			if errors.Is(err, ErrNotCloudTrail) != notCT {
				t.Errorf("errors.Is(%q, ErrNotCloudTrail) = %v", err, !notCT)
			}
		})
	}
}

func TestReaderErrorIsSticky(t *testing.T) {
	r, err := NewReader(strings.NewReader(`[{"eventID":"a"}, {`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors %v, %v", err1, err2)
	}
}

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.after)
	for i := range n {
		p[i] = ' '
	}
	p[0] = '['
	f.after = 0
	return n, nil
}

func TestReaderReadError(t *testing.T) {
	r, err := NewReader(&failingReader{after: 10})
	if err == nil {
		_, err = r.Next()
	}
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err = %v", err)
	}
}

func TestNextEventNamesRecord(t *testing.T) {
	r, err := NewReader(strings.NewReader(`{"Records":[{"eventID":"a","eventTime":"2024-01-01T00:00:00Z"},` + "\n" + `{"eventName":"StartInstances"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.NextEvent(); err != nil {
		t.Fatal(err)
	}
	_, err = r.NextEvent()
	if err == nil || err.Error() != "record 2 (offset 64) has no eventTime" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("not ErrInvalidRecord")
	}
	if _, err := r.NextEvent(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}

// A large record in a small file and many small ones: the reader's memory
// follows the largest record.
func TestReaderLargeRecord(t *testing.T) {
	big := `{"eventID":"big","pad":"` + strings.Repeat("x", 1<<20) + `"}`
	in := `{"Records":[{"eventID":"a"},` + big + `,{"eventID":"c"}]}`
	_, recs, err := readAll(t, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || string(recs[1]) != big {
		t.Fatalf("got %d records", len(recs))
	}
	// The single-event probe records bytes; check a big single event too.
	_, recs, err = readAll(t, []byte(big+"\n"+big))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || string(recs[0]) != big || string(recs[1]) != big {
		t.Fatalf("got %d records", len(recs))
	}
}

// A record or a file over the limits fails the file with a reason that
// says which, before the Reader holds it: a small gzip file of one repeated
// byte must not take all the memory. Below the limits the same shapes read.
func TestReaderLimits(t *testing.T) {
	defer func(r, f int64) { maxRecordBytes, maxFileBytes, readWhole = r, f, true }(maxRecordBytes, maxFileBytes)
	// Files are streamed, as those over maxWholePlain are.
	maxRecordBytes, maxFileBytes, readWhole = 1<<20, 4<<20, false
	record := func(pad int) string { return `{"eventID":"big","pad":"` + strings.Repeat("x", pad) + `"}` }
	many := func(n, pad int) string {
		recs := make([]string, n)
		for i := range recs {
			recs[i] = record(pad)
		}
		return `{"Records":[` + strings.Join(recs, ",") + `]}`
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"record over the limit", many(3, 2<<20), "record 1 is larger than 1 MiB"},
		{"a later record over the limit", `{"Records":[{"eventID":"a"},` + record(2<<20) + `]}`, "record 2 is larger than 1 MiB"},
		{"a single event over the limit", record(2 << 20), "record 1 is larger than 1 MiB"},
		{"file over the limit", many(10, 900<<10), "more than 4 MiB of JSON, decompressed"},
		{"records under the limits", many(4, 900<<10), ""},
	} {
		for _, in := range [][]byte{[]byte(tc.in), gz(t, []byte(tc.in))} {
			r, err := NewReader(bytes.NewReader(in))
			n := 0
			for err == nil {
				if _, err = r.Next(); err == nil {
					n++
				}
			}
			switch {
			case tc.want == "" && err != io.EOF:
				t.Errorf("%s: %v after %d records", tc.name, err, n)
			case tc.want != "" && (err == io.EOF || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s: got %v after %d records, want %q", tc.name, err, n, tc.want)
			}
		}
	}
}

// repeatReader streams an envelope of n copies of rec without holding it.
type repeatReader struct {
	rec  string
	n    int
	buf  []byte
	done bool
}

func (g *repeatReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.n == 0:
			g.buf, g.done = []byte("]}"), true
		default:
			g.buf = []byte("," + g.rec)
			g.n--
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// The reader's memory follows the largest record, not the file.
func TestReaderMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 30 MB")
	}
	_, recs, err := readAll(t, readFixture(t, "envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	src := io.MultiReader(strings.NewReader(`{"Records":[`+string(recs[1])), &repeatReader{rec: string(recs[1]), n: n - 1, buf: []byte{}})
	r, err := NewReader(src)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for {
		_, err := r.NextEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != n {
		t.Fatalf("read %d records, want %d", count, n)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if total := int64(n * len(recs[1])); ms.HeapAlloc > uint64(total/4) {
		t.Errorf("heap %d bytes after reading a %d-byte file", ms.HeapAlloc, total)
	}
	runtime.KeepAlive(r)
}
