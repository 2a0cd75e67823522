package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/klauspost/compress/gzip"
)

// maxRecordsPerFile bounds a log file, as CloudTrail's are bounded.
const maxRecordsPerFile = 10000

// deliveryLoop seals and delivers the journal every DeliveryInterval and
// writes the digests that come due. It starts with what a previous run
// left undelivered.
func (r *Recorder) deliveryLoop(ctx context.Context) {
	deliverTick := time.NewTicker(r.cfg.DeliveryInterval)
	defer deliverTick.Stop()
	r.deliverAndDigest(ctx, false)
	for {
		select {
		case <-ctx.Done():
			r.closeOut(ctx)
			return
		case <-deliverTick.C:
			r.deliverAndDigest(ctx, true)
		case <-time.After(r.untilNextDigest()):
			r.deliverAndDigest(ctx, false)
		}
	}
}

// closeOutTimeout bounds the last delivery and digest of a server that
// stops: an archive that does not answer must not keep it from stopping
// (what is not delivered stays in the journal for the next start).
const closeOutTimeout = 30 * time.Second

// closeOut delivers what the journal holds when the recorder stops, and
// signs a last digest over the log files no digest lists yet, as CloudTrail
// does when logging stops: without it, the newest files of a stopped server
// would be vouched for by its unsigned state alone until it started again.
// The digest ends now, off the interval's boundaries; the next start's
// first digest begins where it ends, so the chain goes on unbroken.
func (r *Recorder) closeOut(stopped context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(stopped), closeOutTimeout)
	defer cancel()
	r.deliverAndDigest(ctx, true)
	end := r.cfg.Now().UTC().Truncate(time.Second).Add(time.Second) // lists what was delivered this second
	for _, id := range r.state.trailIDs() {
		t := r.state.Trails[id]
		if len(t.Pending) == 0 {
			continue
		}
		if err := r.writeDigest(ctx, id, t.nextDigestStart(), end); err != nil {
			r.log.Error("the last digest failed; the next start writes it", "archive", r.archive.String(), "trail", id, "err", err)
		}
	}
}

// untilNextDigest is how long until the next digest boundary passes.
func (r *Recorder) untilNextDigest() time.Duration {
	now := r.cfg.Now()
	next := now.Truncate(r.cfg.DigestInterval).Add(r.cfg.DigestInterval)
	return next.Sub(now) + 50*time.Millisecond
}

