package cost

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchStore writes n canonical rows (a month of hourly usage of n/720
// resources over 40 services) as one period of a store.
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "cost")
	os.MkdirAll(filepath.Join(dir, "periods"), 0o755)
	file := filepath.Join(dir, "periods", "bench.parquet")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q := fmt.Sprintf(`COPY (SELECT '2026-03' AS billing_period,
		TIMESTAMP '2026-03-01' + to_hours((i %% 720)::BIGINT) AS usage_start,
		TIMESTAMP '2026-03-01' + to_hours((i %% 720)::BIGINT + 1) AS usage_end,
		'111122223333' AS payer_account, '1111222233' || lpad((i %% 7)::VARCHAR, 2, '0') AS usage_account,
		'Usage' AS charge_type, 'Service' || (i %% 40)::VARCHAR AS service, 'BoxUsage' AS usage_type, 'RunInstances' AS operation,
		'us-east-1' AS region, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'i-' || lpad(printf('%%x', i // 720), 17, '0') END AS resource_id,
		(0.0416 + (i %% 13) * 0.001)::DECIMAL(38,10) AS cost, (0.0416 + (i %% 13) * 0.001)::DECIMAL(38,10) AS amortized_cost,
		CASE WHEN i %% 3 = 0 THEN 'IAMUser:AIDAEXAMPLE:user' || (i %% 17)::VARCHAR END AS created_by,
		NULL::VARCHAR AS asg_name, NULL::VARCHAR AS stack_name, MAP {'owner': 'team' || (i %% 5)::VARCHAR} AS tags
		FROM range(%d) t(i)) TO '%s' (FORMAT parquet, COMPRESSION zstd)`, n, file)
	if _, err := db.Exec(q); err != nil {
		b.Fatal(err)
	}
	m := &storeManifest{Version: 1, Periods: []Period{{Period: "2026-03", Format: "bench", Files: []string{"periods/bench.parquet"}, Rows: int64(n), Imported: time.Now()}}}
	if err := writeStoreManifest(dir, m); err != nil {
		b.Fatal(err)
	}
	s, err := OpenStore(dir)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkReport10M builds each report over 10,000,000 rows (set
// CAIRN_BENCH_COST_ROWS to change); the target is under 1 s. The anchor is
// DuckDB's own GROUP BY service over the same file in the same run.
func BenchmarkReport10M(b *testing.B) {
	n := 10_000_000
	if v := os.Getenv("CAIRN_BENCH_COST_ROWS"); v != "" {
		fmt.Sscan(v, &n)
	}
	store := benchStore(b, n)
	r := NewReporter(store, emptyIndex{})
	b.Run("anchor-duckdb-groupby", func(b *testing.B) {
		db, _ := sql.Open("duckdb", "")
		defer db.Close()
		for b.Loop() {
			rows, err := db.Query("SELECT service, sum(cost) FROM read_parquet(?) GROUP BY 1", store.Files()[0])
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	})
	for _, by := range []string{ByPrincipal, ByService, ByDay, ByResource} {
		b.Run(by, func(b *testing.B) {
			for b.Loop() {
				if _, err := r.Build(context.Background(), ReportConfig{By: by, OwnerTag: "owner", Limit: 100}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
