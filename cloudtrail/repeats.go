package cloudtrail

// repeats holds one copy of each value seen lately in the fields whose
// values repeat from record to record (event names, sources, regions, user
// agents, whole userIdentity objects), so that the events of a batch share
// them instead of pointing into each raw record. The index writer's
// dictionaries then hash and compare values that sit together in the cache
// instead of fetching each from its own record, and a principal's object
// is read once per session rather than once per call. On make bench's week
// (453,337 events) the dictionaries' inserts went from 1.37 to 0.75 s of
// CPU, and ingest from 11.1 to 10.3 s of CPU (5.95 → 5.53 s wall, mean of
// 4, alternating).
type repeats struct {
	names      map[string]string
	identities map[string]*userIdentity // by the raw object; never changed once here
}

// maxRepeats bounds each table; a full one starts again, so that a long run
// of new principals cannot make it grow without end.
const maxRepeats = 4096

// name returns the table's copy of b, adding one when it has none.
func (r *repeats) name(b []byte) string {
	if s, ok := r.names[string(b)]; ok {
		return s
	}
	if r.names == nil || len(r.names) >= maxRepeats {
		r.names = make(map[string]string, 256)
	}
	s := string(b)
	r.names[s] = s
	return s
}

// identity returns the userIdentity read earlier from the same raw object.
func (r *repeats) identity(raw []byte) (*userIdentity, bool) {
	u, ok := r.identities[string(raw)]
	return u, ok
}

// addIdentity keeps u, read from raw, which it must not change afterwards.
func (r *repeats) addIdentity(raw []byte, u *userIdentity) {
	if r.identities == nil || len(r.identities) >= maxRepeats {
		r.identities = make(map[string]*userIdentity, 256)
	}
	r.identities[string(raw)] = u
}
