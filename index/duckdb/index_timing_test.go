package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
)

// benchEvents makes n events shaped like a busy account's: 30 days, 200
// users, 5000 instances, records of about 1.2 KB.
func benchEvents(n int) []cairn.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"DescribeInstances", "GetObject", "PutObject", "AssumeRole", "RunInstances", "ListBuckets", "GetCallerIdentity", "RebootInstances"}
	pad := strings.Repeat("x", 900)
	out := make([]cairn.Event, n)
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		user := rng.IntN(200)
		inst := fmt.Sprintf("i-%017x", rng.IntN(5000))
		e := &out[i]
		e.EventID = fmt.Sprintf("%08x-0000-4000-8000-%012x", rng.Uint32(), i)
		e.EventTime = start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Second)
		e.EventVersion, e.EventSource, e.EventName = "1.09", "ec2.amazonaws.com", names[rng.IntN(len(names))]
		e.AWSRegion, e.RecipientAccountID = "us-east-1", "111122223333"
		e.SourceIPAddress = fmt.Sprintf("198.51.100.%d", user%250)
		e.UserAgent, e.EventType, e.EventCategory = "aws-cli/2.15.0 Python/3.11", "AwsApiCall", "Management"
		e.ReadOnly, e.ManagementEvent = cairn.BoolOf(rng.IntN(4) > 0), cairn.BoolTrue
		e.Principal = cairn.Principal{Type: "IAMUser", ARN: fmt.Sprintf("arn:aws:iam::111122223333:user/user%d", user),
			AccountID: "111122223333", AccessKeyID: fmt.Sprintf("AKIA%016d", user), UserName: fmt.Sprintf("user%d", user)}
		e.Resources = []cairn.ResourceRef{{ID: inst, Type: "AWS::EC2::Instance", Role: cairn.RoleReferenced}}
		e.Raw = []byte(fmt.Sprintf(`{"eventID":%q,"eventName":%q,"instanceId":%q,"pad":%q}`, e.EventID, e.EventName, inst, pad))
	}
	// Delivered files hold the events of a few minutes, so ingest commits
	// batches of neighbouring times.
	slices.SortFunc(out, func(a, b cairn.Event) int { return a.EventTime.Compare(b.EventTime) })
	return out
}

// BenchmarkCommit measures events/s into the index, in batches as ingest
// commits them.
func BenchmarkCommit(b *testing.B) {
	events := benchEvents(200_000)
	b.ReportAllocs()
	b.SetBytes(int64(len(events[0].Raw)) * int64(len(events)))
	for b.Loop() {
		x, err := Open(context.Background(), Config{Dir: b.TempDir(), MemoryLimit: "1GB", CompactAt: 8, DedupKeys: 8_000_000})
		if err != nil {
			b.Fatal(err)
		}
		for c := range slices.Chunk(events, 50_000) {
			if _, err := x.Commit(context.Background(), &cairn.Batch{Events: c}); err != nil {
				b.Fatal(err)
			}
		}
		x.Close()
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkNeedle measures needle searches over 1,000,000 events: one
// resource, one user, one access key within 30 days.
func BenchmarkNeedle(b *testing.B) {
	ctx := context.Background()
	x, err := Open(ctx, Config{Dir: b.TempDir(), MemoryLimit: "1GB", CompactAt: 8, DedupKeys: 8_000_000})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	events := benchEvents(1_000_000)
	for c := range slices.Chunk(events, 100_000) {
		if _, err := x.Commit(ctx, &cairn.Batch{Events: c}); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	since := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, kind := range []string{"resource", "user", "access-key"} {
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				f := cairn.Filter{Since: since, Until: since.AddDate(0, 0, 30)}
				switch kind {
				case "resource":
					f.ResourceID = fmt.Sprintf("i-%017x", rng.IntN(5000))
				case "user":
					f.User = fmt.Sprintf("user%d", rng.IntN(200))
				case "access-key":
					f.AccessKeyID = fmt.Sprintf("AKIA%016d", rng.IntN(200))
				}
				if _, err := x.Search(ctx, f, cairn.Cursor{}, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMergeSmall merges four 50-row segments, as compaction gathers up
// the late events of a day; the anchor writes the same 200 rows as one
// segment in the same run.
func BenchmarkMergeSmall(b *testing.B) {
	events := benchEvents(200)
	rows := make([]segmentRow, len(events))
	for i := range events {
		rows[i] = rowOf(&events[i])
	}
	dir := b.TempDir()
	var inputs []string
	for i, part := range slices.Collect(slices.Chunk(rows, 50)) {
		p := filepath.Join(dir, fmt.Sprintf("in-%d.parquet", i))
		if err := writeSegmentFile(p, slices.Clone(part)); err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	out := filepath.Join(dir, "out.parquet")
	b.Run("anchor-write-one", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			removeSegment(out)
			if err := writeSegmentFile(out, slices.Clone(rows)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("merge-four", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			removeSegment(out)
			if _, err := mergeSegmentFiles(out, inputs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
