package main

import (
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	Command   string
	Started   time.Time
	Finished  time.Time
	LoadStart string
	LoadEnd   string
	Machine   machine
	Dataset   *dataset
	Cairn     ingestResult // the median run
	Anchor    ingestResult // the median run
	// Every ingest run, in order: cairn's and the anchor's alternate.
	CairnRuns, AnchorRuns []ingestResult
	JQ                    ingestResult
	Since                 time.Time
	Newest                time.Time
	Needles               []latency
	CLI                   []cliLatency
	Insights              insightsLatency
	GroupBy               groupByResult
	Sizes                 sizes
	Pages                 []pageLatency
	Gen                   generation // the median run
	Gens                  []generation
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// durations lists what of gives for each run, to the hundredth of a second.
func durations[T any](runs []T, of func(T) time.Duration) string {
	var out []string
	for _, r := range runs {
		out = append(out, of(r).Round(10*time.Millisecond).String())
	}
	return strings.Join(out, ", ")
}

func walls(runs []ingestResult) string {
	return durations(runs, func(r ingestResult) time.Duration { return r.Wall })
}

func pairRatios(cairn, anchor []ingestResult) string {
	var out []string
	for i := range min(len(cairn), len(anchor)) {
		out = append(out, ratio(cairn[i].rate(), anchor[i].rate()))
	}
	return strings.Join(out, ", ")
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func met(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

// markdown renders the report; the same text is printed and written to
// docs/performance.md.
func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	ds := r.Dataset
	p("# Performance\n\n")
	p("Measured by `make bench` (the program in `bench/`): one run on one machine, cairn against anchors measured in\n")
	p("the same run. Ratios are cairn ÷ anchor for rates and anchor ÷ cairn for times and sizes, so **above 1× means\n")
	p("cairn is better**. Regenerate this page with the command below; do not edit the figures by hand.\n\n")

	p("## Run\n\n")
	p("- command: `%s` (from the repository root)\n", r.Command)
	p("- when: %s – %s UTC (%s)\n", r.Started.Format("2006-01-02 15:04:05"), r.Finished.Format("15:04:05"), r.Finished.Sub(r.Started).Round(time.Second))
	p("- machine: %d CPUs (%s), %s RAM, %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemTotal, r.Machine.Kernel)
	p("- software: %s, DuckDB %s (github.com/duckdb/duckdb-go/v2), %s\n", r.Machine.Go, r.Machine.DuckDB, jqVersion())
	p("- load average (1, 5, 15 min) at start: %s; at end: %s — the machine is shared, so other work may be in the figures\n", r.LoadStart, r.LoadEnd)
	p("- data set: `cairn gen -events %d -seed %d` (a month, 4 accounts, 3 regions), %d log files, %s gzip:\n\n", ds.Events, ds.Seed, len(ds.Files), mb(ds.GzipBytes))
	p("```\n%s\n```\n\n", ds.GenStats)

	p("## Results\n\n")
	p("| measure | cairn | anchor | ratio |\n|---|---:|---:|---:|\n")
	p("| generation, events/s (`cairn gen`, into a new folder) | %.0f | – | – |\n", r.Gen.rate())
	p("| ingest, records/s (vs DuckDB `read_json` into a table) | %.0f | %.0f | %s |\n", r.Cairn.rate(), r.Anchor.rate(), ratio(r.Cairn.rate(), r.Anchor.rate()))
	p("| ingest, wall time | %s | %s | %s |\n", r.Cairn.Wall.Round(10*time.Millisecond), r.Anchor.Wall.Round(10*time.Millisecond), ratio(r.Anchor.Wall.Seconds(), r.Cairn.Wall.Seconds()))
	p("| ingest, CPU time (user + system) | %s | %s | %s |\n", r.Cairn.CPU.Round(10*time.Millisecond), r.Anchor.CPU.Round(10*time.Millisecond), ratio(r.Anchor.CPU.Seconds(), r.Cairn.CPU.Seconds()))
	p("| ingest, peak memory (RSS) | %s | %s | %s |\n", mib(r.Cairn.MaxRSS), mib(r.Anchor.MaxRSS), ratio(float64(r.Anchor.MaxRSS), float64(r.Cairn.MaxRSS)))
	p("| ingest, records/s (vs `zcat \\| jq` filtering one user) | %.0f | %.0f | %s |\n", r.Cairn.rate(), r.JQ.rate(), ratio(r.Cairn.rate(), r.JQ.rate()))
	for _, l := range r.Needles {
		p("| needle: one %s, median (p95) | %s (%s) | %s (%s) | %s |\n", l.Kind, ms(l.Median), ms(l.P95), ms(l.AnchorM), ms(l.AnchorP), ratio(float64(l.AnchorM), float64(l.Median)))
	}
	p("| group-by: top principals by write calls, 30 days, median | %s | %s | %s |\n", ms(r.GroupBy.Cairn), ms(r.GroupBy.Anchor), ratio(float64(r.GroupBy.Anchor), float64(r.GroupBy.Cairn)))
	s := r.Sizes
	p("| size on disk (vs the DuckDB table, which keeps no raw records) | %s | %s | %s |\n", mb(s.cairn()), mb(s.AnchorDB), ratio(float64(s.AnchorDB), float64(s.cairn())))
	p("| size on disk (vs the gzip archive) | %s | %s | %s |\n", mb(s.cairn()), mb(s.Gzip), ratio(float64(s.Gzip), float64(s.cairn())))
	p("\n")

	p("Details:\n\n")
	p("- generation ran %d times, each with the data set's flags into a new folder and writing its %d log files (%s); the table gives the run of median wall time. Wall times: %s; CPU (user + system): %s.\n",
		len(r.Gens), r.Gen.Files, mb(r.Gen.GzipBytes), durations(r.Gens, func(g generation) time.Duration { return g.Wall }), durations(r.Gens, func(g generation) time.Duration { return g.CPU }))
	p("- ingest ran %d times each, cairn and read_json in turn; the table gives each one's run of median wall time, and cairn's highest peak memory. Wall times, cairn: %s; read_json: %s; ratio of each pair's rates: %s.\n",
		len(r.CairnRuns), walls(r.CairnRuns), walls(r.AnchorRuns), pairRatios(r.CairnRuns, r.AnchorRuns))
	p("- cairn ingest stored %d events from %d records (%d duplicate deliveries dropped); DuckDB's table holds all %d records (it does not deduplicate). Its summary: `%s`\n",
		r.Cairn.New, r.Cairn.Records, r.Cairn.Records-r.Cairn.New, r.Anchor.Records, r.Cairn.Summary)
	p("- `zcat | jq` read %d records in %s (peak RSS %s) and found %d records of user `%s`; it builds no index, so every question costs this again.\n",
		r.JQ.Records, r.JQ.Wall.Round(10*time.Millisecond), mib(r.JQ.MaxRSS), r.JQ.Matches, r.JQ.Needle)
	p("- needles: window %s – %s (the last 30 days of the data); mean results per query and picks where both stores returned the same events:", r.Since.Format(time.RFC3339), r.Newest.Format(time.RFC3339))
	for i, l := range r.Needles {
		if i > 0 {
			p(";")
		}
		p(" %s %.1f, %d/%d", l.Kind, l.Hits, l.Agree, l.N)
	}
	p(". The run's log names every pick where they differ and why (the anchor does not deduplicate, so a duplicate delivery comes back twice).\n")
	if len(r.CLI) > 0 {
		p("- `cairn search … -format json` end to end (process start, opening the index, the query, printing), median (p95):")
		for i, l := range r.CLI {
			if i > 0 {
				p(";")
			}
			p(" %s %s (%s) over %d", l.Kind, ms(l.Median), ms(l.P95), l.N)
		}
		p(".\n")
	}
	if r.Insights.Runs > 0 {
		p("- `cairn insights -format json` end to end, the Insights of the month (%d found), median over %d runs: %s.\n",
			r.Insights.Found, r.Insights.Runs, ms(r.Insights.Median))
	}
	agree := "the same top 10 in the same order (the anchor's counted once per event ID, since it keeps duplicate deliveries)"
	if !r.GroupBy.Agree {
		agree = "**different** top-10 lists, even with the anchor's events counted once per event ID (the run's log has both)"
	}
	p("- group-by: both stores returned %s; top: %s. The same query grouped by cairn's own `principal` column (a display name, which the anchor has no equivalent of) took %s.\n",
		agree, r.GroupBy.Top, ms(r.GroupBy.Principal))
	p("- sizes: cairn = %d Parquet segments listed in `manifest.json` (%s) + their needle files (%s) + catalog and manifest (%s), %.0f bytes per event; gzip archive = %d `.json.gz` files, %.0f bytes per record.\n\n",
		s.CairnFiles, mb(s.CairnSegments), mb(s.CairnNeedles), mb(s.CairnCatalog), float64(s.cairn())/float64(max(r.Cairn.New, 1)), s.GzipFiles, float64(s.Gzip)/float64(max(r.Cairn.Records, 1)))

	p("## Targets (issue 3)\n\n")
	p("| target | measured | |\n|---|---|---|\n")
	ing := r.Cairn.rate() / r.Anchor.rate()
	p("| ingest at least 2× DuckDB's `read_json` | %.2f× | %s |\n", ing, met(ing >= 2))
	worst := time.Duration(0)
	var parts []string
	for _, l := range r.Needles {
		worst = max(worst, l.Median)
		parts = append(parts, fmt.Sprintf("%s %s", l.Kind, ms(l.Median)))
	}
	scale := ""
	if ds.Events != 2_000_000 {
		scale = fmt.Sprintf(" (this run: %d events, not 2M)", ds.Events)
	}
	p("| needle median under 20 ms at 2M events | %s%s | %s |\n", strings.Join(parts, ", "), scale, met(worst < 20*time.Millisecond && ds.Events >= 2_000_000))
	p("| index no larger than the gzip archive | %s vs %s (%.2f×) | %s |\n", mb(s.cairn()), mb(s.Gzip), float64(s.cairn())/float64(s.Gzip), met(s.cairn() <= s.Gzip))
	p("| cairn's peak memory under 1 GiB | %s (ingest) | %s |\n", mib(r.Cairn.MaxRSS), met(r.Cairn.MaxRSS < 1<<20))
	// A small data set is mostly files of a record or two: files, not
	// events, set its pace.
	p("| generation at least 200,000 events/s at 2M events | %.0f events/s (%d events in %s) | %s |\n\n", r.Gen.rate(), r.Gen.Events, r.Gen.Wall.Round(10*time.Millisecond), met(r.Gen.rate() >= 200_000 && ds.Events >= 2_000_000))

	if len(r.Pages) > 0 {
		p("## Web UI pages (issue 7)\n\n")
		p("`cairn serve` over the same index, with the data set's cost report imported; each page loaded once untimed, then\n")
		p("%d times from 127.0.0.1 (request, server work, the whole HTML). The server builds the newest month's cost page\n", pageRuns)
		p("when it starts and after each round of ingest, and keeps it until the index or the store changes; the timing\n")
		p("starts once it is built. Target: every page under 300 ms on 2,000,000 events.\n\n")
		p("| page | what | median | max | |\n|---|---|---:|---:|---|\n")
		for _, l := range r.Pages {
			p("| `%s` | %s | %s | %s | %s |\n", l.Page, l.What, ms(l.Median), ms(l.Max), met(l.Max < 300*time.Millisecond && ds.Events >= 2_000_000))
		}
		p("\n")
	}

	p("## What is measured\n\n")
	p("- **Data set.** `cairn gen -out W/trail -events N -seed S`; every reader reads the same `W/trail/AWSLogs/**/*.json.gz`\n")
	p("  (the cost report and Health events next to it are not CloudTrail logs). Before each timed ingest the bench reads\n")
	p("  every file of `W/trail` once, untimed, so that every reader takes them from the page cache: a kernel may page out\n")
	p("  file pages left untouched for a while (DAMON reclaim does after a minute), and the first reader then timed the disk.\n")
	p("- **Generation.** `cairn gen -out W/gen-timed/N -events N -seed S`, the data set's command, `-gens` times (3 by\n")
	p("  default) after everything else, as a child process: events (as asked, duplicate deliveries aside) over the wall\n")
	p("  time from start to exit. Each run writes into a new folder and checks that it wrote the data set's files; the\n")
	p("  folders are removed after the last run, and the page cache is written back (`sync`) before each. On ext4\n")
	p("  without a journal, as here, creating files is several times slower for minutes after many were deleted (the\n")
	p("  inode allocator steps over every recently freed inode): the timing printed with the data set above comes from\n")
	p("  whichever run made it, maybe just after removing an older one, which is why generation is timed apart.\n")
	p("- **cairn ingest.** `cairn ingest -quiet -data W/cairn-data W/trail` into an empty data folder (it lists the cost\n")
	p("  report and the Health and EC2 state-change events too; it reads the events, which count in its records, and skips\n")
	p("  the report by content, as it would in a user's folder), as a child process: wall time from start to exit, peak\n")
	p("  RSS and CPU time from the child's rusage. Records/s counts every record read, duplicate deliveries included, for\n")
	p("  all three readers. cairn and the DuckDB anchor each ingest `-ingests` times (3 by default), in turn, and the\n")
	p("  results table gives each one's run of median wall time.\n")
	p("- **DuckDB anchor.** A child process (the bench program itself) opens a new database file `W/anchor.duckdb` with the\n")
	p("  DuckDB Go driver and runs the statements below and a `CHECKPOINT`; otherwise default settings (all cores, DuckDB's\n")
	p("  default memory limit of 80%% of RAM). Without `preserve_insertion_order = false` DuckDB ran out of memory (19 GB)\n")
	p("  on the 88,000 files of a 200,000-event data set; it is DuckDB's own advice for large loads.\n\n")
	p("  ```sql\n  %s;\n  %s\n  ```\n\n", anchorSettings, indent(anchorSQL(cfgAnchorMode, "W/trail/AWSLogs/**/*.json.gz", ds.maxObject()), "  "))
	p("  It keeps the needle columns only, not the raw record (cairn keeps every record byte for byte), so its table is\n")
	p("  smaller and its load lighter than cairn's: the comparison errs in DuckDB's favour. `-anchor struct` has read_json\n")
	p("  parse the records into typed structs instead; it was slower here (15.3 s against 6.4 s for 200,000 events), so\n")
	p("  the `JSON[]` form is the anchor.\n")
	p("- **zcat | jq.** `xargs -0 zcat < files.txt | jq -c --arg u USER '.Records[] | select(…)' | wc -l`, the file list\n")
	p("  made in Go; the filter matches a user name, an ARN, an assumed role's session or role name.\n")
	p("- **Needles.** %d picks per kind, drawn from the seed by sampling records of the last 30 days of the data (a seeded\n", r.Needles[0].N)
	p("  hash of the event ID), so a needle is as likely as it is frequent: a resource ARN from the record's `resources[]`,\n")
	p("  a user (IAM or federated user name, or an assumed role's session name), an access key ID. cairn: in-process\n")
	p("  `Index.Search(ctx, cairn.Filter{ResourceID|User|AccessKeyID, Since}, cairn.Cursor{}, 50)` on the index opened\n")
	p("  read-only with `index/duckdb` as `cairn search` opens it, which returns the page of 50 with the raw records.\n")
	p("  Anchor: `SELECT <all its columns> FROM events WHERE <equivalent> AND eventTime >= since ORDER BY eventTime DESC\n")
	p("  LIMIT 50` on the anchor's database opened read-only, every value read. cairn and the anchor alternate per pick,\n")
	p("  after one untimed query each. The anchor's resource filter is a substring match on the `resources` JSON text;\n")
	p("  cairn also finds resources named in request and response elements, so it may return more.\n")
	p("- **Group-by.** Median of %d runs after one untimed run:\n\n", r.GroupBy.Runs)
	p("  ```sql\n  -- the same text in cairn (Index.Query over the events view) and in the anchor\n  %s\n  ```\n\n", r.GroupBy.SQL)
	p("- **Sizes.** cairn: the bytes of the segments listed in `index/manifest.json`, their needle files, `catalog.duckdb`\n")
	p("  and the manifest. Archive: the `.json.gz` files. Anchor: `anchor.duckdb` after `CHECKPOINT`.\n\n")

	p("## How to reproduce\n\n")
	p("```sh\n")
	p("make bench                                   # go run ./bench: 2,000,000 events, seed 1, writes this page\n")
	p("make bench BENCH_FLAGS='-events 200000 -out \"\"'   # a quick run that only prints\n")
	p("go run ./bench -h                            # -events -seed -out -work -regen -picks -cli-picks -runs -ingests -gens -anchor\n")
	p("```\n\n")
	p("`make bench` installs `jq` (Debian package) when it is missing. The work folder (default `$TMPDIR/cairn-bench`)\n")
	p("keeps the generated data set with a marker of its size, seed and simulator version (a hash of `sim/`), so a\n")
	p("second run skips generation (`-regen` forces it); the indexes are rebuilt every run. A 2M-event run needs about\n")
	p("%s of disk in the work folder.\n", diskNote)
	p("The Go micro-benchmarks (`*_timing_test.go`) are `make microbench`.\n")
	return b.String()
}

// diskNote is the disk a 2M-event run needs, measured.
const diskNote = "5 GB"

// cfgAnchorMode is the -anchor mode of this run, for the report.
var cfgAnchorMode = "json"

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines, "\n"+prefix)
}

func jqVersion() string {
	out, err := execOutput("jq", "--version")
	if err != nil {
		return "jq (not found)"
	}
	return strings.TrimSpace(out)
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}
