package duckdb

import (
	"hash/maphash"
	"time"

	"github.com/zeebo/xxh3"
)

// eventKey is a 128-bit hash of an event's dedup key. Two independent 64-bit
// hashes make a collision, which would drop an event, negligible.
type eventKey struct{ a, b uint64 }

var seedA, seedB, seedAccountA, seedAccountB = maphash.MakeSeed(), maphash.MakeSeed(), maphash.MakeSeed(), maphash.MakeSeed()

// keyOf hashes the pair (account, eventID). Each half is the XOR of a hash of
// each string under seeds of its own, so that no bytes are copied into a
// hasher: feeding a maphash.Hash both strings cost 1.6% of ingest's CPU in
// copies alone. Two pairs collide only if both halves do.
func keyOf(account, eventID string) eventKey {
	return eventKey{
		maphash.String(seedA, eventID) ^ maphash.String(seedAccountA, account),
		maphash.String(seedB, eventID) ^ maphash.String(seedAccountB, account),
	}
}

// dedupSet holds the keys of stored events per UTC day. Duplicates that
// CloudTrail delivers carry the same eventTime, so one day's keys are all
// that a new event must be checked against. Days are loaded from their
// segments on first use and dropped, least recently used first, when the
// set grows past its bound.
type dedupSet struct {
	days  map[string]*dayKeys
	limit int
	size  int
	clock uint64
}

type dayKeys struct {
	// keys map each stored event's key to the print of its record
	// (recordPrint), or to 0 when it was loaded from the segments, which
	// would cost reading every record to print.
	keys     map[eventKey]uint64
	lastUsed uint64
}

// recordPrint is a record's 64-bit hash, never 0, which tells a copy of a
// stored record from another record under the same key.
func recordPrint(raw []byte) uint64 { return xxh3.Hash(raw) | 1 }

func newDedupSet(limit int) *dedupSet {
	return &dedupSet{days: map[string]*dayKeys{}, limit: limit}
}

// day returns the loaded keys of a day, or nil when the day is not loaded.
func (s *dedupSet) day(day string) *dayKeys {
	d := s.days[day]
	if d != nil {
		s.clock++
		d.lastUsed = s.clock
	}
	return d
}

// put installs a loaded day.
func (s *dedupSet) put(day string, keys map[eventKey]uint64) *dayKeys {
	s.clock++
	d := &dayKeys{keys: keys, lastUsed: s.clock}
	s.days[day] = d
	s.size += len(keys)
	return d
}

// add records a key as stored, with its record's print.
func (s *dedupSet) add(d *dayKeys, k eventKey, fingerprint uint64) {
	d.keys[k] = fingerprint
	s.size++
}

// remove forgets a key, to undo a failed commit.
func (s *dedupSet) remove(d *dayKeys, k eventKey) {
	delete(d.keys, k)
	s.size--
}

// evict drops least recently used days, except the pinned ones, until the
// set is within its bound.
func (s *dedupSet) evict(pinned map[string]bool) {
	for s.size > s.limit {
		oldest, at := "", ^uint64(0)
		for day, d := range s.days {
			if !pinned[day] && d.lastUsed < at {
				oldest, at = day, d.lastUsed
			}
		}
		if oldest == "" {
			return
		}
		s.size -= len(s.days[oldest].keys)
		delete(s.days, oldest)
	}
}

// dayOf is the partition day of an event time.
func dayOf(t time.Time) string {
	return t.UTC().Format(time.DateOnly)
}

// dayNamer names the days of many events, formatting a name only when the
// day changes: a batch's events are mostly of one day or two.
type dayNamer struct {
	year, day int
	month     time.Month
	name      string
}

func (n *dayNamer) of(t time.Time) string {
	y, m, d := t.UTC().Date()
	if n.name == "" || y != n.year || m != n.month || d != n.day {
		n.year, n.month, n.day, n.name = y, m, d, dayOf(t)
	}
	return n.name
}
