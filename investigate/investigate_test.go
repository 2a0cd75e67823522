package investigate_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
	"github.com/cairn-audit/cairn/investigate"
	"github.com/cairn-audit/cairn/sim"
)

// openIndex ingests dir into a new index.
func openIndex(t testing.TB, dir string) *duckdb.Index {
	t.Helper()
	cfg := duckdb.DefaultConfig()
	cfg.Dir = filepath.Join(t.TempDir(), "index")
	idx, err := duckdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	src, err := ingest.OpenSource(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), ingest.DefaultConfig(), idx, src); err != nil {
		t.Fatal(err)
	}
	return idx
}

var simOnce struct {
	sync.Once
	dir       string
	scenarios []sim.Scenario
	err       error
}

// simOrg generates one small simulated organisation for the package's tests.
func simOrg(t testing.TB) (string, []sim.Scenario) {
	t.Helper()
	simOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cairn-investigate-")
		if err != nil {
			simOnce.err = err
			return
		}
		simOnce.dir = dir
		cfg := sim.DefaultConfig()
		cfg.Out, cfg.Events, cfg.Seed, cfg.NoCost = dir, 60000, 3, true
		if _, err := sim.Generate(context.Background(), cfg); err != nil {
			simOnce.err = err
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, "scenarios.json"))
		if err == nil {
			err = json.Unmarshal(b, &simOnce.scenarios)
		}
		simOnce.err = err
	})
	if simOnce.err != nil {
		t.Fatal(simOnce.err)
	}
	return simOnce.dir, simOnce.scenarios
}

func TestMain(m *testing.M) {
	code := m.Run()
	if simOnce.dir != "" {
		os.RemoveAll(simOnce.dir)
	}
	os.Exit(code)
}

// TestScenariosExplained asks cairn why about every incident the simulator
// scripted, and checks the verdict, the cause and the principal against the
// simulator's ground truth.
func TestScenariosExplained(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an organisation; skipped with -short")
	}
	dir, scenarios := simOrg(t)
	idx := openIndex(t, dir)
	x := investigate.New(idx, investigate.DefaultConfig())
	ctx := context.Background()
	kinds := map[string]bool{}
	for _, sc := range scenarios {
		kinds[sc.Kind] = true
		t.Run(sc.ID, func(t *testing.T) {
			switch sc.Kind {
			case "api-reboot", "cost-spike", "logging-stopped":
				ex := why(t, x, sc.Resource, sc.Time)
				wantCause(t, ex, sc, investigate.VerdictAPICall)
				if sc.Kind == "api-reboot" {
					// Asked about a moment remembered an hour late, the answer
					// points at the change.
					late := why(t, x, sc.Resource, sc.Time.Add(time.Hour))
					if late.Verdict != investigate.VerdictNoChange || !strings.Contains(late.Summary, "nearest change of state") ||
						!strings.Contains(late.Summary, "before: ask with -at "+ex.Change.Time.Format(time.RFC3339)) {
						t.Errorf("an hour later: verdict %s: %s", late.Verdict, late.Summary)
					}
				}
			case "hardware-restart":
				ex := why(t, x, sc.Resource, sc.Time)
				if ex.Verdict != investigate.VerdictAWSHealth || ex.Cause != nil {
					t.Fatalf("verdict %s, cause %v: %s", ex.Verdict, ex.Cause, ex.Summary)
				}
				wantEvidence(t, ex, append(slices.Clone(sc.HealthEventIDs), sc.StateChangeIDs...))
				if !strings.Contains(ex.Summary, "not initiated through the API") {
					t.Errorf("summary does not say it plainly: %s", ex.Summary)
				}
				wantSilence(t, ex, sc)
				// Asked with a narrow window, the Health report, published
				// minutes after the moment, still covers it.
				narrow, err := x.Why(ctx, sc.Resource, sc.Time.Add(2*time.Minute), 3*time.Minute)
				if err != nil || narrow.Verdict != investigate.VerdictAWSHealth {
					t.Errorf("with a 3m window: %v: %+v", err, narrow)
				}
				// Its ARN typed with another region names where it is.
				other := "us-east-1"
				if sc.Region == other {
					other = "eu-north-1"
				}
				wrong := "arn:aws:ec2:" + other + ":" + sc.Account + ":instance/" + sc.Resource
				_, err = x.Why(ctx, wrong, sc.Time, 30*time.Minute)
				var unknown *investigate.UnknownResourceError
				right := "arn:aws:ec2:" + sc.Region + ":" + sc.Account + ":instance/" + sc.Resource
				if !errors.As(err, &unknown) || !slices.Contains(unknown.Named, right) {
					t.Errorf("why %s: %v, want it to name %s", wrong, err, right)
				}
			case "scheduled-retirement":
				if sc.End.IsZero() {
					tl, err := x.Timeline(ctx, sc.Resource, time.Time{}, time.Time{})
					if err != nil {
						t.Fatal(err)
					}
					if !slices.ContainsFunc(tl.Entries, func(e investigate.Entry) bool { return e.EventID == sc.HealthEventIDs[0] }) {
						t.Fatalf("the Health notice is not on the timeline of %s", sc.Resource)
					}
					return
				}
				ex := why(t, x, sc.Resource, sc.Time)
				if ex.Verdict != investigate.VerdictAWSHealth {
					t.Fatalf("the stop: verdict %s: %s", ex.Verdict, ex.Summary)
				}
				wantEvidence(t, ex, sc.HealthEventIDs)
				ex = why(t, x, sc.Resource, sc.End)
				wantCause(t, ex, sc, investigate.VerdictAPICall)
			case "leaked-access-key":
				page, err := idx.Search(ctx, cairn.Filter{AccessKeyID: sc.AccessKeyID, SourceIP: sc.SourceIP}, cairn.Cursor{}, 1000)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range page.Events {
					got = append(got, e.EventID)
				}
				for _, id := range sc.EventIDs {
					if !slices.Contains(got, id) {
						t.Fatalf("search by the leaked key and the new address misses %s", id)
					}
				}
			case "permission-removed":
				ids := sc.EventIDs
				rf, err := x.WhyDenied(ctx, ids[1])
				if err != nil {
					t.Fatal(err)
				}
				if rf.Denial == nil || rf.Denial.PolicyType != "identity-based" || rf.Denial.Explicit || !strings.HasSuffix(rf.Identity, ":role/orders-lambda-role") {
					t.Fatalf("denial %+v of %s: %s", rf.Denial, rf.Identity, rf.Summary)
				}
				detach, attach := ids[0], ids[len(ids)-2]
				if !slices.ContainsFunc(rf.Changes, func(e investigate.Entry) bool { return e.EventID == detach }) ||
					!slices.ContainsFunc(rf.Changes, func(e investigate.Entry) bool { return e.EventID == attach }) {
					t.Errorf("changes %v miss the detach %s or the attach %s", rf.Changes, detach, attach)
				}
				if !strings.Contains(rf.Summary, "Before the denial, DetachRolePolicy by ivan.petrov@acme-corp.example") ||
					!strings.Contains(rf.Summary, "After it, AttachRolePolicy by dana.kowalski@acme-corp.example") {
					t.Errorf("summary: %s", rf.Summary)
				}
				if rf.NextAllowed == nil || rf.NextAllowed.Time.Before(sc.End) || rf.Denied < len(ids)-3 {
					t.Errorf("allowed again %+v, %d refused, want after %s and %d or more", rf.NextAllowed, rf.Denied, sc.End, len(ids)-3)
				}
			default:
				t.Fatalf("scenario kind %q has no check", sc.Kind)
			}
		})
	}
	for _, k := range []string{"api-reboot", "hardware-restart", "scheduled-retirement", "leaked-access-key", "logging-stopped", "cost-spike", "permission-removed"} {
		if !kinds[k] {
			t.Errorf("the simulator scripted no %s", k)
		}
	}
}

