package cloudtrail_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/blob/s3"
	"github.com/cairn-audit/cairn/blob/s3/s3test"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
	"github.com/google/go-cmp/cmp"
)

// newTrail writes a synthetic trail into a new folder store.
func newTrail(t *testing.T, cfg cloudtrailtest.Config) (*file.Store, *cloudtrailtest.Trail) {
	t.Helper()
	st, err := file.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cloudtrailtest.Write(context.Background(), st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st, tr
}

func keysOf(keys ...*rsa.PrivateKey) map[string]*rsa.PublicKey {
	m := map[string]*rsa.PublicKey{}
	for _, k := range keys {
		m[cloudtrail.PublicKeyFingerprint(&k.PublicKey)] = &k.PublicKey
	}
	return m
}

func validate(t *testing.T, st cairn.BlobStore, opts cloudtrail.ValidateOptions) *cloudtrail.Report {
	t.Helper()
	if opts.PublicKeys == nil {
		opts.PublicKeys = keysOf(cloudtrailtest.Key())
	}
	r, err := cloudtrail.Validate(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// found is a finding without its detail, for comparisons.
type found struct {
	Kind cloudtrail.FindingKind
	Key  string
}

func kindsAndKeys(r *cloudtrail.Report) []found {
	out := []found{}
	for _, f := range r.Findings {
		out = append(out, found{f.Kind, f.Key})
	}
	return out
}

func TestValidateUntouchedTrail(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	r := validate(t, st, cloudtrail.ValidateOptions{Bucket: tr.Bucket})
	if !r.Valid() {
		t.Fatalf("untouched trail has findings: %+v", r.Findings)
	}
	want := cloudtrail.Report{
		From: tr.Start, To: tr.Start.Add(5 * time.Hour),
		Chains: 1, DigestFiles: 5, ValidDigestFiles: 5, LogFiles: 12, ValidLogFiles: 12, Pending: 1,
		Gaps: []cloudtrail.Gap{}, Findings: []cloudtrail.Finding{},
	}
	if diff := cmp.Diff(want, *r); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}
}

// TestValidateTamperMatrix tampers with a trail the way someone with write
// access to the bucket but without the signing key would, one way per case,
// and checks that exactly the expected findings name the expected objects.
func TestValidateTamperMatrix(t *testing.T) {
	ctx := context.Background()
	attacker := cloudtrailtest.NewKey()
	type tampered struct {
		st cairn.BlobStore
		tr *cloudtrailtest.Trail
	}
	// notCovered lists the log files of digests i… as not covered.
	notCovered := func(tr *cloudtrailtest.Trail, digests ...int) []found {
		var out []found
		for _, i := range digests {
			for _, k := range tr.Logs[i] {
				out = append(out, found{cloudtrail.FindingNotCovered, k})
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, x tampered) []found // returns the findings expected
	}{
		{"one byte of a log changed", func(t *testing.T, x tampered) []found {
			k := x.tr.Logs[1][0]
			must(t, cloudtrailtest.Rewrite(ctx, x.st, k, func(b []byte) []byte { b[40] ^= 1; return b }))
			return []found{{cloudtrail.FindingModified, k}}
		}},
		{"a log deleted", func(t *testing.T, x tampered) []found {
			k := x.tr.Logs[1][1]
			must(t, x.st.Delete(ctx, k))
			return []found{{cloudtrail.FindingDeleted, k}}
		}},
		{"a log corrupted", func(t *testing.T, x tampered) []found {
			k := x.tr.Logs[2][2]
			must(t, x.st.Put(ctx, k, strings.NewReader("\x1f\x8b\x08\x00broken"), cairn.PutOptions{}))
			return []found{{cloudtrail.FindingInvalidFormat, k}}
		}},
		{"two logs swapped", func(t *testing.T, x tampered) []found {
			a, b := x.tr.Logs[0][0], x.tr.Logs[0][1]
			tmp := a + ".tmp"
			must(t, cloudtrailtest.Move(ctx, x.st, a, tmp))
			must(t, cloudtrailtest.Move(ctx, x.st, b, a))
			must(t, cloudtrailtest.Move(ctx, x.st, tmp, b))
			return []found{{cloudtrail.FindingModified, a}, {cloudtrail.FindingModified, b}}
		}},
		{"a log added", func(t *testing.T, x tampered) []found {
			k := x.tr.Layout.LogKey(x.tr.Account, x.tr.Region, x.tr.Start.Add(time.Hour+50*time.Minute), "addedaddedadded1")
			must(t, x.st.Put(ctx, k, strings.NewReader(string(cloudtrail.Gzip([]byte(`{"Records":[]}`)))), cairn.PutOptions{}))
			return []found{{cloudtrail.FindingNotCovered, k}}
		}},
		{"a file with another name added to a log folder", func(t *testing.T, x tampered) []found {
			k := strings.TrimSuffix(x.tr.Logs[1][0], x.tr.Logs[1][0][strings.LastIndexByte(x.tr.Logs[1][0], '/')+1:]) + "extra.json"
			must(t, x.st.Put(ctx, k, strings.NewReader(`{"Records":[]}`), cairn.PutOptions{}))
			return []found{{cloudtrail.FindingNotCovered, k}}
		}},
		{"logs put beside the day folders", func(t *testing.T, x tampered) []found {
			log := x.tr.Logs[1][0]
			region := log[:strings.Index(log, "/2026/")+1]
			name := log[strings.LastIndexByte(log, '/')+1:]
			account := x.tr.Layout.AccountPrefix(x.tr.Account)
			var want []found
			for _, k := range []string{region + name, region + "2026/03/" + name, account + "forged.json.gz", x.tr.Layout.AccountPrefix("") + "forged.json.gz"} {
				must(t, x.st.Put(ctx, k, strings.NewReader(string(cloudtrail.Gzip([]byte(`{"Records":[]}`)))), cairn.PutOptions{}))
				want = append(want, found{cloudtrail.FindingNotCovered, k})
			}
			// Another service's logs beside CloudTrail's are not the trail's.
			must(t, x.st.Put(ctx, account+"Config/ConfigWritabilityCheckFile", strings.NewReader("x"), cairn.PutOptions{}))
			return want
		}},
		{"a file without a time in a day folder after the newest digest", func(t *testing.T, x tampered) []found {
			log := x.tr.Logs[0][0]
			k := log[:strings.Index(log, "/2026/")+1] + "2026/03/12/forged.json.gz"
			must(t, x.st.Put(ctx, k, strings.NewReader(string(cloudtrail.Gzip([]byte(`{"Records":[]}`)))), cairn.PutOptions{}))
			return []found{{cloudtrail.FindingNotCovered, k}}
		}},
		{"one digest deleted", func(t *testing.T, x tampered) []found {
			must(t, x.st.Delete(ctx, x.tr.Digests[2]))
			return append([]found{{cloudtrail.FindingMissingDigest, x.tr.Digests[2]}}, notCovered(x.tr, 2)...)
		}},
		{"the first digest deleted", func(t *testing.T, x tampered) []found {
			must(t, x.st.Delete(ctx, x.tr.Digests[0]))
			// The oldest digest left names it: its log files were its, and
			// cannot be checked.
			return append([]found{{cloudtrail.FindingMissingDigest, x.tr.Digests[0]}}, notCovered(x.tr, 0)...)
		}},
		{"two consecutive digests deleted", func(t *testing.T, x tampered) []found {
			must(t, x.st.Delete(ctx, x.tr.Digests[1]))
			must(t, x.st.Delete(ctx, x.tr.Digests[2]))
			// Only digest 2 is named; the gap from digest 0 to it is
			// longer than one period, so more are missing before 2.
			return append([]found{{cloudtrail.FindingChainBreak, x.tr.Digests[2]}, {cloudtrail.FindingMissingDigest, x.tr.Digests[2]}},
				notCovered(x.tr, 1, 2)...)
		}},
		{"three consecutive digests deleted", func(t *testing.T, x tampered) []found {
			for i := 1; i <= 3; i++ {
				must(t, x.st.Delete(ctx, x.tr.Digests[i]))
			}
			return append([]found{{cloudtrail.FindingChainBreak, x.tr.Digests[3]}, {cloudtrail.FindingMissingDigest, x.tr.Digests[3]}},
				notCovered(x.tr, 1, 2)...)
		}},
		{"a digest re-signed with another key", func(t *testing.T, x tampered) []found {
			must(t, cloudtrailtest.Resign(ctx, x.st, x.tr.Digests[2], attacker, true, nil))
			return []found{{cloudtrail.FindingUnknownKey, x.tr.Digests[2]}}
		}},
		{"a digest re-signed keeping its fingerprint", func(t *testing.T, x tampered) []found {
			must(t, cloudtrailtest.Resign(ctx, x.st, x.tr.Digests[2], attacker, false, nil))
			// Its log files are named as unchecked: their hashes come
			// from a digest that cannot be trusted.
			return append([]found{{cloudtrail.FindingBadSignature, x.tr.Digests[2]}}, notCovered(x.tr, 2)...)
		}},
		{"a digest edited to drop a log", func(t *testing.T, x tampered) []found {
			must(t, cloudtrailtest.Rewrite(ctx, x.st, x.tr.Digests[1], func(b []byte) []byte {
				d, err := cloudtrail.ParseDigest(b)
				must(t, err)
				d.LogFiles = d.LogFiles[1:]
				return d.Marshal()
			}))
			return append([]found{{cloudtrail.FindingBadSignature, x.tr.Digests[1]}}, notCovered(x.tr, 1)...)
		}},
		{"a digest's signature metadata removed", func(t *testing.T, x tampered) []found {
			body, _, err := cloudtrailtest.Read(ctx, x.st, x.tr.Digests[3])
			must(t, err)
			must(t, x.st.Put(ctx, x.tr.Digests[3], strings.NewReader(string(cloudtrail.Gzip(body))), cairn.PutOptions{}))
			return []found{{cloudtrail.FindingBadSignature, x.tr.Digests[3]}}
		}},
		{"a digest replaced by garbage", func(t *testing.T, x tampered) []found {
			must(t, x.st.Put(ctx, x.tr.Digests[1], strings.NewReader("not gzip"), cairn.PutOptions{}))
			// Its log files are listed by no digest that can be read.
			return append([]found{{cloudtrail.FindingInvalidFormat, x.tr.Digests[1]}}, notCovered(x.tr, 1)...)
		}},
		{"a digest moved to another key", func(t *testing.T, x tampered) []found {
			to := x.tr.Layout.DigestKey(x.tr.Account, x.tr.Region, x.tr.Trail, x.tr.HomeRegion, x.tr.Start.Add(3*time.Hour+30*time.Minute), false)
			must(t, cloudtrailtest.Move(ctx, x.st, x.tr.Digests[2], to))
			return []found{{cloudtrail.FindingMissingDigest, x.tr.Digests[2]}, {cloudtrail.FindingMoved, to}}
		}},
		{"a digest moved, and a log it lists edited", func(t *testing.T, x tampered) []found {
			to := x.tr.Layout.DigestKey(x.tr.Account, x.tr.Region, x.tr.Trail, x.tr.HomeRegion, x.tr.Start.Add(3*time.Hour+30*time.Minute), false)
			must(t, cloudtrailtest.Move(ctx, x.st, x.tr.Digests[2], to))
			k := x.tr.Logs[2][0]
			must(t, cloudtrailtest.Rewrite(ctx, x.st, k, func(b []byte) []byte { b[40] ^= 1; return b }))
			// The moved digest's signature still vouches for the hashes it
			// lists: moving it hides no change to its files.
			return []found{{cloudtrail.FindingMissingDigest, x.tr.Digests[2]}, {cloudtrail.FindingMoved, to}, {cloudtrail.FindingModified, k}}
		}},
		{"two digests swapped, a log edited and one deleted", func(t *testing.T, x tampered) []found {
			a, b := x.tr.Digests[1], x.tr.Digests[2]
			tmp := a + ".tmp"
			must(t, cloudtrailtest.Move(ctx, x.st, a, tmp))
			must(t, cloudtrailtest.Move(ctx, x.st, b, a))
			must(t, cloudtrailtest.Move(ctx, x.st, tmp, b))
			edited, deleted := x.tr.Logs[1][0], x.tr.Logs[2][1]
			must(t, cloudtrailtest.Rewrite(ctx, x.st, edited, func(b []byte) []byte { b[40] ^= 1; return b }))
			must(t, x.st.Delete(ctx, deleted))
			// Moved digests are not where the chain names them, so the
			// chain breaks there too; what matters is that the edit and
			// the deletion are named.
			return []found{{cloudtrail.FindingMoved, a}, {cloudtrail.FindingMoved, b}, {cloudtrail.FindingChainBreak, b}, {cloudtrail.FindingMissingDigest, b},
				{cloudtrail.FindingModified, edited}, {cloudtrail.FindingDeleted, deleted}}
		}},
		{"a digest moved and re-signed", func(t *testing.T, x tampered) []found {
			to := x.tr.Layout.DigestKey(x.tr.Account, x.tr.Region, x.tr.Trail, x.tr.HomeRegion, x.tr.Start.Add(3*time.Hour+30*time.Minute), false)
			must(t, cloudtrailtest.Resign(ctx, x.st, x.tr.Digests[2], attacker, false, nil))
			must(t, cloudtrailtest.Move(ctx, x.st, x.tr.Digests[2], to))
			// Nothing vouches for its hashes: its files are named unchecked.
			return append([]found{{cloudtrail.FindingMissingDigest, x.tr.Digests[2]}, {cloudtrail.FindingMoved, to}}, notCovered(x.tr, 2)...)
		}},
		{"a digest copied over its successor", func(t *testing.T, x tampered) []found {
			body, meta, err := cloudtrailtest.Read(ctx, x.st, x.tr.Digests[1])
			must(t, err)
			must(t, cloudtrailtest.PutDigest(ctx, x.st, x.tr.Digests[2], body, meta[cloudtrail.MetaSignature]))
			return append([]found{{cloudtrail.FindingMoved, x.tr.Digests[2]}, {cloudtrail.FindingMissingDigest, x.tr.Digests[2]}}, notCovered(x.tr, 2)...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
			want := tc.tamper(t, tampered{st, tr})
			r := validate(t, st, cloudtrail.ValidateOptions{})
			slices.SortFunc(want, func(a, b found) int { return strings.Compare(a.Key+string(a.Kind), b.Key+string(b.Kind)) })
			if diff := cmp.Diff(want, kindsAndKeys(r)); diff != "" {
				t.Fatalf("findings (-want +got):\n%s\nall: %s", diff, describe(r))
			}
			for _, f := range r.Findings {
				if f.Detail == "" || strings.ContainsAny(f.Detail, "\n\t") {
					t.Errorf("detail of %v is empty or not one line: %q", f, f.Detail)
				}
			}
			if r.Valid() || r.ValidDigestFiles+r.ValidLogFiles == r.DigestFiles+r.LogFiles && r.NotCovered == 0 {
				t.Errorf("counts do not show the problem: %+v", r)
			}
		})
	}
}

func describe(r *cloudtrail.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n  %s %s: %s", f.Kind, f.Key, f.Detail)
	}
	fmt.Fprintf(&b, "\n  digests %d/%d, logs %d/%d, not covered %d, pending %d (%d invalid)",
		r.ValidDigestFiles, r.DigestFiles, r.ValidLogFiles, r.LogFiles, r.NotCovered, r.Pending, r.InvalidPending)
	return b.String()
}

// TestValidateNamesTheMissingDigestOfALog: a log file whose digest was
// deleted is said to belong to that digest's period, not to be a file no
// digest ever listed.
func TestValidateNamesTheMissingDigestOfALog(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	if err := st.Delete(context.Background(), tr.Digests[2]); err != nil {
		t.Fatal(err)
	}
	r := validate(t, st, cloudtrail.ValidateOptions{})
	n := 0
	for _, f := range r.Findings {
		if f.Kind == cloudtrail.FindingNotCovered {
			n++
			if !strings.Contains(f.Detail, "in the period of the missing digest "+tr.Digests[2]) {
				t.Errorf("%s: %s", f.Key, f.Detail)
			}
		}
	}
	if n != len(tr.Logs[2]) {
		t.Errorf("%d log files not covered, want the %d of the missing digest:%s", n, len(tr.Logs[2]), describe(r))
	}
}

func TestValidateTwoMissingDigestsDetail(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	ctx := context.Background()
	for _, k := range tr.Digests[1:3] {
		if err := st.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	r := validate(t, st, cloudtrail.ValidateOptions{})
	i := slices.IndexFunc(r.Findings, func(f cloudtrail.Finding) bool { return f.Kind == cloudtrail.FindingChainBreak })
	if i < 0 || !strings.Contains(r.Findings[i].Detail, "more digests are missing before it") || !strings.Contains(r.Findings[i].Detail, tr.Digests[0]) {
		t.Fatalf("no chain break with the reason: %s", describe(r))
	}
	// The 3 digests left are intact; the 2 deleted are the INVALID ones,
	// as many as the findings about digests.
	if r.DigestFiles != 5 || r.ValidDigestFiles != 3 {
		t.Errorf("digests %d/%d, want 3/5%s", r.ValidDigestFiles, r.DigestFiles, describe(r))
	}
	if err := st.Delete(ctx, tr.Digests[3]); err != nil {
		t.Fatal(err)
	}
	if r := validate(t, st, cloudtrail.ValidateOptions{}); r.DigestFiles != 5 || r.ValidDigestFiles != 2 {
		t.Errorf("three deleted: digests %d/%d, want 2/5%s", r.ValidDigestFiles, r.DigestFiles, describe(r))
	}
}

func TestValidateRange(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	ctx := context.Background()
	// Damage the first period; check only the last three digests.
	if err := st.Delete(ctx, tr.Logs[0][0]); err != nil {
		t.Fatal(err)
	}
	since := tr.Start.Add(3 * time.Hour)
	r := validate(t, st, cloudtrail.ValidateOptions{Since: since})
	if !r.Valid() || r.DigestFiles != 3 || r.LogFiles != 6 || !r.From.Equal(tr.Start.Add(2*time.Hour)) {
		t.Fatalf("since %s: %+v%s", since, r, describe(r))
	}
	r = validate(t, st, cloudtrail.ValidateOptions{Until: tr.Start.Add(2 * time.Hour)})
	if r.DigestFiles != 2 || len(r.Findings) != 1 || r.Findings[0].Key != tr.Logs[0][0] || r.Pending != 0 {
		t.Fatalf("until: %s", describe(r))
	}
	// The link of the first digest in range is checked against the one
	// before it, out of range.
	if err := st.Delete(ctx, tr.Digests[1]); err != nil {
		t.Fatal(err)
	}
	r = validate(t, st, cloudtrail.ValidateOptions{Since: since})
	if diff := cmp.Diff([]found{{cloudtrail.FindingMissingDigest, tr.Digests[1]}}, kindsAndKeys(r)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
	_, err := cloudtrail.Validate(ctx, st, cloudtrail.ValidateOptions{Since: tr.Start.Add(24 * time.Hour)})
	if !errors.Is(err, cloudtrail.ErrNoDigests) {
		t.Fatalf("range without digests: %v", err)
	}
}

func TestValidateNoDigests(t *testing.T) {
	st, err := file.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = cloudtrail.Validate(context.Background(), st, cloudtrail.ValidateOptions{})
	if !errors.Is(err, cloudtrail.ErrNoDigests) {
		t.Fatalf("empty store: %v", err)
	}
}

func TestValidateKeys(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	r := validate(t, st, cloudtrail.ValidateOptions{PublicKeys: keysOf(cloudtrailtest.NewKey())})
	if len(r.Findings) != 5 || r.Findings[0].Kind != cloudtrail.FindingUnknownKey || r.LogFiles != 0 {
		t.Fatalf("without the key: %s", describe(r))
	}
	fp := cloudtrail.PublicKeyFingerprint(&tr.Key.PublicKey)
	if !strings.Contains(r.Findings[0].Detail, "signed by an unknown key "+fp) {
		t.Errorf("detail %q does not name the fingerprint", r.Findings[0].Detail)
	}
	// A wrong key under the right fingerprint fails the signature.
	// Its log files cannot be checked, and are named.
	r = validate(t, st, cloudtrail.ValidateOptions{PublicKeys: map[string]*rsa.PublicKey{fp: &cloudtrailtest.NewKey().PublicKey}})
	logs := 0
	for _, l := range tr.Logs {
		logs += len(l)
	}
	if len(r.Findings) != 5+logs || r.Findings[0].Kind != cloudtrail.FindingBadSignature || r.NotCovered != logs || r.LogFiles != 0 {
		t.Fatalf("with another key: %s", describe(r))
	}
}

func TestValidateLocation(t *testing.T) {
	cfg := cloudtrailtest.DefaultConfig()
	cfg.Layout.Prefix = "trails"
	cfg.BucketPrefix = "org/"
	st, tr := newTrail(t, cfg)
	// The store sits at s3://bucket/org/: digests name org/trails/AWSLogs/…
	if r := validate(t, st, cloudtrail.ValidateOptions{Bucket: tr.Bucket}); !r.Valid() || r.LogFiles != 12 {
		t.Fatalf("below a bucket prefix: %s", describe(r))
	}
	if r := validate(t, st, cloudtrail.ValidateOptions{Bucket: tr.Bucket, Prefix: "org/"}); !r.Valid() {
		t.Fatalf("with the prefix known: %s", describe(r))
	}
	r := validate(t, st, cloudtrail.ValidateOptions{Bucket: "another-bucket"})
	if len(r.Findings) != 5 || r.Findings[0].Kind != cloudtrail.FindingMoved {
		t.Fatalf("another bucket: %s", describe(r))
	}
	// A wrong prefix moves every digest (and no log file can be matched).
	r = validate(t, st, cloudtrail.ValidateOptions{Prefix: "elsewhere/"})
	if moved := slices.DeleteFunc(slices.Clone(r.Findings), func(f cloudtrail.Finding) bool { return f.Kind != cloudtrail.FindingMoved }); len(moved) != 5 {
		t.Fatalf("another prefix: %s", describe(r))
	}
}

// TestValidateChainRestart: a trail that stopped and started again has two
// chains; the second starts with null previous fields. That is a gap, not a
// finding, as aws-cli reports it.
func TestValidateChainRestart(t *testing.T) {
	cfg := cloudtrailtest.DefaultConfig()
	cfg.Digests, cfg.PendingLogs = 2, 0
	st, tr := newTrail(t, cfg)
	cfg.Start = cfg.Start.Add(5 * time.Hour)
	cfg.PendingLogs = 1
	tr2, err := cloudtrailtest.Write(context.Background(), st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := validate(t, st, cloudtrail.ValidateOptions{})
	want := []cloudtrail.Gap{{Key: tr2.Digests[0], After: tr.Digests[1], From: tr.Start.Add(2 * time.Hour), To: cfg.Start}}
	if diff := cmp.Diff(want, r.Gaps); diff != "" || !r.Valid() || r.DigestFiles != 4 || r.Pending != 1 {
		t.Fatalf("gaps (-want +got):\n%s%s", diff, describe(r))
	}
	// A log file delivered in the gap is not covered.
	k := tr.Layout.LogKey(tr.Account, tr.Region, tr.Start.Add(3*time.Hour), "inthegapinthegap")
	if err := st.Put(context.Background(), k, strings.NewReader(string(cloudtrail.Gzip([]byte("{}")))), cairn.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	r = validate(t, st, cloudtrail.ValidateOptions{})
	if diff := cmp.Diff([]found{{cloudtrail.FindingNotCovered, k}}, kindsAndKeys(r)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
}

// TestValidateNewestDigestDeleted documents a limit that every digest
// chain has (aws-cli's too): nothing names the newest digest, so deleting it
// leaves a shorter valid chain, and its log files look pending.
func TestValidateNewestDigestDeleted(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	if err := st.Delete(context.Background(), tr.Digests[4]); err != nil {
		t.Fatal(err)
	}
	r := validate(t, st, cloudtrail.ValidateOptions{})
	if !r.Valid() || r.Pending != 4 {
		t.Fatalf("%s", describe(r))
	}
}

// TestValidateS3 runs the validator over S3 (gofakes3), where the signature
// is real user metadata and the store sits below a bucket prefix.
func TestValidateS3(t *testing.T) {
	endpoint, ak, sk := s3test.StartFake(t)
	bucket := s3test.NewBucket(t, endpoint, ak, sk)
	scfg := s3.DefaultConfig()
	scfg.Endpoint, scfg.AccessKeyID, scfg.SecretAccessKey = endpoint, ak, sk
	st, err := s3.New(t.Context(), bucket, "org", scfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := cloudtrailtest.DefaultConfig()
	cfg.Bucket, cfg.BucketPrefix = bucket, "org/"
	tr, err := cloudtrailtest.Write(t.Context(), st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := cloudtrail.ValidateOptions{Bucket: bucket, Prefix: "org/"}
	if r := validate(t, st, opts); !r.Valid() || r.DigestFiles != 5 || r.LogFiles != 12 || r.Pending != 1 {
		t.Fatalf("untouched: %s", describe(r))
	}
	if err := st.Delete(t.Context(), tr.Logs[4][2]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]found{{cloudtrail.FindingDeleted, tr.Logs[4][2]}}, kindsAndKeys(validate(t, st, opts))); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
}

// TestValidateBackfill: a backfill chain is a chain of its own beside the
// standard one, and its digests must carry their generation time.
func TestValidateBackfill(t *testing.T) {
	ctx := context.Background()
	cfg := cloudtrailtest.DefaultConfig()
	st, _ := newTrail(t, cfg)
	cfg.Backfill, cfg.Digests, cfg.PendingLogs = true, 2, 0
	cfg.EmptyDigests = nil
	bf, err := cloudtrailtest.Write(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := validate(t, st, cloudtrail.ValidateOptions{})
	if !r.Valid() || r.Chains != 2 || r.DigestFiles != 7 || r.LogFiles != 18 {
		t.Fatalf("with a backfill chain: %+v%s", r, describe(r))
	}
	body, meta, err := cloudtrailtest.Read(ctx, st, bf.Digests[1])
	if err != nil {
		t.Fatal(err)
	}
	delete(meta, cloudtrail.MetaBackfillGenerationTimestamp)
	if err := st.Put(ctx, bf.Digests[1], strings.NewReader(string(cloudtrail.Gzip(body))), cairn.PutOptions{Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	r = validate(t, st, cloudtrail.ValidateOptions{})
	if diff := cmp.Diff([]found{{cloudtrail.FindingInvalidFormat, bf.Digests[1]}}, kindsAndKeys(r)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
}

// unreadableStore fails to give the objects in fail, as a store does whose
// own checksum of an object no longer matches its bytes.
type unreadableStore struct {
	cairn.BlobStore
	fail map[string]bool
}

func (s unreadableStore) Get(ctx context.Context, key string) (io.ReadCloser, cairn.ObjectInfo, error) {
	if s.fail[key] {
		return nil, cairn.ObjectInfo{}, errors.New("checksum did not match")
	}
	return s.BlobStore.Get(ctx, key)
}

// An object the store fails to give is a finding, and the rest of the
// trail is still checked: a verifier that stops at the first unreadable
// file says nothing of the others.
func TestValidateGoesOnPastUnreadableObjects(t *testing.T) {
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	log := tr.Logs[1][0]
	r := validate(t, unreadableStore{st, map[string]bool{log: true}}, cloudtrail.ValidateOptions{Bucket: tr.Bucket})
	if diff := cmp.Diff([]found{{cloudtrail.FindingUnreadable, log}}, kindsAndKeys(r)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if r.LogFiles != 12 || r.ValidLogFiles != 11 || r.ValidDigestFiles != 5 {
		t.Errorf("%d/%d log files and %d digests valid, want 11/12 and 5", r.ValidLogFiles, r.LogFiles, r.ValidDigestFiles)
	}
	if !strings.Contains(r.Findings[0].Detail, "checksum did not match") {
		t.Errorf("detail %q does not say why", r.Findings[0].Detail)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recordedOf is what the trail's writer would have recorded of tr: its
// newest digest, and the log files after it with their hashes.
func recordedOf(t *testing.T, st cairn.BlobStore, tr *cloudtrailtest.Trail) []cloudtrail.RecordedChain {
	pending := map[string]string{}
	for _, k := range tr.Pending {
		b, _, err := cloudtrailtest.Read(context.Background(), st, k)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		pending[k] = hex.EncodeToString(sum[:])
	}
	return []cloudtrail.RecordedChain{{Account: tr.Account, Region: tr.Region, NewestDigest: tr.Digests[len(tr.Digests)-1], Started: tr.Start, Pending: pending}}
}

// TestValidateDigestsDeletedFromTheStart: where the writer's record says
// the chain began, the digests deleted from its start are counted and their
// log files named as theirs, not as older than the trail.
func TestValidateDigestsDeletedFromTheStart(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	rec := recordedOf(t, st, tr)
	must(t, st.Delete(ctx, tr.Digests[0]))
	must(t, st.Delete(ctx, tr.Digests[1]))
	r := validate(t, st, cloudtrail.ValidateOptions{Recorded: rec})
	want := []found{{cloudtrail.FindingChainBreak, tr.Digests[1]}, {cloudtrail.FindingMissingDigest, tr.Digests[1]}}
	for _, i := range []int{0, 1} {
		for _, k := range tr.Logs[i] {
			want = append(want, found{cloudtrail.FindingNotCovered, k})
		}
	}
	slices.SortFunc(want, func(a, b found) int { return strings.Compare(a.Key+string(a.Kind), b.Key+string(b.Kind)) })
	if diff := cmp.Diff(want, kindsAndKeys(r)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s\nall: %s", diff, describe(r))
	}
	for _, f := range r.Findings {
		if f.Kind == cloudtrail.FindingNotCovered && !strings.Contains(f.Detail, "in the period of the missing digest") && !strings.Contains(f.Detail, "in the period of the digests missing before") {
			t.Errorf("%s: %s, want it named as a missing digest's", f.Key, f.Detail)
		}
	}
	if r.DigestFiles-r.ValidDigestFiles != 2 {
		t.Errorf("%d of %d digests valid, want the 2 deleted counted", r.ValidDigestFiles, r.DigestFiles)
	}
}

// TestValidateAnotherTrailThanTheRecords: the writer's record of one trail
// says nothing of another (checking a downloaded AWS trail with the data
// folder of a cairn that records): its files are not findings for want of
// being in that record, and a folder without digests has none.
func TestValidateAnotherTrailThanTheRecords(t *testing.T) {
	ctx := context.Background()
	ours, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	rec := recordedOf(t, ours, tr)
	cfg := cloudtrailtest.DefaultConfig()
	cfg.Account = "444455556666"
	theirs, _ := newTrail(t, cfg)
	if r := validate(t, theirs, cloudtrail.ValidateOptions{Recorded: rec}); !r.Valid() {
		t.Errorf("another trail with digests: %s", describe(r))
	}
	undigested, err := file.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	body, _, err := cloudtrailtest.Read(ctx, ours, tr.Logs[0][0])
	must(t, err)
	must(t, undigested.Put(ctx, tr.Logs[0][0], bytes.NewReader(cloudtrail.Gzip(body)), cairn.PutOptions{}))
	if _, err := cloudtrail.Validate(ctx, undigested, cloudtrail.ValidateOptions{Recorded: rec}); !errors.Is(err, cloudtrail.ErrNoDigests) {
		t.Errorf("a trail without digests: %v, want ErrNoDigests", err)
	}
}

// TestValidateFilesOutsideTheChains: log files that no digest could list
// (in a region without digests, before the first digest, after the newest,
// or named in the future) are findings of a trail whose writer's record is
// given, which lists every file it delivered; of another trail, whose
// validation may have been turned on late, they are counted, except a name
// in the future, which is false for any trail.
func TestValidateFilesOutsideTheChains(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	body, _, err := cloudtrailtest.Read(ctx, st, tr.Logs[0][0])
	if err != nil {
		t.Fatal(err)
	}
	forge := func(region string, at time.Time) string {
		key := tr.Layout.LogKey(tr.Account, region, at, "FORGEDFORGEDFORG")
		must(t, st.Put(ctx, key, bytes.NewReader(cloudtrail.Gzip(body)), cairn.PutOptions{}))
		return key
	}
	otherRegion := forge("us-west-2", tr.Start.Add(30*time.Minute))
	before := forge(tr.Region, tr.Start.Add(-3*time.Hour))
	after := forge(tr.Region, tr.Start.Add(time.Duration(len(tr.Digests))*tr.Period+10*time.Minute))
	future := forge(tr.Region, time.Now().Add(48*time.Hour))
	// A file at the root of the trail cairn writes, which holds AWSLogs/
	// alone, is named; in another trail's bucket it is not the trail's.
	root := "forged.json.gz"
	must(t, st.Put(ctx, root, bytes.NewReader(cloudtrail.Gzip(body)), cairn.PutOptions{}))

	r := validate(t, st, cloudtrail.ValidateOptions{})
	if diff := cmp.Diff([]found{{cloudtrail.FindingNotCovered, future}}, kindsAndKeys(r)); diff != "" {
		t.Errorf("an AWS trail (-want +got):\n%s\n%s", diff, describe(r))
	}
	if r.Unchecked != 2 || r.Pending != 2 {
		t.Errorf("an AWS trail: %d unchecked, %d pending; want 2 and 2", r.Unchecked, r.Pending)
	}

	rec := recordedOf(t, st, tr)
	r = validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: time.Now()})
	want := []found{{cloudtrail.FindingNotCovered, otherRegion}, {cloudtrail.FindingNotCovered, before}, {cloudtrail.FindingNotCovered, after}, {cloudtrail.FindingNotCovered, future},
		{cloudtrail.FindingNotCovered, root}}
	slices.SortFunc(want, func(a, b found) int { return strings.Compare(a.Key, b.Key) })
	if diff := cmp.Diff(want, kindsAndKeys(r)); diff != "" {
		t.Errorf("a recorded trail (-want +got):\n%s\n%s", diff, describe(r))
	}
	if r.Unchecked != 0 || r.Pending != 1 {
		t.Errorf("a recorded trail: %d unchecked, %d pending; want 0 and 1", r.Unchecked, r.Pending)
	}
	// A file delivered after the record was saved, by a writer that runs
	// while the trail is checked, is pending.
	r = validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: tr.Start.Add(time.Duration(len(tr.Digests))*tr.Period + 5*time.Minute)})
	if slices.Contains(kindsAndKeys(r), found{cloudtrail.FindingNotCovered, after}) || r.Pending != 2 {
		t.Errorf("a file newer than the record: %s", describe(r))
	}
}

// TestValidateStoppedWriterHasNoPending: once the trail's writer has
// stopped, its record is final, so a log file added after its last delivery
// is a finding however recent its name; only a writer that runs may have
// delivered files its record does not list yet.
func TestValidateStoppedWriterHasNoPending(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	body, _, err := cloudtrailtest.Read(ctx, st, tr.Logs[0][0])
	if err != nil {
		t.Fatal(err)
	}
	savedAt := time.Now().Add(-time.Hour)
	forged := tr.Layout.LogKey(tr.Account, tr.Region, savedAt.Add(30*time.Minute), "FORGEDFORGEDFORG")
	must(t, st.Put(ctx, forged, bytes.NewReader(cloudtrail.Gzip(body)), cairn.PutOptions{}))
	rec := recordedOf(t, st, tr)

	r := validate(t, st, cloudtrail.ValidateOptions{Recorded: rec})
	if diff := cmp.Diff([]found{{cloudtrail.FindingNotCovered, forged}}, kindsAndKeys(r)); diff != "" {
		t.Errorf("a stopped writer (-want +got):\n%s\n%s", diff, describe(r))
	}
	if r.Pending != 1 {
		t.Errorf("a stopped writer: %d pending, want the one file its record lists", r.Pending)
	}

	r = validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: savedAt})
	if !r.Valid() || r.Pending != 2 {
		t.Errorf("a running writer: a file newer than its record is pending: %s", describe(r))
	}
}

// TestValidateRecordedEnd: the writer's record shows what digests cannot:
// the newest digests deleted, and a file delivered since the newest digest
// changed or deleted.
func TestValidateRecordedEnd(t *testing.T) {
	ctx := context.Background()
	st, tr := newTrail(t, cloudtrailtest.DefaultConfig())
	rec := recordedOf(t, st, tr)
	if r := validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: time.Now()}); !r.Valid() || r.Pending != 1 {
		t.Fatalf("untouched: %s", describe(r))
	}
	must(t, cloudtrailtest.Rewrite(ctx, st, tr.Pending[0], func(b []byte) []byte { return bytes.Replace(b, []byte("alice"), []byte("mallo"), 1) }))
	r := validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: time.Now()})
	if diff := cmp.Diff([]found{{cloudtrail.FindingModified, tr.Pending[0]}}, kindsAndKeys(r)); diff != "" {
		t.Errorf("a pending file changed (-want +got):\n%s", diff)
	}
	if r.Pending != 1 || r.InvalidPending != 1 || r.ValidLogFiles != r.LogFiles {
		t.Errorf("a pending file changed: %d pending, %d of them invalid; want 1 and 1%s", r.Pending, r.InvalidPending, describe(r))
	}
	must(t, st.Delete(ctx, tr.Pending[0]))
	r = validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: time.Now()})
	if diff := cmp.Diff([]found{{cloudtrail.FindingDeleted, tr.Pending[0]}}, kindsAndKeys(r)); diff != "" {
		t.Errorf("a pending file deleted (-want +got):\n%s", diff)
	}

	st, tr = newTrail(t, cloudtrailtest.DefaultConfig())
	rec = recordedOf(t, st, tr)
	newest := tr.Digests[len(tr.Digests)-1]
	must(t, st.Delete(ctx, newest))
	r = validate(t, st, cloudtrail.ValidateOptions{Recorded: rec, RecordedAt: time.Now()})
	if len(r.Findings) == 0 || !slices.ContainsFunc(r.Findings, func(f cloudtrail.Finding) bool {
		return f.Kind == cloudtrail.FindingMissingDigest && f.Key == newest && strings.Contains(f.Detail, "deleted from the end of the chain")
	}) {
		t.Errorf("the newest digest deleted: %s", describe(r))
	}
}
