package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/s3/s3test"
)

// slowS3 stands between cairn and an S3 server: every GET of an object
// waits delay before it is answered, as S3's first byte does, and the GET of
// the key denied is refused as S3 refuses what a policy forbids. It counts
// how many GETs of objects were waiting at once.
type slowS3 struct {
	proxy  *httputil.ReverseProxy
	delay  time.Duration
	denied atomic.Pointer[string] // a key, without the bucket

	inFlight, most atomic.Int32
}

func (s *slowS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Path-style: /bucket is a listing, /bucket/key an object.
	_, key, isObject := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if r.Method == http.MethodGet && isObject {
		n := s.inFlight.Add(1)
		for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
		}
		time.Sleep(s.delay)
		s.inFlight.Add(-1)
		if d := s.denied.Load(); d != nil && key == *d {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
	}
	s.proxy.ServeHTTP(w, r)
}

// startSlowS3 starts versitygw with a bucket, and slowS3 before it, and
// points the standard AWS configuration at the latter.
func startSlowS3(t testing.TB, delay time.Duration) (*slowS3, *s3.Client, string) {
	t.Helper()
	endpoint, ak, sk := s3test.StartVersity(t)
	bucket := s3test.NewBucket(t, endpoint, ak, sk)
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	// The request keeps the Host header it was signed with.
	slow := &slowS3{proxy: httputil.NewSingleHostReverseProxy(target), delay: delay}
	srv := httptest.NewServer(slow)
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3": srv.URL, "AWS_ACCESS_KEY_ID": ak, "AWS_SECRET_ACCESS_KEY": sk,
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
	} {
		t.Setenv(k, v)
	}
	return slow, s3test.Client(endpoint, ak, sk), bucket
}

// putTrail writes n log files of two records each into bucket, in AWS's
// layout under prefix, and returns their keys.
func putTrail(t testing.TB, c *s3.Client, bucket, prefix string, n int) []string {
	t.Helper()
	day := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/"
	keys := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		keys[i] = fmt.Sprintf("%s%s111122223333_CloudTrail_us-east-1_20260314T%02d%02dZ_%016d.json.gz", prefix, day, i/60, i%60, i)
		wg.Go(func() {
			body := logFile([]int{2 * i, 2*i + 1}, "111122223333")
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &keys[i], Body: bytes.NewReader(body)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// An S3 source is read many objects at once, whatever the number of cores,
// and an object that cannot be fetched is quarantined with S3's reason
// while the rest is stored, and fetched again by the next run.
func TestIngestFromS3ReadsAhead(t *testing.T) {
	ctx := context.Background()
	const objects = 64
	slow, client, bucket := startSlowS3(t, 20*time.Millisecond)
	keys := putTrail(t, client, bucket, "trail/", objects)
	deniedKey := strings.TrimPrefix(keys[7], "trail/")
	slow.denied.Store(&keys[7])

	idx := openIndex(t)
	src, err := OpenSource(ctx, "s3://"+bucket+"/trail")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Workers = 2
	var mu sync.Mutex
	var notices []string
	cfg.Notice = func(st cairn.ObjectState) {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, string(st.Status)+" "+st.Key+": "+st.Reason)
	}
	sum, err := Run(ctx, cfg, idx, src)
	if !errors.Is(err, ErrFailedObjects) {
		t.Fatalf("want ErrFailedObjects, got %v (notices %q)", err, notices)
	}
	if sum.Objects != objects || sum.Failed != 1 || sum.New != 2*(objects-1) {
		t.Fatalf("summary: %+v\nnotices: %q", sum, notices)
	}
	if len(notices) != 1 || !strings.HasPrefix(notices[0], "quarantined "+deniedKey+": cannot read: ") ||
		!strings.Contains(strings.ToLower(notices[0]), "access denied") {
		t.Fatalf("notices: %q", notices)
	}
	if most := slow.most.Load(); most < 16 {
		t.Fatalf("at most %d objects were fetched at once by 2 decoders and %d fetchers", most, cfg.Fetchers)
	}

	// What failed was S3, not the object: the next run tries it again, and
	// only it.
	sum, err = Run(ctx, cfg, idx, src)
	if !errors.Is(err, ErrFailedObjects) || sum.Objects != 1 || sum.Failed != 1 {
		t.Fatalf("second run, still refused: %+v %v", sum, err)
	}
	slow.denied.Store(nil)
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 1 || sum.New != 2 {
		t.Fatalf("third run, no longer refused: %+v %v", sum, err)
	}
	sum, err = Run(ctx, cfg, idx, src)
	if err != nil || sum.Objects != 0 {
		t.Fatalf("fourth run: %+v %v", sum, err)
	}
}

// An S3 source that cannot be listed is named once, with S3's reason: the
// store's error names the bucket and prefix already.
func TestS3ListingErrorNamesTheSourceOnce(t *testing.T) {
	startSlowS3(t, 0)
	src, err := OpenSource(t.Context(), "s3://no-such-bucket-here/trail")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(t.Context(), DefaultConfig(), openIndex(t), src)
	if err == nil || strings.Count(err.Error(), "s3://no-such-bucket-here") != 1 || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Fatalf("Run = %v, want the source named once and NoSuchBucket", err)
	}
	t.Log(err)
}
