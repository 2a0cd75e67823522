package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata/types"
)

var testCreds = []string{"CAIRN_ACCESS_KEY_ID=AKIATESTCAIRN", "CAIRN_SECRET_ACCESS_KEY=test-secret"}

// startServe starts cairn serve on a free port and waits until this very
// process answers; it returns the command and the URL.
func startServe(t *testing.T, data string, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(cairnBin, append([]string{"serve", "-data", data, "-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), testCreds...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var s runningServer
		b, _ := os.ReadFile(filepath.Join(data, serverFile))
		if json.Unmarshal(b, &s) == nil && s.PID == cmd.Process.Pid {
			if url := findServer(data); url != "" {
				return cmd, url, &stderr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatalf("serve did not start:\n%s", stderr.String())
	return nil, "", nil
}

func credentialsFor(id, secret string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, "")
}

func auditClient(url string) *cloudtraildata.Client {
	return cloudtraildata.New(cloudtraildata.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentialsFor("AKIATESTCAIRN", "test-secret"),
		RetryMaxAttempts: 1,
	})
}

// auditEvents makes n events whose UIDs start with tag.
func auditEvents(account, tag string, n int) []types.AuditEvent {
	evs := make([]types.AuditEvent, n)
	now := time.Now().UTC().Format("2006-01-02T15:04:05")
	for i := range evs {
		data := fmt.Sprintf(`{"version":"1.0","userIdentity":{"type":"User","principalId":"loadgen"},"eventSource":"crash.example.com","eventName":"Write","eventTime":"%s","UID":"%s-%d","recipientAccountId":"%s","sourceIPAddress":"198.51.100.7"}`, now, tag, i, account)
		evs[i] = types.AuditEvent{Id: aws.String(fmt.Sprintf("%d", i)), EventData: aws.String(data)}
	}
	return evs
}

// archivedRecords reads every log file the recorder delivered and returns
// the count of each eventID and the UIDs seen.
func archivedRecords(t *testing.T, archive string) (map[string]int, map[string]bool) {
	t.Helper()
	ids, uids := map[string]int{}, map[string]bool{}
	err := filepath.WalkDir(archive, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || !strings.Contains(p, "/CloudTrail/") {
			return err
		}
		recs, err := logRecords(p)
		for _, raw := range recs {
			var r struct {
				EventID   string `json:"eventID"`
				EventData struct {
					UID string `json:"UID"`
				} `json:"eventData"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			ids[r.EventID]++
			uids[r.EventData.UID] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, uids
}

// TestRecordingSurvivesSIGKILL sends events through PutAuditEvents while the
// server is killed again and again: every acknowledged event must end up in
// the index and in the archive exactly once, nothing that was not sent may
// appear, and the trail must verify.
func TestRecordingSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes under load; skipped with -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	if r := runCairn(t, testCreds, "channel", "create", "app", "-data", data, "-account", "123456789012", "-format", "json"); r.code != 0 {
		t.Fatalf("channel create: %s", r.stderr)
	}
	var ch struct{ ARN string }
	json.Unmarshal([]byte(r0(t, data)), &ch)

	var mu sync.Mutex
	acked := map[string]bool{} // eventIDs acknowledged
	sent := map[string]bool{}  // UIDs of every event ever sent
	rng := rand.New(rand.NewPCG(3, 4))
	serveArgs := []string{"-delivery.interval", "300ms", "-digest.interval", "1s"}
	kills := 0
	for round := range 10 {
		cmd, url, _ := startServe(t, data, serveArgs...)
		client := auditClient(url)
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for batch := 0; ctx.Err() == nil; batch++ {
					tag := fmt.Sprintf("r%d-w%d-b%d", round, w, batch)
					evs := auditEvents("123456789012", tag, 25)
					mu.Lock()
					for i := range evs {
						sent[fmt.Sprintf("%s-%d", tag, i)] = true
					}
					mu.Unlock()
					out, err := client.PutAuditEvents(ctx, &cloudtraildata.PutAuditEventsInput{ChannelArn: aws.String(ch.ARN), AuditEvents: evs})
					if err != nil {
						return // the server died: this request was not acknowledged
					}
					if len(out.Failed) > 0 {
						t.Errorf("failed: %s %s", aws.ToString(out.Failed[0].ErrorCode), aws.ToString(out.Failed[0].ErrorMessage))
						return
					}
					mu.Lock()
					for _, s := range out.Successful {
						acked[aws.ToString(s.EventID)] = true
					}
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(200+rng.IntN(1200)) * time.Millisecond)
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			kills++
		}
		cmd.Wait()
		stop()
		wg.Wait()
	}

	// A last run delivers what the killed ones left, then stops cleanly.
	cmd, _, stderr := startServe(t, data, serveArgs...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ids, _ := archivedRecords(t, filepath.Join(data, "archive"))
		if len(ids) >= len(acked) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // a digest over the last files
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after the kills: %v\n%s", err, stderr)
	}

	ids, uids := archivedRecords(t, filepath.Join(data, "archive"))
	for id := range acked {
		if ids[id] != 1 {
			t.Fatalf("acknowledged event %s is in the archive %d times", id, ids[id])
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("event %s is in the archive %d times", id, n)
		}
	}
	for uid := range uids {
		if !sent[uid] {
			t.Fatalf("the archive holds an event that was never sent: UID %q", uid)
		}
	}
	r := runCairn(t, nil, "sql", "-data", data, "-format", "csv",
		"SELECT count(*) AS events, count(DISTINCT eventID) AS distinct_events FROM events")
	want := fmt.Sprintf("events,distinct_events\n%d,%d", len(ids), len(ids))
	if got := strings.TrimSpace(r.stdout); got != want {
		t.Fatalf("index after %d kills: %q, want %q (%s)", kills, got, want, r.stderr)
	}
	if r := runCairn(t, nil, "verify", "-data", data, filepath.Join(data, "archive")); r.code != 0 {
		t.Fatalf("verify after %d kills: exit %d\n%s%s", kills, r.code, r.stdout, r.stderr)
	}
	t.Logf("%d kills; %d events acknowledged, %d in the archive and the index", kills, len(acked), len(ids))
}

// r0 reads the channel list back, so that the test does not depend on the
// create command's output shape.
func r0(t *testing.T, data string) string {
	r := runCairn(t, nil, "channel", "list", "-data", data, "-format", "json")
	if r.code != 0 {
		t.Fatalf("channel list: %s", r.stderr)
	}
	return strings.SplitN(r.stdout, "\n", 2)[0]
}
