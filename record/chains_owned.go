package record

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// ErrForeignDigests is wrapped by the error that refuses an archive where
// another writer signs one of this recorder's chains.
var ErrForeignDigests = errors.New("the archive holds digests of this recorder's chains signed by another key")

// ownedDays bounds how many days of each chain's digest folder are read at
// start, from its newest recorded digest on.
const ownedDays = 31

// checkChainsOwned refuses an archive whose digest chains, of the accounts
// and regions this recorder signs, hold a digest newer than the last one
// it recorded and signed by a key that is not its own: another server
// records into the same archive, and the two would break each other's
// chains for good. A newer digest signed by its own key is one written
// before a crash kept it from the record; the next digest round finds it.
func (r *Recorder) checkChainsOwned(ctx context.Context) error {
	chans, err := r.channels.List()
	if err != nil {
		return err
	}
	type chainOf struct{ account, region string }
	chains := map[string]chainOf{}
	for _, ch := range chans {
		chains[trailID(ch.Account, ch.Region)] = chainOf{ch.Account, ch.Region}
	}
	for id, t := range r.state.Trails {
		chains[id] = chainOf{t.Account, t.Region}
	}
	now := r.cfg.Now().UTC()
	for id, c := range chains {
		// From the newest digest recorded, as far back as ownedDays; for a
		// chain not begun, from yesterday: a writer that signs it now
		// wrote there.
		var last time.Time
		from := now.AddDate(0, 0, -1)
		if t := r.state.Trails[id]; t != nil && t.Last != nil {
			last = t.Last.End
			from = now.AddDate(0, 0, -ownedDays)
			if last.After(from) {
				from = last
			}
		}
		if err := r.checkChainOwned(ctx, c.account, c.region, from, now, last); err != nil {
			return err
		}
	}
	return nil
}

// checkChainOwned refuses the chain of an account and region if its
// digest folders of the days from from to to hold a digest of this trail
// newer than after signed by a key not this recorder's.
func (r *Recorder) checkChainOwned(ctx context.Context, account, region string, from, to, after time.Time) error {
	mine := make([]string, len(r.keys))
	for i, k := range r.keys {
		mine[i] = k.Fingerprint
	}
	for day := from.Truncate(24 * time.Hour); !day.After(to); day = day.AddDate(0, 0, 1) {
		prefix := cloudtrail.Layout{}.ListPrefix(cloudtrail.KeyDigest, account, region, day)
		for e, err := range r.archive.List(ctx, cairn.ListOptions{Prefix: prefix}) {
			if err != nil {
				return fmt.Errorf("archive %s: %w", r.cfg.Archive, err)
			}
			info := cloudtrail.ParseKey(e.Object.Key)
			if info.Kind != cloudtrail.KeyDigest || info.TrailName != r.cfg.TrailName || info.HomeRegion != r.cfg.HomeRegion || !info.Time.After(after) {
				continue
			}
			fp, err := r.digestSigner(ctx, e.Object.Key)
			if err != nil {
				return err
			}
			if !slices.Contains(mine, fp) {
				return cairn.WithHint(fmt.Errorf("%w: %s, of %s %s, is signed by key %s, not by this server's (DATA/keys)", ErrForeignDigests, e.Object.Key, account, region, fp),
					"another cairn server records the same account and region into "+r.cfg.Archive+"; give each server its own -archive")
			}
		}
	}
	return nil
}

// digestSigner returns the fingerprint of the key a digest names.
func (r *Recorder) digestSigner(ctx context.Context, key string) (string, error) {
	rc, _, err := r.archive.Get(ctx, key)
	if err != nil {
		return "", fmt.Errorf("archive %s: read %s: %w", r.cfg.Archive, key, err)
	}
	defer rc.Close()
	body, err := cloudtrail.Gunzip(rc, 16<<20)
	if err != nil {
		return "", fmt.Errorf("archive %s: read %s: %w", r.cfg.Archive, key, err)
	}
	d, err := cloudtrail.ParseDigest(body)
	if err != nil {
		return "", fmt.Errorf("archive %s: read %s: %w", r.cfg.Archive, key, err)
	}
	return d.DigestPublicKeyFingerprint, nil
}
