package cost

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
)

// curManifest is a legacy CUR manifest (<report>-Manifest.json): the
// assembly's billing period and its part files.
type curManifest struct {
	AssemblyID    string           `json:"assemblyId"`
	ReportName    string           `json:"reportName"`
	ReportKeys    []string         `json:"reportKeys"`
	Columns       []manifestColumn `json:"columns"`
	BillingPeriod struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"billingPeriod"`

	path   string    // absolute
	mtime  time.Time // when it was written: the newest assembly wins
	period string    // YYYY-MM
	// files are the part files its reportKeys name that exist, resolved
	// against the manifest's folder; missing are those that do not.
	files   []string
	missing []string
}

type manifestColumn struct {
	Category string `json:"category"`
	Name     string `json:"name"`
}

// readCURManifest reads a legacy CUR manifest; ok is false for JSON that is
// no such manifest (a CUR 2.0 export's manifest, anything else).
func readCURManifest(path string) (m *curManifest, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	m = new(curManifest)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, false, nil
	}
	if m.AssemblyID == "" || len(m.ReportKeys) == 0 || m.BillingPeriod.Start == "" {
		return nil, false, nil
	}
	start, err := parseManifestTime(m.BillingPeriod.Start)
	if err != nil {
		return nil, false, fmt.Errorf("read CUR manifest %s: billingPeriod.start %q: %w", path, m.BillingPeriod.Start, err)
	}
	m.period = start.Format("2006-01")
	m.path = path
	if st, err := os.Stat(path); err == nil {
		m.mtime = st.ModTime()
	}
	dir := filepath.Dir(path)
	for _, key := range m.ReportKeys {
		if p := resolveReportKey(dir, key); p != "" {
			m.files = append(m.files, p)
		} else {
			m.missing = append(m.missing, key)
		}
	}
	return m, true, nil
}

// parseManifestTime reads the manifest's times: 20161101T000000.000Z, or
// RFC 3339.
func parseManifestTime(s string) (time.Time, error) {
	for _, layout := range []string{"20060102T150405.000Z", "20060102T150405Z", time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}

// resolveReportKey finds the local copy of an S3 key that a manifest names:
// the key's last components below the manifest's folder (the file name
// beside an assembly's manifest, <assemblyId>/<file> below the period's
// copy of the latest manifest).
func resolveReportKey(dir, key string) string {
	parts := strings.Split(strings.Trim(key, "/"), "/")
	for n := 1; n <= len(parts) && n <= 3; n++ {
		p := filepath.Join(append([]string{dir}, parts[len(parts)-n:]...)...)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// isLatestCopy tells the copy of the latest manifest that AWS keeps in the
// billing period's folder, above the assemblies' folders; an overwriting
// report has only that one.
func (m *curManifest) isLatestCopy() bool {
	return filepath.Base(filepath.Dir(m.path)) != m.AssemblyID
}

// chooseAssemblies picks, for each report and billing period, the assembly
// to import: the one that the latest-manifest copy names, else the one
// whose manifest is newest. It returns the chosen manifests (one per
// assembly; the assembly's own manifest preferred over the copy) and the
// superseded ones.
func chooseAssemblies(ms []*curManifest) (chosen, superseded []*curManifest) {
	type key struct{ report, period string }
	byKey := map[key][]*curManifest{}
	var order []key
	for _, m := range ms {
		k := key{m.ReportName, m.period}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], m)
	}
	newer := func(a, b *curManifest) bool {
		if !a.mtime.Equal(b.mtime) {
			return a.mtime.After(b.mtime)
		}
		return a.path > b.path
	}
	for _, k := range order {
		cands := byKey[k]
		var best *curManifest
		for _, m := range cands {
			if m.isLatestCopy() && (best == nil || newer(m, best)) {
				best = m
			}
		}
		if best == nil {
			for _, m := range cands {
				if best == nil || newer(m, best) {
					best = m
				}
			}
		}
		// Of the manifests of the winning assembly, keep the assembly's own.
		var own *curManifest
		for _, m := range cands {
			if m.AssemblyID == best.AssemblyID && !m.isLatestCopy() {
				own = m
			}
		}
		if own != nil && len(own.missing) <= len(best.missing) {
			best = own
		}
		chosen = append(chosen, best)
		for _, m := range cands {
			if m.AssemblyID != best.AssemblyID {
				superseded = append(superseded, m)
			}
		}
	}
	return chosen, superseded
}
