package cost

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// inputFile is a file named on the command line or found in a folder.
type inputFile struct {
	path     string // absolute
	explicit bool   // named, not found in a folder
	size     int64
	mtime    time.Time
}

// expandInputs lists the files of the inputs: files as named, folders
// walked. For a named file, the CUR manifests beside it come along, so that
// a part file brings its assembly's period, id and other parts.
func expandInputs(inputs []string, res *ImportResult) []inputFile {
	seen := map[string]int{}
	var out []inputFile
	addFile := func(path string, explicit bool, info fs.FileInfo) {
		if i, ok := seen[path]; ok {
			out[i].explicit = out[i].explicit || explicit
			return
		}
		seen[path] = len(out)
		out = append(out, inputFile{path: path, explicit: explicit, size: info.Size(), mtime: info.ModTime()})
	}
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			res.Failures = append(res.Failures, Failure{Path: in, Err: err})
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			res.Failures = append(res.Failures, Failure{Path: in, Err: cairn.WithHint(errors.New("no such file or folder"), "give a cost report file or a folder that holds some")})
			continue
		}
		// The CUR manifests beside a named file, and the period's copy of
		// the latest manifest above an assembly's folder or file: of a
		// period's assemblies, the one it names is the latest, which a
		// restated delivery's older assembly, imported alone, would
		// otherwise replace.
		addManifests := func(dir string) {
			ms, _ := filepath.Glob(filepath.Join(dir, "*-Manifest.json"))
			for _, m := range ms {
				if mst, err := os.Stat(m); err == nil && mst.Mode().IsRegular() {
					addFile(m, false, mst)
				}
			}
		}
		if !st.IsDir() {
			addFile(abs, true, st)
			addManifests(filepath.Dir(abs))
			addManifests(filepath.Dir(filepath.Dir(abs)))
			continue
		}
		addManifests(filepath.Dir(abs))
		var found int
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				res.Failures = append(res.Failures, Failure{Path: path, Err: err})
				return nil
			}
			name := d.Name()
			if d.IsDir() {
				if path != abs && strings.HasPrefix(name, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			found++
			addFile(path, false, info)
			return nil
		})
		if err != nil {
			res.Failures = append(res.Failures, Failure{Path: in, Err: err})
		} else if found == 0 {
			res.Failures = append(res.Failures, Failure{Path: in, Err: cairn.WithHint(fmt.Errorf("%w: the folder is empty", ErrNoReport), "give a folder that holds cost reports")})
		}
	}
	return out
}

