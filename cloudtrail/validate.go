package cloudtrail

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"
)

// FindingKind names what is wrong with one object of a trail.
type FindingKind string

const (
	// FindingModified: a log file's SHA-256 differs from the one its digest lists.
	FindingModified FindingKind = "modified"
	// FindingDeleted: a log file that a digest lists is not in the store.
	FindingDeleted FindingKind = "deleted"
	// FindingMissingDigest: a digest that the next one names as its
	// previous digest is not in the store.
	FindingMissingDigest FindingKind = "missing-digest"
	// FindingChainBreak: digests do not link up: a link names the wrong
	// digest, signature, hash or time, or more digests are missing than the
	// links name.
	FindingChainBreak FindingKind = "chain-break"
	// FindingNotCovered: a log file lies in the period that the digests
	// cover, but no digest lists it (a file added after delivery).
	FindingNotCovered FindingKind = "not-covered"
	// FindingUnknownKey: a digest names a public key fingerprint that is
	// not among the keys given.
	FindingUnknownKey FindingKind = "unknown-key"
	// FindingBadSignature: a digest's signature is absent or does not verify.
	FindingBadSignature FindingKind = "bad-signature"
	// FindingInvalidFormat: a digest or log file cannot be decompressed or
	// parsed.
	FindingInvalidFormat FindingKind = "invalid-format"
	// FindingMoved: a digest is not at the location it names.
	FindingMoved FindingKind = "moved"
	// FindingUnreadable: the store failed to give a digest or log file
	// (a permission, a network error, or the store's own checksum of the
	// object failing), so it could not be checked; the rest is.
	FindingUnreadable FindingKind = "unreadable"
)

// Finding is one problem with one object.
type Finding struct {
	Kind FindingKind `json:"kind"`
	// Key is the object's key in the store (for a missing object, where it
	// should be).
	Key    string `json:"object"`
	Detail string `json:"detail"`
}

