package sim

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func readCSVGz(t *testing.T, path string) []map[string]string {
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
	r := csv.NewReader(zr)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func TestCostReportMatchesCloudTrail(t *testing.T) {
	dir, st := getSample(t)
	curFiles, _ := filepath.Glob(filepath.Join(dir, "cost", "cur", curReport, "*", "*", curReport+"-1.csv.gz"))
	focusFiles, _ := filepath.Glob(filepath.Join(dir, "cost", "focus", focusExport, "data", "BILLING_PERIOD=*", focusExport+"-00001.csv.gz"))
	if len(curFiles) == 0 || len(curFiles) != len(focusFiles) {
		t.Fatalf("%d CUR and %d FOCUS files", len(curFiles), len(focusFiles))
	}
	var cur, focus []map[string]string
	for _, f := range curFiles {
		cur = append(cur, readCSVGz(t, f)...)
		// Each assembly has its manifest naming the report file.
		mb, err := os.ReadFile(filepath.Join(filepath.Dir(f), curReport+"-Manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var man struct {
			AssemblyID string   `json:"assemblyId"`
			ReportKeys []string `json:"reportKeys"`
			Columns    []struct{ Category, Name string }
		}
		if err := json.Unmarshal(mb, &man); err != nil {
			t.Fatal(err)
		}
		if len(man.ReportKeys) != 1 || !strings.HasSuffix(man.ReportKeys[0], man.AssemblyID+"/"+curReport+"-1.csv.gz") || len(man.Columns) != len(curColumns) {
			t.Errorf("manifest %+v", man)
		}
	}
	for _, f := range focusFiles {
		focus = append(focus, readCSVGz(t, f)...)
	}
	if len(cur) != len(focus) || len(cur) != st.CostRows {
		t.Fatalf("%d CUR rows, %d FOCUS rows, stats say %d", len(cur), len(focus), st.CostRows)
	}
	var total, focusTotal, withCreator, noID, stackCost float64
	ids := map[string]bool{}
	for i, r := range cur {
		c, err := strconv.ParseFloat(r["lineItem/UnblendedCost"], 64)
		if err != nil {
			t.Fatalf("row %d: cost %q", i, r["lineItem/UnblendedCost"])
		}
		total += c
		fc, _ := strconv.ParseFloat(focus[i]["BilledCost"], 64)
		focusTotal += fc
		id := r["lineItem/ResourceId"]
		ids[id] = true
		if r["resourceTags/aws:createdBy"] != "" {
			withCreator += c
		}
		// A stack's resources carry its team tag, in both reports.
		stack := r["resourceTags/aws:cloudformation:stack-name"]
		if team := r["resourceTags/user:team"]; (stack != "") != (team == stackTeam) {
			t.Fatalf("row %d: stack %q, team tag %q", i, stack, team)
		}
		if stack != "" {
			stackCost += c
			if !strings.Contains(focus[i]["Tags"], `"user:team":"`+stackTeam+`"`) {
				t.Fatalf("row %d: FOCUS tags %s without the stack's team", i, focus[i]["Tags"])
			}
		}
		if id == "" {
			noID += c
		}
		if focus[i]["ResourceId"] != id {
			t.Fatalf("row %d: CUR resource %q, FOCUS %q", i, id, focus[i]["ResourceId"])
		}
		switch r["lineItem/ProductCode"] {
		case "AmazonRDS", "AWSLambda", "AmazonDynamoDB", "AWSELB":
			if !strings.HasPrefix(id, "arn:aws:") {
				t.Fatalf("%s resource id %q is not an ARN", r["lineItem/ProductCode"], id)
			}
		}
		if strings.Contains(r["lineItem/UsageType"], "BoxUsage") && !strings.HasPrefix(id, "i-") {
			t.Fatalf("instance line item with resource id %q", id)
		}
		// Every NAT gateway's hours, those of the gateways there from the
		// start too, name it by its ARN.
		if strings.HasSuffix(r["lineItem/UsageType"], "NatGateway-Hours") && !strings.HasPrefix(id, "arn:aws:ec2:") {
			t.Fatalf("row %d: NAT gateway hours with resource id %q", i, id)
		}
	}
	if total <= 0 || (total-focusTotal) > 0.01*total || (focusTotal-total) > 0.01*total {
		t.Errorf("CUR total %.2f, FOCUS total %.2f", total, focusTotal)
	}
	if withCreator < 0.3*total || withCreator > 0.98*total {
		t.Errorf("aws:createdBy on %.0f%% of cost, want part of it", 100*withCreator/total)
	}
	if noID <= 0 {
		t.Error("no shared cost without a resource ID")
	}
	if stackCost <= 0 {
		t.Error("no cost of a stack's resources")
	}
	// Every instance that RunInstances created is billed, under the same ID.
	launched := 0
	readRecords(t, dir, func(key string, r record, raw []byte) {
		if str(r, "eventName") != "RunInstances" || r["errorCode"] != nil {
			return
		}
		var resp struct {
			InstancesSet struct{ Items []struct{ InstanceID string } }
		}
		json.Unmarshal(r["responseElements"], &resp)
		for _, it := range resp.InstancesSet.Items {
			launched++
			if !ids[it.InstanceID] {
				t.Errorf("instance %s launched at %s is not in the cost report", it.InstanceID, str(r, "eventTime"))
			}
		}
	})
	if launched == 0 {
		t.Error("no RunInstances in the sample")
	}
	// The cost spike's instances are billed at their price.
	b, _ := os.ReadFile(filepath.Join(dir, "scenarios.json"))
	var scen []Scenario
	json.Unmarshal(b, &scen)
	for _, sc := range scen {
		if sc.Kind != "cost-spike" {
			continue
		}
		var spike float64
		want := map[string]bool{}
		for _, id := range sc.Resources {
			want[id] = true
		}
		for _, r := range cur {
			if want[r["lineItem/ResourceId"]] {
				c, _ := strconv.ParseFloat(r["lineItem/UnblendedCost"], 64)
				spike += c
			}
		}
		if spike < 0.2*total {
			t.Errorf("cost spike %.2f of %.2f", spike, total)
		}
	}
}
