package sim

import (
	"bytes"
	"context"
	"crypto/rsa"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// smallConfig is two days of two accounts in two regions, into a new
// folder.
func smallConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Out = t.TempDir()
	cfg.Days = 2
	cfg.Events = 12_000
	cfg.Accounts = 2
	cfg.Regions = []string{"us-east-1", "eu-west-1"}
	return cfg
}

// validateTrail checks a generated trail as cairn verify does, with the
// public key gen wrote beside it.
func validateTrail(t *testing.T, dir string) *cloudtrail.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, digestKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := cloudtrail.ParsePublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	store, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cloudtrail.Validate(context.Background(), store, cloudtrail.ValidateOptions{
		PublicKeys: map[string]*rsa.PublicKey{cloudtrail.PublicKeyFingerprint(pub): pub},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDigestsVerify: with -digests the trail verifies whole, every log
// file listed by an hourly digest of its account and region, and an edit
// or a deleted digest is caught, as in a trail of AWS's.
func TestDigestsVerify(t *testing.T) {
	cfg := smallConfig(t)
	cfg.Digests = true
	st, err := Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hours := int64(cfg.Days * 24)
	chains := int64(cfg.Accounts * len(cfg.Regions))
	if st.Digests < chains*hours || st.Digests > chains*(hours+1) {
		t.Errorf("%d digests, want one an hour for each of %d chains over %d hours", st.Digests, chains, hours)
	}
	r := validateTrail(t, cfg.Out)
	if !r.Valid() || r.Chains != int(chains) || int64(r.DigestFiles) != st.Digests || r.ValidDigestFiles != r.DigestFiles ||
		int64(r.LogFiles) != st.Files || r.ValidLogFiles != r.LogFiles || r.NotCovered != 0 || r.Pending != 0 || r.Unchecked != 0 {
		t.Fatalf("the generated trail: %+v, want %d chains, %d digests and %d log files, all valid and listed", r, chains, st.Digests, st.Files)
	}

	// Edit one record of one log file; delete one digest.
	var logFile, digest string
	filepath.WalkDir(cfg.Out, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz"):
		case logFile == "" && strings.Contains(path, "/CloudTrail/"):
			logFile = path
		case digest == "" && strings.Contains(path, "/CloudTrail-Digest/") && strings.Contains(path, "T12"):
			digest = path
		}
		return err
	})
	raw, err := gunzipFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(raw, []byte(`"readOnly":true`), []byte(`"readOnly":false`), 1)
	if bytes.Equal(edited, raw) {
		edited = bytes.Replace(raw, []byte(`"readOnly":false`), []byte(`"readOnly":true`), 1)
	}
	if err := os.WriteFile(logFile, cloudtrail.Gzip(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(digest); err != nil {
		t.Fatal(err)
	}
	kinds := map[cloudtrail.FindingKind]string{}
	for _, f := range validateTrail(t, cfg.Out).Findings {
		kinds[f.Kind] += f.Key + " "
	}
	if !strings.Contains(kinds[cloudtrail.FindingModified], filepath.Base(logFile)) || !strings.Contains(kinds[cloudtrail.FindingMissingDigest], filepath.Base(digest)) {
		t.Errorf("findings %v, want %s modified and %s missing from its chain", kinds, filepath.Base(logFile), filepath.Base(digest))
	}
}

// TestDigestsChangeNoLogFile: digests are the same for a seed, and writing
// them changes no log file (their times are drawn from the seed, not from
// the stream's random numbers).
func TestDigestsChangeNoLogFile(t *testing.T) {
	gen := func(digests bool) map[string]string {
		cfg := smallConfig(t)
		cfg.Digests = digests
		if _, err := Generate(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		hashes := treeHashes(t, cfg.Out)
		for k := range hashes {
			// A sidecar holds its file's modification time.
			if strings.HasPrefix(filepath.Base(k), ".cairn-meta.") {
				delete(hashes, k)
			}
		}
		return hashes
	}
	a, b, without := gen(true), gen(true), gen(false)
	digests := 0
	for k, h := range a {
		if b[k] != h {
			t.Errorf("%s differs between two generations with digests", k)
		}
		if strings.Contains(k, "CloudTrail-Digest") || k == digestKeyFile {
			digests++
			continue
		}
		if without[k] != h {
			t.Errorf("%s differs with digests and without", k)
		}
	}
	if digests == 0 || len(a) != len(without)+digests {
		t.Errorf("%d files with digests (%d of them the digests and the key), %d without", len(a), digests, len(without))
	}
}
