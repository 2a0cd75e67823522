// Package s3test starts S3 servers for tests: a real versitygw process on
// 127.0.0.1, and gofakes3 in process for fast unit tests.
//
// versitygw comes from `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`
// (the project's test script does it). StartVersity finds it through the
// VERSITYGW environment variable, then GOPATH/bin, then PATH. When it is
// missing, tests skip with a hint, or fail when CAIRN_REQUIRE_SERVERS=1 (CI).
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// VersityHint says how to get the versitygw binary.
const VersityHint = "versitygw not found: run make test, or go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 (or set VERSITYGW to its path)"

// FindVersity returns the path of the versitygw binary, or "" when there is
// none.
func FindVersity() string {
	if p := os.Getenv("VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "bin", "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	return ""
}

// StartVersity starts versitygw with a posix backend in a temporary folder,
// listening on a free 127.0.0.1 port, and stops it when the test ends. It
// returns the endpoint URL and the root credentials.
func StartVersity(t testing.TB) (endpoint, accessKey, secretKey string) {
	t.Helper()
	bin := FindVersity()
	if bin == "" {
		if os.Getenv("CAIRN_REQUIRE_SERVERS") == "1" {
			t.Fatal(VersityHint)
		}
		t.Skip(VersityHint)
	}
	accessKey, secretKey = "cairntest", "cairntestsecret"
	var lastErr error
	for range 3 { // the free port may be taken before versitygw binds it
		endpoint, err := startVersity(t, bin, accessKey, secretKey)
		if err == nil {
			return endpoint, accessKey, secretKey
		}
		lastErr = err
	}
	t.Fatalf("start versitygw: %v", lastErr)
	return "", "", ""
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startVersity(t testing.TB, bin, accessKey, secretKey string) (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return "", err
	}
	var out syncBuffer
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", root)
	// Credentials go in the environment, not on the command line.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+accessKey, "ROOT_SECRET_KEY="+secretKey)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	endpoint := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-exited:
			return "", fmt.Errorf("versitygw exited: %s", strings.TrimSpace(out.String()))
		default:
		}
		// Any S3 answer (403 for an unsigned request) means it serves.
		resp, err := client.Get(endpoint + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("versitygw did not answer on %s: %v; output: %s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() && out.String() != "" {
			t.Logf("versitygw output:\n%s", out.String())
		}
	})
	return endpoint, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// StartFake serves gofakes3 (in memory) on 127.0.0.1 until the test ends. It
// accepts any credentials; the ones returned are placeholders.
func StartFake(t testing.TB) (endpoint, accessKey, secretKey string) {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	return srv.URL, "fake", "fakesecret"
}

// Client returns an S3 client for a test server: static credentials,
// us-east-1, path-style addressing.
func Client(endpoint, accessKey, secretKey string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// NewBucket creates a bucket with a unique name and returns the name.
func NewBucket(t testing.TB, endpoint, accessKey, secretKey string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "cairn-test-" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Client(endpoint, accessKey, secretKey).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}
