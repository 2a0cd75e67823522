package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/klauspost/compress/gzip"
)

// record renders a small, valid CloudTrail record.
func record(id int, account string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA%[1]d","arn":"arn:aws:iam::%[2]s:user/u%[3]d","accountId":"%[2]s","accessKeyId":"AKIA%[1]d","userName":"u%[3]d"},"eventTime":"2026-03-14T03:%02[4]d:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"aws-cli/2","requestParameters":null,"responseElements":null,"requestID":"r%[1]d","eventID":"00000000-0000-4000-8000-%012[1]d","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%[2]s","eventCategory":"Management"}`,
		id, account, id%3, id%60)
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// openIndex opens an index in a folder of the test's, closed when the test
// ends.
func openIndex(t *testing.T) *duckdb.Index {
	t.Helper()
	cfg := duckdb.DefaultConfig()
	cfg.Dir = t.TempDir()
	idx, err := duckdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func write(t *testing.T, root, key string, data []byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(key))
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ingestNoting ingests the folder root into idx and returns, with the
// summary, what Notice was told of each object, by key.
func ingestNoting(t *testing.T, idx cairn.Index, root string) (Summary, map[string]cairn.ObjectState, error) {
	t.Helper()
	src, err := OpenSource(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	notices := map[string]cairn.ObjectState{}
	cfg := DefaultConfig()
	cfg.Notice = func(st cairn.ObjectState) { notices[st.Key] = st }
	sum, err := Run(context.Background(), cfg, idx, src)
	return sum, notices, err
}

func logFile(ids []int, account string) []byte {
	recs := make([]string, len(ids))
	for i, id := range ids {
		recs[i] = record(id, account)
	}
	return gz(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

func TestIngestFolderInAWSLayout(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	org := "AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/2026/03/14/"
	acct := "AWSLogs/444455556666/CloudTrail/eu-west-1/2026/03/14/"
	write(t, root, org+"111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz", logFile([]int{1, 2, 3}, "111122223333"))
	// Record 3 delivered again, as CloudTrail does.
	write(t, root, org+"111122223333_CloudTrail_us-east-1_20260314T0310Z_bbbbbbbbbbbbbbbb.json.gz", logFile([]int{3, 4}, "111122223333"))
	write(t, root, acct+"444455556666_CloudTrail_eu-west-1_20260314T0305Z_cccccccccccccccc.json.gz", logFile([]int{5, 6}, "444455556666"))
	// Bad objects: corrupt gzip, truncated JSON.
	write(t, root, acct+"444455556666_CloudTrail_eu-west-1_20260314T0310Z_dddddddddddddddd.json.gz", []byte("\x1f\x8b\x08\x00garbage"))
	write(t, root, acct+"444455556666_CloudTrail_eu-west-1_20260314T0315Z_eeeeeeeeeeeeeeee.json.gz", gz(`{"Records":[`+record(7, "444455556666")+`,{"eventID":`))
	// Not events: a digest, and a stray file.
	write(t, root, "AWSLogs/444455556666/CloudTrail-Digest/eu-west-1/2026/03/14/444455556666_CloudTrail-Digest_eu-west-1_t_eu-west-1_20260314T040000Z.json.gz",
		gz(`{"awsAccountId":"444455556666","digestStartTime":"2026-03-14T03:00:00Z","logFiles":[]}`))
	write(t, root, "README.txt", []byte("hello"))

	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	cfg := DefaultConfig()
	cfg.Notice = func(st cairn.ObjectState) { notices = append(notices, string(st.Status)+" "+st.Key+": "+st.Reason) }
	sum, err := Run(ctx, cfg, idx, src)
	if !errors.Is(err, ErrFailedObjects) {
		t.Fatalf("want ErrFailedObjects, got %v", err)
	}
	if sum.New != 6 || sum.Duplicates != 1 || sum.Failed != 2 || sum.Events != 7 {
		t.Fatalf("summary: %+v\nnotices: %s", sum, strings.Join(notices, "\n"))
	}
	joined := strings.Join(notices, "\n")
	for _, want := range []string{"dddddddddddddddd.json.gz: corrupt gzip", "eeeeeeeeeeeeeeee.json.gz: ", "CloudTrail-Digest/", "README.txt"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no notice mentions %q:\n%s", want, joined)
		}
	}
	for _, n := range notices {
		if strings.Contains(n, "\n") {
			t.Errorf("notice is not one line: %q", n)
		}
	}
	page, err := idx.Search(ctx, cairn.Filter{}, cairn.Cursor{}, 100)
	if err != nil || len(page.Events) != 6 {
		t.Fatalf("index holds %d events (%v), want 6", len(page.Events), err)
	}

	// A second run reads nothing, and counts the two quarantined objects
	// it leaves out; a new object is read alone.
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 0 || sum.New != 0 || sum.StillQuarantined != 2 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	write(t, root, org+"111122223333_CloudTrail_us-east-1_20260314T0315Z_ffffffffffffffff.json.gz", logFile([]int{8}, "111122223333"))
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 1 || sum.New != 1 {
		t.Fatalf("third run: %+v %v", sum, err)
	}
	before, err := idx.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A repaired object is read again, and its new state replaces the old.
	time.Sleep(10 * time.Millisecond)
	write(t, root, acct+"444455556666_CloudTrail_eu-west-1_20260314T0315Z_eeeeeeeeeeeeeeee.json.gz", logFile([]int{7, 9}, "444455556666"))
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 1 || sum.New != 2 {
		t.Fatalf("after repair: %+v %v", sum, err)
	}
	after, err := idx.Stats(ctx)
	if err != nil || after.Objects != before.Objects || after.Quarantined != before.Quarantined-1 {
		t.Fatalf("catalog after repair: %+v, before: %+v (%v)", after, before, err)
	}
	// A log file read whole that changes afterwards is read again and said
	// to have changed, since CloudTrail never rewrites one: the repaired
	// file above was no such file.
	if joined := strings.Join(notices, "\n"); strings.Contains(joined, "changed since") {
		t.Errorf("a repaired quarantined file was said to have changed:\n%s", joined)
	}
	notices = nil
	write(t, root, org+"111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz", logFile([]int{1, 2, 3, 10}, "111122223333"))
	if sum, err = Run(ctx, cfg, idx, src); err != nil || sum.Objects != 1 || sum.New != 1 {
		t.Fatalf("after a change: %+v %v", sum, err)
	}
	if joined := strings.Join(notices, "\n"); !strings.Contains(joined, "aaaaaaaaaaaaaaaa.json.gz: changed since it was read on ") || !strings.Contains(joined, "(444 → 468 bytes)") {
		t.Errorf("a changed log file: notices\n%s", joined)
	}
}

func TestIngestSingleFileAndShapes(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	write(t, root, "lines.jsonl", []byte(record(1, "111122223333")+"\n"+record(2, "111122223333")+"\n"))
	write(t, root, "array.json", []byte("["+record(3, "111122223333")+"]"))
	idx := openIndex(t)
	src, err := OpenSource(ctx, filepath.Join(root, "lines.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, DefaultConfig(), idx, src)
	if err != nil || sum.New != 2 || sum.Listed != 1 {
		t.Fatalf("single file: %+v %v", sum, err)
	}
	src, _ = OpenSource(ctx, root)
	sum, err = Run(ctx, DefaultConfig(), idx, src)
	if err != nil || sum.New != 1 || sum.Duplicates != 2 {
		t.Fatalf("folder: %+v %v", sum, err)
	}
}

// A source may start inside AWS's layout (s3://bucket/AWSLogs/, or one
// account's folder): its objects are still judged as the trail's, so that an
// unreadable log there is quarantined rather than skipped as a stray file.
func TestSourceInsideTheLayout(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	day := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/"
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz", logFile([]int{1, 2}, "111122223333"))
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0310Z_bbbbbbbbbbbbbbbb.json.gz", gz(`{"notARecord": true}`))
	idx := openIndex(t)
	src, err := OpenSource(ctx, filepath.Join(root, "AWSLogs"))
	if err != nil {
		t.Fatal(err)
	}
	if k := src.KeyInfo("111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz"); k.Account != "111122223333" || k.Region != "us-east-1" {
		t.Fatalf("key inside the layout read as %+v", k)
	}
	sum, err := Run(ctx, DefaultConfig(), idx, src)
	if !errors.Is(err, ErrFailedObjects) || sum.New != 2 || sum.Failed != 1 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
}

// flakyStore breaks off the body of one object part way, while broken.
type flakyStore struct {
	cairn.BlobStore
	key    string
	broken bool
}

func (s *flakyStore) Get(ctx context.Context, key string) (io.ReadCloser, cairn.ObjectInfo, error) {
	rc, info, err := s.BlobStore.Get(ctx, key)
	if err == nil && key == s.key && s.broken {
		rc = &brokenBody{ReadCloser: rc, left: 20}
	}
	return rc, info, err
}

// brokenBody gives left bytes, then fails as a dropped connection does.
type brokenBody struct {
	io.ReadCloser
	left int
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, errors.New("read tcp 192.0.2.1:443: connection reset by peer")
	}
	n, err := b.ReadCloser.Read(p[:min(len(p), b.left)])
	b.left -= n
	return n, err
}

// An object whose body breaks off part way is quarantined as unread, not
// as damaged, whatever the decoder made of what it got, and the next run
// reads it again.
func TestBodyThatBreaksOffIsReadAgain(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz"
	write(t, root, key, logFile([]int{1, 2, 3}, "111122223333"))
	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	store := &flakyStore{BlobStore: src.Store, key: key, broken: true}
	src.Store = store
	var reasons []string
	cfg := DefaultConfig()
	cfg.Notice = func(st cairn.ObjectState) { reasons = append(reasons, st.Reason) }
	sum, err := Run(ctx, cfg, idx, src)
	if !errors.Is(err, ErrFailedObjects) || sum.Failed != 1 || len(reasons) != 1 ||
		!strings.HasPrefix(reasons[0], readFailure) || !strings.Contains(reasons[0], "connection reset by peer") {
		t.Fatalf("broken body: %+v %v, reasons %q", sum, err, reasons)
	}
	store.broken = false
	if sum, err := Run(ctx, cfg, idx, src); err != nil || sum.Objects != 1 || sum.New != 3 {
		t.Fatalf("next run: %+v %v", sum, err)
	}
}

// compactCounter counts the compactions ingest asks of an index.
type compactCounter struct {
	*duckdb.Index
	compactions int
}

func (c *compactCounter) Compact(ctx context.Context) error {
	c.compactions++
	return c.Index.Compact(ctx)
}

// A run that finds nothing new still compacts: a run killed while it
// compacted leaves small segments that only a compaction merges.
func TestRunWithNothingNewCompacts(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	write(t, root, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz", logFile([]int{1, 2}, "111122223333"))
	idx := &compactCounter{Index: openIndex(t)}
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		if _, err := Run(ctx, DefaultConfig(), idx, src); err != nil {
			t.Fatal(err)
		}
		if idx.compactions != run {
			t.Errorf("after run %d: %d compactions", run, idx.compactions)
		}
	}
}

// A file named .gz that is not gzip says so, rather than only blaming the
// JSON read from it; a log that someone decompressed in place, keeping its
// name, is read as it is.
func TestFileNamedGzipThatIsNot(t *testing.T) {
	root := t.TempDir()
	day := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/"
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0305Z_garbage.json.gz", []byte("\xab\xcd not a log"))
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0310Z_unzipped.json.gz", []byte(`{"Records":[`+record(1, "111122223333")+`]}`))
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0315Z_corrupt.json.gz", []byte("\x1f\x8b\x08\x00garbage"))
	sum, notices, err := ingestNoting(t, openIndex(t), root)
	if !errors.Is(err, ErrFailedObjects) || sum.New != 1 || sum.Failed != 2 {
		t.Fatalf("summary %+v, %v; notices %v", sum, err, notices)
	}
	for name, want := range map[string]string{
		"111122223333_CloudTrail_us-east-1_20260314T0305Z_garbage.json.gz": "not gzip, though its name ends in .gz; read as plain text: record 1: invalid JSON",
		"111122223333_CloudTrail_us-east-1_20260314T0315Z_corrupt.json.gz": "corrupt gzip",
	} {
		if got := notices[day+name].Reason; !strings.HasPrefix(got, want) {
			t.Errorf("%s: reason %q, want it to begin %q", name, got, want)
		}
	}
}

// A small gzip file that inflates to one enormous record is quarantined,
// named, with the reason, and the rest of the trail goes in: before the
// reader's limits, one such file took all the memory on every run.
func TestRecordTooLargeIsQuarantined(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 40 MiB")
	}
	root := t.TempDir()
	day := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/"
	bomb := `{"Records":[{"eventID":"bomb","eventTime":"2026-03-14T03:00:00Z","big":"` + strings.Repeat("a", 40<<20) + `"}]}`
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0300Z_bomb.json.gz", gz(bomb))
	write(t, root, day+"111122223333_CloudTrail_us-east-1_20260314T0305Z_good.json.gz", logFile([]int{1, 2}, "111122223333"))
	sum, notices, err := ingestNoting(t, openIndex(t), root)
	if !errors.Is(err, ErrFailedObjects) || sum.New != 2 || sum.Failed != 1 {
		t.Fatalf("summary %+v, %v; notices %v", sum, err, notices)
	}
	if got, want := notices[day+"111122223333_CloudTrail_us-east-1_20260314T0300Z_bomb.json.gz"].Reason, "record 1 is larger than 32 MiB"; !strings.HasPrefix(got, want) {
		t.Errorf("reason %q, want it to begin %q", got, want)
	}
}

// Links in a folder source: one back to a folder above is named and not
// followed (it was listed forty times deep, each file read again as
// duplicates), and one to nothing is quarantined with its name instead of
// going unmentioned; the rest goes in once.
func TestLinksInAFolderSource(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/good.json.gz", logFile([]int{1, 2, 3}, "111122223333"))
	for link, target := range map[string]string{"a/up": "..", "a/self": ".", "a/dangling.json.gz": "/nonexistent/x.json.gz", "loop.json": "loop.json"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	sum, notices, err := ingestNoting(t, openIndex(t), root)
	if !errors.Is(err, ErrFailedObjects) || sum.Objects != 3 || sum.New != 3 || sum.Duplicates != 0 || sum.Failed != 2 || sum.Skipped != 2 {
		t.Fatalf("summary %+v, %v; notices %v", sum, err, notices)
	}
	for key, want := range map[string]string{
		"a/up/":              "skipped: a link back to a folder above it",
		"a/self/":            "skipped: a link back to a folder above it",
		"a/dangling.json.gz": "quarantined: cannot read: ",
		"loop.json":          "quarantined: cannot read: ",
	} {
		if got := string(notices[key].Status) + ": " + notices[key].Reason; !strings.HasPrefix(got, want) {
			t.Errorf("%s: notice %q, want it to begin %q", key, got, want)
		}
	}
}

// Records under one event ID: a copy byte for byte is a plain duplicate;
// another record is named as a conflict, with the object it came in, and
// the one kept is the first by key on every run, whichever decoder
// finished first.
func TestConflictingDuplicates(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	withName := func(name string) string {
		return strings.Replace(record(7, "111122223333"), `"eventName":"DescribeInstances"`, `"eventName":"`+name+`"`, 1)
	}
	for _, name := range []string{"a", "b", "c", "d"} {
		write(t, root, name+".json", []byte(`{"Records":[`+withName("Name_"+name)+`]}`))
	}
	write(t, root, "e.json", []byte(`{"Records":[`+withName("Name_a")+`]}`)) // a's record again, byte for byte
	for run := range 3 {
		idx := openIndex(t)
		sum, notices, err := ingestNoting(t, idx, root)
		if err != nil || sum.New != 1 || sum.Duplicates != 4 || sum.Conflicts != 3 {
			t.Fatalf("run %d: summary %+v, %v", run, sum, err)
		}
		for _, key := range []string{"b.json", "c.json", "d.json"} {
			if !strings.HasPrefix(notices[key].Reason, "1 of its events carry the ID of a stored event with another record") {
				t.Errorf("run %d: %s: notice %q", run, key, notices[key].Reason)
			}
		}
		if _, ok := notices["e.json"]; ok || len(notices) != 3 {
			t.Errorf("run %d: notices %v, want b, c and d named", run, notices)
		}
		p, err := idx.Search(ctx, cairn.Filter{EventID: "00000000-0000-4000-8000-000000000007"}, cairn.Cursor{}, 10)
		if err != nil || len(p.Events) != 1 || p.Events[0].EventName != "Name_a" {
			t.Fatalf("run %d: kept %+v, %v; want a's record", run, p.Events, err)
		}
	}
}

// An Insights file copied out of its folder is skipped by its records, as
// it is in its folder by its key: its records describe calls, they are none.
func TestInsightsFileOutsideItsFolder(t *testing.T) {
	root := t.TempDir()
	insight := `{"eventVersion":"1.07","eventTime":"2026-03-14T03:00:00Z","awsRegion":"us-east-1","eventID":"5a7f3b1e-0000-4000-8000-000000000001","eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","sharedEventID":"5a7f3b1e-0000-4000-8000-000000000002","insightDetails":{"state":"Start","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","insightType":"ApiCallRateInsight"},"eventCategory":"Insight"}`
	write(t, root, "copied/111122223333_CloudTrail-Insight_us-east-1_20260314T0300Z_x.json.gz", gz(`{"Records":[`+insight+`]}`))
	write(t, root, "copied/calls.json.gz", logFile([]int{1}, "111122223333"))
	sum, notices, err := ingestNoting(t, openIndex(t), root)
	if err != nil || sum.New != 1 || sum.Skipped != 1 {
		t.Fatalf("summary %+v, %v; notices %v", sum, err, notices)
	}
	if st := notices["copied/111122223333_CloudTrail-Insight_us-east-1_20260314T0300Z_x.json.gz"]; st.Status != cairn.ObjectSkipped || st.Reason != "CloudTrail Insights records, not API calls" {
		t.Errorf("notice %+v", st)
	}
}

// downStore fails every Get once down, as a store whose endpoint went
// away after the listing does.
type downStore struct {
	cairn.BlobStore
	down atomic.Bool
	gets atomic.Int64
}

var errGone = errors.New("dial tcp 127.0.0.1:9000: connect: connection refused")

func (s *downStore) Get(ctx context.Context, key string) (io.ReadCloser, cairn.ObjectInfo, error) {
	s.gets.Add(1)
	if s.down.Load() {
		return nil, cairn.ObjectInfo{}, errGone
	}
	return s.BlobStore.Get(ctx, key)
}

// TestStoreThatGoesDownStopsTheRun: once the store fails read after read,
// the run stops with one error that says so, instead of naming every
// object left as it fails; the next run, with the store back, reads them.
func TestStoreThatGoesDownStopsTheRun(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	const files = 200
	for i := range files {
		write(t, root, fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_%016d.json.gz", i),
			logFile([]int{i}, "111122223333"))
	}
	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	store := &downStore{BlobStore: src.Store}
	store.down.Store(true)
	src.Store = store
	notices := 0
	cfg := DefaultConfig()
	cfg.Notice = func(cairn.ObjectState) { notices++ }
	_, err = Run(ctx, cfg, idx, src)
	if !errors.Is(err, ErrStoreDown) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("a store gone: %v", err)
	}
	t.Log(err)
	if notices > failuresInARow || store.gets.Load() >= files {
		t.Errorf("a store gone: %d notices, %d reads of %d objects, before the run stopped", notices, store.gets.Load(), files)
	}
	// A store that hangs fails slowly: a few failures with nothing read
	// for a while stop the run too.
	defer func(d time.Duration) { outageAfter = d }(outageAfter)
	outageAfter = 0
	notices = 0
	if _, err = Run(ctx, cfg, idx, src); !errors.Is(err, ErrStoreDown) || notices >= failuresInARow {
		t.Errorf("a store that fails slowly: %v after %d notices", err, notices)
	}
	store.down.Store(false)
	sum, err := Run(ctx, DefaultConfig(), idx, src)
	if err != nil || sum.New != files {
		t.Fatalf("the store back: %+v, %v", sum, err)
	}
}

// TestRecordsOfTheFirstVersion: CloudTrail's records of 2013–2014 have no
// eventID and no recipientAccountId. They are kept, each under an ID made
// from its bytes, in the account whose folder delivered them; the same
// record delivered to two accounts' folders is kept in each, and a second
// delivery to one of them is a duplicate.
func TestRecordsOfTheFirstVersion(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	old := `{"eventVersion":"1.0","userIdentity":{"type":"IAMUser","principalId":"EX_PRINCIPAL_ID","arn":"arn:aws:iam::123456789012:user/Alice",` +
		`"accountId":"123456789012","userName":"Alice"},"eventTime":"2014-03-06T21:22:54Z","eventSource":"ec2.amazonaws.com",` +
		`"eventName":"StartInstances","awsRegion":"us-east-2","sourceIPAddress":"205.251.233.176","userAgent":"ec2-api-tools 1.6.12.2",` +
		`"requestParameters":{"instancesSet":{"items":[{"instanceId":"i-ebeaf9e2"}]}},"responseElements":null}`
	current := record(1, "123456789012")
	for _, key := range []string{
		"AWSLogs/123456789012/CloudTrail/us-east-2/2014/03/06/123456789012_CloudTrail_us-east-2_20140306T2125Z_aaaaaaaaaaaaaaaa.json.gz",
		"AWSLogs/123456789012/CloudTrail/us-east-2/2014/03/06/123456789012_CloudTrail_us-east-2_20140306T2130Z_bbbbbbbbbbbbbbbb.json.gz",
		"AWSLogs/210987654321/CloudTrail/us-east-2/2014/03/06/210987654321_CloudTrail_us-east-2_20140306T2125Z_cccccccccccccccc.json.gz",
	} {
		write(t, root, key, gz(`{"Records":[`+old+`,`+current+`]}`))
	}
	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, DefaultConfig(), idx, src)
	if err != nil || sum.Failed != 0 || sum.New != 3 || sum.Duplicates != 3 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	for _, account := range []string{"123456789012", "210987654321"} {
		page, err := idx.Search(ctx, cairn.Filter{EventName: "StartInstances", Account: account}, cairn.Cursor{}, 10)
		if err != nil || len(page.Events) != 1 {
			t.Fatalf("account %s: %d events, %v", account, len(page.Events), err)
		}
		if e := page.Events[0]; e.EventID != cloudtrail.DerivedEventID([]byte(old)) || string(e.Raw) != old {
			t.Errorf("account %s: kept as %q, raw %s", account, e.EventID, e.Raw)
		}
	}
}

// TestTouchedFileIsReadAgainQuietly: a file of a folder whose modification
// time alone changed (a copy that kept no times) is read again, and its
// note says what happened rather than that the trail was rewritten.
func TestTouchedFileIsReadAgainQuietly(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/111122223333_CloudTrail_us-east-1_20260314T0305Z_aaaaaaaaaaaaaaaa.json.gz"
	write(t, root, key, logFile([]int{1, 2}, "111122223333"))
	idx := openIndex(t)
	src, err := OpenSource(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, DefaultConfig(), idx, src); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(root, key), later, later); err != nil {
		t.Fatal(err)
	}
	var notices []string
	cfg := DefaultConfig()
	cfg.Notice = func(st cairn.ObjectState) { notices = append(notices, st.Reason) }
	sum, err := Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 1 || sum.New != 0 || sum.Duplicates != 2 {
		t.Fatalf("after touch: %+v %v", sum, err)
	}
	if len(notices) != 1 || !strings.HasPrefix(notices[0], "read again: its modification time changed since it was read on ") {
		t.Errorf("notices: %q", notices)
	}
}
