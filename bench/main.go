// Command bench is cairn's whole-system benchmark (`make bench`): in one run
// on one machine it generates a fixed data set with the simulator, then
// measures cairn against anchors measured in the same run, and writes the
// figures, the machine and the command to docs/performance.md.
//
//	go run ./bench [-events 2000000] [-seed 1] [-out docs/performance.md] [-work DIR]
//
// The anchors are DuckDB's own read_json of the same files into a plain
// table (through the DuckDB Go driver, in a child process so that its peak
// memory is measured like cairn's) and `zcat | jq` filtering the same files.
// See anchorSQL for exactly what the DuckDB anchor does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// config is what one run measures.
type config struct {
	Events   int64
	Seed     int64
	Out      string // markdown report; "" writes none
	Work     string
	Regen    bool
	Picks    int    // needles per kind
	CLIPicks int    // needles per kind also timed through the CLI
	Runs     int    // group-by runs
	Ingests  int    // ingest runs of cairn and of the DuckDB anchor, alternating
	Gens     int    // timed generations of the data set
	Anchor   string // "struct" or "json": how the DuckDB anchor reads the records
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == childAnchorIngest {
		if err := runAnchorChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench anchor:", err)
			os.Exit(1)
		}
		return
	}
	cfg := config{}
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.Int64Var(&cfg.Events, "events", 2_000_000, "events to generate")
	fs.Int64Var(&cfg.Seed, "seed", 1, "simulator seed; also picks the needles")
	fs.StringVar(&cfg.Out, "out", "docs/performance.md", "write the report as markdown here (empty: only print)")
	fs.StringVar(&cfg.Work, "work", filepath.Join(os.TempDir(), "cairn-bench"), "work folder (data set, indexes); reused between runs")
	fs.BoolVar(&cfg.Regen, "regen", false, "generate the data set again even when the work folder has it")
	fs.IntVar(&cfg.Picks, "picks", 60, "random needles per kind (resource, user, access key)")
	fs.IntVar(&cfg.CLIPicks, "cli-picks", 10, "needles per kind also timed end to end through the cairn search command")
	fs.IntVar(&cfg.Runs, "runs", 5, "runs of the group-by")
	fs.IntVar(&cfg.Ingests, "ingests", 3, "ingest runs of cairn and of DuckDB's read_json each, alternating; the medians are reported")
	fs.IntVar(&cfg.Gens, "gens", 3, "timed runs of cairn gen with the data set's flags, each into a new folder; the median is reported")
	fs.StringVar(&cfg.Anchor, "anchor", "json", "how DuckDB's read_json reads the records: json (JSON[], then ->> per column) or struct (typed structs)")
	fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	if cfg.Events <= 0 || cfg.Picks < 1 || cfg.Runs < 1 || cfg.Ingests < 1 || cfg.Gens < 1 || (cfg.Anchor != "struct" && cfg.Anchor != "json") {
		fmt.Fprintln(os.Stderr, "bench: -events, -picks, -runs, -ingests and -gens must be positive; -anchor is struct or json")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, args []string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if cfg.Work, err = filepath.Abs(cfg.Work); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Work, 0o755); err != nil {
		return err
	}
	r := &report{Command: commandLine(args), Started: time.Now().UTC(), LoadStart: loadAvg()}
	r.Machine = machineInfo()
	cfgAnchorMode = cfg.Anchor
	logf("machine: %s; load average %s", r.Machine.summary(), r.LoadStart)

	bin := filepath.Join(cfg.Work, "cairn")
	logf("building %s", bin)
	if err := runCmd(ctx, root, "go", "build", "-o", bin, "./cmd/cairn"); err != nil {
		return fmt.Errorf("build cairn: %w", err)
	}
	ds, err := ensureDataset(ctx, cfg, root, bin)
	if err != nil {
		return err
	}
	r.Dataset = ds
	fmt.Println(ds.GenStats)

	// Ingest: cairn and DuckDB's read_json in turn, cfg.Ingests times each,
	// every reader taking the same files from the page cache, read into it
	// just before. On a shared machine one run of each moved their ratio by
	// a tenth from one bench to the next; the medians of alternating runs
	// hold it steadier. The last runs leave the index and the anchor's table
	// that the queries below read.
	for range cfg.Ingests {
		if err := warmPageCache(ds.Dir); err != nil {
			return err
		}
		c, err := ingestCairn(ctx, cfg, bin, ds)
		if err != nil {
			return err
		}
		logf("cairn ingest: %d records in %s, %.0f records/s, peak RSS %s", c.Records, c.Wall.Round(time.Millisecond), c.rate(), mib(c.MaxRSS))
		if err := warmPageCache(ds.Dir); err != nil {
			return err
		}
		a, err := ingestAnchor(ctx, cfg, ds)
		if err != nil {
			return err
		}
		logf("DuckDB read_json: %d records in %s, %.0f records/s, peak RSS %s", a.Records, a.Wall.Round(time.Millisecond), a.rate(), mib(a.MaxRSS))
		r.CairnRuns, r.AnchorRuns = append(r.CairnRuns, c), append(r.AnchorRuns, a)
	}
	r.Cairn, r.Anchor = medianRun(r.CairnRuns), medianRun(r.AnchorRuns)
	r.Machine.DuckDB = r.Anchor.Version

	q, err := openQueriers(ctx, cfg)
	if err != nil {
		return err
	}
	defer q.close()
	if err := q.window(ctx, cfg); err != nil {
		return err
	}
	r.Since, r.Newest = q.since, q.newest
	needles, err := q.pickNeedles(ctx, cfg)
	if err != nil {
		return err
	}
	if r.JQ, err = runJQ(ctx, cfg, ds, needles[kindUser][0]); err != nil {
		return err
	}
	logf("zcat | jq: %d records in %s, %.0f records/s, %d matches for user %q", r.JQ.Records, r.JQ.Wall.Round(time.Millisecond), r.JQ.rate(), r.JQ.Matches, r.JQ.Needle)

	if r.Needles, err = q.searchNeedles(ctx, cfg, needles); err != nil {
		return err
	}
	if r.CLI, err = q.searchCLI(ctx, cfg, bin, needles); err != nil {
		return err
	}
	if r.GroupBy, err = q.groupBy(ctx, cfg); err != nil {
		return err
	}
	if r.Insights, err = q.insightsCLI(ctx, cfg, bin); err != nil {
		return err
	}
	if r.Sizes, err = measureSizes(cfg, ds); err != nil {
		return err
	}
	// Last: the server adds its own files (keys, archive) to the data folder.
	if r.Pages, err = measurePages(ctx, cfg, bin, ds, needles[kindUser][0]); err != nil {
		return err
	}
	if r.Gens, err = timeGenerations(ctx, cfg, bin, ds); err != nil {
		return err
	}
	r.Gen = medianGeneration(r.Gens)
	r.LoadEnd = loadAvg()
	r.Finished = time.Now().UTC()

	md := r.markdown()
	fmt.Println()
	fmt.Print(md)
	if cfg.Out != "" {
		out := cfg.Out
		if !filepath.IsAbs(out) {
			out = filepath.Join(root, out)
		}
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		logf("wrote %s", out)
	}
	return nil
}

// moduleRoot finds the folder of cairn's go.mod, so that the benchmark runs
// from anywhere inside the repository.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/cairn-audit/cairn\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("run the benchmark inside the cairn repository (go run ./bench)")
		}
	}
}

func commandLine(args []string) string {
	parts := []string{"go run ./bench"}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }
