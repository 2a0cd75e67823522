package duckdb

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go/compress/zstd"
)

// TestNativeZstdLoads fails in CI (CAIRN_REQUIRE_SERVERS=1; libzstd comes
// with dpkg on Debian) when the native codec would go untested.
func TestNativeZstdLoads(t *testing.T) {
	if nativeZstd() {
		return
	}
	if os.Getenv("CAIRN_REQUIRE_SERVERS") == "1" {
		t.Fatal("libzstd.so.1 cannot be opened and CAIRN_REQUIRE_SERVERS=1: apt-get install libzstd1")
	}
	t.Skip("libzstd.so.1 is not installed: segments are compressed by the pure-Go encoder")
}

// TestFastZstdRoundTrips: what the codec compresses, natively or not, the
// pure-Go decoder (and so any zstd reader) gives back, into a reused buffer
// too.
func TestFastZstdRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 300_000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	var records bytes.Buffer
	for i := 0; records.Len() < 2<<20; i++ {
		fmt.Fprintf(&records, `{"eventID":"%08x","eventName":"DescribeInstances","sourceIPAddress":"10.0.%d.%d"}`, i, i%256, i%7)
	}
	pure := &zstd.Codec{}
	dst := make([]byte, 0, 16)
	for name, src := range map[string][]byte{
		"empty":   {},
		"one":     {'x'},
		"noise":   noise,
		"records": records.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			dst, err = fastestZstd.Encode(dst, src)
			if err != nil {
				t.Fatal(err)
			}
			back, err := pure.Decode(nil, dst)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !bytes.Equal(back, src) {
				t.Fatalf("round trip changed %d bytes into %d", len(src), len(back))
			}
			if len(src) > 100_000 && name == "records" && len(dst) > len(src)/5 {
				t.Errorf("records compressed to %d of %d bytes", len(dst), len(src))
			}
		})
	}
}

// TestPureDefaultLevelColumns: each of the pure-Go encoder's exceptions
// names a column of the segment.
func TestPureDefaultLevelColumns(t *testing.T) {
	columns := map[string]bool{}
	for _, l := range segmentLayout().leaves {
		columns[strings.Join(l.path, ".")] = true
	}
	for c := range pureDefaultLevel {
		if !columns[c] {
			t.Errorf("%s names no column of a segment", c)
		}
	}
}
