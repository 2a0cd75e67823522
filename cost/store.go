// Package cost reads cost reports (the legacy AWS Cost and Usage Report as
// CSV or Parquet, CUR 2.0, FOCUS 1.0–1.2) into a store of canonical Parquet
// files, and attributes their cost to the principals that CloudTrail shows
// creating the billed resources.
//
// The store's layout and columns are a contract, fixed in
// docs/formats/cost.md.
package cost

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Store is the folder of imported cost rows (DATA/cost): one set of Parquet
// files per billing period, listed by manifest.json.
//
// A Store is a snapshot of the manifest taken when it was opened (or last
// reloaded, or last imported into); its methods are safe for concurrent use.
// Files listed by a snapshot stay readable for at least
// ImportConfig.RetireAfter after a newer import replaced them.
type Store struct {
	dir string // absolute

	mu sync.Mutex
	m  *storeManifest
}

// Period is one imported billing period, as the manifest lists it.
type Period struct {
	// Period is the billing period, YYYY-MM.
	Period string `json:"period"`
	// Payers are the payer accounts its rows bill (bill/PayerAccountId,
	// BillingAccountId), sorted: a store holds a period once per payer, so
	// that the reports of two organisations live side by side. Empty for a
	// period with no rows, and in stores written before payers were kept;
	// such a period stands for every payer of its month.
	Payers []string `json:"payers,omitempty"`
	// Currencies are the currencies its amounts are in (lineItem/
	// CurrencyCode, BillingCurrency), sorted: one, as a rule. Empty when
	// the report names none (USD, as AWS bills), and in stores written
	// before currencies were kept.
	Currencies []string `json:"currencies,omitempty"`
	// Format is the kind of report it came from: cur-legacy-csv,
	// cur-legacy-parquet, cur2-parquet, cur2-csv, focus-1.x-csv or
	// focus-1.x-parquet.
	Format string `json:"format"`
	// Files are the Parquet files that hold its rows: absolute paths from
	// Periods, paths relative to the store in the manifest.
	Files []string `json:"files"`
	// Rows is the number of rows imported, Rejected the number of input
	// rows that could not be read (see the import's summary for why).
	Rows     int64 `json:"rows"`
	Rejected int64 `json:"rejected"`
	// RejectedCost is the exact sum of the cost of the rejected rows whose
	// cost could be read (rejected for a date, say); empty when none.
	RejectedCost string `json:"rejectedCost,omitempty"`
	// Total is the exact sum of the cost column: a decimal number with at
	// most ten decimals and no trailing zeros ("33687.3260765485", "0").
	Total string `json:"total"`
	// Source is what was imported: the CUR assembly's manifest, or the
	// input file, or the folder that held the input files.
	Source string `json:"source"`
	// AssemblyID is the CUR assembly (from its manifest); empty otherwise.
	AssemblyID string `json:"assemblyId,omitempty"`
	// Imported is when the import committed.
	Imported time.Time `json:"imported"`
}

// storeManifest is manifest.json (docs/formats/cost.md).
type storeManifest struct {
	Version int64         `json:"version"`
	Periods []Period      `json:"periods"`
	Retired []retiredFile `json:"retired,omitempty"`
}

// retiredFile is a file of a replaced import, kept for readers that still
// follow an older manifest.
type retiredFile struct {
	Path string    `json:"path"`
	At   time.Time `json:"at"`
}

const (
	storeManifestName = "manifest.json"
	storeLockName     = "writer.lock"
	storeStagingName  = "staging"
)

// ErrStoreLocked is returned when another process imports into the store.
var ErrStoreLocked = errors.New("the cost store is in use by another cairn cost import")

// OpenStore opens the store in dir (DATA/cost) and takes a snapshot of its
// manifest. A store that was never imported into, whose folder may not
// exist, has no periods: only Import creates the folder, so that reading
// leaves the data folder as it was.
func OpenStore(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: abs}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir returns the store's folder, absolute.
func (s *Store) Dir() string { return s.dir }

// Reload takes a new snapshot of the manifest, to see imports made since.
func (s *Store) Reload() error {
	m, err := readStoreManifest(s.dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.m = m
	s.mu.Unlock()
	return nil
}

// Periods returns the imported periods, sorted by period, with absolute
// file paths.
func (s *Store) Periods() []Period {
	s.mu.Lock()
	m := s.m
	s.mu.Unlock()
	out := make([]Period, len(m.Periods))
	for i, p := range m.Periods {
		p.Files = s.abs(p.Files)
		out[i] = p
	}
	return out
}

// periodsOf returns the periods of month and payer ("" for every one).
func (s *Store) periodsOf(month, payer string) []Period {
	var out []Period
	for _, p := range s.snapshot().Periods {
		if (month == "" || p.Period == month) && (payer == "" || slices.Contains(p.Payers, payer)) {
			out = append(out, p)
		}
	}
	return out
}

// currenciesOf returns the currencies of the periods of month and payer,
// and those periods' payers, sorted.
func (s *Store) currenciesOf(month, payer string) (currencies, payers []string) {
	for _, p := range s.periodsOf(month, payer) {
		currencies = append(currencies, p.Currencies...)
		payers = append(payers, p.Payers...)
	}
	slices.Sort(currencies)
	slices.Sort(payers)
	return slices.Compact(currencies), slices.Compact(payers)
}

// Payers returns the payer accounts of month's periods (every period's for
// ""), sorted.
func (s *Store) Payers(month string) []string {
	_, payers := s.currenciesOf(month, "")
	return payers
}

// rejectedIn counts the rejected input rows of the periods of month and
// payer, and sums the cost of those whose cost was read.
func (s *Store) rejectedIn(month, payer string) (rows int64, cost string) {
	cost = "0"
	for _, p := range s.periodsOf(month, payer) {
		rows += p.Rejected
		if p.RejectedCost != "" {
			cost = SumAmounts(cost, p.RejectedCost)
		}
	}
	return rows, cost
}

// Files returns the absolute paths of every Parquet file of the snapshot.
func (s *Store) Files() []string {
	s.mu.Lock()
	m := s.m
	s.mu.Unlock()
	var out []string
	for _, p := range m.Periods {
		out = append(out, s.abs(p.Files)...)
	}
	return out
}

func (s *Store) abs(rel []string) []string {
	out := make([]string, len(rel))
	for i, f := range rel {
		out[i] = filepath.Join(s.dir, filepath.FromSlash(f))
	}
	return out
}

func (s *Store) snapshot() *storeManifest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m
}

