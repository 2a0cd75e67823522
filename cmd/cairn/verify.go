package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/blob/s3"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
	"github.com/cairn-audit/cairn/record"
)

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "URL")
	data := dataFlag(fs, e)
	var keyFiles stringList
	fs.Var(&keyFiles, "public-key", "a public key that may sign digests: PEM, DER or base64 DER, or the JSON that aws cloudtrail list-public-keys prints (repeatable; default: cairn's own keys in DATA/keys)")
	since := fs.String("since", "", "check the digests that end at or after this time (RFC 3339, or a date: 2026-03-14) or this long ago (72h, 30d)")
	until := fs.String("until", "", "check the digests that end at or before this time (a date: through that day) or this long ago")
	bucket := fs.String("bucket", "", "the bucket that digests must name (default: the bucket of an s3:// URL; not checked for a folder)")
	format := fs.String("format", "text", "text or json")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give one folder or s3://bucket/prefix that holds a trail (AWSLogs/…)", errUsage)
	}
	if err := textOrJSON(format); err != nil {
		return err
	}
	now := time.Now().UTC()
	var opts cloudtrail.ValidateOptions
	// A date as -until means through that day, as in search.
	if opts.Since, opts.Until, err = parseRange(*since, *until, now); err != nil {
		return err
	}
	// The trail first: a mistyped path is what to mend before any key.
	url := pos[0]
	store, err := openTrail(ctx, url, &opts)
	if err != nil {
		return err
	}
	if opts.PublicKeys, err = loadPublicKeys(*data, keyFiles); err != nil {
		return err
	}
	if len(keyFiles) == 0 {
		// cairn's own trail: what its recorder wrote is known, so every
		// log file must be accounted for, to the newest digest and after.
		// Only a server that runs delivers files its record may not list
		// yet; asked before the record is read, so that a server stopping
		// meanwhile leaves the final record.
		running, err := duckdb.WriterRunning(filepath.Join(*data, "index"))
		if err != nil {
			return err
		}
		var savedAt time.Time
		if opts.Recorded, savedAt, err = record.RecordedChains(*data); err != nil {
			return err
		}
		if running {
			opts.RecordedAt = savedAt
		}
	}
	if *bucket != "" {
		opts.Bucket = *bucket
	}
	r, err := cloudtrail.Validate(ctx, store, opts)
	if errors.Is(err, cloudtrail.ErrNoDigests) {
		if !opts.Since.IsZero() || !opts.Until.IsZero() {
			return fmt.Errorf("no digest files found under %s between %s and %s", url, timeOr(opts.Since, "the first"), timeOr(opts.Until, "the last"))
		}
		return cairn.WithHint(fmt.Errorf("no digest files found under %s", url),
			"give the folder or s3://bucket/prefix that holds AWSLogs/ of a trail whose log file validation is on")
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		out := struct {
			URL   string `json:"url"`
			Valid bool   `json:"valid"`
			*cloudtrail.Report
		}{url, r.Valid(), r}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := printReport(terminalText(e.stdout), r, now); err != nil {
		return err
	}
	if !r.Valid() {
		n := len(r.Findings)
		return &exitError{1, fmt.Errorf("%d %s found under %s; see above", n, plural(n, "problem", "problems"), url)}
	}
	return nil
}

