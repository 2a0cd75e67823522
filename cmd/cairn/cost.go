package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/cost"
)

// costSubcommands are the subcommands of cairn cost. import lives here;
// report and spikes (runCostReport, runCostSpikes) in cost_report.go.
var costSubcommands = []struct{ name, args, summary string }{
	{"import", "FILE|DIR...", "read CUR (legacy CSV/Parquet, CUR 2.0) and FOCUS reports into the cost store"},
	{"report", "[flags]", "cost by principal, service, resource, day, account, region, usage type, role or tag, with how it was attributed"},
	{"spikes", "[flags]", "hours and days whose cost rose, and the calls before the rise"},
}

func runCost(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		costUsage(e.stderr)
		return fmt.Errorf("%w: give a subcommand: import, report or spikes", errUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "import":
		return runCostImport(ctx, e, rest)
	case "report":
		return runCostReport(ctx, e, rest)
	case "spikes":
		return runCostSpikes(ctx, e, rest)
	case "-h", "-help", "--help", "help":
		costUsage(e.stdout)
		return errHelp
	}
	if strings.HasPrefix(sub, "-") {
		for i, a := range args {
			if a == "import" || a == "report" || a == "spikes" {
				flags := append(slices.Clone(args[:i]), args[i+1:]...)
				return fmt.Errorf("%w: the subcommand comes first, then its flags: cairn cost %s %s", errUsage, a, strings.Join(flags, " "))
			}
		}
		return fmt.Errorf("%w: the subcommand comes first, then its flags: cairn cost report %s", errUsage, strings.Join(args, " "))
	}
	for _, c := range costSubcommands {
		if nearly(sub, c.name) {
			return fmt.Errorf("%w: unknown subcommand %q; did you mean cairn cost %s?", errUsage, sub, c.name)
		}
	}
	return fmt.Errorf("%w: unknown subcommand %q; cairn cost takes import, report or spikes", errUsage, sub)
}

func costUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cairn cost SUBCOMMAND [flags] [arguments]\n\nSubcommands:")
	for _, s := range costSubcommands {
		fmt.Fprintf(w, "  %-7s %-12s %s\n", s.name, s.args, s.summary)
	}
	fmt.Fprintln(w, "\nRun cairn cost SUBCOMMAND -h for its flags.")
}

// runCostImport imports cost reports into DATA/cost. The store is separate
// from the index, so this runs directly even while cairn serve runs; the
// server's readers follow the store's manifest.
func runCostImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "cost import", "FILE|DIR...")
	data := dataFlag(fs, e)
	cfg := cost.DefaultImportConfig()
	cfg.RegisterFlags(fs)
	quiet := fs.Bool("quiet", false, "print only failures and the summary")
	format := fs.String("format", "text", "text or json (the summary as one JSON object)")
	paths, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: give at least one cost report file or folder (run cairn cost import -h for help)", errUsage)
	}
	if err := textOrJSON(format); err != nil {
		return err
	}
	if err := makeDataFolder(*data); err != nil {
		return err
	}
	store, err := cost.OpenStore(costDir(*data))
	if err != nil {
		return err
	}
	p := newCostProgress(e)
	cfg.Progress = p.start
	res, err := store.Import(ctx, cfg, paths...)
	p.stop()
	if err != nil && !errors.Is(err, cost.ErrFailedInputs) {
		return err
	}
	if *format == "json" {
		if err := printImportJSON(e.stdout, res); err != nil {
			return err
		}
	} else {
		printImport(e.forPeople(), res, *quiet)
	}
	if len(res.Failures) > 0 {
		where := "see the reasons above"
		if *format == "json" {
			where = "the JSON's failures give the reasons"
		}
		return &exitError{1, importFailure(res, paths, where)}
	}
	if len(res.Imported) == 0 {
		// Nothing failed, and nothing came: a report without rows, say.
		fmt.Fprintln(e.stderr, "cairn cost: nothing was imported; see the notices above")
	}
	return nil
}

// currencies names the currencies of an imported period's total, after it
// (" USD"); "" when its rows named none.
func currencies(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return " " + strings.Join(cs, "+")
}

// importFailure sums up an import with failures: what was imported
// besides, or, when nothing was, whether any report was found at all.
// where says where the reasons are.
func importFailure(res *cost.ImportResult, paths []string, where string) error {
	if len(res.Imported) > 0 {
		return fmt.Errorf("%d of the inputs could not be imported; %s (the rest was imported)", len(res.Failures), where)
	}
	for _, f := range res.Failures {
		if !errors.Is(f.Err, cost.ErrNoReport) {
			return errors.New("nothing was imported; " + where)
		}
	}
	return fmt.Errorf("no cost report file found in %s; nothing was imported", strings.Join(paths, " "))
}