// deliverAndDigest delivers every sealed segment (sealing the open one
// first when seal is set), then writes the digests that are due.
func (r *Recorder) deliverAndDigest(ctx context.Context, seal bool) {
	if seal {
		if _, _, err := r.journal.Seal(r.cfg.Now()); err != nil {
			r.log.Error("sealing the journal failed", "err", err)
		}
	}
	delivered, err := r.deliverSealed(ctx)
	now := r.cfg.Now().UTC()
	// The times are of the latest success, as CloudTrail's are: a monitor
	// of them must see deliveries stop while they fail.
	r.mu.Lock()
	if delivered > 0 {
		r.status.LatestDelivery = now
	}
	if delivered > 0 || err != nil {
		r.status.LatestDeliveryError = errString(err)
	}
	r.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("delivery failed; will retry", "archive", r.archive.String(), "err", err)
		}
	}
	if delivered > 0 && r.cfg.AfterDelivery != nil {
		r.cfg.AfterDelivery(ctx, r.cfg.Archive, r.state.pendingKeys())
	}
	wrote, err := r.writeDueDigests(ctx)
	if wrote > 0 || err != nil {
		r.mu.Lock()
		if wrote > 0 {
			r.status.LatestDigest = now
		}
		r.status.LatestDigestError = errString(err)
		r.mu.Unlock()
	}
	if err != nil && ctx.Err() == nil {
		r.log.Error("digest failed; will retry", "archive", r.archive.String(), "err", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// deliverSealed delivers the sealed segments in order and returns how many
// log files it wrote. It stops at the first failure: segments are delivered
// in order so that `delivered` can be one number.
func (r *Recorder) deliverSealed(ctx context.Context) (int, error) {
	sealed, err := r.journal.Sealed()
	if err != nil {
		return 0, err
	}
	files := 0
	for _, seg := range sealed {
		if seg.Seq <= r.state.Delivered {
			if err := r.journal.Remove(seg); err != nil {
				return files, err
			}
			continue
		}
		n, err := r.deliverSegment(ctx, seg)
		files += n
		if err != nil {
			return files, fmt.Errorf("deliver journal segment %d: %w", seg.Seq, err)
		}
	}
	return files, nil
}

// logGroup is the records of one account and region in a segment.
type logGroup struct {
	account, region string
	records         [][]byte
	times           []time.Time
}

func (r *Recorder) deliverSegment(ctx context.Context, seg SealedSegment) (int, error) {
	groups := map[string]*logGroup{}
	var events []cairn.Event
	err := ReadSegment(seg.Path, func(payload []byte) error {
		for rec := range bytes.SplitSeq(payload, []byte{'\n'}) {
			ev, err := cloudtrail.Decode(bytes.Clone(rec))
			if err != nil {
				return fmt.Errorf("journal %s holds an unreadable record: %w", seg.Path, err)
			}
			id := trailID(ev.RecipientAccountID, ev.AWSRegion)
			g := groups[id]
			if g == nil {
				g = &logGroup{account: ev.RecipientAccountID, region: ev.AWSRegion}
				groups[id] = g
			}
			g.records = append(g.records, ev.Raw)
			g.times = append(g.times, ev.EventTime)
			events = append(events, ev)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	next := r.state.clone()
	next.Delivered = seg.Seq
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// A chain this recorder begins now, which the check at start could not
	// know of: another server that signs it would have its chain broken by
	// this one's files and digests. Checked before any file is written.
	now := r.cfg.Now().UTC()
	for _, id := range ids {
		if g := groups[id]; next.Trails[id] == nil {
			if err := r.checkChainOwned(ctx, g.account, g.region, now.AddDate(0, 0, -1), now, time.Time{}); err != nil {
				return 0, err
			}
		}
	}
	written := 0
	for _, id := range ids {
		g := groups[id]
		t := next.Trails[id]
		if t == nil {
			t = &trail{Account: g.account, Region: g.region, Started: seg.Sealed, Pending: []deliveredLog{}}
			next.Trails[id] = t
		}
		for part := 0; part*maxRecordsPerFile < len(g.records); part++ {
			lo, hi := part*maxRecordsPerFile, min((part+1)*maxRecordsPerFile, len(g.records))
			log, err := r.writeLogFile(ctx, seg, g, part, g.records[lo:hi], g.times[lo:hi])
			if err != nil {
				return written, err
			}
			t.Pending = append(t.Pending, log)
			written++
		}
	}
	// The segment goes once its events are in the index as well: live
	// indexing may not have reached them before a crash, and the archive
	// is not read back for them (the server reads only the files the
	// recorder delivered, to record them as read, and not after they are
	// digested). Deduplication stores those it reached once.
	for batch := range slices.Chunk(events, replayBatch) {
		if _, err := r.idx.Commit(ctx, &cairn.Batch{Events: batch}); err != nil {
			return written, fmt.Errorf("index journaled events: %w", err)
		}
	}
	if err := next.save(r.statePath()); err != nil {
		return written, err
	}
	r.mu.Lock()
	r.state = next
	r.status.DeliveredFiles += int64(written)
	r.mu.Unlock()
	return written, r.journal.Remove(seg)
}

// writeLogFile writes one log file. Its key and bytes depend only on the
// segment and the records, so a repeated delivery finds its own file.
func (r *Recorder) writeLogFile(ctx context.Context, seg SealedSegment, g *logGroup, part int, records [][]byte, times []time.Time) (deliveredLog, error) {
	var body bytes.Buffer
	body.WriteString(`{"Records":[`)
	for i, rec := range records {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(rec)
	}
	body.WriteString("]}")
	sum := sha256.Sum256(body.Bytes())
	oldest, newest := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	key := cloudtrail.Layout{}.LogKey(g.account, g.region, seg.Sealed, uniqueString(seg.Seq, g.account, g.region, part))
	log := deliveredLog{Key: key, Hash: hex.EncodeToString(sum[:]), Delivered: seg.Sealed, Oldest: oldest, Newest: newest}
	if err := r.putOnce(ctx, key, body.Bytes(), cairn.PutOptions{ContentType: "application/json"}); err != nil {
		return log, err
	}
	return log, nil
}

// putOnce writes gzip(body) at key unless it exists. An existing object
// with the same content is an earlier attempt of this write; with other
// content it is refused, since published objects never change. An earlier
// attempt that was killed after its object was published but before its
// metadata was (a folder store keeps them apart: a digest's signature) is
// written again, whole, with the same bytes.
func (r *Recorder) putOnce(ctx context.Context, key string, body []byte, opts cairn.PutOptions) error {
	gz := cloudtrail.Gzip(body)
	opts.IfNoneMatch = true
	err := r.archive.Put(ctx, key, bytes.NewReader(gz), opts)
	if !errors.Is(err, cairn.ErrExists) {
		return err
	}
	rc, info, err := r.archive.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read back %s: %w", key, err)
	}
	defer rc.Close()
	// Another writer's object where this one goes: the recorder would
	// retry it forever, so say who is likely to blame.
	const another = "another writer uses this archive, such as a second cairn server: give each server its own -archive"
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return cairn.WithHint(fmt.Errorf("%s exists in the archive and is not what cairn would write there", key), another)
	}
	have, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(have, body) {
		return cairn.WithHint(fmt.Errorf("%s exists in the archive with other content; cairn never overwrites it", key), another)
	}
	for k, v := range opts.Metadata {
		if info.Metadata[strings.ToLower(k)] != v {
			opts.IfNoneMatch = false
			return r.archive.Put(ctx, key, bytes.NewReader(gz), opts)
		}
	}
	return nil
}

// uniqueString makes the 16-character part of a log file's name from what
// identifies the file, so that redelivery reuses the name.
func uniqueString(seq uint64, account, region string, part int) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], seq)
	h.Write(n[:])
	h.Write([]byte(account + "/" + region + "/"))
	binary.BigEndian.PutUint64(n[:], uint64(part))
	h.Write(n[:])
	return base32.StdEncoding.EncodeToString(h.Sum(nil))[:16]
}
