package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibdeflateLoads fails in CI (CAIRN_REQUIRE_SERVERS=1, where make
// installs libdeflate) when the whole-file path would go untested.
func TestLibdeflateLoads(t *testing.T) {
	if libdeflate() {
		return
	}
	if os.Getenv("CAIRN_REQUIRE_SERVERS") == "1" {
		t.Fatal("libdeflate.so.0 cannot be opened and CAIRN_REQUIRE_SERVERS=1: run `make tools` (apt-get install libdeflate0)")
	}
	t.Skip("libdeflate.so.0 is not installed: files are decompressed by the pure-Go reader only")
}

// readEach reads in to the end by every path a file can take: whole by
// libdeflate (where it is installed), whole by the pure-Go reader, and
// streamed. It returns the paths' names and what each read, the records
// and the error that ended the reading, if any; the stream's come last.
func readEach(t testing.TB, in []byte) (names, reads []string) {
	t.Helper()
	read := func() string {
		var out strings.Builder
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			return "error: " + err.Error()
		}
		defer r.Close()
		for {
			raw, err := r.Next()
			if err == io.EOF {
				return out.String()
			}
			if err != nil {
				return out.String() + "error: " + err.Error()
			}
			fmt.Fprintf(&out, "%d@%d %s\n", r.Count(), r.Offset(), raw)
		}
	}
	if libdeflate() {
		names, reads = append(names, "libdeflate"), append(reads, read())
	}
	saved := libdeflate
	libdeflate = func() bool { return false }
	defer func() { libdeflate = saved }()
	names, reads = append(names, "pure-Go whole-file"), append(reads, read())
	readWhole = false
	defer func() { readWhole = true }()
	return append(names, "streaming"), append(reads, read())
}

// readsAsTheStream fails t unless every whole-file path reads in as the
// stream does.
func readsAsTheStream(t testing.TB, in []byte) {
	t.Helper()
	names, reads := readEach(t, in)
	stream := reads[len(reads)-1]
	for i, got := range reads[:len(reads)-1] {
		if got != stream {
			t.Errorf("%s read:\n%.2000s\nstreaming read:\n%.2000s", names[i], got, stream)
		}
	}
}

// gzipMembers concatenates gzip members, as a file appended to would be.
func gzipMembers(t testing.TB, parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, gz(t, []byte(p))...)
	}
	return b
}

