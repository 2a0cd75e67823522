package cost

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchRows is the size of the benchmarks' reports: a month of hourly line
// items of a few hundred resources.
const benchRows = 1_000_000

// cur2Rows generates n line items shaped like CUR 2.0: the scalar columns
// of a typical export (typed as AWS writes them: DOUBLE amounts, TIMESTAMP
// dates) and the product, resource_tags, cost_category and discount maps.
const cur2Rows = `SELECT
	md5(i::VARCHAR) AS identity_line_item_id,
	strftime(TIMESTAMP '2026-03-01' + INTERVAL (i % 744) HOUR, '%Y-%m-%dT%H:00:00Z') || '/' || strftime(TIMESTAMP '2026-03-01' + INTERVAL (i % 744 + 1) HOUR, '%Y-%m-%dT%H:00:00Z') AS identity_time_interval,
	'2609725977' AS bill_invoice_id, 'AWS' AS bill_billing_entity, 'Anniversary' AS bill_bill_type,
	'397629830233' AS bill_payer_account_id, 'management' AS bill_payer_account_name,
	TIMESTAMP '2026-03-01' AS bill_billing_period_start_date, TIMESTAMP '2026-04-01' AS bill_billing_period_end_date,
	(100000000000 + i % 37)::VARCHAR AS line_item_usage_account_id, 'account-' || (i % 37) AS line_item_usage_account_name,
	CASE WHEN i % 50 = 0 THEN 'DiscountedUsage' WHEN i % 71 = 0 THEN 'SavingsPlanCoveredUsage' ELSE 'Usage' END AS line_item_line_item_type,
	TIMESTAMP '2026-03-01' + INTERVAL (i % 744) HOUR AS line_item_usage_start_date,
	TIMESTAMP '2026-03-01' + INTERVAL (i % 744 + 1) HOUR AS line_item_usage_end_date,
	(['AmazonEC2', 'AmazonS3', 'AmazonRDS', 'AWSLambda', 'AmazonDynamoDB'])[i % 5 + 1] AS line_item_product_code,
	'USE1-BoxUsage:t3.medium' AS line_item_usage_type, 'RunInstances' AS line_item_operation, 'us-east-1a' AS line_item_availability_zone,
	'i-' || lpad(printf('%x', i % 20000), 17, '0') AS line_item_resource_id,
	1.0::DOUBLE AS line_item_usage_amount, 4.0::DOUBLE AS line_item_normalization_factor, 'USD' AS line_item_currency_code,
	'0.0416' AS line_item_unblended_rate, ((i % 1000) / 10000.0)::DOUBLE AS line_item_unblended_cost,
	((i % 1000) / 10000.0)::DOUBLE AS line_item_blended_cost, ((i % 1000) / 10000.0)::DOUBLE AS line_item_net_unblended_cost,
	'$0.0416 per On Demand Linux t3.medium Instance Hour' AS line_item_line_item_description,
	MAP {'region': 'us-east-1', 'instance_type': 't3.medium', 'product_family': 'Compute Instance'} AS product,
	'us-east-1' AS product_region_code, 'AmazonEC2' AS product_servicecode, 'Amazon Elastic Compute Cloud' AS product_product_name,
	((i % 1000) / 10000.0)::DOUBLE AS pricing_public_on_demand_cost, '0.0416' AS pricing_public_on_demand_rate, 'OnDemand' AS pricing_term, 'Hrs' AS pricing_unit,
	((i % 1000) / 20000.0)::DOUBLE AS reservation_effective_cost, ((i % 1000) / 30000.0)::DOUBLE AS savings_plan_savings_plan_effective_cost,
	CASE WHEN i % 3 = 0 THEN MAP {'user_cost_center': 'cc' || (i % 7), 'aws_created_by': 'IAMUser:AIDAEXAMPLE:user' || (i % 11)}
	     WHEN i % 3 = 1 THEN MAP {'user_team': 'team' || (i % 5), 'aws_autoscaling_group_name': 'asg-' || (i % 13)}
	     ELSE MAP {}::MAP(VARCHAR, VARCHAR) END AS resource_tags,
	MAP {}::MAP(VARCHAR, VARCHAR) AS cost_category,
	MAP {}::MAP(VARCHAR, DOUBLE) AS discount
FROM range(?) t(i)`

