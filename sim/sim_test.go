package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// sample is one generated data set shared by the tests that only read it.
var sample struct {
	once  sync.Once
	dir   string
	stats *Stats
	err   error
}

func sampleConfig(dir string) Config {
	cfg := DefaultConfig()
	cfg.Out = dir
	cfg.Days = 3
	cfg.Events = 60_000
	cfg.Accounts = 4
	cfg.Regions = []string{"us-east-1", "eu-west-1"}
	return cfg
}

func getSample(t *testing.T) (string, *Stats) {
	t.Helper()
	sample.once.Do(func() {
		sample.dir, sample.err = os.MkdirTemp("", "cairn-sim-test-")
		if sample.err != nil {
			return
		}
		sample.stats, sample.err = Generate(context.Background(), sampleConfig(sample.dir))
	})
	if sample.err != nil {
		t.Fatal(sample.err)
	}
	return sample.dir, sample.stats
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sample.dir != "" {
		os.RemoveAll(sample.dir)
	}
	os.Exit(code)
}

// treeHashes returns the SHA-256 of every file under dir by relative path.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	gen := func(workers int) map[string]string {
		cfg := DefaultConfig()
		cfg.Out = t.TempDir()
		cfg.Days = 2
		cfg.Events = 15_000
		cfg.Accounts = 3
		cfg.Regions = []string{"us-east-1", "eu-west-1"}
		cfg.Workers = workers
		if _, err := Generate(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		return treeHashes(t, cfg.Out)
	}
	a, b := gen(1), gen(5)
	if len(a) == 0 {
		t.Fatal("no files written")
	}
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("%s differs between two runs with the same seed", k)
		}
	}
}

