package cost

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func gzipped(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

var (
	curHeader   = "identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UnblendedCost,resourceTags/user:Team\n"
	snakeHeader = "identity_line_item_id,bill_payer_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_unblended_cost,resource_tags_user_team\n"
	cur2Header  = "identity_line_item_id,bill_payer_account_id,line_item_usage_start_date,line_item_unblended_cost,product,resource_tags\n"
	focusHeader = "BilledCost,BillingAccountId,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,EffectiveCost,ServiceName,Tags\n"
)

func TestSniffAndRecognise(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		want   string // Format.String(), or the start of the error
		gzip   bool
		header int
	}{
		{"legacy CUR CSV", []byte(curHeader + "a,b\n"), "cur-legacy-csv", false, 10},
		{"legacy CUR CSV.gz", gzipped(curHeader), "cur-legacy-csv", true, 10},
		{"legacy CUR with a BOM and CRLF", []byte("\xef\xbb\xbf" + strings.ReplaceAll(curHeader, "\n", "\r\n")), "cur-legacy-csv", false, 10},
		{"quoted header", []byte(`"lineItem/UnblendedCost","lineItem/UsageStartDate"` + "\n"), "cur-legacy-csv", false, 2},
		{"snake_case CUR CSV", []byte(snakeHeader), "cur-legacy-csv", false, 6},
		{"CUR 2.0 CSV", []byte(cur2Header), "cur2-csv", false, 6},
		{"FOCUS 1.0", []byte(focusHeader), "focus-1.0-csv", false, 8},
		{"FOCUS 1.1", []byte(strings.TrimSuffix(focusHeader, "\n") + ",ServiceSubcategory,SkuMeter\n"), "focus-1.1-csv", false, 10},
		{"FOCUS 1.2", gzipped(strings.TrimSuffix(focusHeader, "\n") + ",ServiceSubcategory,InvoiceId\n"), "focus-1.2-csv", true, 10},
		{"lower-case FOCUS", []byte(strings.ToLower(focusHeader)), "focus-1.0-csv", false, 8},
		{"CUR without dates", []byte("lineItem/UnblendedCost,lineItem/ProductCode\n"), "a Cost and Usage Report without lineItem/UsageStartDate", false, 2},
		{"CUR without its cost", []byte("lineItem/UsageStartDate,lineItem/BlendedCost\n"), "a Cost and Usage Report without lineItem/UnblendedCost", false, 2},
		{"other CSV", []byte("name,value\nx,1\n"), "not a cost report: expected", false, 2},
		{"one column", []byte("hello\n"), "not a cost report: the first line is no CSV header", false, 0},
		{"empty", nil, "not a cost report: the file is empty", false, 0},
		{"empty gzip", gzipped(""), "not a cost report: the file is empty", true, 0},
		{"broken gzip", []byte("\x1f\x8b\x08\x00garbage"), "not a cost report: a damaged gzip file", false, 0},
		{"zip", []byte("PK\x03\x04...."), "not a cost report: a zip archive", false, 0},
		{"binary", []byte("\x00\x01\x02,\x03\x04\n"), "not a cost report: the first line is no CSV header (binary", false, 0},
		{"JSON", []byte(`{"Records":[]}`), "not a cost report", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sniff(bytes.NewReader(tc.data))
			var kind Kind
			var version string
			if err == nil {
				if len(s.Header) != tc.header || s.Gzip != tc.gzip || s.Container != ContainerCSV {
					t.Errorf("sniffed %+v", s)
				}
				kind, version, err = recognise(csvColumns(s.Header))
			}
			got := ""
			if err != nil {
				got = err.Error()
				if !errors.Is(err, ErrNotCostReport) && !errors.Is(err, ErrMissingColumn) {
					t.Errorf("error %v is neither ErrNotCostReport nor ErrMissingColumn", err)
				}
			} else {
				got = Format{Kind: kind, Container: ContainerCSV, Version: version}.String()
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q…", got, tc.want)
			}
		})
	}
}

func TestRecogniseParquetSchemas(t *testing.T) {
	for _, tc := range []struct {
		name string
		cols []column
		want Kind
	}{
		{"Athena", []column{{"line_item_unblended_cost", "DOUBLE"}, {"line_item_usage_start_date", "TIMESTAMP"}, {"resource_tags_user_team", "VARCHAR"}}, KindCURLegacySnake},
		{"CUR 2.0", []column{{"line_item_unblended_cost", "DOUBLE"}, {"line_item_usage_start_date", "TIMESTAMP"}, {"resource_tags", "MAP(VARCHAR, VARCHAR)"}}, KindCUR2},
		{"FOCUS", []column{{"BilledCost", "DECIMAL(38,10)"}, {"ChargePeriodStart", "TIMESTAMP WITH TIME ZONE"}}, KindFOCUS},
		{"status", []column{{"status", "VARCHAR"}}, KindUnknown},
	} {
		if k, _, _ := recognise(tc.cols); k != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, k, tc.want)
		}
	}
}

func TestCSVColumnsRenamesRepeats(t *testing.T) {
	got := csvColumns([]string{"a", "B", "b", "a"})
	want := []string{"a", "B", "b__2", "a__2"}
	for i := range want {
		if got[i].Name != want[i] || got[i].Type != "VARCHAR" {
			t.Errorf("%d: %+v, want %s", i, got[i], want[i])
		}
	}
}

// FuzzSniff feeds arbitrary file starts to the recogniser: it must never
// panic, only accept a header of at least two printable names, and call
// nothing a report that lacks the columns that make one.
func FuzzSniff(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte(curHeader), []byte(snakeHeader), []byte(cur2Header), []byte(focusHeader),
		gzipped(curHeader), gzipped(focusHeader), []byte("PAR1\x00\x00"), []byte("PK\x03\x04"),
		[]byte("\xef\xbb\xbf\"a\"\"b\",c\r\n"), []byte("a,\"b\nc\",d\n"), []byte("\x1f\x8b"), {},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sniff(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNotCostReport) {
				t.Fatalf("error %v is not ErrNotCostReport", err)
			}
			return
		}
		if s.Container == ContainerParquet {
			if !bytes.HasPrefix(data, []byte("PAR1")) {
				t.Fatalf("Parquet without its magic number")
			}
			return
		}
		if len(s.Header) < 2 {
			t.Fatalf("header %q accepted", s.Header)
		}
		cols := csvColumns(s.Header)
		seen := map[string]bool{}
		for _, c := range cols {
			if seen[strings.ToLower(c.Name)] {
				t.Fatalf("repeated column %q after renaming", c.Name)
			}
			seen[strings.ToLower(c.Name)] = true
		}
		kind, _, err := recognise(cols)
		has := func(n string) bool { return seen[n] }
		switch kind {
		case KindCURLegacy:
			if !has("lineitem/unblendedcost") {
				t.Fatalf("CUR without lineItem/UnblendedCost: %q", s.Header)
			}
		case KindCURLegacySnake, KindCUR2:
			if !has("line_item_unblended_cost") {
				t.Fatalf("CUR without line_item_unblended_cost: %q", s.Header)
			}
		case KindFOCUS:
			if !has("billedcost") || !has("chargeperiodstart") {
				t.Fatalf("FOCUS without BilledCost, ChargePeriodStart: %q", s.Header)
			}
		case KindUnknown:
			if err == nil {
				t.Fatal("unknown kind without an error")
			}
		}
		if kind != KindUnknown {
			// Every recognised report gives a query.
			if _, err := canonicalQuery(kind, cols, "t", ""); err != nil {
				t.Fatalf("no query for %q: %v", s.Header, err)
			}
		}
	})
}
