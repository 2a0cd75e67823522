package cost

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// ImportConfig configures Store.Import.
type ImportConfig struct {
	// MemoryLimit bounds the import engine's memory, e.g. "512MB"; beyond
	// it the engine spills into the store's staging folder.
	MemoryLimit string
	// Threads is the engine's worker count; 0 means one per core.
	Threads int
	// RetireAfter is how long the files of a replaced import stay on disk
	// for readers that still follow the older manifest; they are deleted by
	// the first import after that. 0 deletes them at once.
	RetireAfter time.Duration
	// Progress, when set, is told when each report starts to be read.
	Progress func(ImportProgress)
	Logger   *slog.Logger
}

// DefaultImportConfig returns the defaults.
func DefaultImportConfig() ImportConfig {
	return ImportConfig{MemoryLimit: "512MB", RetireAfter: 10 * time.Minute}
}

// RegisterFlags registers the tunables as -cost.* flags.
func (c *ImportConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.Var((*cairn.MemorySize)(&c.MemoryLimit), "cost.memory-limit", "memory limit of the import engine, such as 512MB (it spills to disk beyond)")
	fs.IntVar(&c.Threads, "cost.threads", c.Threads, "import threads (0: one per core)")
}

// Validate checks the configuration.
func (c *ImportConfig) Validate() error {
	if c.Threads < 0 {
		return errors.New("cost: -cost.threads must not be negative")
	}
	if c.RetireAfter < 0 {
		return errors.New("cost: RetireAfter must not be negative")
	}
	return nil
}

// ImportProgress says which report an import reads.
type ImportProgress struct {
	Report, Reports int // 1-based
	Source          string
	Format          string
	Files           int
	Bytes           int64
}

// ImportResult is what an import did.
type ImportResult struct {
	// Imported are the periods committed, sorted by period.
	Imported []ImportedPeriod
	// Unassigned counts rejected rows that belong to no imported period
	// (no readable billing period, or a report that spans several), by
	// source and reason.
	Unassigned []Rejects
	// Notices are inputs left out on purpose: files that are no cost data,
	// superseded CUR assemblies, periods that another report of the same
	// run provides.
	Notices []Notice
	// Failures are the inputs that could not be imported.
	Failures []Failure
	Elapsed  time.Duration
}

// ImportedPeriod is one committed period.
type ImportedPeriod struct {
	Period
	// Replaced is the earlier import of the same month and payer, nil when
	// new (the first, if it replaced several).
	Replaced *Period
	// Rejects counts rejected input rows by reason; Warnings counts rows
	// imported with a defect (unreadable tags) by what it was.
	Rejects  map[string]int64
	Warnings map[string]int64
}

// Rejects counts rejected rows of one source by reason.
type Rejects struct {
	Source  string
	Reasons map[string]int64
}

// Notice is an input left out on purpose.
type Notice struct {
	Path, Message string
}

// Failure is an input that could not be imported.
type Failure struct {
	Path string
	Err  error

	// period is the billing period the input would have provided, when
	// known (a CUR assembly's, a report's whose rows were all rejected), and
	// payers its payer accounts, when known: Import says what became of it.
	period string
	payers []string
}

// ErrFailedInputs is returned (wrapped) when some inputs could not be
// imported; the others were.
var ErrFailedInputs = errors.New("some inputs could not be imported")

// ErrNoReport is the failure (wrapped) of inputs that hold no cost report:
// an empty folder, or files none of which is a report.
var ErrNoReport = errors.New("no cost report found")

// testHookBeforeSwap, when set by a test, runs after the new files are in
// place and before the manifest is replaced: an error there is a crash at
// the worst moment.
var testHookBeforeSwap func() error

