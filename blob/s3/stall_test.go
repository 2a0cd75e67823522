package s3

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestStalledEndpointFails: an endpoint that takes connections and never
// answers fails the request, with the hint to check it, instead of
// holding it (and the run that made it) forever.
func TestStalledEndpointFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // read nothing, answer nothing
		}
	}()
	defer func(d time.Duration) { stallTimeout = d }(stallTimeout)
	stallTimeout = 200 * time.Millisecond

	cfg := DefaultConfig()
	cfg.Endpoint, cfg.AccessKeyID, cfg.SecretAccessKey = "http://"+ln.Addr().String(), "AKID", "secret"
	s, err := New(t.Context(), "trail", "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = s.Head(ctx, "AWSLogs/x.json.gz")
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a stalled endpoint: %v after %v", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "endpoint is reachable") {
		t.Errorf("a stalled endpoint: %v", err)
	}
	t.Logf("failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
}
