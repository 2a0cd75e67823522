package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine describes where the figures were measured.
type machine struct {
	CPUs     int
	CPUModel string
	MemTotal string
	Kernel   string
	Go       string
	DuckDB   string
}

func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), CPUModel: "unknown", MemTotal: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kib, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
				}
			}
		}
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Kernel = fmt.Sprintf("%s %s %s", cstr(u.Sysname[:]), cstr(u.Release[:]), cstr(u.Machine[:]))
	}
	return m
}

func cstr(b []int8) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

func (m machine) summary() string {
	return fmt.Sprintf("%d CPUs (%s), %s RAM, %s", m.CPUs, m.CPUModel, m.MemTotal, m.Go)
}

// loadAvg is the first three fields of /proc/loadavg: other people's work on
// a shared machine shows here.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// runCmd runs a command with its output on stderr.
func runCmd(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// dataset is the generated trail.
type dataset struct {
	Dir       string // the gen output
	Logs      string // its AWSLogs folder: what every reader reads
	Events    int64
	Seed      int64
	GenStats  string // the statistics cairn gen printed
	Files     []string
	GzipBytes int64
	MaxRaw    int64 // the largest file, decompressed
}

const markerName = "bench-dataset.txt"

// ensureDataset generates the trail, or reuses it when its marker says it
// was made with the same size and seed. The marker is written last, so an
// interrupted generation starts over.
func ensureDataset(ctx context.Context, cfg config, root, bin string) (*dataset, error) {
	ds := &dataset{Dir: filepath.Join(cfg.Work, "trail"), Events: cfg.Events, Seed: cfg.Seed}
	ds.Logs = filepath.Join(ds.Dir, "AWSLogs")
	marker := filepath.Join(cfg.Work, markerName)
	sim, err := simVersion(root)
	if err != nil {
		return nil, err
	}
	want := fmt.Sprintf("events=%d seed=%d sim=%s\n", cfg.Events, cfg.Seed, sim)
	if b, err := os.ReadFile(marker); err == nil && !cfg.Regen && strings.HasPrefix(string(b), want) {
		ds.GenStats = strings.TrimPrefix(string(b), want)
		logf("reusing the data set in %s (%d events, seed %d; -regen makes it again)", ds.Dir, cfg.Events, cfg.Seed)
	} else {
		os.Remove(marker)
		if err := os.RemoveAll(ds.Dir); err != nil {
			return nil, err
		}
		logf("generating %d events (seed %d) into %s", cfg.Events, cfg.Seed, ds.Dir)
		cmd := exec.CommandContext(ctx, bin, "gen", "-out", ds.Dir, "-events", strconv.FormatInt(cfg.Events, 10), "-seed", strconv.FormatInt(cfg.Seed, 10))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("cairn gen: %w", err)
		}
		ds.GenStats = genSummary(string(out))
		if err := os.WriteFile(marker, []byte(want+ds.GenStats), 0o644); err != nil {
			return nil, err
		}
	}
	err = filepath.WalkDir(ds.Logs, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json.gz") {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n, err := gzipISize(path)
			if err != nil {
				return err
			}
			ds.Files = append(ds.Files, path)
			ds.GzipBytes += info.Size()
			ds.MaxRaw = max(ds.MaxRaw, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the data set: %w", err)
	}
	if len(ds.Files) == 0 {
		return nil, fmt.Errorf("no .json.gz files under %s; run with -regen", ds.Logs)
	}
	return ds, nil
}

// simVersion is a hash of the simulator's sources, so that a data set made
// by an older simulator is not reused.
func simVersion(root string) (string, error) {
	files, err := filepath.Glob(filepath.Join(root, "sim", "*.go"))
	if err != nil {
		return "", err
	}
	files = append(files, filepath.Join(root, "cmd", "cairn", "gen.go"))
	slices.Sort(files)
	h := sha256.New()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// genSummary keeps the statistics lines of cairn gen's output, without the
// top-event-names list.
func genSummary(out string) string {
	var keep []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "  top event names") {
			break
		}
		if strings.HasPrefix(line, "wrote ") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

// sizes compares what each store keeps on disk.
type sizes struct {
	CairnSegments int64
	CairnNeedles  int64 // the segments' needle files
	CairnCatalog  int64
	CairnFiles    int
	Gzip          int64
	GzipFiles     int
	AnchorDB      int64
}

func (s sizes) cairn() int64 { return s.CairnSegments + s.CairnNeedles + s.CairnCatalog }

func measureSizes(cfg config, ds *dataset) (sizes, error) {
	s := sizes{Gzip: ds.GzipBytes, GzipFiles: len(ds.Files)}
	dir := filepath.Join(cfg.Work, "cairn-data", "index")
	segs, err := manifestSegments(dir)
	if err != nil {
		return s, err
	}
	for _, p := range segs {
		info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return s, fmt.Errorf("segment listed in the manifest: %w", err)
		}
		s.CairnSegments += info.Size()
		s.CairnFiles++
		s.CairnNeedles += fileSize(filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(p, ".parquet")+".needles")))
	}
	s.CairnCatalog = fileSize(filepath.Join(dir, "catalog.duckdb")) + fileSize(filepath.Join(dir, "catalog.duckdb.wal")) + fileSize(filepath.Join(dir, "manifest.json"))
	db := anchorPath(cfg)
	s.AnchorDB = fileSize(db) + fileSize(db+".wal")
	return s, nil
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// timeIt runs f and returns its wall time.
func timeIt(f func() error) (time.Duration, error) {
	t := time.Now()
	err := f()
	return time.Since(t), err
}
