package record

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// state is what has been delivered and digested (docs/formats/record.md).
type state struct {
	Delivered uint64            `json:"delivered"`
	Trails    map[string]*trail `json:"trails"`
}

// trail is the digest chain of one account and region.
type trail struct {
	Account string         `json:"account"`
	Region  string         `json:"region"`
	Started time.Time      `json:"started"`
	Last    *digestRef     `json:"last,omitempty"`
	Pending []deliveredLog `json:"pending"`
}

// digestRef is the newest digest of a chain: what the next one links to.
type digestRef struct {
	Key       string    `json:"key"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Signature string    `json:"signature"`
	Hash      string    `json:"hash"`
	Files     int       `json:"files"`
}

// deliveredLog is a log file in the archive that the next digest lists.
type deliveredLog struct {
	Key       string    `json:"key"`
	Hash      string    `json:"hash"`
	Delivered time.Time `json:"delivered"`
	Oldest    time.Time `json:"oldest"`
	Newest    time.Time `json:"newest"`
}

// nextDigestStart is where the chain's next digest starts: where the last
// one ended, or where the chain began.
func (t *trail) nextDigestStart() time.Time {
	if t.Last != nil {
		return t.Last.End
	}
	return t.Started
}

func trailID(account, region string) string { return account + "/" + region }

// pendingKeys are the keys of the log files delivered and not yet listed by
// a digest, in order.
func (s *state) pendingKeys() []string {
	var keys []string
	for _, t := range s.Trails {
		for _, l := range t.Pending {
			keys = append(keys, l.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

func loadState(path string) (*state, error) {
	s := &state{Trails: map[string]*trail{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read recorder state: %w", err)
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, cairn.WithHint(fmt.Errorf("read recorder state %s: %w", path, err),
			"the file is damaged; restore it from a backup, or move it away to start new digest chains")
	}
	if s.Trails == nil {
		s.Trails = map[string]*trail{}
	}
	return s, nil
}

func (s *state) save(path string) error {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	if err := file.WriteAtomic(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save recorder state: %w", err)
	}
	return nil
}

// clone returns a deep copy, so that a change is applied to the live state
// only once it is saved.
func (s *state) clone() *state {
	c := &state{Delivered: s.Delivered, Trails: make(map[string]*trail, len(s.Trails))}
	for k, t := range s.Trails {
		tc := *t
		if t.Last != nil {
			last := *t.Last
			tc.Last = &last
		}
		tc.Pending = slices.Clone(t.Pending)
		c.Trails[k] = &tc
	}
	return c
}

// trailIDs returns the trails' keys in a stable order.
func (s *state) trailIDs() []string {
	ids := make([]string, 0, len(s.Trails))
	for k := range s.Trails {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids
}

// RecordedChains reads what the recorder of the data folder data says it
// wrote, for cairn verify (cloudtrail.ValidateOptions.Recorded): per
// account and region, the newest digest and the log files delivered since.
// It returns nil when the folder has no recorder's state: the trail has
// not been recorded here.
//
// savedAt is when the state was saved: while the server runs, files
// delivered since may be missing from it (cloudtrail.ValidateOptions.RecordedAt,
// which the caller sets only then).
func RecordedChains(data string) (chains []cloudtrail.RecordedChain, savedAt time.Time, err error) {
	path := filepath.Join(data, "record", "state.json")
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read recorder state: %w", err)
	}
	s, err := loadState(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	out := []cloudtrail.RecordedChain{}
	for _, t := range s.Trails {
		rc := cloudtrail.RecordedChain{Account: t.Account, Region: t.Region, Started: t.Started, Pending: map[string]string{}}
		if t.Last != nil {
			rc.NewestDigest = t.Last.Key
		}
		for _, l := range t.Pending {
			rc.Pending[l.Key] = l.Hash
		}
		out = append(out, rc)
	}
	slices.SortFunc(out, func(a, b cloudtrail.RecordedChain) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region))
	})
	return out, st.ModTime(), nil
}