// curCSVRows generates n legacy CUR line items with the CSV's column
// names (the simulator's columns and a user tag).
const curCSVRows = `SELECT
	md5(i::VARCHAR) AS "identity/LineItemId",
	strftime(TIMESTAMP '2026-03-01' + INTERVAL (i % 744) HOUR, '%Y-%m-%dT%H:00:00Z') || '/' || strftime(TIMESTAMP '2026-03-01' + INTERVAL (i % 744 + 1) HOUR, '%Y-%m-%dT%H:00:00Z') AS "identity/TimeInterval",
	'2609725977' AS "bill/InvoiceId", 'AWS' AS "bill/BillingEntity", 'Anniversary' AS "bill/BillType", '397629830233' AS "bill/PayerAccountId",
	'2026-03-01T00:00:00Z' AS "bill/BillingPeriodStartDate", '2026-04-01T00:00:00Z' AS "bill/BillingPeriodEndDate",
	(100000000000 + i % 37)::VARCHAR AS "lineItem/UsageAccountId", 'Usage' AS "lineItem/LineItemType",
	strftime(TIMESTAMP '2026-03-01' + INTERVAL (i % 744) HOUR, '%Y-%m-%dT%H:00:00Z') AS "lineItem/UsageStartDate",
	strftime(TIMESTAMP '2026-03-01' + INTERVAL (i % 744 + 1) HOUR, '%Y-%m-%dT%H:00:00Z') AS "lineItem/UsageEndDate",
	(['AmazonEC2', 'AmazonS3', 'AmazonRDS', 'AWSLambda', 'AmazonDynamoDB'])[i % 5 + 1] AS "lineItem/ProductCode",
	'USE1-BoxUsage:t3.medium' AS "lineItem/UsageType", 'RunInstances' AS "lineItem/Operation", 'us-east-1a' AS "lineItem/AvailabilityZone",
	'i-' || lpad(printf('%x', i % 20000), 17, '0') AS "lineItem/ResourceId", '1' AS "lineItem/UsageAmount", '4' AS "lineItem/NormalizationFactor",
	'USD' AS "lineItem/CurrencyCode", '0.0416' AS "lineItem/UnblendedRate", CAST((i % 1000) / 10000.0 AS VARCHAR) AS "lineItem/UnblendedCost",
	'0.0416' AS "lineItem/BlendedRate", CAST((i % 1000) / 10000.0 AS VARCHAR) AS "lineItem/BlendedCost",
	'$0.0416 per On Demand Linux t3.medium Instance Hour' AS "lineItem/LineItemDescription", 'Amazon Elastic Compute Cloud' AS "product/ProductName",
	'AmazonEC2' AS "product/servicecode", 'us-east-1' AS "product/region", 'US East (N. Virginia)' AS "product/location", 't3.medium' AS "product/instanceType",
	'Compute Instance' AS "product/productFamily", CAST((i % 1000) / 10000.0 AS VARCHAR) AS "pricing/publicOnDemandCost", '0.0416' AS "pricing/publicOnDemandRate",
	'OnDemand' AS "pricing/term", 'Hrs' AS "pricing/unit",
	CASE WHEN i % 4 = 0 THEN 'asg-' || (i % 13) END AS "resourceTags/aws:autoscaling:groupName",
	CASE WHEN i % 5 = 0 THEN 'stack-' || (i % 3) END AS "resourceTags/aws:cloudformation:stack-name",
	CASE WHEN i % 3 = 0 THEN 'IAMUser:AIDAEXAMPLE:user' || (i % 11) END AS "resourceTags/aws:createdBy",
	CASE WHEN i % 2 = 0 THEN 'cc' || (i % 7) END AS "resourceTags/user:CostCenter"
FROM range(?) t(i)`

// benchImport measures the import of one generated report against the
// anchor: DuckDB's own COPY of the same file to zstd Parquet, in the same
// run and with the same engine settings.
func benchImport(b *testing.B, in, anchor string) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	cfg := DefaultImportConfig()
	cfg.RetireAfter = 0
	for _, q := range []string{"SET preserve_insertion_order=false", "SET TimeZone='UTC'", "SET memory_limit=" + literal(cfg.MemoryLimit)} {
		mustExec(b, db, q)
	}
	st, err := os.Stat(in)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	out := filepath.Join(b.TempDir(), "anchor.parquet")
	s := newStore(b)
	var importTime, anchorTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		t0 := time.Now()
		mustExec(b, db, "COPY ("+anchor+") TO "+literal(out)+" (FORMAT parquet, COMPRESSION zstd)")
		anchorTime += time.Since(t0)
		b.StartTimer()

		t1 := time.Now()
		res, err := s.Import(context.Background(), cfg, in)
		importTime += time.Since(t1)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Imported) != 1 || res.Imported[0].Rows != benchRows || res.Imported[0].Rejected != 0 {
			b.Fatalf("imported %+v", res.Imported)
		}
	}
	rows := float64(benchRows) * float64(b.N)
	b.ReportMetric(rows/importTime.Seconds(), "rows/s")
	b.ReportMetric(rows/anchorTime.Seconds(), "anchor-rows/s")
	b.ReportMetric(importTime.Seconds()/anchorTime.Seconds(), "x-anchor-time")
}

// BenchmarkImportParquet imports 1,000,000 rows of CUR 2.0 Parquet (target:
// at least 500,000 rows/s). Anchor: COPY (SELECT * FROM read_parquet(in)).
func BenchmarkImportParquet(b *testing.B) {
	db := testDB(b)
	in := filepath.Join(b.TempDir(), "cur2", "data", "BILLING_PERIOD=2026-03", "cur2-00001.snappy.parquet")
	os.MkdirAll(filepath.Dir(in), 0o755)
	if _, err := db.Exec("COPY ("+cur2Rows+") TO "+literal(in)+" (FORMAT parquet, COMPRESSION snappy)", benchRows); err != nil {
		b.Fatal(err)
	}
	benchImport(b, in, "SELECT * FROM read_parquet("+literal(in)+")")
}

// BenchmarkImportCSVGz imports 1,000,000 rows of legacy CUR CSV.gz. Anchor:
// COPY of read_csv with every column as VARCHAR.
func BenchmarkImportCSVGz(b *testing.B) {
	db := testDB(b)
	in := filepath.Join(b.TempDir(), "cur", "report-1.csv.gz")
	os.MkdirAll(filepath.Dir(in), 0o755)
	if _, err := db.Exec("COPY ("+curCSVRows+") TO "+literal(in)+" (HEADER, COMPRESSION gzip)", benchRows); err != nil {
		b.Fatal(err)
	}
	benchImport(b, in, "SELECT * FROM read_csv("+literal(in)+", all_varchar=true, header=true)")
}