// Import reads cost reports from files and folders (a folder is searched
// for reports, and may hold the S3 layout of a CUR with several assemblies
// per period) and replaces, in one atomic step, every billing period they
// hold. Inputs are recognised by their columns; see docs/formats/cost.md.
//
// Importing the same files again gives the same store. Only one import runs
// at a time (ErrStoreLocked); readers are never blocked.
func (s *Store) Import(ctx context.Context, cfg ImportConfig, inputs ...string) (*ImportResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	began := time.Now()
	lock, err := lockStore(s.dir)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	m, err := readStoreManifest(s.dir)
	if err != nil {
		return nil, err
	}
	if err := collectGarbage(s.dir, m); err != nil {
		return nil, fmt.Errorf("clean cost store: %w", err)
	}
	id := newImportID(began)
	staging := filepath.Join(s.dir, storeStagingName, id)
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return nil, fmt.Errorf("cost store: %w", err)
	}
	defer os.RemoveAll(filepath.Join(s.dir, storeStagingName))

	res := &ImportResult{}
	files := expandInputs(inputs, res)
	eng, err := openImportEngine(ctx, cfg, staging, files)
	if err != nil {
		return nil, err
	}
	defer eng.close()

	groups := discover(ctx, eng, files, res)
	if len(groups) == 0 && len(res.Failures) == 0 {
		res.Failures = append(res.Failures, Failure{Path: strings.Join(inputs, " "), Err: fmt.Errorf("%w; %s", ErrNoReport, expected)})
	}
	var staged []*stagedPeriod
	// A month comes from one report at a time per payer: the first group
	// (discover's order) to provide a month and payer claims it.
	type claim struct {
		payers []string
		by     *group
	}
	claims := map[string][]claim{}
	for i, g := range groups {
		if cfg.Progress != nil {
			cfg.Progress(ImportProgress{Report: i + 1, Reports: len(groups), Source: g.source, Format: g.format.String(), Files: len(g.files), Bytes: g.bytes})
		}
		periods, err := eng.stage(ctx, g, filepath.Join(staging, fmt.Sprintf("g%d", i)), res)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			res.Failures = append(res.Failures, Failure{Path: g.source, Err: err, period: g.period})
			continue
		}
		if len(periods) > 0 && !hasResourceIDs(g.format.Kind, g.files) {
			res.Notices = append(res.Notices, Notice{g.source, noResourceIDs})
		}
		for _, p := range periods {
			cs := claims[p.Period.Period]
			if i := slices.IndexFunc(cs, func(c claim) bool { return samePayers(c.payers, p.Period.Payers) }); i >= 0 {
				res.Notices = append(res.Notices, skippedPeriod(g, &p.Period, cs[i].by))
				continue
			}
			claims[p.Period.Period] = append(cs, claim{p.Period.Payers, g})
			staged = append(staged, p)
		}
	}
	if len(staged) > 0 {
		if err := s.commit(id, staged, cfg, res); err != nil {
			return nil, err
		}
	}
	for i := range res.Failures {
		sayWhatBecameOfPeriod(&res.Failures[i], res.Imported, m)
	}
	slices.SortStableFunc(res.Imported, func(a, b ImportedPeriod) int {
		return cmp.Or(strings.Compare(a.Period.Period, b.Period.Period), slices.Compare(a.Payers, b.Payers))
	})
	res.Elapsed = time.Since(began)
	if len(res.Failures) > 0 {
		return res, fmt.Errorf("%w: %d of them", ErrFailedInputs, len(res.Failures))
	}
	return res, nil
}

// noResourceIDs says that a report's cost cannot be matched to the
// resources CloudTrail saw created.
const noResourceIDs = "the report has no resource ID column: its cost is attributed by the aws:createdBy tag alone; create the report with resource IDs (\"Include resource IDs\") to attribute it by the CloudTrail calls that created each resource"

// sayWhatBecameOfPeriod adds to a failure what became of the billing period
// its input would have provided: another report of the same run may have
// provided it, so that "the period stays as it was" would not be true.
// before is the store's manifest before the run.
func sayWhatBecameOfPeriod(f *Failure, imported []ImportedPeriod, before *storeManifest) {
	if f.period == "" {
		return
	}
	samePeriod := func(p Period) bool {
		return p.Period == f.period && (len(f.payers) == 0 || len(p.Payers) == 0 || slices.ContainsFunc(p.Payers, func(x string) bool { return slices.Contains(f.payers, x) }))
	}
	var from []string
	for _, p := range imported {
		if samePeriod(p.Period) {
			from = append(from, fmt.Sprintf("%s%s from %s (%s)", p.Period.Period, PayersText(p.Payers), p.Source, p.Format))
		}
	}
	switch {
	case len(from) > 0:
		f.Err = fmt.Errorf("%w; this run imported %s instead", f.Err, strings.Join(from, " and "))
	case slices.ContainsFunc(before.Periods, samePeriod):
		f.Err = fmt.Errorf("%w; %s stays as imported before", f.Err, f.period)
	default:
		f.Err = fmt.Errorf("%w; %s was not imported", f.Err, f.period)
	}
}

