package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata/types"

	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/record"
)

// recordingServer is cairn serve's recording path in one process: the HTTP
// server, SigV4, the recorder with its journal, a real index and a folder
// archive, on the machine's disk (not tmpfs: acknowledgements wait for it).
func recordingServer(b testing.TB) (url, channel string) {
	b.Helper()
	data := b.TempDir()
	icfg := duckdb.DefaultConfig()
	icfg.Dir = filepath.Join(data, "index")
	idx, err := duckdb.Open(context.Background(), icfg)
	if err != nil {
		b.Fatal(err)
	}
	rcfg := record.DefaultConfig()
	rcfg.DeliveryInterval = 5 * time.Second
	rec, err := record.Open(context.Background(), data, rcfg, idx)
	if err != nil {
		b.Fatal(err)
	}
	ch, err := rec.Channels().Create(record.NewChannel{Name: "bench", Account: "123456789012", Region: "us-east-1"}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { rec.Run(ctx) })
	s := New(DefaultConfig(), idx, []Credentials{testCreds}, nil)
	s.SetRecorder(rec)
	hs := httptest.NewServer(s.Handler())
	b.Cleanup(func() {
		hs.Close()
		cancel()
		wg.Wait()
		rec.Close()
		idx.Close()
	})
	return hs.URL, ch.ARN
}

// benchBatch is 100 events of about 600 bytes, as an application sends them.
func benchBatch(n int) []types.AuditEvent {
	now := time.Now().UTC().Format("2006-01-02T15:04:05")
	evs := make([]types.AuditEvent, 100)
	for i := range evs {
		data := fmt.Sprintf(`{"version":"1.0","userIdentity":{"type":"User","principalId":"user-%d","details":{"team":"payments","sessionId":"7f3a9c"}},"userAgent":"orders-service/2.4.1 (go1.26)","eventSource":"orders.example.com","eventName":"UpdateOrder","eventTime":"%s","UID":"req-%d-%d","requestParameters":{"orderId":"ord-%d","status":"shipped","carrier":"postal","items":3},"responseElements":{"updated":true,"version":17},"sourceIPAddress":"10.1.%d.%d","recipientAccountId":"123456789012"}`,
			i%20, now, n, i, n*100+i, i%250, n%250)
		evs[i] = types.AuditEvent{Id: aws.String(fmt.Sprint(i)), EventData: aws.String(data)}
	}
	return evs
}

func benchClient(url string) *cloudtraildata.Client {
	return cloudtraildata.New(cloudtraildata.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: staticCreds(testCreds), RetryMaxAttempts: 1,
	})
}

// BenchmarkPutAuditEvents measures sustained recording through the official
// SDK client: batches of 100, durable before each reply, 16 requests in
// flight. The figure to read is events/s; compare it with
// BenchmarkFsyncPerRequest, the same disk with one sync per request.
func BenchmarkPutAuditEvents(b *testing.B) {
	url, channel := recordingServer(b)
	client := benchClient(url)
	batches := make([][]types.AuditEvent, 64)
	for i := range batches {
		batches[i] = benchBatch(i)
	}
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS clients
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			out, err := client.PutAuditEvents(context.Background(), &cloudtraildata.PutAuditEventsInput{
				ChannelArn: aws.String(channel), AuditEvents: batches[i%int64(len(batches))],
			})
			if err != nil {
				b.Error(err)
				return
			}
			if len(out.Failed) > 0 {
				b.Errorf("failed: %s", aws.ToString(out.Failed[0].ErrorMessage))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkPutAuditEventsLatency sends batches of 100 at a fixed rate (set
// CAIRN_BENCH_RATE in events/s; default 10,000, half the target) and reports
// the acknowledgement latency's median and 99th percentile.
func BenchmarkPutAuditEventsLatency(b *testing.B) {
	rate := 10000
	if v := os.Getenv("CAIRN_BENCH_RATE"); v != "" {
		fmt.Sscan(v, &rate)
	}
	url, channel := recordingServer(b)
	client := benchClient(url)
	batch := benchBatch(0)
	interval := time.Second * 100 / time.Duration(rate)
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	b.ResetTimer()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for range b.N {
		<-tick.C
		wg.Go(func() {
			t0 := time.Now()
			_, err := client.PutAuditEvents(context.Background(), &cloudtraildata.PutAuditEventsInput{ChannelArn: aws.String(channel), AuditEvents: batch})
			d := time.Since(t0)
			if err != nil {
				b.Error(err)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
	b.ReportMetric(float64(rate), "offered-events/s")
}

// BenchmarkFsyncPerRequest is the anchor: what the same disk sustains when
// every request writes its ~60 KB and syncs alone, without group commit.
func BenchmarkFsyncPerRequest(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "anchor.wal"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	frame := make([]byte, 60<<10)
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := f.Write(frame); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkLakeStatement reads a statement of dashed words that are no
// event data store's ID, the worst case of the scan: it must stay linear in
// the statement's length (a rescan of each run took 20 s for 400 KB).
func BenchmarkLakeStatement(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		q := "SELECT " + strings.Repeat("a-", n/2) + "b FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
		b.Run(fmt.Sprintf("%dB", len(q)), func(b *testing.B) {
			b.SetBytes(int64(len(q)))
			for b.Loop() {
				lakeStatement(q)
			}
		})
	}
}