// printReport prints one line per finding and per chain restart, then a
// summary in the spirit of aws-cli's validate-logs.
func printReport(w io.Writer, r *cloudtrail.Report, now time.Time) error {
	var b bytes.Buffer
	// Keys are escaped as a table's cells are: a file named with a line
	// break must not print a finding of its own, or hide one.
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "INVALID\t%s\t%s\t%s\n", f.Kind, cellText(f.Key), cellText(f.Detail))
	}
	for _, g := range r.Gaps {
		fmt.Fprintf(&b, "GAP\t%s\tthe digest chain restarts after %s: no digest covers %s to %s\n",
			cellText(g.Key), cellText(g.After), g.From.Format(time.RFC3339), g.To.Format(time.RFC3339))
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "Results requested for %s to %s\n", timeOr(r.Since, "the first digest"), timeOr(r.Until, now.Format(time.RFC3339)))
	fmt.Fprintf(&b, "Results found for %s to %s (%d digest chains):\n", timeOr(r.From, "-"), timeOr(r.To, "-"), r.Chains)
	fmt.Fprintf(&b, "%s\n", counts(r.ValidDigestFiles, r.DigestFiles, "digest files"))
	fmt.Fprintf(&b, "%s\n", counts(r.ValidLogFiles, r.LogFiles, "log files"))
	fmt.Fprintf(&b, "%d log files not covered by any digest; %d pending (delivered after the newest digest)", r.NotCovered, r.Pending)
	if r.InvalidPending > 0 {
		// They were checked against the recorder's record, not a digest,
		// so the log files line leaves them out.
		fmt.Fprintf(&b, ", %d/%d pending INVALID", r.InvalidPending, r.Pending)
	}
	b.WriteByte('\n')
	if r.Unchecked > 0 {
		fmt.Fprintf(&b, "%d log files outside every digest chain (before a region's first digest, or in a region without digests): not checked\n", r.Unchecked)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func counts(valid, total int, what string) string {
	s := fmt.Sprintf("%d/%d %s valid", valid, total, what)
	if valid < total {
		s += fmt.Sprintf(", %d/%d %s INVALID", total-valid, total, what)
	}
	return s
}

func timeOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// openTrail opens a folder or s3://bucket/prefix and says in opts where the
// store sits in the trail's bucket, as far as the URL tells.
func openTrail(ctx context.Context, url string, opts *cloudtrail.ValidateOptions) (cairn.BlobStore, error) {
	if strings.HasPrefix(url, "s3://") {
		bucket, prefix, err := s3.ParseURL(url)
		if err != nil {
			return nil, err
		}
		if prefix = strings.Trim(prefix, "/"); prefix != "" {
			opts.Prefix = prefix + "/"
		}
		opts.Bucket = bucket
		// Each read from S3 waits for its first byte: read as many objects
		// at once as ingest fetches, not the 8 that suit a folder
		// (BenchmarkValidateSlowStore: 365 → 1,220 objects a second with
		// reads that wait 20 ms).
		opts.Workers = ingest.DefaultConfig().Fetchers
		return s3.Open(ctx, url)
	}
	abs, err := filepath.Abs(strings.TrimPrefix(url, "file://"))
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		if err == nil {
			err = errors.New("not a folder")
		}
		return nil, cairn.WithHint(fmt.Errorf("open %s: %w", url, err), "give the folder or s3://bucket/prefix that holds a trail (AWSLogs/…)")
	}
	// A folder inside AWS's layout (…/AWSLogs/111122223333) holds keys that
	// start below AWSLogs/; the digests name them from AWSLogs/ on.
	parts := strings.Split(filepath.ToSlash(abs), "/")
	if i := slices.Index(parts, "AWSLogs"); i >= 0 {
		opts.Prefix = strings.Join(parts[i:], "/") + "/"
	}
	return file.New(abs)
}

// loadPublicKeys reads the keys that may sign digests, by fingerprint:
// the files given, or else the public halves of cairn's own signing keys.
func loadPublicKeys(data string, files []string) (map[string]*rsa.PublicKey, error) {
	keys := map[string]*rsa.PublicKey{}
	if len(files) > 0 {
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				return nil, cairn.WithHint(fmt.Errorf("read public key: %w", err), "give a PEM, DER or base64 public key file")
			}
			if err := addPublicKeys(keys, b); err != nil {
				return nil, fmt.Errorf("public key %s: %w", name, err)
			}
		}
		return keys, nil
	}
	signing, err := record.LoadKeys(filepath.Join(data, record.KeysFolder))
	if err != nil {
		return nil, err
	}
	for _, k := range signing {
		keys[k.Fingerprint] = &k.Private.PublicKey
	}
	if len(keys) == 0 {
		return nil, cairn.WithHint(fmt.Errorf("no public keys: none given and none in %s", filepath.Join(data, record.KeysFolder)),
			"pass -public-key FILE (for an AWS trail, the output of aws cloudtrail list-public-keys), or -data with the folder of the cairn that signed the trail")
	}
	return keys, nil
}

// addPublicKeys adds the keys of one file: a key in any form that
// cloudtrail.ParsePublicKey reads, named by cairn's fingerprint, or the JSON
// of aws cloudtrail list-public-keys, named by AWS's fingerprints (whose
// derivation AWS does not document).
func addPublicKeys(keys map[string]*rsa.PublicKey, b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var list struct {
			PublicKeyList []struct {
				Value       []byte // base64 in JSON
				Fingerprint string
			}
		}
		if err := json.Unmarshal(t, &list); err != nil {
			return fmt.Errorf("not the JSON of aws cloudtrail list-public-keys: %w", err)
		}
		if len(list.PublicKeyList) == 0 {
			return errors.New("PublicKeyList is empty")
		}
		for _, k := range list.PublicKeyList {
			pub, err := cloudtrail.ParsePublicKey(k.Value)
			if err != nil {
				return fmt.Errorf("key %s: %w", k.Fingerprint, err)
			}
			keys[k.Fingerprint] = pub
		}
		return nil
	}
	pub, err := cloudtrail.ParsePublicKey(b)
	if err != nil {
		return err
	}
	keys[cloudtrail.PublicKeyFingerprint(pub)] = pub
	return nil
}
