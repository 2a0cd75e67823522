package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"time"
)

// pageLatency is the time a web UI page takes, as a browser on the same
// machine waits for it: the request, the server's work, the HTML.
type pageLatency struct {
	Page   string
	What   string
	Median time.Duration
	Max    time.Duration
}

// pageRuns is how many times each page is timed, after one untimed load.
const pageRuns = 5

// measurePages serves the benchmark's index with cairn serve and times the
// UI's pages over it: the events page (bare, one user, failed calls), trail
// health, the month's cost (its cost report imported first), and each
// incident's resource page with its why.
func measurePages(ctx context.Context, cfg config, bin string, ds *dataset, user string) ([]pageLatency, error) {
	data := filepath.Join(cfg.Work, "cairn-data")
	// The month's cost report, so that the cost page has a bill to split.
	imp := exec.CommandContext(ctx, bin, "cost", "import", "-quiet", "-data", data, filepath.Join(ds.Dir, "cost", "cur"))
	if out, err := imp.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("cairn cost import: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve", "-data", data, "-listen", addr, "-ingest.interval", "24h")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cairn serve: %w", err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	c, err := signIn(ctx, base, data)
	if err != nil {
		return nil, err
	}
	pages := []pageLatency{
		{Page: "/events", What: "events, the whole month"},
		{Page: "/events?" + url.Values{"user": {user}}.Encode(), What: "events of one user"},
		{Page: "/events?error=any", What: "failed calls"},
		{Page: "/insights", What: "Insights, the 90 days before the newest CloudTrail record"},
		{Page: "/health", What: "trail health"},
	}
	b, err := os.ReadFile(filepath.Join(ds.Dir, "scenarios.json"))
	if err != nil {
		return nil, err
	}
	var scenarios []struct {
		Kind, Resource string
		Time           time.Time
		EventIDs       []string `json:"eventIds"`
	}
	if err := json.Unmarshal(b, &scenarios); err != nil {
		return nil, err
	}
	for _, sc := range scenarios {
		if sc.Kind == "cost-spike" {
			month := sc.Time.UTC().Format("2006-01")
			pages = append(pages, pageLatency{Page: "/cost?month=" + month, What: "the month's cost"},
				pageLatency{Page: "/cost?month=" + month + "&tag=team", What: "the month's cost by a tag"})
		}
		if sc.Kind == "permission-removed" && len(sc.EventIDs) > 1 {
			pages = append(pages, pageLatency{Page: "/event/" + url.PathEscape(sc.EventIDs[1]), What: "a denied call and why: " + sc.Kind})
		}
		if sc.Resource != "" {
			pages = append(pages, pageLatency{What: "resource and why: " + sc.Kind,
				Page: "/resource/" + url.PathEscape(sc.Resource) + "?at=" + url.QueryEscape(sc.Time.UTC().Format(time.RFC3339))})
		}
	}
	// The server builds the newest month's cost page and the Insights when
	// it starts; wait for them (or build them) before timing, so that they
	// do not run beside the pages timed.
	t0 := time.Now()
	if err := getPage(ctx, c, base+"/cost"); err != nil {
		return nil, err
	}
	logf("the cost page was ready %s after signing in", ms(time.Since(t0)))
	t0 = time.Now()
	if err := getPage(ctx, c, base+"/insights"); err != nil {
		return nil, err
	}
	logf("the Insights page was ready %s after that", ms(time.Since(t0)))
	for i := range pages {
		p := &pages[i]
		var ds []time.Duration
		for run := range pageRuns + 1 {
			t0 := time.Now()
			if err := getPage(ctx, c, base+p.Page); err != nil {
				return nil, err
			}
			if run > 0 {
				ds = append(ds, time.Since(t0))
			}
		}
		p.Median, p.Max = percentile(ds, 50), slices.Max(ds)
		logf("page %-60s median %s max %s", p.Page, ms(p.Median), ms(p.Max))
	}
	return pages, nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn waits for the server and signs in with the data folder's key pair.
func signIn(ctx context.Context, base, data string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	var form string
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		resp, err := c.Get(base + "/login")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			form = string(b)
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("cairn serve did not answer on %s: %v", base, err)
		}
	}
	m := csrfField.FindStringSubmatch(form)
	if m == nil {
		return nil, fmt.Errorf("no sign-in form at %s/login", base)
	}
	b, err := os.ReadFile(filepath.Join(data, "credentials.json"))
	if err != nil {
		return nil, err
	}
	var creds struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	}
	if err := json.Unmarshal(b, &creds); err != nil {
		return nil, err
	}
	resp, err := c.PostForm(base+"/login", url.Values{"csrf": {m[1]}, "access_key_id": {creds.AccessKeyID},
		"secret_access_key": {creds.SecretAccessKey}, "next": {"/health"}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("signing in to the UI: %s", resp.Status)
	}
	return c, nil
}

func getPage(ctx context.Context, c *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}