// skippedPeriod says that a period of g is not imported because an
// earlier report of the same run provides it: a month and payer come from
// one report at a time.
func skippedPeriod(g *group, p *Period, by *group) Notice {
	return Notice{g.source, fmt.Sprintf("%s%s of this %s not imported: this run imports it from %s (%s)", p.Period, PayersText(p.Payers), g.format, by.source, by.format)}
}

// PayersText names a period's payer accounts for a message: " (payer
// 111122223333)", or "" when it names none.
func PayersText(payers []string) string {
	switch len(payers) {
	case 0:
		return ""
	case 1:
		return " (payer " + payers[0] + ")"
	}
	return " (payers " + strings.Join(payers, ", ") + ")"
}

func newImportID(t time.Time) string {
	b := make([]byte, 4)
	rand.Read(b)
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// stagedPeriod is one period read into the staging folder.
type stagedPeriod struct {
	Period   Period // Files: absolute staged paths
	Rejects  map[string]int64
	Warnings map[string]int64
}

// commit moves the staged files into their period folders and replaces the
// manifest: the one step that makes the new periods visible, all at once.
func (s *Store) commit(id string, staged []*stagedPeriod, cfg ImportConfig, res *ImportResult) error {
	now := time.Now().UTC()
	var add []Period
	// Files are numbered per period folder, not per staged period: two
	// payers' reports of one month share the folder, and the second's files
	// would replace the first's under the same names.
	numbered := map[string]int{}
	for _, sp := range staged {
		p := sp.Period
		dir := filepath.Join(s.dir, p.Period)
		_, statErr := os.Stat(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("cost store: %w", err)
		}
		if statErr != nil {
			if err := syncPath(s.dir); err != nil {
				return fmt.Errorf("cost store: %w", err)
			}
		}
		var rel []string
		for _, f := range p.Files {
			name := fmt.Sprintf("%s-%d.parquet", id, numbered[p.Period])
			numbered[p.Period]++
			if err := syncPath(f); err != nil {
				return fmt.Errorf("cost store: %w", err)
			}
			if err := os.Rename(f, filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("cost store: %w", err)
			}
			rel = append(rel, p.Period+"/"+name)
		}
		if err := syncPath(dir); err != nil {
			return fmt.Errorf("cost store: %w", err)
		}
		p.Files = rel
		p.Imported = now
		add = append(add, p)
	}
	if testHookBeforeSwap != nil {
		if err := testHookBeforeSwap(); err != nil {
			return err
		}
	}
	cur, err := readStoreManifest(s.dir)
	if err != nil {
		return err
	}
	next, replaced, drop := cur.withPeriods(add, now, cfg.RetireAfter)
	if err := writeStoreManifest(s.dir, next); err != nil {
		return fmt.Errorf("commit cost store: %w", err)
	}
	for _, f := range drop {
		if err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(f))); err != nil && !os.IsNotExist(err) {
			cfg.Logger.Warn("cannot delete a retired cost file", "path", f, "err", err)
		}
		os.Remove(filepath.Dir(filepath.Join(s.dir, filepath.FromSlash(f)))) // when empty
	}
	s.mu.Lock()
	s.m = next
	s.mu.Unlock()
	for i, sp := range staged {
		ip := ImportedPeriod{Period: add[i], Rejects: sp.Rejects, Warnings: sp.Warnings}
		ip.Period.Files = s.abs(add[i].Files)
		if old := replaced[i]; old != nil {
			old.Files = s.abs(old.Files)
			ip.Replaced = old
		}
		res.Imported = append(res.Imported, ip)
	}
	return nil
}