// readStoreManifest reads the manifest; a missing one is an empty store.
func readStoreManifest(dir string) (*storeManifest, error) {
	path := filepath.Join(dir, storeManifestName)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &storeManifest{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cost store: %w", err)
	}
	var m storeManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, cairn.WithHint(fmt.Errorf("read %s: %w", path, err), "the cost store's manifest is damaged; delete "+dir+" and import the reports again")
	}
	sortPeriods(m.Periods)
	return &m, nil
}

// writeStoreManifest replaces the manifest atomically and durably.
func writeStoreManifest(dir string, m *storeManifest) error {
	b, err := json.Marshal(m, json.Deterministic(true), jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	return file.WriteAtomic(filepath.Join(dir, storeManifestName), b, 0o644)
}

// lockStore takes the writer's lock, an flock that the kernel releases when
// the process dies however it dies. Only imports take it: readers follow
// the manifest without a lock. It creates the store's folder, which only
// writers do.
func lockStore(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, cairn.WithHint(fmt.Errorf("create cost store %s: %w", dir, err), "check that the data folder is writable, or pass another -data")
	}
	f, err := os.OpenFile(filepath.Join(dir, storeLockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock cost store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, cairn.WithHint(ErrStoreLocked, "wait for the other import into "+dir+" to finish")
	}
	return f, nil
}

// collectGarbage removes what an interrupted import left: the staging
// folder, and Parquet files in period folders that the manifest lists
// neither as current nor as retired. It runs under the writer's lock.
func collectGarbage(dir string, m *storeManifest) error {
	if err := os.RemoveAll(filepath.Join(dir, storeStagingName)); err != nil {
		return err
	}
	os.Remove(filepath.Join(dir, storeManifestName+".tmp"))
	listed := map[string]bool{}
	for _, p := range m.Periods {
		for _, f := range p.Files {
			listed[f] = true
		}
	}
	for _, r := range m.Retired {
		listed[r.Path] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() || !isPeriod(e.Name()) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		left := len(files)
		for _, f := range files {
			rel := e.Name() + "/" + f.Name()
			if !listed[rel] && filepath.Ext(f.Name()) == ".parquet" {
				if err := os.Remove(filepath.Join(dir, e.Name(), f.Name())); err != nil {
					return err
				}
				left--
			}
		}
		if left == 0 {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// isPeriod tells whether s is a billing period, YYYY-MM.
func isPeriod(s string) bool {
	if len(s) != 7 || s[4] != '-' {
		return false
	}
	_, err := time.Parse("2006-01", s)
	return err == nil
}

// withPeriods returns a copy of m with the periods in add replacing those of
// the same month and payers (samePayers); replaced[i] is the first period
// that add[i] replaced, if any. The replaced periods' files become retired
// at now, and retired files older than retireAfter are dropped (returned in
// drop, to be deleted once the new manifest is durable).
func (m *storeManifest) withPeriods(add []Period, now time.Time, retireAfter time.Duration) (next *storeManifest, replaced []*Period, drop []string) {
	next = &storeManifest{Version: m.Version + 1}
	replaced = make([]*Period, len(add))
	for _, old := range m.Periods {
		i := slices.IndexFunc(add, func(p Period) bool { return p.Period == old.Period && samePayers(p.Payers, old.Payers) })
		if i < 0 {
			next.Periods = append(next.Periods, old)
			continue
		}
		if replaced[i] == nil {
			replaced[i] = &old
		}
		for _, f := range old.Files {
			if retireAfter <= 0 {
				drop = append(drop, f)
			} else {
				next.Retired = append(next.Retired, retiredFile{Path: f, At: now})
			}
		}
	}
	for _, r := range m.Retired {
		if now.Sub(r.At) >= retireAfter {
			drop = append(drop, r.Path)
		} else {
			next.Retired = append(next.Retired, r)
		}
	}
	next.Periods = append(next.Periods, add...)
	sortPeriods(next.Periods)
	sort.Slice(next.Retired, func(i, j int) bool { return next.Retired[i].Path < next.Retired[j].Path })
	slices.Sort(drop)
	return next, replaced, drop
}

// samePayers reports whether two imports of a month bill the same payer
// accounts, so that the later replaces the earlier: they share one, or
// either names none (no rows, or a store written before payers were kept).
func samePayers(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	return slices.ContainsFunc(a, func(p string) bool { return slices.Contains(b, p) })
}

// sortPeriods orders periods by month, then payer.
func sortPeriods(ps []Period) {
	slices.SortStableFunc(ps, func(a, b Period) int {
		return cmp.Or(strings.Compare(a.Period, b.Period), slices.Compare(a.Payers, b.Payers))
	})
}

// syncPath fsyncs a file or a folder.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
