package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCostImport runs cairn cost import on the simulator's cost folder: the
// CUR (with its manifest) is imported, the FOCUS export of the same period
// is left out with a notice, a second run replaces the first with the same
// total, and a file that is no cost report fails with exit status 1 while
// the rest is imported.
func TestCostImport(t *testing.T) {
	trail := filepath.Join(t.TempDir(), "trail")
	if r := runCairn(t, nil, "gen", "-out", trail, "-events", "3000", "-days", "3", "-seed", "3"); r.code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data := filepath.Join(t.TempDir(), "data")
	costDir := filepath.Join(trail, "cost")

	r := runCairn(t, nil, "cost", "import", "-data", data, costDir)
	if r.code != 0 {
		t.Fatalf("cost import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	line := regexp.MustCompile(`(?m)^2026-03 \(payer \d{12}\) cur-legacy-csv: (\d+) rows, total ([0-9.]+) USD, 0 rejected; new$`).FindStringSubmatch(r.stdout)
	if line == nil || line[1] == "0" {
		t.Fatalf("cost import printed:\n%s", r.stdout)
	}
	total := line[2]
	if !regexp.MustCompile(`2026-03 \(payer \d{12}\) of this focus-1.0-csv not imported`).MatchString(r.stderr) || !strings.Contains(r.stdout, "0 inputs failed") {
		t.Errorf("the FOCUS export of the same period was not left out with a notice:\n%s%s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "cost", "manifest.json")); err != nil {
		t.Error(err)
	}

	// Again: the same store, reported as a replacement.
	r = runCairn(t, nil, "cost", "import", "-data", data, "-quiet", costDir)
	if r.code != 0 || !strings.Contains(r.stdout, "total "+total+" USD, 0 rejected; replaced the import of ") || r.stderr != "" {
		t.Fatalf("second import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The FOCUS export alone replaces the period, with the same total.
	r = runCairn(t, nil, "cost", "import", "-data", data, "-format", "json", filepath.Join(costDir, "focus"))
	var out struct {
		Imported []struct {
			Period, Format, Total string
			Rows                  int64
			Replaced              *struct{ Format string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("json import: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(out.Imported) != 1 || out.Imported[0].Format != "focus-1.0-csv" || out.Imported[0].Total != total ||
		out.Imported[0].Replaced == nil || out.Imported[0].Replaced.Format != "cur-legacy-csv" {
		t.Errorf("json import: %+v, want the total %s", out.Imported, total)
	}

	// Part of the month's report, alone: the month is that part now, and a
	// line on stderr says so.
	focusFiles, _ := filepath.Glob(filepath.Join(costDir, "focus", "*", "data", "*", "*.csv.gz"))
	if len(focusFiles) == 0 {
		t.Fatalf("no FOCUS file under %s", costDir)
	}
	part := filepath.Join(t.TempDir(), "part.csv")
	os.WriteFile(part, firstLines(t, focusFiles[0], 11), 0o644)
	r = runCairn(t, nil, "cost", "import", "-data", data, part)
	if r.code != 0 || !regexp.MustCompile(`cairn cost: 2026-03 \(payer \d{12}\) now holds 10 rows where the import it replaced held \d+; if the files imported are part of the month's report, import the whole report again\n`).MatchString(r.stderr) {
		t.Errorf("import of part of the month: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A file that is no cost report: exit status 1, the rest imported.
	bad := filepath.Join(t.TempDir(), "notes.csv")
	os.WriteFile(bad, []byte("name,value\nx,1\n"), 0o644)
	r = runCairn(t, nil, "cost", "import", "-data", data, bad, filepath.Join(costDir, "cur"))
	if r.code != 1 || !strings.Contains(r.stderr, "failed "+bad+": not a cost report: expected") ||
		!regexp.MustCompile(`2026-03 \(payer \d{12}\) cur-legacy-csv:`).MatchString(r.stdout) || strings.Count(r.stderr, "\n") != 2 {
		t.Errorf("import with a bad file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// In JSON the reasons are in the output, and stderr says so.
	r = runCairn(t, nil, "cost", "import", "-data", data, "-format", "json", bad, filepath.Join(costDir, "cur"))
	if r.code != 1 || !strings.Contains(r.stdout, `"failures"`) || !strings.HasSuffix(r.stderr, "1 of the inputs could not be imported; the JSON's failures give the reasons (the rest was imported)\n") {
		t.Errorf("import with a bad file, in JSON: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	for _, args := range [][]string{{"cost"}, {"cost", "bogus"}, {"cost", "import", "-data", data}} {
		if r := runCairn(t, nil, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if r := runCairn(t, nil, "cost", "reprot"); r.code != 2 || !strings.Contains(r.stderr, "did you mean cairn cost report?") {
		t.Errorf("cost reprot: exit %d\n%s", r.code, r.stderr)
	}
}

// TestCostReadersCreateNothing: report and spikes only read. Without a
// data folder they fail as every reading command does and leave none
// behind; with a data folder that no cost report was imported into they
// answer empty and say so on stderr. Importing a folder without reports
// says that none was found.
func TestCostReadersCreateNothing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "cairn-data")
	for _, sub := range []string{"report", "spikes"} {
		r := runCairn(t, nil, "cost", sub, "-data", missing)
		if r.code != 1 || !strings.HasPrefix(r.stderr, "cairn cost: no data folder at "+missing+": ") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("cost %s without a data folder: exit %d\n%s%s", sub, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("cost report made the data folder: %v", err)
	}

	data := t.TempDir()
	r := runCairn(t, nil, "cost", "report", "-data", data)
	if r.code != 0 || !strings.HasSuffix(r.stdout, ": total 0.00\n") || r.stderr != "no cost report imported: run cairn cost import FILE|DIR first\n" {
		t.Errorf("cost report of no cost: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCairn(t, nil, "cost", "spikes", "-data", data)
	// Only why: "no hour cost more than twice its baseline" would not be
	// true of a store without hours.
	if r.code != 0 || r.stdout != "" || !strings.HasPrefix(r.stderr, "no cost report imported") {
		t.Errorf("cost spikes of no cost: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("reading left %v in the data folder", entries)
	}

	empty := t.TempDir()
	r = runCairn(t, nil, "cost", "import", "-data", data, empty)
	if r.code != 1 || !strings.HasSuffix(r.stderr, "cairn cost: no cost report file found in "+empty+"; nothing was imported\n") {
		t.Errorf("import of an empty folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A report without rows fails nothing, and imports nothing, and says so.
	headerOnly := filepath.Join(t.TempDir(), "report.csv")
	os.WriteFile(headerOnly, []byte("identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost\n"), 0o644)
	r = runCairn(t, nil, "cost", "import", "-data", data, headerOnly)
	if r.code != 0 || !strings.HasSuffix(r.stderr, "cairn cost: nothing was imported; see the notices above\n") || !strings.Contains(r.stderr, "the report has no rows") {
		t.Errorf("import of a report without rows: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCostReportArguments: on the simulator's organisation, an empty
// selection says what there is instead; bad arguments exit with status 2,
// as for every command; and no principal is named role/ after a person or
// a service (aws:createdBy names a role by its ID, which is the role's).
// 20,000 events, as the walkthrough used: fewer leave no such tag.
func TestCostReportArguments(t *testing.T) {
	trail := filepath.Join(t.TempDir(), "trail")
	if r := runCairn(t, nil, "gen", "-out", trail, "-events", "20000"); r.code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"ingest", "-data", data, filepath.Join(trail, "AWSLogs")},
		{"cost", "import", "-data", data, "-quiet", filepath.Join(trail, "cost", "cur")},
	} {
		if r := runCairn(t, nil, args...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"report", "-month", "2026-04"}, "no cost imported for 2026-04; the months imported: 2026-03\n"},
		{[]string{"report", "-from", "2027-01-01"}, "no cost billed for usage from 2027-01-01; cairn cost report -by day shows the days there are\n"},
		{[]string{"report", "-service", "EC2"}, "no cost under the service code EC2; the codes there, closest first: AmazonEC2, "},
		{[]string{"spikes", "-month", "2026-04"}, "no cost imported for 2026-04; "},
		{[]string{"report", "-payer", "111111111111"}, "no cost imported for the payer account 111111111111; the payers there: "},
		{[]string{"spikes", "-payer", "111111111111"}, "no cost imported for the payer account 111111111111; the payers there: "},
		{[]string{"report", "-by", "tag:nosuch"}, "no resource has the tag nosuch; the tags there: team\n"},
	} {
		r := runCairn(t, nil, append([]string{"cost", tc.args[0], "-data", data}, tc.args[1:]...)...)
		if r.code != 0 || !strings.HasPrefix(r.stderr, tc.hint) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stdout, "attributed by") {
			t.Errorf("%v: exit %d\n%s%s", tc.args, r.code, r.stdout, r.stderr)
		}
	}

	// How cost went to principals is told under the reports that give cost
	// to principals, not under those by service, day, account, region, usage type or tag.
	for by, footer := range map[string]bool{"principal": true, "resource": true, "role": true, "service": false, "day": false, "account": false, "region": false, "usagetype": false, "tag:team": false} {
		r := runCairn(t, nil, "cost", "report", "-data", data, "-by", by)
		if r.code != 0 || strings.Contains(r.stdout, "\nattributed by: ") != footer {
			t.Errorf("-by %s: exit %d, want the attributed-by line %v\n%s%s", by, r.code, footer, r.stdout, r.stderr)
		}
		// And what unattributed cost is, with where the trail begins.
		said := regexp.MustCompile(`\(unattributed\) is the cost of resources that neither a creating call in the indexed trail \(it begins 2026-\d\d-\d\d\) nor an aws:createdBy tag names`).MatchString(r.stderr)
		if by == "principal" && !strings.Contains(r.stdout, "unattributed ") {
			t.Fatalf("-by principal: the fixture has no unattributed cost to explain\n%s", r.stdout)
		}
		if said != (footer && strings.Contains(r.stdout, "unattributed ")) {
			t.Errorf("-by %s: unattributed cost explained %v\n%s%s", by, said, r.stdout, r.stderr)
		}
	}

	// The CSV's rows name their currency and add up to the report's total
	// to the last digit.
	r := runCairn(t, nil, "cost", "report", "-data", data, "-by", "region", "-format", "csv")
	records, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(records) < 2 || !slices.Equal(records[0], []string{"region", "amount", "currency", "how"}) {
		t.Fatalf("-format csv: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	sum := new(big.Rat)
	for _, rec := range records[1:] {
		amount, ok := new(big.Rat).SetString(rec[1])
		if !ok || rec[2] != "USD" {
			t.Errorf("-format csv: row %q, want an amount in USD", rec)
			continue
		}
		sum.Add(sum, amount)
	}
	// A principal's split by method gives every digit too, and adds up to
	// its amount.
	r = runCairn(t, nil, "cost", "report", "-data", data, "-by", "principal", "-format", "csv")
	records, err = csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(records) < 2 {
		t.Fatalf("-by principal -format csv: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	for _, rec := range records[1:] {
		split := new(big.Rat)
		for part := range strings.SplitSeq(rec[3], ", ") {
			amount, ok := new(big.Rat).SetString(part[strings.LastIndexByte(part, ' ')+1:])
			if !ok {
				t.Fatalf("-by principal -format csv: how %q", rec[3])
			}
			split.Add(split, amount)
		}
		if amount, _ := new(big.Rat).SetString(rec[1]); split.Cmp(amount) != 0 {
			t.Errorf("-by principal -format csv: %s's methods %q add up to %s, not %s", rec[0], rec[3], split.FloatString(10), rec[1])
		}
	}
	var whole struct{ Total string }
	r = runCairn(t, nil, "cost", "report", "-data", data, "-by", "region", "-format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &whole); err != nil {
		t.Fatalf("-format json: %v\n%s", err, r.stdout)
	}
	if total, ok := new(big.Rat).SetString(whole.Total); !ok || sum.Cmp(total) != 0 {
		t.Errorf("-format csv: rows add up to %s, the report's total is %q", sum.FloatString(10), whole.Total)
	}

	// A mistyped owner tag attributes nothing, and says so.
	if r := runCairn(t, nil, "cost", "report", "-data", data, "-owner-tag", "nosuchtag"); r.code != 0 || !strings.HasPrefix(r.stderr, "(-owner-tag nosuchtag attributed nothing: ") {
		t.Errorf("-owner-tag nosuchtag: exit %d\n%s", r.code, r.stderr)
	}

	for _, args := range [][]string{
		{"report", "-by", "user"}, {"report", "-month", "March"}, {"report", "-from", "March"}, {"report", "-from", "2026-03-05", "-to", "2026-03-01"}, {"report", "-measure", "blended"}, {"report", "-limit", "-1"},
		{"report", "-format", "xml"}, {"report", "extra"}, {"spikes", "-factor", "0.5"}, {"spikes", "-factor", "0"}, {"-by", "service", "report"}, {"spikes", "-month", "March"}, {"spikes", "-format", "csv"},
	} {
		r := runCairn(t, nil, append([]string{"cost", args[0], "-data", data}, args[1:]...)...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "cairn cost: usage: ") || r.stdout != "" {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	r = runCairn(t, nil, "cost", "report", "-data", data, "-by", "principal", "-format", "json")
	var rep struct{ Rows []struct{ Key string } }
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 || len(rep.Rows) == 0 {
		t.Fatalf("report by principal: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	for _, row := range rep.Rows {
		if strings.HasPrefix(row.Key, "role/") && strings.ContainsAny(row.Key, "@.") {
			t.Errorf("principal %q: a role named after whoever used it", row.Key)
		}
	}
}

// firstLines is the first n lines of a gzip file.
func firstLines(t *testing.T, path string, n int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for i := 0; i < n && sc.Scan(); i++ {
		out = append(append(out, sc.Bytes()...), '\n')
	}
	return out
}