// ignoredName tells files that a folder of cost reports holds besides the
// reports (Athena's table definition, CloudFormation templates, checksums),
// and the JSON that a bucket of reports and CloudTrail logs holds (no cost
// report is JSON), which are skipped without being read.
func ignoredName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	for _, ext := range []string{".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".sql", ".yml", ".yaml", ".txt", ".md", ".crc", ".sig", ".html", ".xml"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// dataFile is an input file recognised as a cost report.
type dataFile struct {
	inputFile
	sniffed
	format Format
	cols   []column
}

// group is one import: the files of one report (a CUR assembly, or the
// files of one kind below one report folder), read in one query.
type group struct {
	key      string
	priority int // lower first
	format   Format
	files    []*dataFile
	period   string // from the CUR manifest; "" when the rows tell
	assembly string
	source   string
	mtime    time.Time // of the newest file
	bytes    int64
}

// discover recognises every input file and gathers the cost reports into
// groups, in the order in which they claim billing periods: CUR assemblies
// (with manifests) first, then CUR 2.0, legacy CUR without a manifest, and
// FOCUS; among equals the newest first.
func discover(ctx context.Context, eng *importEngine, files []inputFile, res *ImportResult) []*group {
	var manifests []*curManifest
	byPath := map[string]*dataFile{}
	var data []*dataFile
	failed := map[string]bool{}
	fail := func(path string, err error) {
		if !failed[path] {
			failed[path] = true
			res.Failures = append(res.Failures, Failure{Path: path, Err: err})
		}
	}
	// ofPeriod records the billing period that a failed input's assembly
	// would have provided, for Import to say what became of it.
	ofPeriod := func(path, period string) {
		for i := range res.Failures {
			if f := &res.Failures[i]; f.Path == path && f.period == "" {
				f.period = period
			}
		}
	}
	var skipped []string // found in folders, not cost reports
	defer func() { noteSkipped(res, skipped) }()
	for _, f := range files {
		name := filepath.Base(f.path)
		if strings.HasSuffix(strings.ToLower(name), ".json") {
			m, ok, err := readCURManifest(f.path)
			switch {
			case err != nil:
				fail(f.path, err)
			case ok:
				manifests = append(manifests, m)
			case f.explicit:
				fail(f.path, fmt.Errorf("%w: JSON that is no CUR manifest; %s", ErrNotCostReport, expected))
			}
			continue
		}
		if !f.explicit && ignoredName(name) {
			skipped = append(skipped, f.path)
			continue
		}
		df, err := eng.recognise(ctx, f)
		if err != nil {
			if errors.Is(err, errStatusFile) && !f.explicit {
				res.Notices = append(res.Notices, Notice{f.path, "skipped: the CUR's data status file"})
				continue
			}
			fail(f.path, err)
			continue
		}
		byPath[f.path] = df
		data = append(data, df)
	}

	// CUR assemblies: the chosen manifests claim their part files.
	chosen, superseded := chooseAssemblies(manifests)
	groups := map[string]*group{}
	var order []*group
	claimedBy := map[string]*curManifest{}
	for _, m := range chosen {
		if len(m.missing) > 0 {
			fail(m.path, cairn.WithHint(fmt.Errorf("assembly %s of %s lists %d files, %d of them missing (%s)", m.AssemblyID, m.period, len(m.ReportKeys), len(m.missing), m.missing[0]),
				"copy the whole assembly folder: importing part of it would replace the period with part of its cost"))
			ofPeriod(m.path, m.period)
			for _, p := range m.files {
				claimedBy[p] = m
			}
			continue
		}
		g := &group{key: "cur:" + m.ReportName + ":" + m.period + ":" + m.AssemblyID, priority: 0, period: m.period, assembly: m.AssemblyID, source: m.path}
		ok := true
		for _, p := range m.files {
			claimedBy[p] = m
			df := byPath[p]
			if failed[p] {
				ok = false
				continue
			}
			if df == nil {
				// A part file that was not named: the assembly comes whole.
				st, err := os.Stat(p)
				if err != nil {
					fail(p, err)
					ok = false
					continue
				}
				df, err = eng.recognise(ctx, inputFile{path: p, size: st.Size(), mtime: st.ModTime()})
				if err != nil {
					fail(p, err)
					ok = false
					continue
				}
			}
			if df.format.Kind != KindCURLegacy && df.format.Kind != KindCURLegacySnake {
				fail(p, fmt.Errorf("the CUR manifest %s lists it, but it is a %s", m.path, df.format))
				ok = false
				continue
			}
			g.add(df)
		}
		if !ok {
			for _, p := range m.files {
				ofPeriod(p, m.period)
			}
			continue
		}
		if len(g.files) == 0 {
			fail(m.path, fmt.Errorf("the CUR manifest lists no files"))
			continue
		}
		groups[g.key] = g
		order = append(order, g)
		if len(m.Columns) > 0 && len(g.files) > 0 && g.files[0].Header != nil && !sameColumns(m.Columns, g.files[0].Header) {
			res.Notices = append(res.Notices, Notice{m.path, "the CSV header differs from the manifest's column list; the header was read"})
		}
	}
	for _, m := range superseded {
		for _, p := range m.files {
			if claimedBy[p] == nil {
				claimedBy[p] = m
				res.Notices = append(res.Notices, Notice{p, fmt.Sprintf("skipped: assembly %s of %s is superseded by a newer one", m.AssemblyID, m.period)})
			}
		}
	}

	// Everything else: the files of one kind below one report folder.
	for _, df := range data {
		if claimedBy[df.path] != nil {
			continue
		}
		prio := map[Kind]int{KindCUR2: 1, KindCURLegacy: 2, KindCURLegacySnake: 2, KindFOCUS: 3}[df.format.Kind]
		root := reportRoot(df.path)
		key := fmt.Sprintf("%d:%s:%s", df.format.Kind, df.Container, root)
		g := groups[key]
		if g == nil {
			g = &group{key: key, priority: prio, source: root}
			groups[key] = g
			order = append(order, g)
		}
		g.add(df)
	}
	for _, g := range order {
		if g.period == "" && len(g.files) == 1 {
			g.source = g.files[0].path
		}
		// A FOCUS report's version is the highest of its files'.
		for _, f := range g.files {
			if f.format.Version > g.format.Version {
				g.format.Version = f.format.Version
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		if !a.mtime.Equal(b.mtime) {
			return a.mtime.After(b.mtime)
		}
		return a.source < b.source
	})
	return order
}

// noteSkipped notes the files found in folders that are no cost reports:
// each, when they are a few; else the first and their count, since a bucket
// that holds CloudTrail's logs beside the reports holds thousands.
func noteSkipped(res *ImportResult, paths []string) {
	const each = 5
	if len(paths) <= each {
		for _, p := range paths {
			res.Notices = append(res.Notices, Notice{p, "skipped: not a cost report"})
		}
		return
	}
	res.Notices = append(res.Notices, Notice{paths[0], fmt.Sprintf("skipped: not a cost report, nor %d other files found beside the reports (JSON, text, checksums)", len(paths)-1)})
}

func (g *group) add(df *dataFile) {
	if len(g.files) == 0 {
		g.format = df.format
	}
	g.files = append(g.files, df)
	g.bytes += df.size
	if df.mtime.After(g.mtime) {
		g.mtime = df.mtime
	}
}

// reportRoot is the folder of a report's files, above Hive-style partition
// folders (BILLING_PERIOD=2026-03, year=2026/month=3).
func reportRoot(path string) string {
	dir := filepath.Dir(path)
	for {
		base := filepath.Base(dir)
		if i := strings.IndexByte(base, '='); i <= 0 {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}

func sameColumns(mc []manifestColumn, header []string) bool {
	if len(mc) != len(header) {
		return false
	}
	for i, c := range mc {
		if !strings.EqualFold(c.Category+"/"+c.Name, header[i]) {
			return false
		}
	}
	return true
}
