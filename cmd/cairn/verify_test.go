package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
	"github.com/cairn-audit/cairn/index/duckdb"
)

// verifyFixture is a synthetic trail in a folder, its signer's public key
// in a file, and a data folder that holds the signer's private key as the
// recorder keeps it.
type verifyFixture struct {
	dir, pubFile, data string
	tr                 *cloudtrailtest.Trail
}

func makeVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	f := &verifyFixture{dir: t.TempDir(), data: t.TempDir()}
	st, err := file.New(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.tr, err = cloudtrailtest.Write(context.Background(), st, cloudtrailtest.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	key := f.tr.Key
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f.pubFile = filepath.Join(t.TempDir(), "pub.pem")
	write(t, filepath.Dir(f.pubFile), "pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	write(t, f.data, "keys/signing.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	if err := os.Chmod(filepath.Join(f.data, "keys", "signing.pem"), 0o600); err != nil { // as cairn keeps it
		t.Fatal(err)
	}
	return f
}

func TestVerifyCommand(t *testing.T) {
	f := makeVerifyFixture(t)

	// Untouched, with the key given, and with cairn's own keys.
	for _, args := range [][]string{
		{"verify", f.dir, "-public-key", f.pubFile, "-data", t.TempDir()},
		{"verify", "-data", f.data, f.dir},
	} {
		r := runCairn(t, nil, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"5/5 digest files valid\n", "12/12 log files valid\n", "0 log files not covered by any digest; 1 pending", "Results found for 2026-03-10T00:00:31Z to 2026-03-10T05:00:31Z"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "INVALID") {
			t.Errorf("%v: an untouched trail has findings:\n%s", args, r.stdout)
		}
	}

	// One byte of one log changed, one log added.
	st, err := file.New(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	modified := f.tr.Logs[2][1]
	if err := cloudtrailtest.Rewrite(ctx, st, modified, func(b []byte) []byte { b[len(b)/2] ^= 1; return b }); err != nil {
		t.Fatal(err)
	}
	added := strings.Replace(f.tr.Logs[0][0], "cairntest0000000", "cairntest0000009", 1)
	write(t, f.dir, added, cloudtrail.Gzip([]byte(`{"Records":[]}`)))

	r := runCairn(t, nil, "verify", f.dir, "-public-key", f.pubFile)
	if r.code != 1 {
		t.Fatalf("tampered: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"INVALID\tmodified\t" + modified + "\t", "INVALID\tnot-covered\t" + added + "\t",
		"11/12 log files valid, 1/12 log files INVALID", "1 log files not covered"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("tampered: output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.HasPrefix(r.stderr, "cairn verify: 2 problems found") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("tampered: stderr %q", r.stderr)
	}

	r = runCairn(t, nil, "verify", f.dir, "-public-key", f.pubFile, "-format", "json")
	var out struct {
		Valid    bool
		Findings []cloudtrail.Finding
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || out.Valid || len(out.Findings) != 2 || out.Findings[0].Key != added || out.Findings[1].Key != modified {
		t.Fatalf("json: exit %d, %+v", r.code, out)
	}

	// -since past the damage: the rest is valid.
	if r := runCairn(t, nil, "verify", f.dir, "-public-key", f.pubFile, "-since", "2026-03-10T04:00:00Z"); r.code != 0 {
		t.Fatalf("since: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestVerifyCommandErrors(t *testing.T) {
	f := makeVerifyFixture(t)
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", empty, "-public-key", f.pubFile}, 1, "cairn verify: no digest files found under " + empty + ": give the folder"},
		{[]string{"verify", f.dir, "-public-key", f.pubFile, "-since", "2027-01-01"}, 1, "no digest files found under " + f.dir + " between 2027-01-01T00:00:00Z and the last"},
		// A date as -until is the whole day, as in search.
		{[]string{"verify", f.dir, "-public-key", f.pubFile, "-since", "2027-01-01", "-until", "2027-01-01"}, 1, "between 2027-01-01T00:00:00Z and 2027-01-02T00:00:00Z"},
		{[]string{"verify", filepath.Join(empty, "nope"), "-public-key", f.pubFile}, 1, "cairn verify: open " + filepath.Join(empty, "nope") + ": "},
		{[]string{"verify", f.dir, "-data", empty}, 1, "cairn verify: no public keys: none given and none in " + filepath.Join(empty, "keys")},
		// A mistyped trail is named before any key is looked for.
		{[]string{"verify", filepath.Join(empty, "nope"), "-data", empty}, 1, "cairn verify: open " + filepath.Join(empty, "nope") + ": "},
		{[]string{"verify", f.dir, "-public-key", filepath.Join(f.dir, "AWSLogs")}, 1, "cairn verify: read public key:"},
		{[]string{"verify", f.dir, "-public-key", f.pubFile, "-format", "xml"}, 2, "-format takes text or json"},
		{[]string{"verify", "-public-key", f.pubFile}, 2, "give one folder or s3://bucket/prefix"},
	} {
		r := runCairn(t, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// A folder inside the layout (…/AWSLogs/111122223333) verifies too.
	sub := filepath.Join(f.dir, "AWSLogs", f.tr.Account)
	if r := runCairn(t, nil, "verify", sub, "-public-key", f.pubFile); r.code != 0 || !strings.Contains(r.stdout, "5/5 digest files valid") {
		t.Fatalf("inside the layout: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(sub); err != nil {
		t.Fatal(err)
	}
}

// A file named with a line break is one finding, on one line: a name
// cannot print a finding of its own or a summary that hides one.
func TestVerifyReportNamesOnOneLine(t *testing.T) {
	r := &cloudtrail.Report{Findings: []cloudtrail.Finding{{Kind: cloudtrail.FindingNotCovered, Key: "a.json.gz\n\nResults found: all valid", Detail: "no digest covers it"}}}
	var b strings.Builder
	if err := printReport(&b, r, time.Now()); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	if want := `INVALID	not-covered	a.json.gz\x0a\x0aResults found: all valid	no digest covers it`; first != want {
		t.Errorf("first line %q, want %q", first, want)
	}
}

// TestVerifyCommandStoppedServer: once the server that recorded a trail has
// stopped, its record in DATA/record/state.json is final, so a log file
// added to the archive after its last delivery is a finding however recent
// its name; while a server holds the data folder, such a file may have
// been delivered since the record was saved, and is pending.
func TestVerifyCommandStoppedServer(t *testing.T) {
	f := makeVerifyFixture(t)
	ctx := context.Background()
	st, err := file.New(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	// The recorder's record: the newest digest, and the file delivered since.
	type pending struct{ Key, Hash string }
	var recorded []pending
	for _, key := range f.tr.Pending {
		body, _, err := cloudtrailtest.Read(ctx, st, key)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		recorded = append(recorded, pending{key, hex.EncodeToString(sum[:])})
	}
	state := map[string]any{"delivered": 1, "trails": map[string]any{
		f.tr.Account + "/" + f.tr.Region: map[string]any{
			"account": f.tr.Account, "region": f.tr.Region, "started": f.tr.Start,
			"last": map[string]any{"key": f.tr.Digests[len(f.tr.Digests)-1]}, "pending": recorded,
		},
	}}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f.data, "record/state.json", b)
	body, _, err := cloudtrailtest.Read(ctx, st, f.tr.Logs[0][0])
	if err != nil {
		t.Fatal(err)
	}
	forged := f.tr.Layout.LogKey(f.tr.Account, f.tr.Region, time.Now(), "FORGEDFORGEDFORG")
	write(t, f.dir, forged, cloudtrail.Gzip(body))

	r := runCairn(t, nil, "verify", "-data", f.data, f.dir)
	if r.code != 1 || !strings.Contains(r.stdout, "INVALID\tnot-covered\t"+forged+"\t") || !strings.Contains(r.stdout, "1 log files not covered by any digest; 1 pending") {
		t.Errorf("no server: exit %d, want 1 with the added file not covered\n%s%s", r.code, r.stdout, r.stderr)
	}

	idx, err := openWriter(ctx, f.data, duckdb.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	r = runCairn(t, nil, "verify", "-data", f.data, f.dir)
	if r.code != 0 || !strings.Contains(r.stdout, "0 log files not covered by any digest; 2 pending") {
		t.Errorf("a server holds the data folder: exit %d, want 0 with the newer file pending\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A pending file changed: the summary counts it as the finding says.
	if err := cloudtrailtest.Rewrite(ctx, st, f.tr.Pending[0], func(b []byte) []byte { b[len(b)/2] ^= 1; return b }); err != nil {
		t.Fatal(err)
	}
	r = runCairn(t, nil, "verify", "-data", f.data, f.dir)
	if r.code != 1 || !strings.Contains(r.stdout, "INVALID\tmodified\t"+f.tr.Pending[0]+"\t") || !strings.Contains(r.stdout, "; 2 pending (delivered after the newest digest), 1/2 pending INVALID\n") {
		t.Errorf("a pending file changed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
