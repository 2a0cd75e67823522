package cost

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/sim"
	"github.com/google/go-cmp/cmp"

	_ "github.com/duckdb/duckdb-go/v2"
)

// simCostDir writes a small simulated organisation's cost reports (legacy
// CUR CSV.gz with manifests, FOCUS 1.0 CSV.gz) spanning March and April
// 2026, and returns its cost/ folder.
func simCostDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	cfg.Out = dir
	cfg.Start = time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	cfg.Days = 4
	cfg.Events = 3000
	cfg.Accounts = 3
	cfg.Regions = []string{"us-east-1", "eu-west-1"}
	cfg.Delivery = time.Hour
	if _, err := sim.Generate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "cost")
}

// testDB is an unrestricted in-memory engine for making fixtures and
// checking the store.
func testDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	mustExec(t, db, "SET TimeZone='UTC'")
	return db
}

func mustExec(t testing.TB, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

func quoteList(files []string) string {
	q := make([]string, len(files))
	for i, f := range files {
		q[i] = literal(f)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// importInto imports inputs into a new store (or the given one) and fails
// the test on any failure.
func importInto(t testing.TB, s *Store, inputs ...string) *ImportResult {
	t.Helper()
	if s == nil {
		var err error
		if s, err = OpenStore(filepath.Join(t.TempDir(), "cost")); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultImportConfig()
	cfg.RetireAfter = 0
	res, err := s.Import(context.Background(), cfg, inputs...)
	if err != nil {
		t.Fatalf("import %v: %v (%+v)", inputs, err, res)
	}
	return res
}

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "cost"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func importWith(t testing.TB, s *Store, cfg ImportConfig, inputs ...string) *ImportResult {
	t.Helper()
	res, err := s.Import(context.Background(), cfg, inputs...)
	if err != nil {
		t.Fatalf("import %v: %v (%+v)", inputs, err, res)
	}
	return res
}

// fingerprint summarises a store per period, in terms that every format of
// the same data must agree on.
type fingerprint struct {
	Period, Total, Amortized                            string
	Rows, CreatedBy, ASG, Stack, Resources, Regions     int64
	Services, UsageTypes, Accounts, Payers, ChargeTypes int64
	Start, End                                          time.Time
}

func storeFingerprint(t testing.TB, db *sql.DB, s *Store) []fingerprint {
	t.Helper()
	q := `SELECT billing_period, CAST(sum(cost) AS VARCHAR), CAST(sum(amortized_cost) AS VARCHAR), count(*), count(created_by), count(asg_name),
		count(stack_name), count(resource_id), count(region), count(DISTINCT service), count(DISTINCT usage_type), count(DISTINCT usage_account),
		count(DISTINCT payer_account), count(DISTINCT charge_type), min(usage_start), max(usage_end)
		FROM read_parquet(` + quoteList(s.Files()) + `) GROUP BY 1 ORDER BY 1`
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []fingerprint
	for rows.Next() {
		var f fingerprint
		if err := rows.Scan(&f.Period, &f.Total, &f.Amortized, &f.Rows, &f.CreatedBy, &f.ASG, &f.Stack, &f.Resources, &f.Regions,
			&f.Services, &f.UsageTypes, &f.Accounts, &f.Payers, &f.ChargeTypes, &f.Start, &f.End); err != nil {
			t.Fatal(err)
		}
		f.Total, f.Amortized = trimDecimal(f.Total), trimDecimal(f.Amortized)
		out = append(out, f)
	}
	return out
}

// tagCounts counts, per normalised tag key, the rows that carry it.
func tagCounts(t testing.TB, db *sql.DB, s *Store) map[string]int64 {
	t.Helper()
	rows, err := db.Query(`SELECT k, count(*) FROM (SELECT unnest(map_keys(tags)) AS k FROM read_parquet(` + quoteList(s.Files()) + `)) GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

// athenaName is the snake_case name that CUR's Athena integration gives a
// CSV column: lineItem/UnblendedCost → line_item_unblended_cost.
func athenaName(s string) string {
	var b strings.Builder
	prevLower := false
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(c + 'a' - 'A')
			prevLower = false
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			prevLower = true
		default:
			b.WriteByte('_')
			prevLower = false
		}
	}
	return b.String()
}

// costFixtures are the simulator's reports and the other formats made from
// them, all with the user tag Cost-Center on EC2 rows (except the
// simulator's own files, which have no user tags).
type costFixtures struct {
	simCUR, simFOCUS               string // folders
	taggedCSV, athena, cur2, focus string // folders
	ec2Rows                        int64  // rows with the added cost_center tag
	teamRows                       int64  // rows with the simulator's team tag (its stacks')
}

func makeFixtures(t testing.TB) costFixtures {
	t.Helper()
	dir := simCostDir(t)
	db := testDB(t)
	out := t.TempDir()
	fx := costFixtures{
		simCUR: filepath.Join(dir, "cur"), simFOCUS: filepath.Join(dir, "focus"),
		taggedCSV: filepath.Join(out, "tagged"), athena: filepath.Join(out, "athena"),
		cur2: filepath.Join(out, "cur2"), focus: filepath.Join(out, "focus-parquet"),
	}
	curFiles, _ := filepath.Glob(filepath.Join(fx.simCUR, "*", "*", "*", "*.csv.gz"))
	focusFiles, _ := filepath.Glob(filepath.Join(fx.simFOCUS, "*", "data", "*", "*.csv.gz"))
	if len(curFiles) != 2 || len(focusFiles) != 2 {
		t.Fatalf("simulator wrote %v and %v", curFiles, focusFiles)
	}
	mustExec(t, db, "CREATE TABLE cur AS SELECT *, CASE WHEN \"lineItem/ProductCode\" = 'AmazonEC2' THEN 'CC-' || \"lineItem/UsageAccountId\" END AS \"resourceTags/user:Cost-Center\" FROM read_csv("+quoteList(curFiles)+", all_varchar=true, header=true)")
	mustExec(t, db, "CREATE TABLE focus AS SELECT * FROM read_csv("+quoteList(focusFiles)+", all_varchar=true, header=true)")
	if err := db.QueryRow("SELECT count(*) FROM cur WHERE \"resourceTags/user:Cost-Center\" IS NOT NULL").Scan(&fx.ec2Rows); err != nil || fx.ec2Rows == 0 {
		t.Fatalf("%d EC2 rows, %v", fx.ec2Rows, err)
	}
	if err := db.QueryRow("SELECT count(*) FROM cur WHERE \"resourceTags/user:team\" IS NOT NULL").Scan(&fx.teamRows); err != nil || fx.teamRows == 0 {
		t.Fatalf("%d rows of a stack's, %v", fx.teamRows, err)
	}

	// A legacy CSV with a user tag, both months in one file, no manifest.
	os.MkdirAll(fx.taggedCSV, 0o755)
	mustExec(t, db, "COPY cur TO "+literal(filepath.Join(fx.taggedCSV, "report-1.csv.gz"))+" (HEADER, COMPRESSION gzip)")

	// The Athena form: snake_case names, typed columns, a file per month.
	var cols []string
	rows, err := db.Query("SELECT column_name FROM (DESCRIBE cur)")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	var sel []string
	for _, c := range cols {
		e := ident(c)
		switch {
		case strings.HasSuffix(c, "Date"):
			e = "CAST(" + e + " AS TIMESTAMP)"
		case strings.HasSuffix(c, "Cost") || strings.HasSuffix(c, "Amount") || strings.HasSuffix(c, "Rate"):
			e = "CAST(" + e + " AS DOUBLE)"
		}
		sel = append(sel, e+" AS "+ident(athenaName(c)))
	}
	for _, m := range []int{3, 4} {
		d := filepath.Join(fx.athena, "cairn", "cairn", "year=2026", fmt.Sprintf("month=%d", m))
		os.MkdirAll(d, 0o755)
		mustExec(t, db, fmt.Sprintf("COPY (SELECT %s FROM cur WHERE month(CAST(\"bill/BillingPeriodStartDate\" AS TIMESTAMP)) = %d) TO %s (FORMAT parquet, COMPRESSION snappy)",
			strings.Join(sel, ", "), m, literal(filepath.Join(d, "cairn-00001.snappy.parquet"))))
	}
	// The data status file beside them, which the import skips.
	os.MkdirAll(filepath.Join(fx.athena, "cairn", "cost_and_usage_data_status"), 0o755)
	mustExec(t, db, "COPY (SELECT 'READY' AS status) TO "+literal(filepath.Join(fx.athena, "cairn", "cost_and_usage_data_status", "cost_and_usage_data_status.parquet"))+" (FORMAT parquet)")

	// CUR 2.0: the fixed schema with map columns; the region only in the
	// product map.
	for _, m := range []int{3, 4} {
		d := filepath.Join(fx.cur2, "cairn-cur2", "data", fmt.Sprintf("BILLING_PERIOD=2026-%02d", m))
		os.MkdirAll(d, 0o755)
		mustExec(t, db, fmt.Sprintf(`COPY (SELECT
			"identity/LineItemId" AS identity_line_item_id, "identity/TimeInterval" AS identity_time_interval,
			"bill/PayerAccountId" AS bill_payer_account_id, 'management' AS bill_payer_account_name,
			CAST("bill/BillingPeriodStartDate" AS TIMESTAMP) AS bill_billing_period_start_date,
			CAST("bill/BillingPeriodEndDate" AS TIMESTAMP) AS bill_billing_period_end_date,
			"lineItem/UsageAccountId" AS line_item_usage_account_id, "lineItem/LineItemType" AS line_item_line_item_type,
			CAST("lineItem/UsageStartDate" AS TIMESTAMP) AS line_item_usage_start_date, CAST("lineItem/UsageEndDate" AS TIMESTAMP) AS line_item_usage_end_date,
			"lineItem/ProductCode" AS line_item_product_code, "lineItem/UsageType" AS line_item_usage_type, "lineItem/Operation" AS line_item_operation,
			"lineItem/ResourceId" AS line_item_resource_id, CAST("lineItem/UsageAmount" AS DOUBLE) AS line_item_usage_amount,
			CAST("lineItem/UnblendedCost" AS DOUBLE) AS line_item_unblended_cost, CAST("lineItem/UnblendedCost" AS DOUBLE) AS line_item_net_unblended_cost,
			CAST(NULL AS DOUBLE) AS reservation_effective_cost, CAST(NULL AS DOUBLE) AS savings_plan_savings_plan_effective_cost,
			map_from_entries(list_filter([{'key': 'region', 'value': "product/region"}, {'key': 'product_name', 'value': "product/ProductName"}], e -> e.value IS NOT NULL)) AS product,
			map_from_entries(list_filter([
				{'key': 'user_cost_center', 'value': "resourceTags/user:Cost-Center"},
				{'key': 'user_team', 'value': "resourceTags/user:team"},
				{'key': 'aws_created_by', 'value': "resourceTags/aws:createdBy"},
				{'key': 'aws_autoscaling_group_name', 'value': "resourceTags/aws:autoscaling:groupName"},
				{'key': 'aws_cloudformation_stack_name', 'value': "resourceTags/aws:cloudformation:stack-name"}], e -> e.value IS NOT NULL)) AS resource_tags,
			MAP {}::MAP(VARCHAR, VARCHAR) AS cost_category, MAP {}::MAP(VARCHAR, DOUBLE) AS discount
			FROM cur WHERE month(CAST("bill/BillingPeriodStartDate" AS TIMESTAMP)) = %d) TO %s (FORMAT parquet, COMPRESSION snappy)`,
			m, literal(filepath.Join(d, fmt.Sprintf("cairn-cur2-0000%d.snappy.parquet", 1)))))
	}

	// FOCUS as Parquet: typed dates and costs, Tags a JSON string with the
	// user tag added as AWS writes it.
	for _, m := range []int{3, 4} {
		d := filepath.Join(fx.focus, "cairn-focus", "data", fmt.Sprintf("BILLING_PERIOD=2026-%02d", m))
		os.MkdirAll(d, 0o755)
		mustExec(t, db, fmt.Sprintf(`COPY (SELECT * REPLACE (
			CAST(BilledCost AS DOUBLE) AS BilledCost, CAST(EffectiveCost AS DOUBLE) AS EffectiveCost,
			CAST(ChargePeriodStart AS TIMESTAMPTZ) AS ChargePeriodStart, CAST(ChargePeriodEnd AS TIMESTAMPTZ) AS ChargePeriodEnd,
			CAST(BillingPeriodStart AS TIMESTAMPTZ) AS BillingPeriodStart, CAST(BillingPeriodEnd AS TIMESTAMPTZ) AS BillingPeriodEnd,
			CASE WHEN x_ServiceCode = 'AmazonEC2' THEN CAST(json_merge_patch(coalesce(Tags, '{}'), json_object('user:Cost-Center', 'CC-' || SubAccountId)) AS VARCHAR) ELSE Tags END AS Tags)
			FROM focus WHERE month(CAST(BillingPeriodStart AS TIMESTAMP)) = %d) TO %s (FORMAT parquet)`,
			m, literal(filepath.Join(d, "cairn-focus-00001.snappy.parquet"))))
	}
	return fx
}

// TestImportFormatsAgree imports the same cost data in every format and
// checks that rows, exact totals, dimensions, creators and user tags agree.
func TestImportFormatsAgree(t *testing.T) {
	fx := makeFixtures(t)
	db := testDB(t)
	cases := []struct {
		name, input, format string
		tagged              bool
	}{
		{"simulator CUR CSV.gz with manifests", fx.simCUR, "cur-legacy-csv", false},
		{"legacy CUR CSV.gz without manifest", fx.taggedCSV, "cur-legacy-csv", true},
		{"legacy Athena Parquet", fx.athena, "cur-legacy-parquet", true},
		{"CUR 2.0 Parquet", fx.cur2, "cur2-parquet", true},
		{"simulator FOCUS 1.0 CSV.gz", fx.simFOCUS, "focus-1.0-csv", false},
		{"FOCUS 1.0 Parquet", fx.focus, "focus-1.0-parquet", true},
	}
	var want []fingerprint
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			res := importInto(t, s, tc.input)
			if len(res.Imported) != 2 {
				t.Fatalf("imported %+v", res.Imported)
			}
			for _, p := range res.Imported {
				if p.Format != tc.format || p.Rejected != 0 || p.Replaced != nil || len(p.Files) == 0 {
					t.Errorf("period %+v", p)
				}
			}
			// The store's periods say what the files hold.
			got := storeFingerprint(t, db, s)
			for i, p := range s.Periods() {
				if p.Rows != got[i].Rows || p.Total != got[i].Total || p.Period != got[i].Period {
					t.Errorf("manifest says %s %d rows, total %s; files hold %d rows, total %s", p.Period, p.Rows, p.Total, got[i].Rows, got[i].Total)
				}
			}
			if want == nil {
				want = got
				if got[0].CreatedBy == 0 || got[0].Resources == 0 || got[0].ChargeTypes < 2 {
					t.Errorf("fingerprint %+v", got[0])
				}
			} else if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("differs from the simulator's CUR (-want +got):\n%s", diff)
			}
			// The simulator tags its stacks' resources with a team; the
			// fixtures add cost_center. AWS's own tags are no user tags.
			wantTags := map[string]int64{"team": fx.teamRows}
			if tc.tagged {
				wantTags["cost_center"] = fx.ec2Rows
			}
			if diff := cmp.Diff(wantTags, tagCounts(t, db, s)); diff != "" {
				t.Errorf("user tags (-want +got):\n%s", diff)
			}
			if tc.input == fx.athena && !slices.ContainsFunc(res.Notices, func(n Notice) bool { return strings.Contains(n.Path, "cost_and_usage_data_status") }) {
				t.Errorf("status file not skipped with a notice: %+v", res.Notices)
			}
		})
	}
	// The simulator's total is what its CUR says, to the last decimal.
	var simTotal string
	if err := db.QueryRow("SELECT CAST(sum(CAST(\"lineItem/UnblendedCost\" AS DECIMAL(38,10))) AS VARCHAR) FROM read_csv(" +
		literal(filepath.Join(fx.simCUR, "*", "*", "*", "*.csv.gz")) + ", all_varchar=true)").Scan(&simTotal); err != nil {
		t.Fatal(err)
	}
	if len(want) == 2 {
		if got := addDecimals(want[0].Total, want[1].Total); got != trimDecimal(simTotal) {
			t.Errorf("store total %s, the CUR's %s", got, simTotal)
		}
	}
}

func addDecimals(a, b string) string {
	db, _ := sql.Open("duckdb", "")
	defer db.Close()
	var s string
	db.QueryRow("SELECT CAST(CAST(? AS DECIMAL(38,10)) + CAST(? AS DECIMAL(38,10)) AS VARCHAR)", a, b).Scan(&s)
	return trimDecimal(s)
}

// TestStoreSchema checks the columns of the store's files: the contract.
func TestStoreSchema(t *testing.T) {
	fx := makeFixtures(t)
	db := testDB(t)
	for _, in := range []string{fx.simCUR, fx.cur2, fx.focus} {
		s := importInto(t, nil, in)
		files := s.Imported[0].Files
		rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" + literal(files[0]) + "))")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n, typ string
			rows.Scan(&n, &typ)
			got = append(got, n+" "+typ)
		}
		rows.Close()
		want := []string{"billing_period VARCHAR", "usage_start TIMESTAMP", "usage_end TIMESTAMP", "payer_account VARCHAR", "usage_account VARCHAR",
			"charge_type VARCHAR", "service VARCHAR", "usage_type VARCHAR", "operation VARCHAR", "region VARCHAR", "resource_id VARCHAR",
			"cost DECIMAL(38,10)", "amortized_cost DECIMAL(38,10)", "created_by VARCHAR", "asg_name VARCHAR", "stack_name VARCHAR",
			"tags MAP(VARCHAR, VARCHAR)"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: columns (-want +got):\n%s", in, diff)
		}
	}
}

// restate writes a new assembly of the March CUR beside the simulator's,
// with every tenth row's cost doubled, and makes it the latest (the period
// folder's manifest copy names it). It returns the new total of March.
func restate(t testing.TB, curDir string) string {
	t.Helper()
	periodDir := filepath.Join(curDir, "cairn-sim-cur", "20260301-20260401")
	copyPath := filepath.Join(periodDir, "cairn-sim-cur-Manifest.json")
	m, ok, err := readCURManifest(copyPath)
	if err != nil || !ok {
		t.Fatalf("manifest: %v %v", ok, err)
	}
	oldCSV := filepath.Join(periodDir, m.AssemblyID, "cairn-sim-cur-1.csv.gz")
	const newID = "11111111-2222-4333-8444-555555555555"
	newDir := filepath.Join(periodDir, newID)
	os.MkdirAll(newDir, 0o755)
	db := testDB(t)
	mustExec(t, db, "CREATE TABLE r AS SELECT * FROM read_csv("+literal(oldCSV)+", all_varchar=true, header=true)")
	mustExec(t, db, `UPDATE r SET "lineItem/UnblendedCost" = CAST(CAST("lineItem/UnblendedCost" AS DECIMAL(38,10)) * 2 AS VARCHAR) WHERE hash("identity/LineItemId") % 10 = 0`)
	mustExec(t, db, "COPY r TO "+literal(filepath.Join(newDir, "cairn-sim-cur-1.csv.gz"))+" (HEADER, COMPRESSION gzip)")
	var total string
	if err := db.QueryRow(`SELECT CAST(sum(CAST("lineItem/UnblendedCost" AS DECIMAL(38,10))) AS VARCHAR) FROM r`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(copyPath)
	b = []byte(strings.ReplaceAll(string(b), m.AssemblyID, newID))
	os.WriteFile(filepath.Join(newDir, "cairn-sim-cur-Manifest.json"), b, 0o644)
	os.WriteFile(copyPath, b, 0o644)
	return trimDecimal(total)
}

// TestImportOlderAssemblyAlone: an older assembly's folder, or its file,
// imported alone after a restatement, does not roll the period back: the
// period's copy of the latest manifest, above it, names the latest, which
// is imported instead, with a notice.
func TestImportOlderAssemblyAlone(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	periodDir := filepath.Join(cur, "cairn-sim-cur", "20260301-20260401")
	old, ok, err := readCURManifest(filepath.Join(periodDir, "cairn-sim-cur-Manifest.json"))
	if err != nil || !ok {
		t.Fatalf("manifest: %v %v", ok, err)
	}
	newTotal := restate(t, cur)
	for _, input := range []string{filepath.Join(periodDir, old.AssemblyID), filepath.Join(periodDir, old.AssemblyID, "cairn-sim-cur-1.csv.gz")} {
		s := newStore(t)
		res := importInto(t, s, input)
		if len(res.Imported) != 1 || res.Imported[0].Total != newTotal || res.Imported[0].AssemblyID != "11111111-2222-4333-8444-555555555555" ||
			!slices.ContainsFunc(res.Notices, func(n Notice) bool { return strings.Contains(n.Message, "superseded by a newer one") }) {
			t.Errorf("%s: imported %+v, notices %+v; want the latest assembly, total %s", input, res.Imported, res.Notices, newTotal)
		}
	}
}

// TestImportReplacesRestatedPeriod: a restated delivery replaces its
// period, only that period, and the old files go.
func TestImportReplacesRestatedPeriod(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	s := newStore(t)
	cfg := DefaultImportConfig()
	cfg.RetireAfter = time.Hour
	first := importWith(t, s, cfg, cur)
	before := s.Periods()
	if len(before) != 2 {
		t.Fatalf("periods %+v", before)
	}

	newTotal := restate(t, cur)
	if newTotal == before[0].Total {
		t.Fatal("the restatement changed nothing")
	}
	res := importWith(t, s, cfg, cur)
	after := s.Periods()
	if after[0].Total != newTotal || after[0].AssemblyID != "11111111-2222-4333-8444-555555555555" || after[0].Rows != before[0].Rows {
		t.Errorf("March after the restatement: %+v, want total %s", after[0], newTotal)
	}
	if after[1].Total != before[1].Total || after[1].Rows != before[1].Rows {
		t.Errorf("April changed: %+v → %+v", before[1], after[1])
	}
	if r := res.Imported[0].Replaced; r == nil || r.Total != before[0].Total || r.AssemblyID != first.Imported[0].AssemblyID {
		t.Errorf("replaced %+v", r)
	}
	if !slices.ContainsFunc(res.Notices, func(n Notice) bool { return strings.Contains(n.Message, "superseded") }) {
		t.Errorf("the superseded assembly was not noticed: %+v", res.Notices)
	}
	// The files of the replaced import stay for readers of the older
	// manifest, listed as retired...
	for _, f := range before[0].Files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("retired file gone too early: %v", err)
		}
	}
	// ...and a reader that reopens sees only the new files.
	s2, err := OpenStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Files(), s2.Files()); diff != "" {
		t.Errorf("reopened store (-want +got):\n%s", diff)
	}
	for _, f := range before[0].Files {
		if slices.Contains(s2.Files(), f) {
			t.Errorf("old file %s still listed", f)
		}
	}

	// Once their time is up, the next import deletes them; importing the
	// same files again gives the same store.
	cfg.RetireAfter = time.Nanosecond
	again := importWith(t, s, cfg, cur)
	for _, f := range append(before[0].Files, before[1].Files...) {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("retired file %s still there: %v", f, err)
		}
	}
	final := s.Periods()
	for i := range final {
		if final[i].Total != after[i].Total || final[i].Rows != after[i].Rows || final[i].AssemblyID != after[i].AssemblyID {
			t.Errorf("re-import changed %+v → %+v", after[i], final[i])
		}
		if again.Imported[i].Replaced == nil {
			t.Errorf("re-import of %s not reported as a replacement", final[i].Period)
		}
	}
	// Nothing but the listed files, current and retired, is left in the
	// period folders.
	m, err := readStoreManifest(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	want := s.Files()
	for _, r := range m.Retired {
		want = append(want, filepath.Join(s.Dir(), r.Path))
	}
	slices.Sort(want)
	var onDisk []string
	filepath.WalkDir(s.Dir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			onDisk = append(onDisk, p)
		}
		return nil
	})
	slices.Sort(onDisk)
	if diff := cmp.Diff(want, onDisk); diff != "" {
		t.Errorf("files on disk (-listed +present):\n%s", diff)
	}
}

// TestImportChoosesNewestAssemblyWithoutCopy: without the period's copy of
// the latest manifest, the newest assembly's manifest wins.
func TestImportChoosesNewestAssemblyWithoutCopy(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	newTotal := restate(t, cur)
	periodDir := filepath.Join(cur, "cairn-sim-cur", "20260301-20260401")
	os.Remove(filepath.Join(periodDir, "cairn-sim-cur-Manifest.json"))
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(periodDir, "11111111-2222-4333-8444-555555555555", "cairn-sim-cur-Manifest.json"), future, future)
	s := newStore(t)
	importInto(t, s, cur)
	if p := s.Periods()[0]; p.Total != newTotal {
		t.Errorf("March %+v, want the newest assembly's total %s", p, newTotal)
	}
}

// TestImportPartFileBringsItsAssembly: naming one part file imports its
// whole assembly, with the period and id of its manifest.
func TestImportPartFileBringsItsAssembly(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	parts, _ := filepath.Glob(filepath.Join(cur, "*", "20260401-20260501", "*", "*.csv.gz"))
	if len(parts) != 1 {
		t.Fatal(parts)
	}
	res := importInto(t, nil, parts[0])
	if len(res.Imported) != 1 || res.Imported[0].Period.Period != "2026-04" || res.Imported[0].AssemblyID == "" {
		t.Errorf("imported %+v", res.Imported)
	}
}

const rejectsCSV = `identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,resourceTags/user:Team
a1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa,0.0416,web
a2,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T01:00:00Z,2026-03-01T02:00:00Z,AmazonEC2,i-0aaa,0.04x6,web
a3,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,yesterday,2026-03-01T02:00:00Z,AmazonEC2,i-0aaa,0.0416,web
a4,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T02:00:00Z
a5,111122223333,2026-03-01T00:00:00Z,111122223333,Tax,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,1.5E-3,
a6,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T03:00:00+01:00,2026-03-01T04:00:00+01:00,AmazonS3,my-bucket,0.5,
a7,111122223333,2026-03-01T00:00:00Z,111122223333,Credit,2026-03-01T00:00:00Z,2026-04-01T00:00:00Z,AmazonEC2,,-2.25,
a8,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-01T05:00:00Z,2026-03-01T06:00:00Z,AmazonS3,my-bucket,"1,000.5",
`

// TestImportCountsRejectedRows: rows whose cost or date cannot be read,
// and lines with the wrong number of columns, are counted by reason; the
// others are imported.
func TestImportCountsRejectedRows(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.csv")
	os.WriteFile(path, []byte(rejectsCSV), 0o644)
	store := newStore(t)
	res := importInto(t, store, path)
	// A report over the period says that rows are missing from it.
	if rep, err := NewReporter(store, emptyIndex{}).Build(context.Background(), ReportConfig{By: ByService}); err != nil || rep.Rejected != 4 || rep.RejectedCost != "0.0416" {
		t.Errorf("the report's rejected rows: %+v, %v", rep, err)
	}
	// By day, the tax and the credit of the whole month are no day's.
	rep, err := NewReporter(store, emptyIndex{}).Build(context.Background(), ReportConfig{By: ByDay})
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, r := range rep.Rows {
		days = append(days, r.Key+" "+r.Amount)
	}
	if want := []string{"2026-03-01 0.5416", LabelWholePeriod + " -2.2485"}; !slices.Equal(days, want) {
		t.Errorf("by day: %q, want %q", days, want)
	}
	if len(res.Imported) != 1 {
		t.Fatalf("%+v", res)
	}
	p := res.Imported[0]
	wantRejects := map[string]int64{"unparseable cost": 2, "unparseable usage start date": 1, "wrong column count (too few)": 1}
	if diff := cmp.Diff(wantRejects, p.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	// The row rejected for its date had a cost that could be read: 0.0416.
	if p.Rows != 4 || p.Rejected != 4 || p.RejectedCost != "0.0416" || p.Total != "-1.7069" || p.Format != "cur-legacy-csv" || p.Period.Period != "2026-03" {
		t.Errorf("period %+v", p.Period)
	}
	db := testDB(t)
	var start, bucket time.Time
	var team sql.NullString
	if err := db.QueryRow("SELECT min(usage_start), max(tags['team']), max(usage_start) FILTER (resource_id = 'my-bucket') FROM read_parquet("+quoteList(p.Files)+")").Scan(&start, &team, &bucket); err != nil {
		t.Fatal(err)
	}
	if !start.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || team.String != "web" || !bucket.Equal(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("start %v, team %v, the +01:00 row starts %v", start, team, bucket)
	}
}

// TestImportCrashBeforeManifestSwap: an import that dies after writing its
// files and before replacing the manifest leaves the old period intact; the
// next import removes the files it left.
func TestImportCrashBeforeManifestSwap(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	s := newStore(t)
	importInto(t, s, cur)
	before := s.Periods()
	restate(t, cur)

	crash := errors.New("simulated crash")
	testHookBeforeSwap = func() error { return crash }
	_, err := s.Import(context.Background(), DefaultImportConfig(), cur)
	testHookBeforeSwap = nil
	if !errors.Is(err, crash) {
		t.Fatalf("import: %v", err)
	}
	reopened, err := OpenStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, reopened.Periods()); diff != "" {
		t.Errorf("periods after the crash (-before +after):\n%s", diff)
	}
	db := testDB(t)
	if got := storeFingerprint(t, db, reopened); got[0].Total != before[0].Total || got[0].Rows != before[0].Rows {
		t.Errorf("old period unreadable or changed: %+v", got[0])
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.Dir(), "2026-03", "*.parquet"))
	if len(leftovers) <= len(before[0].Files) {
		t.Fatalf("the simulated crash left no files: %v", leftovers)
	}

	res := importInto(t, reopened, cur)
	if res.Imported[0].Replaced == nil || res.Imported[0].Total == before[0].Total {
		t.Errorf("after recovery: %+v", res.Imported[0])
	}
	now, _ := filepath.Glob(filepath.Join(s.Dir(), "2026-03", "*.parquet"))
	if diff := cmp.Diff(reopened.Periods()[0].Files, now); diff != "" {
		t.Errorf("files of March (-listed +present):\n%s", diff)
	}
}

// TestImportUnrecognisedInput: a file that is no cost report fails with a
// one-line reason naming what was expected; the others are imported.
func TestImportUnrecognisedInput(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.csv")
	os.WriteFile(notes, []byte("name,value\nx,1\n"), 0o644)
	bin := filepath.Join(dir, "blob.csv.gz")
	os.WriteFile(bin, []byte("\x1f\x8b\x08\x00garbage"), 0o644)
	s := newStore(t)
	res, err := s.Import(context.Background(), DefaultImportConfig(), notes, cur, bin, filepath.Join(dir, "missing.csv"))
	if !errors.Is(err, ErrFailedInputs) {
		t.Fatalf("err %v", err)
	}
	if len(res.Imported) != 2 || len(res.Failures) != 3 {
		t.Fatalf("imported %d, failures %+v", len(res.Imported), res.Failures)
	}
	for _, f := range res.Failures {
		msg := f.Err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: multi-line error %q", f.Path, msg)
		}
		if f.Path == notes && !strings.Contains(msg, "expected a Cost and Usage Report") {
			t.Errorf("%s: %s", f.Path, msg)
		}
	}
}

// TestImportSkipsTheTrailBesideTheReports: the folder cairn gen writes, or a
// bucket, holds CloudTrail's logs and other JSON beside the cost reports:
// they are skipped unread, in one notice, not thousands of failures.
func TestImportSkipsTheTrailBesideTheReports(t *testing.T) {
	org := filepath.Dir(simCostDir(t))
	s := newStore(t)
	res, err := s.Import(context.Background(), DefaultImportConfig(), org)
	if err != nil || len(res.Failures) > 0 || len(res.Imported) == 0 {
		t.Fatalf("err %v, imported %d, failures %+v", err, len(res.Imported), res.Failures)
	}
	var skipped []Notice
	for _, n := range res.Notices {
		if strings.HasPrefix(n.Message, "skipped: not a cost report") {
			skipped = append(skipped, n)
		}
	}
	if len(skipped) != 1 || !regexp.MustCompile(`nor [0-9]+ other files found beside the reports`).MatchString(skipped[0].Message) {
		t.Errorf("skipped: %+v", skipped)
	}
}

// TestImportLockedStore: one import at a time.
func TestImportLockedStore(t *testing.T) {
	s := newStore(t)
	lock, err := lockStore(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := s.Import(context.Background(), DefaultImportConfig(), t.TempDir()); !errors.Is(err, ErrStoreLocked) {
		t.Errorf("import into a locked store: %v", err)
	}
}

// TestTagKeyMatchesEngine: the Go and SQL normalisations agree, and every
// spelling of a tag gives the same key.
func TestTagKeyMatchesEngine(t *testing.T) {
	keys := []string{"user:Cost-Center", "user_cost_center", "resource_tags_user_cost_center"[len("resource_tags_"):], "Cost-Center",
		"User:Team", "user:a.b/c d", "user:Ünïcode", "USER_X", "aws:createdBy", "", "user:", "env:prod"}
	db := testDB(t)
	for _, m := range importMacros {
		mustExec(t, db, m)
	}
	for _, k := range keys {
		var got string
		if err := db.QueryRow("SELECT cairn_tag_key(?)", k).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tagKey(k) {
			t.Errorf("%q: engine %q, Go %q", k, got, tagKey(k))
		}
	}
	for _, k := range []string{"user:Cost-Center", "user_cost_center", "user:cost_center", "user:COST CENTER"} {
		if tagKey(k) != "cost_center" {
			t.Errorf("%q → %q", k, tagKey(k))
		}
	}
	var n int
	if err := db.QueryRow(`SELECT cardinality(cairn_user_tags(MAP {'user:Team': 'a', 'user_team': 'b', 'aws:createdBy': 'x', 'aws_created_by': 'y', 'user:Empty': ''}))`).Scan(&n); err != nil || n != 1 {
		t.Errorf("cairn_user_tags kept %d keys (%v), want 1", n, err)
	}
}

// TestImportMultiPartAssembly: the part files of one CUR assembly are one
// import; an assembly with a part missing fails and changes nothing.
func TestImportMultiPartAssembly(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	before := importInto(t, nil, cur).Imported[0]

	periodDir := filepath.Join(cur, "cairn-sim-cur", "20260301-20260401")
	m, _, err := readCURManifest(filepath.Join(periodDir, "cairn-sim-cur-Manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	asm := filepath.Join(periodDir, m.AssemblyID)
	part1 := filepath.Join(asm, "cairn-sim-cur-1.csv.gz")
	db := testDB(t)
	mustExec(t, db, "CREATE TABLE r AS SELECT * FROM read_csv("+literal(part1)+", all_varchar=true, header=true)")
	mustExec(t, db, `COPY (SELECT * FROM r WHERE hash("identity/LineItemId") % 2 = 0) TO `+literal(part1)+" (HEADER, COMPRESSION gzip)")
	mustExec(t, db, `COPY (SELECT * FROM r WHERE hash("identity/LineItemId") % 2 = 1) TO `+literal(filepath.Join(asm, "cairn-sim-cur-2.csv.gz"))+" (HEADER, COMPRESSION gzip)")
	key := m.ReportKeys[0]
	for _, p := range []string{filepath.Join(periodDir, "cairn-sim-cur-Manifest.json"), filepath.Join(asm, "cairn-sim-cur-Manifest.json")} {
		b, _ := os.ReadFile(p)
		b = []byte(strings.Replace(string(b), `"`+key+`"`, `"`+key+`", "`+strings.Replace(key, "-1.csv.gz", "-2.csv.gz", 1)+`"`, 1))
		os.WriteFile(p, b, 0o644)
	}

	s := newStore(t)
	got := importInto(t, s, cur).Imported[0]
	if got.Rows != before.Rows || got.Total != before.Total || len(got.Files) == 0 {
		t.Errorf("two parts: %+v, one part: %+v", got.Period, before.Period)
	}

	os.Remove(filepath.Join(asm, "cairn-sim-cur-2.csv.gz"))
	res, err := s.Import(context.Background(), DefaultImportConfig(), cur)
	if !errors.Is(err, ErrFailedInputs) || len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Err.Error(), "missing") {
		t.Fatalf("import with a part missing: %v %+v", err, res)
	}
	if p := s.Periods()[0]; p.Total != before.Total || p.Rows != before.Rows {
		t.Errorf("March changed by a failed import: %+v", p)
	}
}

// TestImportTruncatedGzipLeavesPeriod: a part file cut short fails its
// input, named with what to do, and the month stays as it was; the engine
// alone read it as far as it went, and the month became a quarter of
// itself.
func TestImportTruncatedGzipLeavesPeriod(t *testing.T) {
	cur := filepath.Join(simCostDir(t), "cur")
	s := newStore(t)
	before := importInto(t, s, cur).Imported[0]
	parts, _ := filepath.Glob(filepath.Join(cur, "cairn-sim-cur", "20260301-20260401", "*", "cairn-sim-cur-1.csv.gz"))
	if len(parts) != 1 {
		t.Fatalf("parts: %v", parts)
	}
	b, err := os.ReadFile(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	lone := filepath.Join(t.TempDir(), "cut", "report-1.csv.gz")
	os.MkdirAll(filepath.Dir(lone), 0o755)
	os.WriteFile(lone, b[:len(b)/2], 0o644)
	os.WriteFile(parts[0], b[:len(b)/2], 0o644)
	for in, says := range map[string]string{cur: "2026-03 stays as imported before", lone: "cut short"} {
		res, err := s.Import(context.Background(), DefaultImportConfig(), in)
		if !errors.Is(err, ErrFailedInputs) || len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Err.Error(), "cut short") || !strings.Contains(res.Failures[0].Err.Error(), says) {
			t.Errorf("%s cut short: %v %+v", in, err, res)
		}
		if p := s.Periods()[0]; p.Total != before.Total || p.Rows != before.Rows {
			t.Errorf("%s: March changed by a failed import: %+v", in, p)
		}
	}
}

// TestImportCutShortPartSaysWhatProvidedItsPeriod: when a CUR assembly
// fails for a part file cut short and the FOCUS export of the same run
// provides its month, the failure says so, not that the month stayed as
// it was.
func TestImportCutShortPartSaysWhatProvidedItsPeriod(t *testing.T) {
	dir := simCostDir(t)
	parts, _ := filepath.Glob(filepath.Join(dir, "cur", "cairn-sim-cur", "20260301-20260401", "*", "cairn-sim-cur-1.csv.gz"))
	if len(parts) != 1 {
		t.Fatalf("parts: %v", parts)
	}
	b, err := os.ReadFile(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(parts[0], b[:len(b)/2], 0o644)
	s := newStore(t)
	importInto(t, s, filepath.Join(dir, "cur", "cairn-sim-cur", "20260401-20260501")) // April, imported before
	res, err := s.Import(context.Background(), DefaultImportConfig(), dir)
	if !errors.Is(err, ErrFailedInputs) || len(res.Failures) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	msg := res.Failures[0].Err.Error()
	if !strings.Contains(msg, "cut short") || !strings.Contains(msg, "this run imported 2026-03") || !strings.Contains(msg, "(focus-1.0-csv) instead") || strings.Contains(msg, "stays") {
		t.Errorf("failure %q, want it to say that the FOCUS export provided 2026-03", msg)
	}
	var march []string
	for _, p := range res.Imported {
		if p.Period.Period == "2026-03" {
			march = append(march, p.Format)
		}
	}
	if len(march) != 1 || !strings.HasPrefix(march[0], "focus") {
		t.Errorf("March imported from %v, want the FOCUS export", march)
	}
}

// TestImportAllRejectedLeavesPeriod: a file whose every row is rejected
// fails and leaves its period as it was.
func TestImportAllRejectedLeavesPeriod(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good", "report.csv")
	bad := filepath.Join(dir, "bad", "report.csv")
	os.MkdirAll(filepath.Dir(good), 0o755)
	os.MkdirAll(filepath.Dir(bad), 0o755)
	os.WriteFile(good, []byte(rejectsCSV), 0o644)
	// The same rows with no readable cost.
	allBad := strings.NewReplacer("0.0416", "n/a", ",1.5E-3,", ",?,", ",0.5,", ",?,", ",-2.25,", ",?,").Replace(rejectsCSV)
	os.WriteFile(bad, []byte(allBad), 0o644)

	s := newStore(t)
	importInto(t, s, good)
	before := s.Periods()
	res, err := s.Import(context.Background(), DefaultImportConfig(), bad)
	if !errors.Is(err, ErrFailedInputs) || len(res.Imported) != 0 || len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Err.Error(), "all 8 rows rejected") {
		t.Fatalf("%v %+v", err, res)
	}
	if diff := cmp.Diff(before, s.Periods()); diff != "" {
		t.Errorf("periods (-before +after):\n%s", diff)
	}
}

// TestImportFOCUSNullsAndTags: FOCUS CSV with the string NULL for nulls,
// AWS's tags in Tags, and a Tags value that is no JSON (the row is kept
// without user tags and counted as a warning).
func TestImportFOCUSNullsAndTags(t *testing.T) {
	const focus = `BilledCost,BillingAccountId,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,EffectiveCost,ResourceId,ServiceName,SubAccountId,Tags,RegionId,InvoiceId
1.25,111122223333,2026-03-01T00:00:00Z,Usage,2026-03-02T00:00:00Z,2026-03-01T00:00:00Z,1.00,i-0aaa,Amazon Elastic Compute Cloud,444455556666,"{""user:Env"":""prod"",""aws:createdBy"":""IAMUser:AIDAEXAMPLE:bob"",""aws:cloudformation:stack-name"":""web""}",us-east-1,INV-1
2.50,111122223333,2026-03-01T00:00:00Z,Tax,2026-04-01T00:00:00Z,2026-03-01T00:00:00Z,2.50,NULL,NULL,444455556666,NULL,NULL,INV-1
0.75,111122223333,2026-03-01T00:00:00Z,Usage,2026-03-02T00:00:00Z,2026-03-01T00:00:00Z,0.75,my-bucket,Amazon Simple Storage Service,444455556666,{not json,us-east-1,INV-1
`
	path := filepath.Join(t.TempDir(), "focus.csv")
	os.WriteFile(path, []byte(focus), 0o644)
	res := importInto(t, nil, path)
	p := res.Imported[0]
	if p.Format != "focus-1.2-csv" || p.Rows != 3 || p.Total != "4.5" || p.Rejected != 0 ||
		!cmp.Equal(p.Warnings, map[string]int64{"unreadable tags (row kept without its user tags)": 1}) {
		t.Errorf("%+v", p)
	}
	db := testDB(t)
	var amortized string
	var resources, services, createdBy, stacks, envs int64
	err := db.QueryRow(`SELECT CAST(sum(amortized_cost) AS VARCHAR), count(resource_id), count(service), count(created_by), count(stack_name), count(tags['env'])
		FROM read_parquet(`+quoteList(p.Files)+`)`).Scan(&amortized, &resources, &services, &createdBy, &stacks, &envs)
	if err != nil {
		t.Fatal(err)
	}
	if trimDecimal(amortized) != "4.25" || resources != 2 || services != 2 || createdBy != 1 || stacks != 1 || envs != 1 {
		t.Errorf("amortized %s, %d resources, %d services, %d created_by, %d stacks, %d env tags", amortized, resources, services, createdBy, stacks, envs)
	}
}

// TestImportHeaderOnly: a report without rows imports nothing, and says so.
func TestImportHeaderOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(path, []byte(strings.SplitAfter(rejectsCSV, "\n")[0]), 0o644)
	res := importInto(t, nil, path)
	if len(res.Imported) != 0 || len(res.Notices) != 1 || !strings.Contains(res.Notices[0].Message, "no rows") {
		t.Errorf("%+v", res)
	}
}

// payerCSV is a month of one payer's legacy CUR: one hour of an instance.
func payerCSV(payer, cost string) string {
	return "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost\n" +
		"p1," + payer + ",2026-03-01T00:00:00Z," + payer + ",Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,AmazonEC2,i-0aaa," + cost + "\n"
}

// TestImportKeepsEachPayersMonth: two organisations' reports of one month
// live side by side, imported in two runs or in one; a payer's month
// imported again replaces that payer's alone.
func TestImportKeepsEachPayersMonth(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a", "a.csv"), filepath.Join(dir, "b", "b.csv")
	os.MkdirAll(filepath.Dir(a), 0o755)
	os.MkdirAll(filepath.Dir(b), 0o755)
	os.WriteFile(a, []byte(payerCSV("111122223333", "1.25")), 0o644)
	os.WriteFile(b, []byte(payerCSV("444455556666", "2.5")), 0o644)
	totals := func(s *Store) map[string]string {
		out := map[string]string{}
		for _, p := range s.Periods() {
			out[p.Period+" "+strings.Join(p.Payers, ",")] = p.Total
		}
		return out
	}
	want := map[string]string{"2026-03 111122223333": "1.25", "2026-03 444455556666": "2.5"}

	s := newStore(t)
	importInto(t, s, a)
	if res := importInto(t, s, b); len(res.Imported) != 1 || res.Imported[0].Replaced != nil {
		t.Fatalf("the second payer's month replaced the first's: %+v", res.Imported)
	}
	if diff := cmp.Diff(want, totals(s)); diff != "" {
		t.Errorf("after two runs (-want +got):\n%s", diff)
	}
	os.WriteFile(a, []byte(payerCSV("111122223333", "1.5")), 0o644)
	if res := importInto(t, s, a); len(res.Imported) != 1 || res.Imported[0].Replaced == nil || res.Imported[0].Replaced.Total != "1.25" {
		t.Fatalf("the restated month: %+v", res.Imported)
	}
	want["2026-03 111122223333"] = "1.5"
	if diff := cmp.Diff(want, totals(s)); diff != "" {
		t.Errorf("after the first payer's restatement (-want +got):\n%s", diff)
	}

	one := newStore(t)
	if res := importInto(t, one, a, b); len(res.Imported) != 2 || len(res.Notices) != 0 {
		t.Fatalf("one run of both: %+v", res)
	}
	if diff := cmp.Diff(want, totals(one)); diff != "" {
		t.Errorf("one run of both (-want +got):\n%s", diff)
	}
	// Each payer's rows are there to report, not only its manifest entry.
	for payer, total := range map[string]string{"111122223333": "1.5", "444455556666": "2.5"} {
		rep, err := NewReporter(one, emptyIndex{}).Build(context.Background(), ReportConfig{By: ByService, Payer: payer})
		if err != nil || rep.Total != total {
			t.Errorf("one run of both: payer %s's report total %v (%v), want %s", payer, rep.Total, err, total)
		}
	}
}

// TestCurrencies: a period records the currencies its amounts are in, and
// a report says its currency; amounts of several currencies are never
// added up, and one payer's report is still there to read.
func TestCurrencies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	withCurrency := func(payer, cost, currency string) string {
		lines := strings.SplitN(payerCSV(payer, cost), "\n", 2)
		return lines[0] + ",lineItem/CurrencyCode\n" + strings.TrimSuffix(lines[1], "\n") + "," + currency + "\n"
	}
	eur, usd := filepath.Join(dir, "eur", "a.csv"), filepath.Join(dir, "usd", "b.csv")
	os.MkdirAll(filepath.Dir(eur), 0o755)
	os.MkdirAll(filepath.Dir(usd), 0o755)
	os.WriteFile(eur, []byte(withCurrency("111122223333", "1.25", "EUR")), 0o644)
	os.WriteFile(usd, []byte(withCurrency("444455556666", "2.5", "usd")), 0o644)

	s := newStore(t)
	importInto(t, s, eur)
	if ps := s.Periods(); len(ps) != 1 || !slices.Equal(ps[0].Currencies, []string{"EUR"}) {
		t.Fatalf("periods %+v", ps)
	}
	rep, err := NewReporter(s, emptyIndex{}).Build(ctx, ReportConfig{By: ByService})
	if err != nil || rep.Currency != "EUR" || rep.Total != "1.25" {
		t.Fatalf("one currency: %+v, %v", rep, err)
	}
	importInto(t, s, usd)
	if _, err := NewReporter(s, emptyIndex{}).Build(ctx, ReportConfig{By: ByService}); !errors.Is(err, ErrMixedCurrencies) || !strings.Contains(err.Error(), "EUR, USD") {
		t.Fatalf("two currencies added up: %v", err)
	}
	if _, err := NewReporter(s, emptyIndex{}).Spikes(ctx, nil, SpikeConfig{}); !errors.Is(err, ErrMixedCurrencies) {
		t.Errorf("spikes over two currencies: %v", err)
	}
	rep, err = NewReporter(s, emptyIndex{}).Build(ctx, ReportConfig{By: ByService, Payer: "444455556666"})
	if err != nil || rep.Currency != "USD" || rep.Total != "2.5" {
		t.Errorf("one payer: %+v, %v", rep, err)
	}
}

// TestImportSaysWhenNoResourceIDs: a report exported without resource IDs
// is imported with one notice that says so, and its cost still goes to the
// creators its aws:createdBy tags name; a report with the column has no
// such notice.
func TestImportSaysWhenNoResourceIDs(t *testing.T) {
	dir := t.TempDir()
	without := filepath.Join(dir, "without.csv")
	os.WriteFile(without, []byte(`identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UnblendedCost,resourceTags/aws:createdBy
1,111122223333,2026-03-01T00:00:00Z,111122223333,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,AmazonEC2,0.5,IAMUser:AIDAHANK:hank
`), 0o644)
	store := newStore(t)
	res := importInto(t, store, without)
	var notes []string
	for _, n := range res.Notices {
		notes = append(notes, n.Message)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "no resource ID column") || strings.Contains(notes[0], "\n") {
		t.Errorf("notices %q, want one line saying the report has no resource ID column", notes)
	}
	rep, err := NewReporter(store, emptyIndex{}).Build(context.Background(), ReportConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Key != "hank" {
		t.Errorf("rows %+v, want hank's by the tag", rep.Rows)
	}

	with := hourlyCUR(t, []string{"i-base"}, 2, func(string, int) float64 { return 1 })
	if res := importInto(t, newStore(t), with); len(res.Notices) != 0 {
		t.Errorf("a report with resource IDs: notices %+v", res.Notices)
	}
}

// TestImportReadsTheTimeInterval: without lineItem/UsageStartDate and
// UsageEndDate, or where they are empty, a row's usage is the line item's
// identity/TimeInterval (start/end), as the format says.
func TestImportReadsTheTimeInterval(t *testing.T) {
	dir := t.TempDir()
	for name, csv := range map[string]string{
		"without the usage dates": `identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost
1,2026-03-02T00:00:00Z/2026-03-02T01:00:00Z,111122223333,111122223333,Usage,AmazonEC2,i-one,1.5
2,2026-03-02T01:00:00Z/2026-03-02T02:00:00Z,111122223333,111122223333,Usage,AmazonEC2,i-one,2
`,
		"with the usage dates empty": `identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost
1,2026-03-02T00:00:00Z/2026-03-02T01:00:00Z,111122223333,111122223333,Usage,,,AmazonEC2,i-one,1.5
2,2026-03-02T01:00:00Z/2026-03-02T02:00:00Z,111122223333,111122223333,Usage,2026-03-02T01:00:00Z,2026-03-02T02:00:00Z,AmazonEC2,i-one,2
`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".csv")
			os.WriteFile(path, []byte(csv), 0o644)
			res := importInto(t, newStore(t), path)
			if len(res.Imported) != 1 || res.Imported[0].Rows != 2 || res.Imported[0].Rejected != 0 || res.Imported[0].Total != "3.5" {
				t.Fatalf("imported %+v, failures %+v", res.Imported, res.Failures)
			}
			var start, end time.Time
			if err := testDB(t).QueryRow("SELECT min(usage_start), max(usage_end) FROM read_parquet("+quoteList(res.Imported[0].Files)+")").Scan(&start, &end); err != nil {
				t.Fatal(err)
			}
			if !start.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)) {
				t.Errorf("usage from %v to %v, want 2026-03-02 00:00 to 02:00", start, end)
			}
		})
	}
}

// TestImportNamesAMissingCostColumn: a Cost and Usage Report without the
// column that holds its cost fails with a line that names the column, not
// as something that is no cost report.
func TestImportNamesAMissingCostColumn(t *testing.T) {
	for name, tc := range map[string]struct{ header, want string }{
		"legacy": {"identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/BlendedCost", "lineItem/UnblendedCost"},
		"athena": {"identity_line_item_id,bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_product_code,line_item_resource_id", "line_item_unblended_cost"},
		"start":  {"identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost", "lineItem/UsageStartDate"},
		"focus":  {"BillingAccountId,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ResourceId,ServiceName,EffectiveCost", "BilledCost"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report.csv")
			os.WriteFile(path, []byte(tc.header+"\n"), 0o644)
			res, err := newStore(t).Import(context.Background(), DefaultImportConfig(), path)
			if !errors.Is(err, ErrFailedInputs) || len(res.Failures) != 1 {
				t.Fatalf("err %v, %+v", err, res)
			}
			msg := res.Failures[0].Err.Error()
			if !strings.Contains(msg, "without "+tc.want) || strings.Contains(msg, ErrNotCostReport.Error()) || strings.Contains(msg, "\n") {
				t.Errorf("failure %q, want one line naming %s", msg, tc.want)
			}
		})
	}
}
