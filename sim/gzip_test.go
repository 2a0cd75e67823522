package sim

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestIgzipLoads fails in CI (CAIRN_REQUIRE_SERVERS=1, where make installs
// ISA-L) when the native compressor would go untested.
func TestIgzipLoads(t *testing.T) {
	if igzip() {
		return
	}
	if os.Getenv("CAIRN_REQUIRE_SERVERS") == "1" {
		t.Fatal("libisal.so.2 cannot be opened and CAIRN_REQUIRE_SERVERS=1: run `make tools` (apt-get install libisal2)")
	}
	t.Skip("libisal.so.2 is not installed: log files are compressed by the pure-Go writer only")
}

// withPureGo runs f with ISA-L out of reach, as CAIRN_NATIVE=0 does.
func withPureGo(f func()) {
	saved := igzip
	igzip = func() bool { return false }
	defer func() { igzip = saved }()
	f()
}

// TestLogGzipperRoundTrips: whatever compresses a log file, natively or
// not, gzip gives the bytes back, from one byte to noise that deflate
// cannot shrink (its stored blocks are the native path's largest output),
// with the compressor and the buffer reused from file to file.
func TestLogGzipperRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	noise := make([]byte, 1<<20+17)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	var records bytes.Buffer
	records.WriteString(`{"Records":[`)
	for i := 0; records.Len() < 3<<20; i++ {
		fmt.Fprintf(&records, `{"eventID":"%08x","eventName":"DescribeInstances","sourceIPAddress":"10.0.%d.%d"},`, i, i%256, i%7)
	}
	records.WriteString(`{}]}`)
	inputs := map[string][]byte{
		"one byte":       {'x'},
		"64 KiB of one":  bytes.Repeat([]byte{'a'}, 64<<10),
		"records":        records.Bytes(),
		"noise":          noise,
		"noise, 64 KiB+": noise[:64<<10+1],
	}
	check := func(t *testing.T, g *logGzipper) {
		var buf bytes.Buffer
		for range 2 {
			for name, in := range inputs {
				buf.Reset()
				if err := g.compress(&buf, in); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				zr, err := gzip.NewReader(&buf)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				out, err := io.ReadAll(zr)
				if err != nil || !bytes.Equal(out, in) {
					t.Fatalf("%s: read back %d bytes (%v), want the %d compressed", name, len(out), err, len(in))
				}
			}
		}
	}
	if igzip() {
		t.Run("ISA-L", func(t *testing.T) {
			g := newLogGzipper()
			defer g.close()
			if g.native == nil {
				t.Fatal("ISA-L opened but no state made")
			}
			check(t, g)
			// Noise fits the room compress makes for it, so the native
			// path, not the fallback, wrote it.
			dst := make([]byte, len(noise)+len(noise)/1024+64)
			if _, ok := igzipCompress(g.native, noise, dst); !ok {
				t.Fatal("ISA-L found no room for noise in the room compress gives it")
			}
		})
	}
	withPureGo(func() {
		t.Run("pure Go", func(t *testing.T) {
			g := newLogGzipper()
			defer g.close()
			check(t, g)
		})
	})
}

// TestNativeGzipWritesTheSameRecords: with ISA-L or without, a seed's data
// set has the same files holding the same bytes once decompressed.
func TestNativeGzipWritesTheSameRecords(t *testing.T) {
	if !igzip() {
		t.Skip("libisal.so.2 is not installed (TestIgzipLoads says whether that fails)")
	}
	gen := func() string {
		cfg := smallConfig(t)
		if _, err := Generate(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		return cfg.Out
	}
	native := gen()
	var pure string
	withPureGo(func() { pure = gen() })
	nativeFiles, pureFiles := logContents(t, native), logContents(t, pure)
	if len(nativeFiles) == 0 || len(nativeFiles) != len(pureFiles) {
		t.Fatalf("%d log files with ISA-L, %d without", len(nativeFiles), len(pureFiles))
	}
	for name, content := range nativeFiles {
		if pureFiles[name] != content {
			t.Fatalf("%s holds other records with ISA-L than without", name)
		}
	}
}

// logContents returns the decompressed content of every log file under dir
// by relative path.
func logContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := gunzipFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// gunzipFile returns the decompressed content of a gzip file.
func gunzipFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}