// Gap is a restart of a digest chain: the digest at Key names no previous
// digest although After is older. CloudTrail does this when logging or
// validation was stopped and started again; no digest covers From to To.
// aws-cli reports the same as "No log files were delivered between …". It is
// a notice, not a finding: log files delivered in the gap are findings of
// their own (not covered).
type Gap struct {
	Key   string    `json:"object"`
	After string    `json:"after"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// ValidateOptions select what Validate checks and with which keys.
type ValidateOptions struct {
	// Since and Until select the digests whose end time (from their key)
	// lies in [Since, Until]; zero means unbounded.
	Since, Until time.Time
	// PublicKeys are the keys that may sign digests, by fingerprint (the
	// digestPublicKeyFingerprint that digests name).
	PublicKeys map[string]*rsa.PublicKey
	// Prefix is the part of a trail's S3 keys that sits before the store's
	// keys, as far as it is known: "" for a store at a bucket's root,
	// "prefix/" for s3://bucket/prefix/, "AWSLogs/" for a folder copied from
	// …/AWSLogs/. A digest's digestS3Object must end with Prefix+key.
	Prefix string
	// Bucket, when set, is the bucket that digests must name.
	Bucket string
	// Workers is how many objects are read at once (default 8).
	Workers int
	// Recorded, when set, is what the trail's own writer says it wrote
	// (cairn's recorder keeps it in DATA/record/state.json), a chain per
	// account and region. It lets Validate check what digests alone cannot:
	// that each chain's newest digest is still there (deleting the newest
	// digests shortens a chain without breaking it), that every log file
	// after it is one the writer delivered, with its hash, and that no log
	// file lies outside the chains (before them, or in an account or
	// region without one), which for a trail of AWS's, whose validation may
	// have been turned on after it began, is only counted (Unchecked).
	Recorded []RecordedChain
	// RecordedAt, set only while the writer runs, is when Recorded was
	// written: a log file delivered since may be missing from it, and is
	// pending. Zero means the writer is stopped, so Recorded is final and a
	// log file it does not list (nor any digest) is a finding, whatever
	// time its name gives: anyone who can write to the archive could add it.
	RecordedAt time.Time
	// Now judges log files named as delivered in the future; zero means
	// the time Validate is called.
	Now time.Time
}

// RecordedChain is one digest chain as its writer recorded it. Keys start
// at AWSLogs/.
type RecordedChain struct {
	Account, Region string
	// NewestDigest is the key of the newest digest written; empty before
	// the first.
	NewestDigest string
	// Started is when the chain began: its first digest starts then.
	Started time.Time
	// Pending are the log files delivered since NewestDigest, by key, with
	// the SHA-256 of their uncompressed bytes (hex).
	Pending map[string]string
}

// Report is the outcome of Validate. Findings are sorted by key, then kind.
type Report struct {
	// Since and Until are the range requested.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// From and To are the range covered by the digests checked: the
	// oldest start and the newest end.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Chains is how many digest chains (per account, source region, trail,
	// home region; backfill apart) have digests in range.
	Chains int `json:"chains"`
	// DigestFiles counts the digests in range, plus the missing ones: those
	// their successors name, and as many more as the periods of a gap
	// before such a one held. ValidDigestFiles counts those with no
	// finding.
	DigestFiles      int `json:"digestFiles"`
	ValidDigestFiles int `json:"validDigestFiles"`
	// LogFiles counts the log files listed by the valid digests;
	// ValidLogFiles those whose hash matches.
	LogFiles      int `json:"logFiles"`
	ValidLogFiles int `json:"validLogFiles"`
	// NotCovered counts log files in the covered range that no digest
	// lists; Pending counts log files delivered after the newest digest
	// (not yet listed: not a finding).
	NotCovered int `json:"notCovered"`
	Pending    int `json:"pending"`
	// InvalidPending counts the pending log files that are not as their
	// writer recorded them (modified, deleted, unreadable): each is a
	// finding.
	InvalidPending int `json:"invalidPending"`
	// Unchecked counts log files that no digest could list, in a trail
	// without Recorded: delivered before their region's first digest in
	// range, or in an account or region without digests.
	Unchecked int       `json:"unchecked"`
	Gaps      []Gap     `json:"gaps"`
	Findings  []Finding `json:"findings"`
}

// Valid reports whether nothing was found wrong.
func (r *Report) Valid() bool { return len(r.Findings) == 0 }

// ErrNoDigests is returned by Validate when the store holds no digest file
// (in the range requested).
var ErrNoDigests = errors.New("no digest files found")

// Validate checks every digest chain in a store that holds a trail in AWS's
// layout ([prefix/]AWSLogs/[o-id/]account/CloudTrail-Digest/…): each digest
// in range is read, its signature verified with the key it names, its
// location and its link to the previous digest checked, and every log file
// it lists hashed; log files that no digest lists are reported too. The
// error is for what stopped the check (a listing or read failure, no
// digests): what is wrong with the trail is in the report.
//
// Validate lists the digest trees once, walking folder by folder elsewhere,
// and lists each log folder once, only from the first day that digests in
// range cover. It reads at most Workers objects at once.
func Validate(ctx context.Context, store cairn.BlobStore, opts ValidateOptions) (*Report, error) {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	v := &validator{store: store, opts: opts, listed: map[string]*digestEntry{}, logListed: map[string]bool{}, missing: map[string]bool{},
		onlyInvalid: map[string]string{}, validListed: map[string]bool{}, recordedPending: map[string]string{}}
	v.recordedBegan = map[chainID]time.Time{}
	for _, rc := range opts.Recorded {
		for k, h := range rc.Pending {
			v.recordedPending[layoutKey(k)] = h
		}
		if rc.NewestDigest != "" {
			v.recordedBegan[chainOf(ParseKey(layoutKey(rc.NewestDigest))).unprefixed()] = rc.Started
		}
	}
	v.report.Since, v.report.Until = opts.Since, opts.Until
	if err := v.discover(ctx); err != nil {
		return nil, err
	}
	if opts.Recorded != nil && !v.recordIsThisTrails(ctx) {
		// Another trail than the one the record is of: checked as any.
		v.opts.Recorded, v.opts.RecordedAt = nil, time.Time{}
		clear(v.recordedPending)
		clear(v.recordedBegan)
	}
	// A trail whose writer recorded files but no digest yet (its first
	// digest period) is checked against that record alone.
	recordedOnly := len(v.recordedPending) > 0 && opts.Since.IsZero() && opts.Until.IsZero()
	if len(v.chains) == 0 && len(v.findings) == 0 && !recordedOnly {
		return nil, cairn.WithHint(fmt.Errorf("%w in %s", ErrNoDigests, store),
			"give the folder or s3://bucket/prefix that holds AWSLogs/ of a trail with log file validation on")
	}
	var need []*digestEntry
	for _, c := range v.chains {
		need = append(need, c.window()...)
	}
	if len(need) == 0 && len(v.findings) == 0 && !recordedOnly {
		return nil, fmt.Errorf("%w in %s between %s and %s", ErrNoDigests, store, timeOrNone(opts.Since, "the first"), timeOrNone(opts.Until, "the last"))
	}
	if err := v.loadDigests(ctx, need); err != nil {
		return nil, err
	}
	for _, c := range v.chains {
		v.checkChain(c)
	}
	v.reportUnchecked()
	v.checkNewestDigests()
	// Coverage first: it queues the pending files whose hashes the writer
	// recorded, checked with the listed ones.
	if err := v.checkCoverage(ctx); err != nil {
		return nil, err
	}
	if err := v.checkLogFiles(ctx); err != nil {
		return nil, err
	}
	v.finish()
	return &v.report, nil
}

func timeOrNone(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// validator holds the state of one Validate call.
type validator struct {
	store  cairn.BlobStore
	opts   ValidateOptions
	report Report

	chains []*chain
	listed map[string]*digestEntry // every digest found, by key

	mu        sync.Mutex
	findings  []Finding
	logListed map[string]bool // log keys listed by any digest read
	// onlyInvalid are log files listed by a digest in range that failed its
	// check, by that digest's key; those a valid digest lists too are
	// dropped from it once every chain is checked.
	onlyInvalid map[string]string
	validListed map[string]bool
	missing     map[string]bool // missing digests already reported
	// lost are the periods of the missing digests, so that a log file only
	// they listed is said to be theirs, not one no digest ever listed.
	lost     []lostDigest
	logTasks []logTask
	folders  map[string]*logFolder
	// logRoots are the …/account/CloudTrail/ folders found.
	logRoots []string
	// strays are the objects found beside the trail's folders (strayObject).
	strays []string
	// recordedPending are the log files the writer delivered after its
	// newest digests (ValidateOptions.Recorded), by layout key (AWSLogs/…).
	recordedPending map[string]string
	// recordedBegan is when each of the writer's chains began, by its
	// chainID without the layout's prefix.
	recordedBegan map[chainID]time.Time
}

// recordIsThisTrails reports whether the writer's record (Recorded) is of
// the trail being checked: the store holds a digest of one of its chains,
// or one of the log files it delivered since. Without either, nothing of
// the writer's is there, and its record would make every file a finding.
func (v *validator) recordIsThisTrails(ctx context.Context) bool {
	for _, c := range v.chains {
		if _, ok := v.recordedBegan[c.id.unprefixed()]; ok {
			return true
		}
	}
	for _, rc := range v.opts.Recorded {
		tried := 0
		for key := range rc.Pending {
			if _, err := v.store.Head(ctx, layoutKey(key)); err == nil {
				return true
			}
			if tried++; tried == 3 {
				break // a few absent files say enough, without a round trip per file
			}
		}
	}
	return false
}

// layoutKey is a key from its AWSLogs/ on, as a trail's writer names it
// whatever folder or prefix the trail is read through.
func layoutKey(key string) string {
	if i := strings.Index(key, "AWSLogs/"); i >= 0 {
		return key[i:]
	}
	return key
}

// lostDigest is a missing digest's period, as far as it is known: it ends
// at the time in its key and starts where the digest before it ended (or
// one period earlier, when none is present).
type lostDigest struct {
	key             string
	account, region string
	from, to        time.Time
	// before marks the digests gone before key, from the chain's start,
	// which no link names.
	before bool
}

// notCovered is the finding of a log file delivered at t in l's period.
func (l lostDigest) notCovered(key string, t time.Time) Finding {
	which := "the missing digest " + l.key
	if l.before {
		which = "the digests missing before " + l.key
	}
	return Finding{FindingNotCovered, key, fmt.Sprintf("delivered at %s, in the period of %s (%s to %s), which would have listed it: it cannot be checked",
		t.Format("2006-01-02T15:04Z"), which, l.from.Format(time.RFC3339), l.to.Format(time.RFC3339))}
}

// lostDigestOf returns the missing digest whose period holds a log file
// delivered at t in account and region.
func (v *validator) lostDigestOf(account, region string, t time.Time) (lostDigest, bool) {
	for _, l := range v.lost {
		if l.account == account && l.region == region && !t.Before(l.from) && t.Before(l.to) {
			return l, true
		}
	}
	return lostDigest{}, false
}

// chainID is what digests of one chain share.
type chainID struct {
	prefix, orgID, account, region, trail, homeRegion string
	backfill                                          bool
}

func (c chainID) compare(o chainID) int {
	return cmp.Or(cmp.Compare(c.prefix, o.prefix), cmp.Compare(c.orgID, o.orgID), cmp.Compare(c.account, o.account),
		cmp.Compare(c.region, o.region), cmp.Compare(c.trail, o.trail), cmp.Compare(c.homeRegion, o.homeRegion),
		cmpBool(c.backfill, o.backfill))
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// unprefixed is the ID without the layout's prefix: the writer names its
// chains from AWSLogs/ on, whatever folder they are read through.
func (c chainID) unprefixed() chainID {
	c.prefix = ""
	return c
}

func chainOf(info KeyInfo) chainID {
	return chainID{info.Prefix, info.OrgID, info.Account, info.Region, info.TrailName, info.HomeRegion, info.Backfill}
}

// chain is one digest chain as listed, oldest first.
type chain struct {
	id chainID
	// accountDir is the store key of ".../account/", where the chain's
	// CloudTrail/ log folder is.
	accountDir string
	entries    []*digestEntry
	// first and last index the digests in range; first > last when none.
	first, last int
}

// window is the digests in range, with the one before and the one after
// them: the link of the first digest in range is checked against the one
// before, and log files on the range's edges may be listed by either.
func (c *chain) window() []*digestEntry {
	if c.first > c.last {
		return nil
	}
	return c.entries[max(c.first-1, 0):min(c.last+2, len(c.entries))]
}

// digestEntry is one digest file of a chain.
type digestEntry struct {
	key     string
	info    KeyInfo
	inRange bool

	// Filled by load.
	d          *Digest // nil when unreadable
	hash       string  // hex SHA-256 of the uncompressed body
	signature  string
	start, end time.Time // from the body, or the key's time when unreadable
	problem    *Finding  // the first thing wrong with the digest itself
	// movedUnsigned marks a moved digest (problem) whose signature does
	// not verify either.
	movedUnsigned bool
	linkBroken    bool // a chain-break or gap finding names it
}

func (e *digestEntry) valid() bool { return e.d != nil && e.problem == nil }

func (v *validator) add(f Finding) {
	v.mu.Lock()
	v.findings = append(v.findings, f)
	v.mu.Unlock()
}

// discover lists the digest files. It walks the store folder by folder with
// a delimiter, lists each CloudTrail-Digest/ folder whole, and never enters
// the log and Insights trees: those are listed later, only where digests in
// range say.
func (v *validator) discover(ctx context.Context) error {
	byID := map[chainID]*chain{}
	var walk func(prefix string) error
	walk = func(prefix string) error {
		for e, err := range v.store.List(ctx, cairn.ListOptions{Prefix: prefix, Delimiter: "/"}) {
			if err != nil {
				return fmt.Errorf("list %s: %w", prefix, err)
			}
			if e.Prefix == "" {
				if v.strayObject(e.Object.Key) {
					v.strays = append(v.strays, e.Object.Key)
				}
				continue
			}
			name := strings.TrimSuffix(e.Prefix[len(prefix):], "/")
			switch name {
			case KeyDigest.dirName():
				if err := v.listDigests(ctx, e.Prefix, byID); err != nil {
					return err
				}
			case KeyLog.dirName():
				v.logRoots = append(v.logRoots, e.Prefix)
			case KeyInsight.dirName():
			default:
				if err := walk(e.Prefix); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(""); err != nil {
		return err
	}
	for _, c := range byID {
		slices.SortFunc(c.entries, func(a, b *digestEntry) int {
			return cmp.Or(a.info.Time.Compare(b.info.Time), cmp.Compare(a.key, b.key))
		})
		c.first, c.last = len(c.entries), -1
		for i, e := range c.entries {
			if (v.opts.Since.IsZero() || !e.info.Time.Before(v.opts.Since)) && (v.opts.Until.IsZero() || !e.info.Time.After(v.opts.Until)) {
				e.inRange = true
				c.first, c.last = min(c.first, i), max(c.last, i)
			}
		}
		v.chains = append(v.chains, c)
	}
	slices.SortFunc(v.chains, func(a, b *chain) int { return a.id.compare(b.id) })
	return nil
}

// strayObject reports whether key lies where a trail's folders are and no
// trail writes a file: in AWSLogs/ itself, or in an account's or an
// organisation's folder there, beside CloudTrail/ (the folders of other
// services' logs, such as Config/, are theirs); or at the store's root,
// which, in the trail that cairn writes, holds AWSLogs/ alone (checkCoverage
// names those only in that trail). Ingest reads such a file as any other,
// so it must not pass unnamed.
func (v *validator) strayObject(key string) bool {
	if strings.HasSuffix(key, "/") {
		return false // a folder's marker
	}
	i := strings.LastIndex(key, "AWSLogs/")
	if i < 0 || i > 0 && key[i-1] != '/' {
		return !strings.Contains(key, "/")
	}
	folders := strings.Split(key[i+len("AWSLogs/"):], "/")
	folders = folders[:len(folders)-1]
	if len(folders) > 2 {
		return false
	}
	for _, f := range folders {
		if !isAccountID(f) && !strings.HasPrefix(f, "o-") {
			return false
		}
	}
	return true
}

func (v *validator) listDigests(ctx context.Context, dir string, byID map[chainID]*chain) error {
	for e, err := range v.store.List(ctx, cairn.ListOptions{Prefix: dir}) {
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		key := e.Object.Key
		info := ParseKey(v.opts.Prefix + key)
		if info.Kind != KeyDigest || info.Time.IsZero() {
			// Only CloudTrail writes under CloudTrail-Digest/.
			v.add(Finding{FindingInvalidFormat, key, "not named as a digest file"})
			continue
		}
		id := chainOf(info)
		c := byID[id]
		if c == nil {
			c = &chain{id: id, accountDir: strings.TrimSuffix(dir, KeyDigest.dirName()+"/")}
			byID[id] = c
		}
		e := &digestEntry{key: key, info: info}
		v.listed[key] = e
		c.entries = append(c.entries, e)
	}
	return nil
}

// loadDigests reads and checks the digests, Workers at a time.
func (v *validator) loadDigests(ctx context.Context, entries []*digestEntry) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(v.opts.Workers)
	for _, e := range entries {
		g.Go(func() error { return v.load(ctx, e) })
	}
	return g.Wait()
}

// load reads one digest and checks it alone: format, location, signature.
// It records the first problem in e.problem.
func (v *validator) load(ctx context.Context, e *digestEntry) error {
	e.start, e.end = e.info.Time, e.info.Time
	fail := func(kind FindingKind, format string, args ...any) error {
		e.problem = &Finding{kind, e.key, fmt.Sprintf(format, args...)}
		return nil
	}
	rc, obj, err := v.store.Get(ctx, e.key)
	if errors.Is(err, cairn.ErrNotFound) {
		return fail(FindingMissingDigest, "listed, then not found")
	}
	if err == nil {
		var raw []byte
		raw, err = io.ReadAll(io.LimitReader(rc, maxDigestSize+1))
		rc.Close()
		if err == nil {
			return v.check(e, obj, raw, fail)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fail(FindingUnreadable, "%v", err)
}

// check checks a digest's bytes alone (load).
func (v *validator) check(e *digestEntry, obj cairn.ObjectInfo, raw []byte, fail func(FindingKind, string, ...any) error) error {
	body, err := Gunzip(bytes.NewReader(raw), maxDigestSize)
	if err != nil {
		return fail(FindingInvalidFormat, "%v", err)
	}
	e.hash = sha256Hex(body)
	e.signature = obj.Metadata[MetaSignature]
	d, err := ParseDigest(body)
	if err != nil {
		return fail(FindingInvalidFormat, "%v", err)
	}
	e.d = d
	e.start, e.end, _ = d.Times()
	unsigned := v.checkSignature(e, obj, d, body)
	if !v.atItsPlace(d, e.key) {
		// A moved digest that its signature vouches for still vouches for
		// its log files' hashes, which are checked (a renamed or swapped
		// digest must not hide an edited file); one that it does not
		// leaves them unchecked, and named so.
		e.movedUnsigned = unsigned != nil
		detail := ""
		if unsigned != nil {
			detail = "; nor does its signature verify: " + unsigned.Detail
		}
		return fail(FindingMoved, "has been moved from its original location s3://%s/%s%s", d.DigestS3Bucket, d.DigestS3Object, detail)
	}
	if unsigned != nil {
		e.problem = unsigned
	}
	return nil
}

// checkSignature checks a digest's signature and its metadata; nil when
// they verify.
func (v *validator) checkSignature(e *digestEntry, obj cairn.ObjectInfo, d *Digest, body []byte) *Finding {
	problem := func(kind FindingKind, format string, args ...any) *Finding {
		return &Finding{kind, e.key, fmt.Sprintf(format, args...)}
	}
	switch {
	case e.signature == "":
		return problem(FindingBadSignature, "no %s metadata: the file changed since it was signed, or, in a folder, it was copied without the .cairn-meta.* file beside it, which holds the signature", MetaSignature)
	case obj.Metadata[MetaSignatureAlgorithm] != SignatureAlgorithm:
		return problem(FindingBadSignature, "%s metadata is %q, not %s", MetaSignatureAlgorithm, obj.Metadata[MetaSignatureAlgorithm], SignatureAlgorithm)
	case e.info.Backfill && obj.Metadata[MetaBackfillGenerationTimestamp] == "":
		return problem(FindingInvalidFormat, "a backfill digest without %s metadata", MetaBackfillGenerationTimestamp)
	}
	pub := v.opts.PublicKeys[d.DigestPublicKeyFingerprint]
	if pub == nil {
		return problem(FindingUnknownKey, "signed by an unknown key %s", d.DigestPublicKeyFingerprint)
	}
	if err := VerifyDigestSignature(pub, d, body, e.signature); err != nil {
		return problem(FindingBadSignature, "%v (key %s)", err, d.DigestPublicKeyFingerprint)
	}
	return nil
}

// atItsPlace reports whether a digest names the object it was read from.
// The store may sit below a bucket prefix that is unknown here, so the key
// is compared with the tail of digestS3Object, at a "/" boundary.
func (v *validator) atItsPlace(d *Digest, key string) bool {
	if v.opts.Bucket != "" && d.DigestS3Bucket != v.opts.Bucket {
		return false
	}
	want := v.opts.Prefix + key
	return d.DigestS3Object == want || strings.HasSuffix(d.DigestS3Object, "/"+want)
}

// storeKey maps an object that a digest names (in the digest's bucket) to
// a key of the store. ok is false for an object outside the store.
func (v *validator) storeKey(e *digestEntry, bucket, object string) (string, bool) {
	root, ok := v.root(e)
	if !ok || bucket != e.d.DigestS3Bucket {
		return "", false
	}
	key, ok := strings.CutPrefix(object, root+v.opts.Prefix)
	return key, ok && key != ""
}

// root is the part of the bucket's keys in front of Prefix and the store's
// keys, as the digest's location reveals it. A digest at its place gives it
// directly; a moved digest (whose log files still count as listed) gives it
// by the layout prefixes, before "AWSLogs/", of its two locations.
func (v *validator) root(e *digestEntry) (string, bool) {
	obj := e.d.DigestS3Object
	if e.problem == nil || e.problem.Kind != FindingMoved {
		return strings.TrimSuffix(obj, v.opts.Prefix+e.key), true
	}
	named, found := ParseKey(obj), ParseKey(v.opts.Prefix+e.key)
	switch {
	case named.Kind != KeyDigest || found.Kind != KeyDigest:
		return "", false
	case named.Prefix == found.Prefix:
		return "", true
	case found.Prefix == "":
		return named.Prefix + "/", true
	case strings.HasSuffix(named.Prefix, "/"+found.Prefix):
		return strings.TrimSuffix(named.Prefix, found.Prefix), true
	}
	return "", false
}

// checkChain reports the problems of the chain's digests in range and
// their links, and queues their log files.
//
// Links are checked oldest first. A digest's link is checked only when the
// digest itself is valid (an invalid one proves nothing), and against the
// digest listed just before it; a moved digest does not count as listed,
// since it is not where it claims to be.
func (v *validator) checkChain(c *chain) {
	win := c.window()
	if len(win) == 0 {
		return
	}
	v.report.Chains++
	// The chain's digest period: the longest that its digests cover. A
	// missing digest covers one period at most.
	var period time.Duration
	for _, e := range win {
		if e.d != nil {
			period = max(period, e.end.Sub(e.start))
		}
	}
	var prev *digestEntry
	for _, e := range win {
		for _, lf := range v.listedLogFiles(e) {
			v.logListed[lf] = true
		}
		moved := e.problem != nil && e.problem.Kind == FindingMoved
		if e.inRange {
			v.report.DigestFiles++
			if e.problem != nil {
				v.add(*e.problem)
			}
			v.link(c, prev, e, period)
			switch {
			case e.valid(), moved && !e.movedUnsigned:
				v.queueLogFiles(e)
			case e.problem.Kind == FindingBadSignature || moved:
				// An unknown key is a finding that names its digest.
				for _, lf := range v.listedLogFiles(e) {
					v.onlyInvalid[lf] = e.key
				}
			}
		}
		if !moved {
			prev = e
		}
	}
	v.addFolder(c)
}

// listedLogFiles returns the store keys of the log files a readable digest
// lists, whether or not the digest is valid: an invalid digest is a
// finding already, and its log files need not be reported again as not
// covered.
func (v *validator) listedLogFiles(e *digestEntry) []string {
	if e.d == nil {
		return nil
	}
	var keys []string
	for _, lf := range e.d.LogFiles {
		if k, ok := v.storeKey(e, lf.S3Bucket, lf.S3Object); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// link checks e's link to the previous digest listed, prev (nil when none).
//
// Two consecutive missing digests (aws-cli#7054): when the previous digest
// that e names is missing, the next older digest present, prev, must not be
// taken as the missing one's predecessor without a check. The missing
// digest's end time is known (it is in its key, and it is e's start), but
// its start is not. A missing digest covers one digest period at most, so
// when prev ends more than one and a half periods (the longest period of
// the chain, with slack for jitter) before the missing digest's end, at
// least one more digest is missing between them: a chain break after prev.
func (v *validator) link(c *chain, prev, e *digestEntry, period time.Duration) {
	if !e.valid() {
		return
	}
	d := e.d
	brk := func(on *digestEntry, format string, args ...any) {
		on.linkBroken = true
		v.add(Finding{FindingChainBreak, on.key, fmt.Sprintf(format, args...)})
	}
	if d.IsChainStart() {
		if prev != nil {
			v.report.Gaps = append(v.report.Gaps, Gap{Key: e.key, After: prev.key, From: prev.end, To: e.start})
		}
		return
	}
	named, ok := v.storeKey(e, *d.PreviousDigestS3Bucket, *d.PreviousDigestS3Object)
	if !ok {
		brk(e, "its previous digest s3://%s/%s is outside this store", *d.PreviousDigestS3Bucket, *d.PreviousDigestS3Object)
		return
	}
	switch {
	case prev != nil && named == prev.key:
		if !prev.valid() {
			return // reported on prev; its contents prove nothing
		}
		var why []string
		if !strings.EqualFold(*d.PreviousDigestSignature, prev.signature) {
			why = append(why, "previousDigestSignature is not the signature of "+prev.key)
		}
		if !strings.EqualFold(*d.PreviousDigestHashValue, prev.hash) {
			why = append(why, "previousDigestHashValue is not the SHA-256 of "+prev.key)
		}
		if !e.start.Equal(prev.end) {
			why = append(why, fmt.Sprintf("it starts at %s but the previous digest ends at %s", e.start.Format(time.RFC3339), prev.end.Format(time.RFC3339)))
		}
		if len(why) > 0 {
			brk(e, "%s", strings.Join(why, "; "))
		}
	case v.present(named):
		brk(e, "names %s as its previous digest, but the previous digest listed is %s", named, keyOrNone(prev))
	default:
		info := ParseKey(v.opts.Prefix + named)
		if info.Kind != KeyDigest || info.Time.IsZero() || chainOf(info) != c.id {
			brk(e, "names %s as its previous digest, which is not a digest of this chain", named)
			return
		}
		first := !v.missing[named]
		if first {
			v.missing[named] = true
			v.report.DigestFiles++
			v.add(Finding{FindingMissingDigest, named, "named as the previous digest by " + e.key + ", not found"})
			from := info.Time.Add(-period)
			if prev != nil && prev.end.Before(info.Time) {
				from = prev.end
			}
			v.lost = append(v.lost, lostDigest{named, c.id.account, c.id.region, from, info.Time, false})
		}
		switch {
		case prev == nil:
			// The oldest digest present names a missing one: when the
			// writer recorded where the chain began, the periods from there
			// say how many more went before it.
			began, from := v.chainBegan(c), info.Time.Add(-period)
			if !first || began.IsZero() || period <= 0 || !began.Before(from) {
				break
			}
			more := max(int((from.Sub(began)+period-time.Second)/period), 1)
			v.report.DigestFiles += more
			v.add(Finding{FindingChainBreak, named, fmt.Sprintf("more digests are missing before it: its writer began the chain at %s, it ends at %s, and one digest covers at most %s, so %d more came before it: digests were deleted from the start of the chain",
				began.Format(time.RFC3339), info.Time.Format(time.RFC3339), period, more)})
			// Log files are named to the minute.
			v.lost = append(v.lost, lostDigest{named, c.id.account, c.id.region, began.Truncate(time.Minute), from, true})
		case !prev.end.Before(info.Time):
			brk(e, "names the missing %s as its previous digest, but %s lies between them", named, prev.key)
		case first && period > 0 && info.Time.Sub(prev.end) > period+period/2:
			// prev is intact: the finding and the count are for the
			// digests gone between it and the missing one, which no link
			// names; the periods in the gap say how many.
			more := max(int((info.Time.Sub(prev.end)+period/2)/period)-1, 1)
			v.report.DigestFiles += more
			v.add(Finding{FindingChainBreak, named, fmt.Sprintf("more digests are missing before it: the digest present before it, %s, ends at %s, it ends at %s, and one digest covers at most %s, so the gap between them held %d more",
				prev.key, prev.end.Format(time.RFC3339), info.Time.Format(time.RFC3339), period, more)})
		}
	}
}

// chainBegan is when the writer's record says chain c began; zero when no
// record is given or it does not name c.
func (v *validator) chainBegan(c *chain) time.Time { return v.recordedBegan[c.id.unprefixed()] }

// present reports whether a digest is listed where its key says: a moved
// digest is somebody else's, and the one it replaced is missing.
func (v *validator) present(key string) bool {
	e := v.listed[key]
	return e != nil && (e.problem == nil || e.problem.Kind != FindingMoved)
}

func keyOrNone(e *digestEntry) string {
	if e == nil {
		return "none"
	}
	return e.key
}

// logTask is one log file listed by a valid digest.
type logTask struct {
	digest  *digestEntry
	file    DigestLogFile
	key     string // in the store; "" when outside it
	outcome *Finding
	// pending: a file delivered after the newest digest, checked against
	// the hash its writer recorded (counted as pending, not as listed).
	pending bool
}

// recordedState stands for the writer's record where a digest would be
// named, in a pending file's findings.
var recordedState = &digestEntry{key: "the writer's record of what it delivered since its newest digest"}

func (v *validator) queueLogFiles(e *digestEntry) {
	for _, lf := range e.d.LogFiles {
		key, _ := v.storeKey(e, lf.S3Bucket, lf.S3Object)
		v.logTasks = append(v.logTasks, logTask{digest: e, file: lf, key: key})
		v.validListed[key] = true
	}
}

// reportUnchecked names the log files that only digests which failed their
// check list: their hashes come from a digest that cannot be trusted (its
// signature does not verify: it, or the files, changed since it was
// signed), so they are unchecked, and a modified one must not pass unseen.
func (v *validator) reportUnchecked() {
	for key, digest := range v.onlyInvalid {
		if v.validListed[key] {
			continue
		}
		v.report.NotCovered++
		v.add(Finding{FindingNotCovered, key, "listed only by the digest " + digest + ", which failed its check (see its finding): it cannot be checked"})
	}
}

// checkLogFiles hashes every log file that a valid digest in range lists.
func (v *validator) checkLogFiles(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(v.opts.Workers)
	for i := range v.logTasks {
		t := &v.logTasks[i]
		g.Go(func() error { return v.checkLogFile(ctx, t) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, t := range v.logTasks {
		if t.pending {
			if t.outcome != nil {
				v.report.InvalidPending++
				v.add(*t.outcome)
			}
			continue
		}
		v.report.LogFiles++
		if t.outcome == nil {
			v.report.ValidLogFiles++
			continue
		}
		v.add(*t.outcome)
	}
	return nil
}

func (v *validator) checkLogFile(ctx context.Context, t *logTask) error {
	if t.key == "" {
		t.outcome = &Finding{FindingDeleted, t.file.S3Object, fmt.Sprintf("listed by %s at s3://%s/%s, outside this store", t.digest.key, t.file.S3Bucket, t.file.S3Object)}
		return nil
	}
	unreadable := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t.outcome = &Finding{FindingUnreadable, t.key, fmt.Sprintf("%v (listed by %s)", err, t.digest.key)}
		return nil
	}
	rc, err := cairn.OpenObject(ctx, v.store, t.key)
	if errors.Is(err, cairn.ErrNotFound) {
		t.outcome = &Finding{FindingDeleted, t.key, "listed by " + t.digest.key + ", not found"}
		return nil
	}
	if err != nil {
		return unreadable(err)
	}
	defer rc.Close()
	// A failed read (the store's failure) is told apart from a corrupt
	// gzip stream (the file's).
	src := cairn.NewStoreReader(rc)
	sum, err := gunzipSHA256(src)
	if src.Err() != nil {
		return unreadable(src.Err())
	}
	if err != nil {
		t.outcome = &Finding{FindingInvalidFormat, t.key, fmt.Sprintf("%v (listed by %s)", err, t.digest.key)}
		return nil
	}
	if !strings.EqualFold(sum, t.file.HashValue) {
		t.outcome = &Finding{FindingModified, t.key, fmt.Sprintf("hash value doesn't match: %s lists SHA-256 %s, the file has %s", t.digest.key, t.file.HashValue, sum)}
	}
	return nil
}

// gunzipSHA256 returns the hex SHA-256 of a gzip stream's uncompressed bytes.
func gunzipSHA256(r io.Reader) (string, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return "", fmt.Errorf("gzip: %s", gzipReason(err))
	}
	defer zr.Close()
	h := sha256.New()
	if _, err := io.Copy(h, zr); err != nil {
		return "", fmt.Errorf("gzip: %s", gzipReason(err))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// logFolder is one CloudTrail/<region>/ folder and the period that the
// digests checked cover in it.
type logFolder struct {
	prefix   string
	from, to time.Time // the digests in range: oldest start, newest end
	// lo and hi widen [from, to] by the digests just outside the range,
	// which may list the log files on its edges.
	lo, hi   time.Time
	hasAfter bool // a digest newer than the range exists
	// fromOldest: the range starts at a chain's oldest digest, so that log
	// files before it are outside every digest.
	fromOldest bool
}

func (v *validator) addFolder(c *chain) {
	if v.folders == nil {
		v.folders = map[string]*logFolder{}
	}
	first, last := c.entries[c.first], c.entries[c.last]
	lo, hi := first.start, last.end
	if c.first > 0 {
		lo = c.entries[c.first-1].start
	}
	hasAfter := c.last+1 < len(c.entries)
	if hasAfter {
		hi = c.entries[c.last+1].end
	}
	prefix := c.accountDir + KeyLog.dirName() + "/" + c.id.region + "/"
	fromOldest := c.first == 0 && v.opts.Since.IsZero()
	f := v.folders[prefix]
	if f == nil {
		f = &logFolder{prefix: prefix, from: first.start, to: last.end, lo: lo, hi: hi, hasAfter: hasAfter, fromOldest: fromOldest}
		v.folders[prefix] = f
		return
	}
	f.from, f.to = minTime(f.from, first.start), maxTime(f.to, last.end)
	f.lo, f.hi = minTime(f.lo, lo), maxTime(f.hi, hi)
	f.hasAfter = f.hasAfter || hasAfter
	f.fromOldest = f.fromOldest && fromOldest
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkCoverage lists each log folder once, from the first day that the
// digests cover (from its first file when the range starts at the oldest
// digest), then the folders of accounts and regions without digests, and
// reports the log files that no digest lists.
//
// A log file's name gives its delivery time to the minute, so a file named
// M was delivered in [M, M+1m). It must be listed when it lies wholly
// inside the period of the digests read (those in range and their
// neighbours), and it matters when it overlaps the period of the digests in
// range. A file after the newest digest of all is pending. A file in a
// log folder whose name carries no time is judged by its day folder.
func (v *validator) checkCoverage(ctx context.Context) error {
	prefixes := make([]string, 0, len(v.folders))
	for p := range v.folders {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	for _, p := range prefixes {
		f := v.folders[p]
		if v.report.From.IsZero() || f.from.Before(v.report.From) {
			v.report.From = f.from
		}
		v.report.To = maxTime(v.report.To, f.to)
		start := p + f.lo.UTC().Format("2006/01/02")
		if f.fromOldest {
			start = ""
		}
		lastDay := f.hi.UTC().Format("2006/01/02")
		for e, err := range v.store.List(ctx, cairn.ListOptions{Prefix: p, StartAfter: start}) {
			if err != nil {
				return fmt.Errorf("list %s: %w", p, err)
			}
			key := e.Object.Key
			rest := key[len(p):]
			day, ok := dayFolder(rest)
			if !ok {
				if !v.logListed[key] {
					v.notInLayout(key)
				}
				continue
			}
			if f.hasAfter && rest[:10] > lastDay {
				break
			}
			if v.logListed[key] {
				continue
			}
			t := ParseKey(v.opts.Prefix + key).Time
			if v.inTheFuture(key, t) || v.recordedSince(key) {
				continue
			}
			if !t.IsZero() {
				end := t.Add(time.Minute)
				switch {
				case !end.After(f.from) && f.fromOldest:
					info := ParseKey(v.opts.Prefix + key)
					if l, ok := v.lostDigestOf(info.Account, info.Region, t); ok {
						// A digest the chain names is gone: the file was its.
						v.report.NotCovered++
						v.add(l.notCovered(key, t))
						break
					}
					v.outsideChains(key, t, fmt.Sprintf("delivered at %s, before the first digest of its region (%s)", t.Format("2006-01-02T15:04Z"), f.from.Format(time.RFC3339)))
				case !end.After(f.from) || !t.Before(f.to) && f.hasAfter:
					// outside the range checked
				case end.After(f.hi):
					if !f.hasAfter {
						v.afterNewest(key, t)
					}
				case !t.Before(f.lo):
					v.report.NotCovered++
					info := ParseKey(v.opts.Prefix + key)
					if l, ok := v.lostDigestOf(info.Account, info.Region, t); ok {
						v.add(l.notCovered(key, t))
						break
					}
					v.add(Finding{FindingNotCovered, key, fmt.Sprintf("delivered at %s, inside the period the digests cover (%s to %s), but no digest lists it",
						t.Format("2006-01-02T15:04Z"), f.lo.Format(time.RFC3339), f.hi.Format(time.RFC3339))})
				}
				continue
			}
			switch {
			case day.Add(24*time.Hour).After(f.from) && (day.Before(f.to) || !f.hasAfter):
				// No writer names a file so, in the period of the digests
				// or after the newest: it is not pending, whatever its day.
				v.report.NotCovered++
				v.add(Finding{FindingNotCovered, key, "not named as a CloudTrail log file, and no digest lists it"})
			case f.fromOldest && !day.Add(24*time.Hour).After(f.from):
				v.outsideChains(key, time.Time{}, "not named as a CloudTrail log file, in a day before the first digest of its region")
			}
		}
	}
	if err := v.checkFoldersWithoutDigests(ctx); err != nil {
		return err
	}
	for _, key := range v.strays {
		// The root of another trail's bucket may hold anything.
		if strings.Contains(key, "/") || v.opts.Recorded != nil {
			v.notInLayout(key)
		}
	}
	v.queueRecordedMissing()
	return nil
}

// dayFolder returns the day of a key below a region's log folder
// (YYYY/MM/DD/name); ok is false for a key outside the day folders.
func dayFolder(rest string) (day time.Time, ok bool) {
	if len(rest) < 12 || rest[10] != '/' {
		return time.Time{}, false
	}
	day, err := time.Parse("2006/01/02", rest[:10])
	return day, err == nil
}

// notInLayout reports a file outside the day folders that a trail delivers
// to, which no digest lists.
func (v *validator) notInLayout(key string) {
	v.report.NotCovered++
	v.add(Finding{FindingNotCovered, key, "not in a day folder of a trail's delivery layout (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/), and no digest lists it"})
}

// checkFoldersWithoutDigests lists the log folders of regions (and whole
// accounts) that no digest chain covers: a file there is listed by none.
func (v *validator) checkFoldersWithoutDigests(ctx context.Context) error {
	for _, root := range v.logRoots {
		for r, err := range v.store.List(ctx, cairn.ListOptions{Prefix: root, Delimiter: "/"}) {
			if err != nil {
				return fmt.Errorf("list %s: %w", root, err)
			}
			if r.Prefix == "" || v.folders[r.Prefix] != nil {
				continue
			}
			region := strings.TrimSuffix(r.Prefix[len(root):], "/")
			for e, err := range v.store.List(ctx, cairn.ListOptions{Prefix: r.Prefix}) {
				if err != nil {
					return fmt.Errorf("list %s: %w", r.Prefix, err)
				}
				key := e.Object.Key
				t := ParseKey(v.opts.Prefix + key).Time
				if v.inTheFuture(key, t) || v.recordedSince(key) {
					continue
				}
				if !t.IsZero() && (!v.opts.Since.IsZero() && t.Before(v.opts.Since) || !v.opts.Until.IsZero() && t.After(v.opts.Until)) {
					continue
				}
				v.outsideChains(key, t, "in the log folder of "+region+", for which the trail has no digest")
			}
		}
	}
	return nil
}

// inTheFuture reports, as a finding, a log file whose name says it was
// delivered later than now: CloudTrail names a file by when it delivered
// it, so the name is false. A quarter of an hour allows for clocks.
func (v *validator) inTheFuture(key string, t time.Time) bool {
	if t.IsZero() || !t.After(v.opts.Now.Add(15*time.Minute)) {
		return false
	}
	v.report.NotCovered++
	v.add(Finding{FindingNotCovered, key, fmt.Sprintf("named as delivered at %s, in the future (it is now %s): a log file is named by when it was delivered",
		t.Format("2006-01-02T15:04Z"), v.opts.Now.UTC().Format("2006-01-02T15:04Z"))})
	return true
}

// recordedSince reports whether the trail's writer recorded key as
// delivered after its newest digest: it is pending, and its hash is checked
// against the one recorded.
func (v *validator) recordedSince(key string) bool {
	lk := layoutKey(v.opts.Prefix + key)
	h, ok := v.recordedPending[lk]
	if !ok {
		return false
	}
	delete(v.recordedPending, lk)
	v.queuePending(key, h)
	return true
}

// queuePending counts a file its writer delivered after its newest digest
// as pending and queues the check of its hash against the recorded one.
func (v *validator) queuePending(key, hash string) {
	v.report.Pending++
	v.logTasks = append(v.logTasks, logTask{digest: recordedState, file: DigestLogFile{S3Object: key, HashValue: hash}, key: key, pending: true})
}

// queueRecordedMissing checks the files that the writer recorded as
// delivered after its newest digests and that the listings did not find,
// in the accounts the store holds: each is deleted, or outside the
// listings' range.
func (v *validator) queueRecordedMissing() {
	if !v.opts.Since.IsZero() || !v.opts.Until.IsZero() {
		return
	}
	for lk, h := range v.recordedPending {
		if key, ok := v.storeKeyOf(lk); ok {
			v.queuePending(key, h)
		}
	}
}

// storeKeyOf maps a layout key (AWSLogs/…) to the store's key, when the
// store holds the log folder of its account.
func (v *validator) storeKeyOf(lk string) (string, bool) {
	key := lk
	if i := strings.Index(v.opts.Prefix, "AWSLogs/"); i >= 0 {
		var ok bool
		if key, ok = strings.CutPrefix(lk, v.opts.Prefix[i:]); !ok {
			return "", false
		}
	}
	for _, root := range v.logRoots {
		if strings.HasPrefix(key, root) {
			return key, true
		}
	}
	return "", false
}

// outsideChains reports a log file that no digest chain could list: a
// finding for a trail whose writer's record is given, which lists every
// file it delivered; counted only for another (AWS's validation may have
// been turned on after the trail began).
func (v *validator) outsideChains(key string, t time.Time, detail string) {
	if v.newerThanRecord(t) {
		v.report.Pending++
		return
	}
	if v.opts.Recorded == nil {
		v.report.Unchecked++
		return
	}
	v.report.NotCovered++
	v.add(Finding{FindingNotCovered, key, detail + ": no digest lists it, nor the writer's record of what it delivered since its newest digests"})
}

// newerThanRecord reports whether a log file named as delivered at t (to
// the minute) may have been delivered after the writer's record was saved,
// by a writer that still runs (RecordedAt set).
func (v *validator) newerThanRecord(t time.Time) bool {
	return v.opts.Recorded != nil && !v.opts.RecordedAt.IsZero() && !t.IsZero() && t.Add(time.Minute).After(v.opts.RecordedAt)
}

// afterNewest judges a log file delivered after the newest digest that its
// writer's record does not name: pending, unless there is such a record.
func (v *validator) afterNewest(key string, t time.Time) {
	if v.opts.Recorded == nil || v.newerThanRecord(t) {
		v.report.Pending++
		return
	}
	v.report.NotCovered++
	v.add(Finding{FindingNotCovered, key, fmt.Sprintf("delivered at %s, after the newest digest present, but the writer's record of what it delivered since its newest digest does not list it", t.Format("2006-01-02T15:04Z"))})
}

// checkNewestDigests reports a chain whose newest digest, as its writer
// recorded it, is gone: deleting digests from the end of a chain leaves
// the rest linked.
func (v *validator) checkNewestDigests() {
	if !v.opts.Until.IsZero() {
		return
	}
	present := make(map[string]bool, len(v.listed))
	for key := range v.listed {
		present[layoutKey(v.opts.Prefix+key)] = true
	}
	for _, rc := range v.opts.Recorded {
		if rc.NewestDigest == "" || present[layoutKey(rc.NewestDigest)] {
			continue
		}
		// A digest's key is its log folder's, with CloudTrail-Digest/.
		lk := layoutKey(rc.NewestDigest)
		key, ok := v.storeKeyOf(strings.Replace(lk, "/"+KeyDigest.dirName()+"/", "/"+KeyLog.dirName()+"/", 1))
		if !ok {
			continue // an account this store does not hold
		}
		key = strings.Replace(key, "/"+KeyLog.dirName()+"/", "/"+KeyDigest.dirName()+"/", 1)
		v.add(Finding{FindingMissingDigest, key, "the newest digest of " + rc.Account + " " + rc.Region + ", as its writer recorded it, is not in the store: digests were deleted from the end of the chain"})
	}
}

// finish counts the valid digests and sorts what was found.
func (v *validator) finish() {
	for _, c := range v.chains {
		for _, e := range c.entries {
			if e.inRange && e.valid() && !e.linkBroken {
				v.report.ValidDigestFiles++
			}
		}
	}
	slices.SortFunc(v.findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Detail, b.Detail))
	})
	v.findings = slices.Compact(v.findings)
	v.report.Findings = v.findings
	if v.report.Findings == nil {
		v.report.Findings = []Finding{}
	}
	if v.report.Gaps == nil {
		v.report.Gaps = []Gap{}
	}
}