func why(t *testing.T, x *investigate.Investigator, resource string, at time.Time) *investigate.Explanation {
	t.Helper()
	ex, err := x.Why(context.Background(), resource, at, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func wantCause(t *testing.T, ex *investigate.Explanation, sc sim.Scenario, verdict string) {
	t.Helper()
	if ex.Verdict != verdict || ex.Cause == nil {
		t.Fatalf("verdict %s (want %s), cause %v: %s", ex.Verdict, verdict, ex.Cause, ex.Summary)
	}
	if len(sc.EventIDs) > 0 && !slices.Contains(sc.EventIDs, ex.Cause.EventID) {
		t.Errorf("cause is %s %s, want one of %v: %s", ex.Cause.EventName, ex.Cause.EventID, sc.EventIDs, ex.Summary)
	}
	if sc.Principal != "" && (ex.Cause.Who == nil || ex.Cause.Who.ARN != sc.Principal) {
		t.Errorf("principal %+v, want %s", ex.Cause.Who, sc.Principal)
	}
	if sc.SourceIP != "" && ex.Cause.SourceIP != sc.SourceIP {
		t.Errorf("address %s, want %s", ex.Cause.SourceIP, sc.SourceIP)
	}
}

func wantEvidence(t *testing.T, ex *investigate.Explanation, ids []string) {
	t.Helper()
	for _, id := range ids {
		if !slices.ContainsFunc(ex.Evidence, func(e investigate.Entry) bool { return e.EventID == id }) {
			t.Errorf("evidence misses %s: %s", id, ex.Summary)
		}
	}
}

// wantSilence checks that the instance's own calls show it down from
// sc.Time to sc.End, and that the summary says so.
func wantSilence(t *testing.T, ex *investigate.Explanation, sc sim.Scenario) {
	t.Helper()
	own := ex.OwnCalls
	if own == nil || !own.Silent {
		t.Fatalf("the instance's own calls show no silence: %+v: %s", own, ex.Summary)
	}
	if own.Last.Time.After(sc.Time) || own.Next.Time.Before(sc.End) {
		t.Errorf("silence from %s to %s, but it was down from %s to %s", own.Last.Time, own.Next.Time, sc.Time, sc.End)
	}
	if !strings.Contains(ex.Summary, "was down or cut off in between") {
		t.Errorf("summary does not tell of the silence: %s", ex.Summary)
	}
}

// TestSilenceWithoutNotifications asks why about the hardware restart of a
// trail with no EventBridge notifications and no Health events, only
// CloudTrail: the instance's silence is the one trace of the restart.
func TestSilenceWithoutNotifications(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an organisation; skipped with -short")
	}
	dir, scenarios := simOrg(t)
	idx := openIndex(t, filepath.Join(dir, "AWSLogs"))
	x := investigate.New(idx, investigate.DefaultConfig())
	i := slices.IndexFunc(scenarios, func(sc sim.Scenario) bool { return sc.Kind == "hardware-restart" })
	if i < 0 {
		t.Fatal("the simulator scripted no hardware restart")
	}
	sc := scenarios[i]
	// Asked a few minutes off, as a person remembers it.
	ex := why(t, x, sc.Resource, sc.Time.Add(7*time.Minute))
	if ex.Verdict != investigate.VerdictNoAPIActivity || ex.Change == nil || ex.Change.Source != "silence" {
		t.Fatalf("verdict %s, change %+v: %s", ex.Verdict, ex.Change, ex.Summary)
	}
	wantSilence(t, ex, sc)
	if !strings.Contains(ex.Summary, "went quiet after") || !strings.Contains(ex.Summary, "not initiated through the API") {
		t.Errorf("summary: %s", ex.Summary)
	}
	// Hours before, it ran on: its calls keep their rhythm.
	calm := why(t, x, sc.Resource, sc.Time.Add(-time.Hour))
	if calm.Change != nil || calm.OwnCalls == nil || calm.OwnCalls.Silent || !strings.Contains(calm.Summary, "kept their rhythm") {
		t.Errorf("an hour before: change %+v, own calls %+v: %s", calm.Change, calm.OwnCalls, calm.Summary)
	}
	// With nothing to explain, the verdict says so, and asks for nothing
	// to be settled.
	if calm.Verdict != investigate.VerdictNoChange || calm.Cause != nil || calm.Settle != "" {
		t.Errorf("an hour before: verdict %s, cause %v, settle %q", calm.Verdict, calm.Cause, calm.Settle)
	}
}

// TestRoleChangedByPolicyCall asks about an IAM role by its ARN, as the
// timeline advises when a name is used in several accounts: records name a
// role by name alone, and a role has no state, so the call that changed it
// is the one that attached or detached a policy.
func TestRoleChangedByPolicyCall(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an organisation; skipped with -short")
	}
	dir, _ := simOrg(t)
	idx := openIndex(t, filepath.Join(dir, "AWSLogs"))
	x := investigate.New(idx, investigate.DefaultConfig())
	var change *cairn.Event
	var role cairn.ResourceRef
	for _, name := range []string{"DetachRolePolicy", "AttachRolePolicy", "PutRolePolicy"} {
		page, err := idx.Search(context.Background(), cairn.Filter{EventName: name}, cairn.Cursor{}, 50)
		if err != nil {
			t.Fatal(err)
		}
		for i := range page.Events {
			e := &page.Events[i]
			for _, r := range e.Resources {
				if r.Type == "AWS::IAM::Role" && r.ARN == "" && e.ErrorCode == "" {
					change, role = e, r
				}
			}
		}
	}
	if change == nil {
		t.Fatal("the simulator changed no role's policies by name")
	}
	arn := "arn:aws:iam::" + role.Account + ":role/" + role.ID
	page, err := idx.Search(context.Background(), cairn.Filter{ResourceID: arn, EventName: change.EventName}, cairn.Cursor{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(page.Events, func(e cairn.Event) bool { return e.EventID == change.EventID }) {
		t.Errorf("a search for %s does not find %s %s, which names the role %s", arn, change.EventName, change.EventID, role.ID)
	}
	for _, e := range page.Events {
		if e.RecipientAccountID != role.Account {
			t.Errorf("a search for %s found %s in account %s", arn, e.EventID, e.RecipientAccountID)
		}
	}
	// The UI's summaries select the same events in SQL.
	tab, err := idx.Query(context.Background(), "SELECT count(*) FROM events WHERE eventName = "+cairn.SQLString(change.EventName)+
		" AND "+cairn.ResourceSQL(arn))
	if err != nil {
		t.Fatal(err)
	}
	if n := cairn.CellInt(tab.Rows[0][0]); n != int64(len(page.Events)) {
		t.Errorf("SQL counts %d %s events of %s, search finds %d", n, change.EventName, arn, len(page.Events))
	}
	for _, resource := range []string{arn, role.ID, " " + arn + " "} { // as pasted, with spaces
		ex := why(t, x, resource, change.EventTime.Add(time.Minute))
		if ex.Verdict != investigate.VerdictAPICall || ex.Cause == nil || ex.Cause.EventID != change.EventID {
			t.Errorf("why %s: verdict %s, cause %+v (want %s): %s", resource, ex.Verdict, ex.Cause, change.EventID, ex.Summary)
		}
	}
}
