package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
)

// newServerIngest is a server's ingest over a new index, closed when the
// test ends.
func newServerIngest(t *testing.T) *serverIngest {
	t.Helper()
	xcfg := duckdb.DefaultConfig()
	xcfg.Dir = t.TempDir()
	idx, err := duckdb.Open(context.Background(), xcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return &serverIngest{cfg: ingest.DefaultConfig(), idx: idx, log: slog.New(slog.DiscardHandler)}
}

// TestRoundSince: a server's rounds list a source whole when it starts and
// once a day after, and in between only the days from yesterday on.
func TestRoundSince(t *testing.T) {
	start := time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC)
	yesterday := time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		listedWhole, now, want time.Time
	}{
		{time.Time{}, start, time.Time{}},
		{start, start.Add(time.Minute), yesterday.AddDate(0, 0, 1)}, // past midnight: from the 14th
		{start, start.Add(-time.Minute), yesterday},
		{start, start.Add(fullListEvery - time.Second), time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)},
		{start, start.Add(fullListEvery), time.Time{}},
		// Local time does not move the days: the layout's are UTC.
		{start, start.In(time.FixedZone("UTC+10", 10*3600)).Add(time.Hour), yesterday.AddDate(0, 0, 1)},
	} {
		if got := roundSince(tc.listedWhole, tc.now); !got.Equal(tc.want) {
			t.Errorf("listed whole at %v, round at %v: since %v, want %v", tc.listedWhole, tc.now, got, tc.want)
		}
	}
}

// TestServerRounds: a server's round lists a source whole the first time,
// then only the days from yesterday on, so that a file that appears in an
// older day is found by the next whole listing, a day later, and not before.
func TestServerRounds(t *testing.T) {
	ctx := context.Background()
	s := newServerIngest(t)
	trail := t.TempDir()
	n := 0
	deliver := func(day time.Time) {
		n++
		folder := "AWSLogs/111122223333/CloudTrail/us-east-1/" + day.Format("2006/01/02") + "/"
		rec := fmt.Sprintf(`{"eventVersion":"1.09","eventTime":"%s","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","eventID":"00000000-0000-4000-8000-%012d","recipientAccountId":"111122223333"}`,
			day.Add(time.Hour).Format(time.RFC3339), n)
		write(t, trail, fmt.Sprintf("%s111122223333_CloudTrail_us-east-1_%sT0100Z_%016d.json.gz", folder, day.Format("20060102"), n), gz(`{"Records":[`+rec+`]}`))
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	old := today.AddDate(0, 0, -3)
	deliver(old)
	deliver(today)
	round := func() ingest.Summary {
		t.Helper()
		sum, err := s.round(ctx, trail)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	if sum := round(); sum.New != 2 {
		t.Fatalf("first round: %+v", sum)
	}
	deliver(old)   // late, into a day three days back
	deliver(today) // on time
	if sum := round(); sum.New != 1 || sum.Listed != 2 {
		t.Fatalf("a round from yesterday on: %+v", sum)
	}
	// A day later the source is listed whole again.
	s.mu.Lock()
	s.listedWhole[trail] = s.listedWhole[trail].Add(-fullListEvery)
	s.mu.Unlock()
	if sum := round(); sum.New != 1 || sum.Listed != 4 {
		t.Fatalf("the next whole listing: %+v", sum)
	}
}

// TestServerIndexesOnlyDeliveredFiles: after a delivery the server reads
// the log files its recorder delivered, not the archive: a file that
// someone else put there, in the trail's layout, stays out of the index.
func TestServerIndexesOnlyDeliveredFiles(t *testing.T) {
	ctx := context.Background()
	s := newServerIngest(t)
	archive := t.TempDir()
	folder := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/"
	logFile := func(name, eventName string, n int) string {
		rec := fmt.Sprintf(`{"eventVersion":"1.09","eventTime":"2026-03-14T01:00:00Z","eventSource":"orders.example.com","eventName":"%s","awsRegion":"us-east-1","eventID":"00000000-0000-4000-8000-%012d","recipientAccountId":"111122223333"}`, eventName, n)
		key := folder + "111122223333_CloudTrail_us-east-1_20260314T0100Z_" + name + ".json.gz"
		write(t, archive, key, gz(`{"Records":[`+rec+`]}`))
		return key
	}
	delivered := logFile("DELIVEREDDELIVER", "PlaceOrder", 1)
	logFile("FORGEDFORGEDFORG", "ForgedWireTransfer", 2)
	sum, err := s.delivered(ctx, archive, []string{delivered})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Listed != 1 || sum.New != 1 {
		t.Errorf("the delivered file: %+v, want it alone read and its event new", sum)
	}
	tab, err := s.idx.Query(ctx, "SELECT count(*) FROM events WHERE eventName = 'ForgedWireTransfer'")
	if err != nil {
		t.Fatal(err)
	}
	if forged := cairn.CellInt(tab.Rows[0][0]); forged != 0 {
		t.Errorf("%d events of a file the server did not deliver were indexed", forged)
	}
}

// TestServerNotesFailingSources: a source that cannot be read is noted for
// the health page, and forgotten once it is read again.
func TestServerNotesFailingSources(t *testing.T) {
	ctx := context.Background()
	s := newServerIngest(t)
	trail := filepath.Join(t.TempDir(), "trail")
	if _, err := s.round(ctx, trail); err == nil {
		t.Fatal("a missing folder was read")
	}
	url := "file://" + filepath.ToSlash(trail) // the name the index would give it
	first := s.failures()[url]
	if first.Err == "" || first.Since.IsZero() {
		t.Fatalf("failing sources: %+v", s.failures())
	}
	s.round(ctx, trail)
	if again := s.failures()[url]; !again.Since.Equal(first.Since) || again.Last.Before(first.Last) {
		t.Errorf("a source failing again: %+v, after %+v; want the same since", again, first)
	}
	write(t, trail, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0100Z_0000000000000001.json.gz",
		gz(`{"Records":[{"eventVersion":"1.09","eventTime":"2026-03-14T01:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","eventID":"00000000-0000-4000-8000-000000000001","recipientAccountId":"111122223333"}]}`))
	if _, err := s.round(ctx, trail); err != nil {
		t.Fatal(err)
	}
	if f := s.failures(); len(f) != 0 {
		t.Errorf("failing sources after a good round: %+v", f)
	}
}

// TestServeOnATakenPortMakesNothing: a server that cannot listen fails
// before it makes a key pair, whose secret a later start would not show.
func TestServeOnATakenPortMakesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	r := runCairn(t, nil, "serve", "-data", data, "-listen", ln.Addr().String())
	if r.code == 0 || !strings.Contains(r.stderr, "choose another address with -listen") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, credentialsFile)); !os.IsNotExist(err) {
		t.Errorf("a key pair was made by a server that never served: %v", err)
	}
}