// TestWholeGzipReadsAsTheStreamDoes: whatever libdeflate or the pure-Go
// reader decompresses whole, and whatever they leave to the streaming
// reader, a file reads the same, damage included.
func TestWholeGzipReadsAsTheStreamDoes(t *testing.T) {
	envelope, err := os.ReadFile(filepath.Join("testdata", "envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	valid := gz(t, envelope)
	badCRC := bytes.Clone(valid)
	badCRC[len(badCRC)-8] ^= 1
	badSize := bytes.Clone(valid)
	badSize[len(badSize)-4] ^= 1
	flipped := bytes.Clone(valid)
	flipped[len(flipped)/2] ^= 0x40
	headerCRC := func(sum ...byte) []byte {
		in := bytes.Clone(valid)
		in[3] |= fhcrc
		return append(in[:10:10], append(sum, in[10:]...)...)
	}
	h := crc32.ChecksumIEEE(headerCRC()[:10])

	// A file larger than maxWholeCompressed goes through the stream in
	// part from memory and in part from the source.
	var big bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	big.WriteString(`{"Records":[`)
	for i := 0; big.Len() < 3*maxWholeCompressed; i++ {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `{"eventID":"%016x","eventTime":"2026-03-01T00:00:00Z","noise":"%016x%016x"}`, i, rng.Uint64(), rng.Uint64())
	}
	big.WriteString(`]}`)

	for name, in := range map[string][]byte{
		"valid":               valid,
		"with a BOM":          gz(t, append([]byte("\xef\xbb\xbf"), envelope...)),
		"JSON lines":          gz(t, []byte("{\"eventID\":\"a\",\"eventTime\":\"2026-03-01T00:00:00Z\"}\n{\"eventID\":\"b\",\"eventTime\":\"2026-03-01T00:00:00Z\"}\n")),
		"empty":               gz(t, nil),
		"two members":         gzipMembers(t, `{"Records":[{"eventID":"a"},`, `{"eventID":"b"}]}`),
		"trailing garbage":    append(bytes.Clone(valid), "garbage"...),
		"trailing zeros":      append(bytes.Clone(valid), 0, 0, 0, 0),
		"truncated":           valid[:len(valid)-10],
		"truncated trailer":   valid[:len(valid)-2],
		"header only":         valid[:10],
		"checksum mismatch":   badCRC,
		"size mismatch":       badSize,
		"corrupt data":        flipped,
		"header checksum":     headerCRC(byte(h), byte(h>>8)),
		"bad header checksum": headerCRC(0xab, 0xcd),
		"larger than a whole": gz(t, big.Bytes()),
		"not CloudTrail":      gz(t, []byte(`{"hello":"world"}`)),
	} {
		t.Run(name, func(t *testing.T) { readsAsTheStream(t, in) })
	}
}

// TestWholeGzipReadError: a source that fails while the file is read
// whole is reported as a read error.
func TestWholeGzipReadError(t *testing.T) {
	valid := gz(t, []byte(`{"Records":[]}`))
	boom := errors.New("connection reset")
	_, err := NewReader(io.MultiReader(bytes.NewReader(valid[:8]), iotestErrReader{boom}))
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read error") {
		t.Fatalf("err = %v, want a read error wrapping %v", err, boom)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// FuzzWholeGzip: any bytes that start as gzip read the same whole, through
// libdeflate or the pure-Go reader, as through the streaming reader.
func FuzzWholeGzip(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(gz(f, b))
	}
	f.Add(gzipMembers(f, `[{"eventID":"a"}`, `]`))
	withHeaderCRC := gz(f, []byte(`[]`))
	withHeaderCRC[3] |= fhcrc
	f.Add(append(withHeaderCRC[:10:10], append([]byte{0, 0}, withHeaderCRC[10:]...)...))
	f.Fuzz(func(t *testing.T, in []byte) { readsAsTheStream(t, in) })
}

// TestSmallGzipIsReadWhole: a small, sound file takes the whole-file path,
// with no streaming decompressor, with libdeflate and without.
func TestSmallGzipIsReadWhole(t *testing.T) {
	check := func(t *testing.T) {
		for _, in := range [][]byte{gz(t, []byte(`{"Records":[]}`)), gz(t, []byte("\xef\xbb\xbf[]")), gz(t, nil)} {
			r, err := NewReader(bytes.NewReader(in))
			if err != nil {
				if r == nil && errors.Is(err, ErrNotCloudTrail) {
					continue // the empty file; it was still read whole to say so
				}
				t.Fatal(err)
			}
			if r.zr != nil || r.input == nil {
				t.Errorf("%q was streamed, not decompressed whole", in)
			}
			r.Close()
		}
	}
	if libdeflate() {
		t.Run("libdeflate", check)
	}
	saved := libdeflate
	libdeflate = func() bool { return false }
	defer func() { libdeflate = saved }()
	t.Run("pure Go", check)
}

// TestPooledDecompressorForgetsDamage: a file's error does not depend on
// the files read before it. The pooled decompressor, whose tables outlive a
// Reset, once reported the second file below as "internal error: unexpected
// length code" after another file, and as "corrupt input before offset 4"
// alone (found by FuzzWholeGzip).
func TestPooledDecompressorForgetsDamage(t *testing.T) {
	readWhole = false
	defer func() { readWhole = true }()
	second := []byte("\x1f\x8b\b\x00000000\x84\x00\x00\x80\x000\x10\x85\xef\xfd\x15֜\x938t\xb7\xd0\xfa\x16\x95=\xf4\xc0.\xea\x16!@{\x98Mf\x8b\xa5\xd8&c\x87\xaa*\xf9\xefbҴ\xec\x01\x84e\xd9\a\x7f~~o\xc6'X7180\n\xb6T\anb0D1717182718\x82L\xc117D9\x18u\xba\x90rI\xb82\xdd8BZ\xc1\x90ͮ2`Է\x99R'0101710\xd3\xdf$0")
	errOf := func(in []byte) string {
		r, _, err := readAll(t, in)
		if r != nil {
			r.Close() // its decompressor goes back to the pool
		}
		return fmt.Sprint(err)
	}
	alone := errOf(second)
	rng := rand.New(rand.NewPCG(1, 1))
	valid := gz(t, genRecords(50, 1))
	for range 200 {
		damaged := bytes.Clone(valid[:11+rng.IntN(len(valid)-11)])
		for range 1 + rng.IntN(4) {
			damaged[10+rng.IntN(len(damaged)-10)] = byte(rng.IntN(256))
		}
		errOf(damaged)
		if got := errOf(second); got != alone {
			t.Fatalf("after a damaged file: %s; read alone: %s", got, alone)
		}
	}
}

// Zero bytes after the last member are padding, as gzip -d takes them
// (tapes and some copying tools add them), read whole or streamed; data
// after them, or after a member, is still damage.
func TestGzipPadding(t *testing.T) {
	a, b := `{"Records":[{"eventID":"a","eventTime":"2026-03-14T03:00:00Z"}`, `,{"eventID":"b","eventTime":"2026-03-14T03:01:00Z"}]}`
	zeros := make([]byte, 30)
	for _, whole := range []bool{true, false} {
		readWhole = whole
		for _, tc := range []struct {
			name string
			in   []byte
			want string // the error; "" reads both records
		}{
			{"padded", append(gz(t, []byte(a+b)), zeros...), ""},
			{"two members, padded", append(gzipMembers(t, a, b), zeros...), ""},
			{"one zero byte", append(gz(t, []byte(a+b)), 0), ""},
			{"data after the padding", append(append(gz(t, []byte(a+b)), zeros...), "junk"...), "data after the zero bytes that pad the gzip data"},
			{"data after a member", append(gz(t, []byte(a+b)), "junk"...), "data after the end of the gzip data"},
			{"a broken second member", append(gz(t, []byte(a+b)), "\x1f\x8b\x08junk"...), "truncated gzip stream"},
		} {
			_, recs, err := readAll(t, tc.in)
			switch {
			case tc.want == "" && (err != nil || len(recs) != 2):
				t.Errorf("whole %v, %s: %d records, %v", whole, tc.name, len(recs), err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("whole %v, %s: %v, want %q", whole, tc.name, err, tc.want)
			}
		}
	}
	readWhole = true
}