func printImport(e *env, res *cost.ImportResult, quiet bool) {
	if !quiet {
		for _, n := range res.Notices {
			fmt.Fprintf(e.stderr, "%s: %s\n", n.Path, n.Message)
		}
	}
	for _, f := range res.Failures {
		fmt.Fprintf(e.stderr, "failed %s: %s\n", f.Path, oneLine(f.Err.Error()))
	}
	var rows int64
	for _, p := range res.Imported {
		rows += p.Rows
		fmt.Fprintf(e.stdout, "%s%s %s: %d rows, total %s%s, %d rejected", p.Period.Period, cost.PayersText(p.Payers), p.Format, p.Rows, p.Total, currencies(p.Currencies), p.Rejected)
		if r := p.Replaced; r != nil {
			fmt.Fprintf(e.stdout, "; replaced the import of %s (%s, %d rows, total %s%s)\n", r.Imported.Format(time.RFC3339), r.Format, r.Rows, r.Total, currencies(r.Currencies))
			if p.Rows*2 < r.Rows {
				// A period comes from one report at a time: a file of part of
				// the month, imported alone, is the whole month now.
				fmt.Fprintf(e.stderr, "cairn cost: %s%s now holds %d rows where the import it replaced held %d; if the files imported are part of the month's report, import the whole report again\n",
					p.Period.Period, cost.PayersText(p.Payers), p.Rows, r.Rows)
			}
		} else {
			fmt.Fprintln(e.stdout, "; new")
		}
		if len(p.Rejects) > 0 {
			fmt.Fprintf(e.stdout, "  rejected: %s", reasons(p.Rejects))
			if p.RejectedCost != "" {
				fmt.Fprintf(e.stdout, " (the cost of those whose cost could be read: %s)", p.RejectedCost)
			}
			fmt.Fprintln(e.stdout)
		}
		if len(p.Warnings) > 0 {
			fmt.Fprintf(e.stdout, "  warnings: %s\n", reasons(p.Warnings))
		}
		if !quiet {
			src := p.Source
			if p.AssemblyID != "" {
				src += " (assembly " + p.AssemblyID + ")"
			}
			fmt.Fprintf(e.stdout, "  from %s\n", src)
		}
	}
	for _, u := range res.Unassigned {
		fmt.Fprintf(e.stdout, "%s: rejected %s (in no imported period)\n", u.Source, reasons(u.Reasons))
	}
	rate := ""
	if s := res.Elapsed.Seconds(); s > 0 && rows > 0 {
		rate = fmt.Sprintf(" (%.0f rows/s)", float64(rows)/s)
	}
	fmt.Fprintf(e.stdout, "imported %d %s, %d rows in %s%s; %d %s failed\n",
		len(res.Imported), plural(len(res.Imported), "period", "periods"), rows, res.Elapsed.Round(time.Millisecond), rate,
		len(res.Failures), plural(len(res.Failures), "input", "inputs"))
}

// reasons writes counts by reason, most first: "2 unparseable cost, 1 …".
func reasons(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

// printImportJSON prints the summary as one JSON object.
func printImportJSON(w io.Writer, res *cost.ImportResult) error {
	type failure struct {
		Path  string `json:"path"`
		Error string `json:"error"`
	}
	type imported struct {
		cost.Period
		Replaced *cost.Period     `json:"replaced,omitempty"`
		Rejects  map[string]int64 `json:"rejects,omitempty"`
		Warnings map[string]int64 `json:"warnings,omitempty"`
	}
	type notice struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	}
	type unassigned struct {
		Source  string           `json:"source"`
		Reasons map[string]int64 `json:"reasons"`
	}
	out := struct {
		Imported   []imported   `json:"imported"`
		Unassigned []unassigned `json:"unassigned,omitempty"`
		Notices    []notice     `json:"notices,omitempty"`
		Failures   []failure    `json:"failures,omitempty"`
		Seconds    float64      `json:"seconds"`
	}{Imported: []imported{}, Seconds: res.Elapsed.Seconds()}
	for _, p := range res.Imported {
		out.Imported = append(out.Imported, imported{p.Period, p.Replaced, p.Rejects, p.Warnings})
	}
	for _, u := range res.Unassigned {
		out.Unassigned = append(out.Unassigned, unassigned{u.Source, u.Reasons})
	}
	for _, n := range res.Notices {
		out.Notices = append(out.Notices, notice{n.Path, n.Message})
	}
	for _, f := range res.Failures {
		out.Failures = append(out.Failures, failure{f.Path, oneLine(f.Err.Error())})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// costProgress shows which report is being read, and for how long, on a
// terminal only.
type costProgress struct {
	e     *env
	tty   bool
	mu    sync.Mutex
	line  string
	since time.Time
	done  chan struct{}
	wg    sync.WaitGroup
}

func newCostProgress(e *env) *costProgress {
	p := &costProgress{e: e, done: make(chan struct{})}
	if f, ok := e.stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	if p.tty {
		p.wg.Add(1)
		go p.tick()
	}
	return p
}

func (p *costProgress) start(ip cost.ImportProgress) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	src := ip.Source
	if n := len(src); n > 60 {
		src = "…" + src[n-59:]
	}
	p.line = fmt.Sprintf("[%d/%d] %s: %s, %d %s, %.1f MB", ip.Report, ip.Reports, src, ip.Format, ip.Files, plural(ip.Files, "file", "files"), float64(ip.Bytes)/1e6)
	p.since = time.Now()
	p.mu.Unlock()
	p.show()
}

func (p *costProgress) tick() {
	defer p.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.show()
		}
	}
}

func (p *costProgress) show() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line == "" {
		return
	}
	fmt.Fprintf(p.e.stderr, "\r\033[K%s  %.0fs", p.line, time.Since(p.since).Seconds())
}

func (p *costProgress) stop() {
	if !p.tty {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	if p.line != "" {
		fmt.Fprint(p.e.stderr, "\r\033[K")
	}
	p.mu.Unlock()
}
