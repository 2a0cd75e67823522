package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/sim"
	_ "github.com/duckdb/duckdb-go/v2"
)

// benchTrail generates the benchmark's trail once per process: the
// simulated organisation, CAIRN_BENCH_EVENTS events (default 500,000) over a
// week in one account and region, so that files hold a few hundred events as
// a busy account's do.
var benchTrail = sync.OnceValues(func() (string, error) {
	n := int64(500_000)
	if s := os.Getenv("CAIRN_BENCH_EVENTS"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", err
		}
		n = v
	}
	dir, err := os.MkdirTemp("", "cairn-bench-trail")
	if err != nil {
		return "", err
	}
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Events, cfg.Days, cfg.Accounts, cfg.Regions, cfg.NoCost = dir, n, 7, 1, []string{"us-east-1"}, true
	if _, err := sim.Generate(context.Background(), cfg); err != nil {
		return "", err
	}
	return dir, nil
})

func trail(b *testing.B) (dir string, events int64) {
	b.Helper()
	dir, err := benchTrail()
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if st, err := d.Info(); err == nil {
				size += st.Size()
			}
		}
		return nil
	})
	b.SetBytes(size)
	return dir, 0
}

// BenchmarkIngest measures cairn ingest end to end, from .json.gz files in
// AWS's layout into the index; BenchmarkIngestAnchor measures DuckDB's own
// read_json of the same files into a table, the anchor to compare with.
func BenchmarkIngest(b *testing.B) {
	dir, _ := trail(b)
	ctx := context.Background()
	var events int
	for b.Loop() {
		sum, err := ingestOnce(ctx, b, DefaultConfig(), filepath.Join(dir, "AWSLogs"))
		if err != nil {
			b.Fatal(err)
		}
		events += sum.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// ingestOnce ingests url into a new index, which it closes.
func ingestOnce(ctx context.Context, b *testing.B, cfg Config, url string) (Summary, error) {
	xcfg := duckdb.DefaultConfig()
	xcfg.Dir = b.TempDir()
	idx, err := duckdb.Open(ctx, xcfg)
	if err != nil {
		return Summary{}, err
	}
	defer idx.Close()
	src, err := OpenSource(ctx, url)
	if err != nil {
		return Summary{}, err
	}
	return Run(ctx, cfg, idx, src)
}

func BenchmarkIngestAnchor(b *testing.B) {
	dir, _ := trail(b)
	var events int64
	for b.Loop() {
		db, err := sql.Open("duckdb", filepath.Join(b.TempDir(), "anchor.duckdb"))
		if err != nil {
			b.Fatal(err)
		}
		glob := filepath.Join(dir, "AWSLogs", "**", "*.json.gz")
		if _, err := db.Exec("CREATE TABLE events AS SELECT unnest(Records) AS record FROM read_json('" + glob + "', columns = {Records: 'JSON[]'}, maximum_object_size = 1073741824)"); err != nil {
			b.Fatal(err)
		}
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
			b.Fatal(err)
		}
		events += n
		db.Close()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngestS3 measures ingest from S3 whose GETs each wait 20 ms for
// their first byte (versitygw behind slowS3), with as many objects fetched
// at once as there are decoders, which is what ingest did before it read
// ahead, and with Config.Fetchers' default.
func BenchmarkIngestS3(b *testing.B) {
	const objects = 400
	_, client, bucket := startSlowS3(b, 20*time.Millisecond)
	putTrail(b, client, bucket, "", objects)
	ctx := context.Background()
	for _, fetchers := range []int{runtime.GOMAXPROCS(0), DefaultConfig().Fetchers} {
		b.Run(fmt.Sprintf("fetchers=%d", fetchers), func(b *testing.B) {
			read := 0
			cfg := DefaultConfig()
			cfg.Fetchers = fetchers
			for b.Loop() {
				sum, err := ingestOnce(ctx, b, cfg, "s3://"+bucket)
				if err != nil || sum.Objects != objects {
					b.Fatalf("%+v %v", sum, err)
				}
				read += sum.Objects
			}
			b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}
