package record

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// writeDueDigests writes, for every trail, a digest for each boundary (a
// multiple of DigestInterval) passed since its last digest, in order, empty
// ones included, and returns how many it wrote. A boundary is not passed
// while a sealed segment from before it waits for delivery: its log files
// belong in that digest.
func (r *Recorder) writeDueDigests(ctx context.Context) (int, error) {
	limit := r.cfg.Now().UTC()
	sealed, err := r.journal.Sealed()
	if err != nil {
		return 0, err
	}
	for _, s := range sealed {
		if s.Seq > r.state.Delivered && s.Sealed.Before(limit) {
			limit = s.Sealed
		}
	}
	wrote := 0
	for _, id := range r.state.trailIDs() {
		for {
			start := r.state.Trails[id].nextDigestStart()
			end := start.Truncate(r.cfg.DigestInterval).Add(r.cfg.DigestInterval)
			if end.After(limit) {
				break
			}
			if err := r.writeDigest(ctx, id, start, end); err != nil {
				return wrote, fmt.Errorf("digest of %s ending %s: %w", id, end.Format(cloudtrail.DigestTimeFormat), err)
			}
			wrote++
		}
	}
	return wrote, nil
}

// writeDigest writes the digest of one trail for [start, end): the log
// files delivered before end that no digest lists yet.
func (r *Recorder) writeDigest(ctx context.Context, id string, start, end time.Time) error {
	next := r.state.clone()
	t := next.Trails[id]
	key := cloudtrail.Layout{}.DigestKey(t.Account, t.Region, r.cfg.TrailName, r.cfg.HomeRegion, end, false)
	signer := r.keys[len(r.keys)-1]

	d := &cloudtrail.Digest{
		AWSAccountID:               t.Account,
		DigestStartTime:            start.UTC().Format(cloudtrail.DigestTimeFormat),
		DigestEndTime:              end.UTC().Format(cloudtrail.DigestTimeFormat),
		DigestS3Bucket:             r.bucket,
		DigestS3Object:             r.keyPrefix + key,
		DigestPublicKeyFingerprint: signer.Fingerprint,
		DigestSignatureAlgorithm:   cloudtrail.SignatureAlgorithm,
		LogFiles:                   []cloudtrail.DigestLogFile{},
	}
	var listed, kept []deliveredLog
	for _, l := range t.Pending {
		if l.Delivered.Before(end) {
			listed = append(listed, l)
		} else {
			kept = append(kept, l)
		}
	}
	for _, l := range listed {
		d.AddLogFile(cloudtrail.DigestLogFile{
			S3Bucket:        r.bucket,
			S3Object:        r.keyPrefix + l.Key,
			HashValue:       l.Hash,
			HashAlgorithm:   cloudtrail.HashAlgorithm,
			NewestEventTime: l.Newest.UTC().Format(cloudtrail.DigestTimeFormat),
			OldestEventTime: l.Oldest.UTC().Format(cloudtrail.DigestTimeFormat),
		})
	}
	if prev := t.Last; prev != nil {
		d.PreviousDigestS3Bucket = ptr(r.bucket)
		d.PreviousDigestS3Object = ptr(r.keyPrefix + prev.Key)
		d.PreviousDigestHashValue = ptr(prev.Hash)
		d.PreviousDigestHashAlgorithm = ptr(cloudtrail.HashAlgorithm)
		d.PreviousDigestSignature = ptr(prev.Signature)
	}
	body := d.Marshal()
	sig, err := cloudtrail.SignDigest(signer.Private, d, body)
	if err != nil {
		return err
	}
	err = r.putOnce(ctx, key, body, cairn.PutOptions{
		ContentType: "application/json",
		Metadata: map[string]string{
			cloudtrail.MetaSignature:          sig,
			cloudtrail.MetaSignatureAlgorithm: cloudtrail.SignatureAlgorithm,
		},
	})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	t.Last = &digestRef{Key: key, Start: start, End: end, Signature: sig, Hash: hex.EncodeToString(sum[:]), Files: len(listed)}
	t.Pending = kept
	if t.Pending == nil {
		t.Pending = []deliveredLog{}
	}
	if err := next.save(r.statePath()); err != nil {
		return err
	}
	r.mu.Lock()
	r.state = next
	r.mu.Unlock()
	return nil
}

func ptr[T any](v T) *T { return &v }