// TestSourceFailureGoesByItsURL: a source given as a path that cannot be
// opened any more is failing under the URL the index knows it by, so that
// the health page shows it on the source's own entry, and is failing no
// more once it is back.
func TestSourceFailureGoesByItsURL(t *testing.T) {
	ctx := context.Background()
	s := newServerIngest(t)
	dir := filepath.Join(t.TempDir(), "trail")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := s.runKeys(ctx, dir, nil, time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, dir+".gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.runKeys(ctx, dir, nil, time.Time{}, nil); err == nil {
		t.Fatal("a source gone read without an error")
	}
	url := "file://" + filepath.ToSlash(dir)
	if f := s.failures(); len(f) != 1 || !strings.Contains(f[url].Err, "no such file") {
		t.Fatalf("failures: %+v, want one under %s", f, url)
	}
	if err := os.Rename(dir+".gone", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.runKeys(ctx, dir, nil, time.Time{}, nil); err != nil || len(s.failures()) != 0 {
		t.Fatalf("back: %v, failures %+v", err, s.failures())
	}
}

// TestNextStep: a failed round's log line says what to do about it.
func TestNextStep(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("write segment x: %w", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}): "free space",
		fmt.Errorf("rename: %w", &os.PathError{Op: "rename", Path: "x", Err: syscall.EACCES}):         "write access",
		errors.New("list s3://trail: connection refused"):                                             "health page",
	} {
		if got := nextStep(err); !strings.Contains(got, want) {
			t.Errorf("%v: %q, want %q in it", err, got, want)
		}
	}
}

// TestRetryAfter: a source whose rounds keep failing is tried at the
// round's interval, then half as often each time, up to every ten minutes.
func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		every  time.Duration
		rounds int
		want   time.Duration
	}{
		{time.Minute, 1, time.Minute},
		{time.Minute, 2, 2 * time.Minute},
		{time.Minute, 4, 8 * time.Minute},
		{time.Minute, 5, 10 * time.Minute},
		{time.Minute, 100, 10 * time.Minute},
		{time.Hour, 3, time.Hour},
	} {
		if got := retryAfter(c.every, c.rounds); got != c.want {
			t.Errorf("every %v, %d failed rounds: %v, want %v", c.every, c.rounds, got, c.want)
		}
	}
}