func TestSeedChangesOutput(t *testing.T) {
	gen := func(seed int64) map[string]string {
		cfg := DefaultConfig()
		cfg.Out = t.TempDir()
		cfg.Days = 1
		cfg.Events = 3000
		cfg.Accounts = 1
		cfg.Regions = []string{"us-east-1"}
		cfg.Seed = seed
		cfg.NoCost = true
		if _, err := Generate(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		return treeHashes(t, cfg.Out)
	}
	a, b := gen(1), gen(2)
	same := 0
	for k, v := range a {
		if b[k] == v {
			same++
		}
	}
	if same > 0 && same == len(a) {
		t.Fatal("different seeds gave the same output")
	}
}

var (
	keyRE  = regexp.MustCompile(`^AWSLogs/o-[a-z0-9]{10}/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$`)
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
)

type record = map[string]json.RawMessage

// readRecords reads every log file of a generated tree.
func readRecords(t *testing.T, dir string, fn func(key string, r record, raw []byte)) {
	t.Helper()
	root := filepath.Join(dir, "AWSLogs")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		m := keyRE.FindStringSubmatch(rel)
		if m == nil {
			t.Errorf("unexpected key %s", rel)
			return nil
		}
		if m[1] != m[6] || m[2] != m[7] || m[3]+m[4]+m[5] != m[8][:8] {
			t.Errorf("key %s: folder and file name disagree", rel)
		}
		body, err := gunzipFile(path)
		if err != nil {
			return err
		}
		var env struct{ Records []json.RawMessage }
		if err := json.Unmarshal(body, &env); err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if len(env.Records) == 0 {
			t.Errorf("%s: no records", rel)
		}
		for _, raw := range env.Records {
			var r record
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Errorf("%s: %v", rel, err)
				continue
			}
			fn(rel, r, raw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func str(r record, k string) string {
	var s string
	json.Unmarshal(r[k], &s)
	return s
}

func TestRecordsAreWellFormed(t *testing.T) {
	dir, st := getSample(t)
	always := []string{"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
		"userAgent", "requestParameters", "responseElements", "eventID", "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory"}
	seen := map[string][]byte{}
	var n, dups int64
	start, end := sampleConfigTimes()
	readRecords(t, dir, func(key string, r record, raw []byte) {
		n++
		for _, f := range always {
			if _, ok := r[f]; !ok {
				t.Fatalf("%s: record without %s: %s", key, f, raw)
			}
		}
		id := str(r, "eventID")
		if !uuidRE.MatchString(id) {
			t.Fatalf("eventID %q is not a version-4 UUID", id)
		}
		if prev, ok := seen[id]; ok {
			dups++
			if !bytes.Equal(prev, raw) {
				t.Fatalf("eventID %s delivered twice with different content", id)
			}
		} else {
			seen[id] = raw
		}
		if v := str(r, "eventVersion"); v != "1.09" && v != "1.10" && v != "1.11" {
			t.Fatalf("eventVersion %q", v)
		}
		et := str(r, "eventTime")
		if !timeRE.MatchString(et) {
			t.Fatalf("eventTime %q", et)
		}
		tm, _ := time.Parse(time.RFC3339, et)
		if tm.Before(start) || !tm.Before(end.Add(time.Hour)) {
			t.Fatalf("eventTime %s outside the period %s–%s", et, start, end)
		}
		if !strings.Contains(key, "/"+str(r, "recipientAccountId")+"/") {
			t.Fatalf("%s holds a record for account %s", key, str(r, "recipientAccountId"))
		}
		var ro, mgmt bool
		if json.Unmarshal(r["readOnly"], &ro) != nil || json.Unmarshal(r["managementEvent"], &mgmt) != nil {
			t.Fatalf("readOnly or managementEvent not a boolean: %s", raw)
		}
		var ui map[string]json.RawMessage
		if err := json.Unmarshal(r["userIdentity"], &ui); err != nil || str(ui, "type") == "" {
			t.Fatalf("userIdentity without type: %s", raw)
		}
		_, hasTLS := r["tlsDetails"]
		byService := str(ui, "invokedBy") != "" || str(r, "eventType") == "AwsServiceEvent" || str(ui, "type") == "SAMLUser"
		if hasTLS == byService {
			t.Fatalf("tlsDetails present=%v for a call invoked by a service=%v: %s", hasTLS, byService, raw)
		}
		if str(r, "eventCategory") == "Data" {
			if mgmt {
				t.Fatal("data event marked as management event")
			}
			if _, ok := r["resources"]; !ok {
				t.Fatalf("data event without resources: %s", raw)
			}
		}
	})
	if n != st.Events+st.Duplicates {
		t.Errorf("read %d records, stats say %d + %d duplicates", n, st.Events, st.Duplicates)
	}
	if dups != st.Duplicates {
		t.Errorf("%d duplicate eventIDs, stats say %d", dups, st.Duplicates)
	}
	if share := float64(dups) / float64(n); share < 0.0003 || share > 0.003 {
		t.Errorf("duplicate share %.4f, want about 0.001", share)
	}
	if int64(len(seen)) != st.Events {
		t.Errorf("%d unique eventIDs, want %d", len(seen), st.Events)
	}
}

func sampleConfigTimes() (time.Time, time.Time) {
	return sampleConfig("x").Period()
}

func TestStatisticsInRange(t *testing.T) {
	_, st := getSample(t)
	if n := len(st.Names); n < 150 {
		t.Errorf("%d distinct event names, want at least 150", n)
	}
	if n := len(st.Sources); n < 20 {
		t.Errorf("%d services, want at least 20", n)
	}
	if r := st.ReadOnlyShare(); r < 0.65 || r > 0.85 {
		t.Errorf("read-only share %.3f, want 0.65–0.85", r)
	}
	if e := st.ErrorShare(); e < 0.01 || e > 0.06 {
		t.Errorf("error share %.3f, want 1–6%%", e)
	}
	for _, code := range []string{"AccessDenied", "Client.UnauthorizedOperation", "ThrottlingException"} {
		if st.ErrorCodes[code] == 0 {
			t.Errorf("no %s errors", code)
		}
	}
	if p := st.SizePercentile(50); p < 900 || p > 2100 {
		t.Errorf("median record size %d B, want 1–2 KB", p)
	}
	if st.MaxSize < 10_000 {
		t.Errorf("largest record %d B, want some of tens of KB", st.MaxSize)
	}
	var buf bytes.Buffer
	st.Print(&buf)
	for _, want := range []string{"read-only", "errors", "record size", "top event names", "duplicate"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("Print output lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestPrincipalsOfEveryKind(t *testing.T) {
	dir, _ := getSample(t)
	kinds := map[string]bool{}
	var sso, ci, cfn, asg, signin bool
	readRecords(t, dir, func(key string, r record, raw []byte) {
		var ui map[string]json.RawMessage
		json.Unmarshal(r["userIdentity"], &ui)
		kinds[str(ui, "type")] = true
		arn := str(ui, "arn")
		sso = sso || strings.Contains(arn, "AWSReservedSSO_") && strings.HasSuffix(arn, "@acme-corp.example")
		ci = ci || strings.Contains(arn, "/gha-run-") && bytes.Contains(ui["sessionContext"], []byte(`"sourceIdentity"`))
		cfn = cfn || str(ui, "invokedBy") == "cloudformation.amazonaws.com"
		asg = asg || str(ui, "invokedBy") == "autoscaling.amazonaws.com" && str(r, "eventName") == "RunInstances"
		signin = signin || str(r, "eventName") == "ConsoleLogin"
	})
	for _, k := range []string{"IAMUser", "AssumedRole", "AWSService", "SAMLUser", "WebIdentityUser"} {
		if !kinds[k] {
			t.Errorf("no %s principal", k)
		}
	}
	if !sso || !ci || !cfn || !asg || !signin {
		t.Errorf("sso=%v ci=%v cloudformation=%v autoscaling=%v console sign-in=%v, want all", sso, ci, cfn, asg, signin)
	}
}

// readScenarios reads a generated tree's scenarios.json.
func readScenarios(t *testing.T, dir string) []Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "scenarios.json"))
	if err != nil {
		t.Fatal(err)
	}
	var scen []Scenario
	if err := json.Unmarshal(b, &scen); err != nil {
		t.Fatal(err)
	}
	return scen
}

func TestScenariosReferenceRealEvents(t *testing.T) {
	dir, st := getSample(t)
	scen := readScenarios(t, dir)
	if len(scen) != st.Scenarios {
		t.Errorf("%d scenarios, stats say %d", len(scen), st.Scenarios)
	}
	events := map[string]record{}
	readRecords(t, dir, func(key string, r record, raw []byte) { events[str(r, "eventID")] = r })
	side := map[string]map[string]any{}
	for _, name := range []string{"aws.health.jsonl", "aws.ec2.jsonl"} {
		data, err := os.ReadFile(filepath.Join(dir, "health", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			side[m["id"].(string)] = m
		}
	}
	kinds := map[string]bool{}
	for _, sc := range scen {
		kinds[sc.Kind] = true
		if sc.ID == "" || sc.Description == "" || sc.Expect == "" || sc.Account == "" || sc.Time.IsZero() {
			t.Errorf("scenario %+v lacks a field", sc)
		}
		for _, id := range sc.EventIDs {
			r, ok := events[id]
			if !ok {
				t.Errorf("scenario %s: event %s not in the logs", sc.ID, id)
				continue
			}
			if str(r, "recipientAccountId") != sc.Account {
				t.Errorf("scenario %s: event %s in account %s", sc.ID, id, str(r, "recipientAccountId"))
			}
		}
		for _, id := range append(slices.Clone(sc.HealthEventIDs), sc.StateChangeIDs...) {
			if _, ok := side[id]; !ok {
				t.Errorf("scenario %s: health or state-change event %s not written", sc.ID, id)
			}
		}
		switch sc.Kind {
		case "hardware-restart":
			if len(sc.EventIDs) != 0 || len(sc.HealthEventIDs) != 1 || len(sc.StateChangeIDs) < 4 {
				t.Errorf("hardware restart: %d events, %d health, %d state changes", len(sc.EventIDs), len(sc.HealthEventIDs), len(sc.StateChangeIDs))
			}
			// No API call touched the instance in the restart window.
			for _, r := range events {
				if strings.Contains(string(r["requestParameters"]), sc.Resource) && strings.HasSuffix(str(r, "eventName"), "Instances") && str(r, "eventName") != "DescribeInstances" {
					tm, _ := time.Parse(time.RFC3339, str(r, "eventTime"))
					if !tm.Before(sc.Time.Add(-time.Hour)) && tm.Before(sc.End.Add(time.Hour)) {
						t.Errorf("hardware restart of %s, but %s at %s", sc.Resource, str(r, "eventName"), tm)
					}
				}
			}
		case "api-reboot":
			found := false
			for _, id := range sc.EventIDs {
				found = found || str(events[id], "eventName") == "RebootInstances"
			}
			if !found {
				t.Error("api-reboot scenario without its RebootInstances event")
			}
		case "logging-stopped":
			var names []string
			for _, id := range sc.EventIDs {
				names = append(names, str(events[id], "eventName"))
			}
			if !slices.Contains(names, "StopLogging") || !slices.Contains(names, "DeleteTrail") {
				t.Errorf("logging-stopped events: %v", names)
			}
		case "leaked-access-key":
			for _, id := range sc.EventIDs {
				if str(events[id], "sourceIPAddress") != sc.SourceIP {
					t.Errorf("leaked key event %s from %s", id, str(events[id], "sourceIPAddress"))
				}
			}
		case "permission-removed":
			checkPermissionRemoved(t, sc, events)
		}
	}
	for _, k := range []string{"api-reboot", "hardware-restart", "scheduled-retirement", "leaked-access-key", "logging-stopped", "cost-spike", "permission-removed"} {
		if !kinds[k] {
			t.Errorf("no %s scenario", k)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.Out = "x"
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Config){
		"no out":      func(c *Config) { c.Out = "" },
		"zero days":   func(c *Config) { c.Days = 0 },
		"no accounts": func(c *Config) { c.Accounts = 0 },
		"no regions":  func(c *Config) { c.Regions = nil },
		"bad region":  func(c *Config) { c.Regions = []string{"mars"} },
		"twice":       func(c *Config) { c.Regions = []string{"us-east-1", "us-east-1"} },
		"neg events":  func(c *Config) { c.Events = -1 },
		"neg workers": func(c *Config) { c.Workers = -1 },
	} {
		c := ok
		mut(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestRegisterFlags(t *testing.T) {
	c := DefaultConfig()
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	c.RegisterFlags(fs)
	err := fs.Parse([]string{"-out", "d", "-days", "7", "-events", "1000", "-seed", "9", "-accounts", "2", "-regions", "eu-west-1, us-east-2", "-start", "2026-01-01T00:00:00Z", "-replace"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Out != "d" || c.Days != 7 || c.Events != 1000 || c.Seed != 9 || c.Accounts != 2 || !slices.Equal(c.Regions, []string{"eu-west-1", "us-east-2"}) || !c.Start.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !c.Replace {
		t.Fatalf("%+v", c)
	}
}

func TestOddConfigs(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"one account one region": func(c *Config) { c.Accounts, c.Regions = 1, []string{"eu-west-1"} },
		"many accounts":          func(c *Config) { c.Accounts, c.Regions = 14, []string{"us-east-1"} },
		"no events":              func(c *Config) { c.Events = 0 },
		"hourly delivery":        func(c *Config) { c.Delivery = time.Hour },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Out = t.TempDir()
			cfg.Days = 1
			cfg.Events = 2000
			mut(&cfg)
			st, err := Generate(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if st.Scenarios < 6 {
				t.Errorf("%d scenarios", st.Scenarios)
			}
		})
	}
}

// checkPermissionRemoved: the policy is detached, the orders functions are
// refused their parameters in every region until it is attached again, and
// then allowed.
func checkPermissionRemoved(t *testing.T, sc Scenario, events map[string]record) {
	t.Helper()
	n := len(sc.EventIDs)
	if n < 5 {
		t.Fatalf("permission-removed: %d events", n)
	}
	want := func(i int, name, code string) {
		r := events[sc.EventIDs[i]]
		if str(r, "eventName") != name || str(r, "errorCode") != code {
			t.Errorf("permission-removed event %d: %s %s, want %s %q", i, str(r, "eventName"), str(r, "errorCode"), name, code)
		}
	}
	want(0, "DetachRolePolicy", "")
	for i := 1; i < n-2; i++ {
		want(i, "GetParameter", "AccessDeniedException")
		if msg := str(events[sc.EventIDs[i]], "errorMessage"); !strings.Contains(msg, "because no identity-based policy allows the ssm:GetParameter action") {
			t.Errorf("refused with %q", msg)
		}
	}
	want(n-2, "AttachRolePolicy", "")
	want(n-1, "GetParameter", "")
	// No function of the account read a parameter in between, in any region.
	for _, r := range events {
		var ui record
		json.Unmarshal(r["userIdentity"], &ui)
		tm, _ := time.Parse(time.RFC3339, str(r, "eventTime"))
		if strings.Contains(str(ui, "arn"), ":assumed-role/orders-lambda-role/") && str(r, "recipientAccountId") == sc.Account &&
			strings.HasPrefix(str(r, "eventName"), "GetParameter") && str(r, "errorCode") == "" && !tm.Before(sc.Time) && tm.Before(sc.End) {
			t.Errorf("orders-lambda-role read a parameter at %s in %s, while its policy was detached", tm, str(r, "awsRegion"))
		}
	}
}

// Incidents move off weekends within the period, and a period that is all
// weekend, or ends on one, still gets its incidents: a three-day period
// from a Friday once moved an incident between Saturday and Sunday forever.
func TestWeekdayNear(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 2, d, 0, 0, 0, 0, time.UTC) } // the 20th is a Friday
	for _, tc := range []struct {
		d, start, end, want time.Time
	}{
		{day(18), day(16), day(28), day(18)}, // a Wednesday stays
		{day(21), day(16), day(28), day(23)}, // Saturday: the Monday after
		{day(21), day(20), day(23), day(20)}, // Saturday, the period ending before Monday: the Friday before
		{day(22), day(20), day(23), day(20)},
		{day(21), day(21), day(23), day(21)}, // a weekend alone keeps its day
	} {
		if got := weekdayNear(tc.d, tc.start, tc.end); !got.Equal(tc.want) {
			t.Errorf("weekdayNear(%s, %s, %s) = %s, want %s", tc.d.Format(time.DateOnly), tc.start.Format(time.DateOnly),
				tc.end.Format(time.DateOnly), got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
		}
	}
}
