package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// maxPerFile splits busy 5-minute windows into several files, as CloudTrail
// does for large deliveries.
const maxPerFile = 4000

// stream generates the records of one account in one region.
type stream struct {
	o      *org
	cfg    *Config
	slot   time.Duration // the delivery interval
	acct   *account
	ai, ri int
	region string
	global bool // carries the global services' events
	r      *rand.Rand
	budget int64
	w      jw

	actors  []*persona
	cum     [168][]float64 // cumulative activity of actors per hour of week
	wcum    [168][]float64 // the same, over people and CI only (who make changes)
	apiCum  [nProf][]float64
	apiList [nProf][]*api
	lifeDay float64 // lifecycle actions per day

	st      state
	pending []action
	scen    []scenarioPlan
	// revocations are the permissions a scenario took away for a while.
	revocations []revocation

	// the file being filled, from its opening `{"Records":[`, and, for
	// its digest, the times of its oldest and newest records
	file                   []byte
	nRecs                  int
	fileOldest, fileNewest time.Time

	special int // scenario and lifecycle records in the current slot
	slotEnd time.Time
	dups    []dup
	lastID  [36]byte

	// the record being written
	cur        [nKinds]*res
	curSet     [nKinds]bool
	curID      *ident
	now        time.Time
	v1, v3     string // template scratch values $1, $3
	v2         int    // $2
	v2s        string // $4
	v5         string // $5
	key7       []byte // $7, per record
	key7set    bool
	ipPool     [2][64]string          // private and Lambda addresses
	key8       int64                  // $8, per record
	record     [len(perRecord)][]byte // the values of the per-record placeholders
	recordSet  [len(perRecord)]bool
	azOverride string
	scenTag    string // scenario of the records being written
	failNext   string // error code for the next lifecycle record
	failMsg    string

	vpce       string // the VPC endpoint private calls come through
	idBuf      ident
	idCache    map[idKey]string
	uaCache    map[uaKey]string
	fallback   [nKinds]string
	kmsKeys    []string
	meanWriter float64

	bucketNames, fnNames, tableNames, dbNames, lbNames, asgNames, stackNames map[string]bool

	stats    Stats
	truth    map[string][]string // scenario id → event IDs
	scenOut  []Scenario
	sideRecs []sideLine // Health and EC2 state-change events
	gz       *logGzipper
	digests  *streamDigests // nil without Config.Digests
	fw       *fileWriter
	dirsMade map[string]bool
}

type action struct {
	t  time.Time
	fn func(t time.Time)
}

type dup struct {
	after time.Time
	rec   []byte
	t     time.Time // the record's
}

type sideLine struct {
	t      time.Time
	source string // aws.health or aws.ec2
	line   []byte
}

func newStreams(o *org, cfg *Config, plan []scenarioPlan) []*stream {
	var ss []*stream
	var weights []float64
	gr := o.globalRegion()
	for ai := range o.accounts {
		for ri, region := range o.regions {
			s := &stream{o: o, cfg: cfg, slot: cfg.Delivery, acct: &o.accounts[ai], ai: ai, ri: ri, region: region, global: ri == gr}
			s.r = rand.New(rand.NewPCG(uint64(cfg.Seed), hash(uint64(cfg.Seed), uint64(ai), uint64(ri))))
			for _, p := range o.personas {
				if p.worksIn(ai) {
					s.actors = append(s.actors, p)
				}
			}
			rw := 1.0
			switch {
			case s.global:
				rw = 1.7
			case ri == 1:
				rw = 0.9
			default:
				rw = 0.5
			}
			weights = append(weights, o.accounts[ai].w*rw)
			for _, pl := range plan {
				if pl.acct == ai && pl.region == ri {
					s.scen = append(s.scen, pl)
				}
			}
			ss = append(ss, s)
		}
	}
	// Share the event budget exactly.
	var total float64
	for _, w := range weights {
		total += w
	}
	var cum float64
	var given int64
	for i, s := range ss {
		cum += weights[i]
		upto := int64(math.Floor(float64(cfg.Events) * cum / total))
		if i == len(ss)-1 {
			upto = cfg.Events
		}
		s.budget = upto - given
		given = upto
	}
	return ss
}

func (s *stream) prepare() {
	for h := 0; h < 168; h++ {
		var c, wc float64
		s.cum[h] = make([]float64, len(s.actors))
		s.wcum[h] = make([]float64, len(s.actors))
		for i, p := range s.actors {
			a := p.activity(h)
			if p.kind == kService && !s.global && p.svcHost == "access-analyzer.amazonaws.com" {
				a *= 0.3
			}
			c += a
			s.cum[h][i] = c
			if p.kind == kSSO || p.kind == kIAMUser || p.kind == kCI {
				if p.name != "svc-backup" && p.name != "jenkins" && !p.readOnly() {
					wc += a
				}
			}
			s.wcum[h][i] = wc
		}
	}
	for _, a := range catalog {
		if a.glob && !s.global {
			continue
		}
		if a.mgmtOnly && s.ai != s.o.mgmt {
			continue
		}
		for p := 0; p < nProf; p++ {
			if a.w[p] <= 0 {
				continue
			}
			prev := 0.0
			if n := len(s.apiCum[p]); n > 0 {
				prev = s.apiCum[p][n-1]
			}
			s.apiCum[p] = append(s.apiCum[p], prev+a.w[p])
			s.apiList[p] = append(s.apiList[p], a)
		}
	}
	days := float64(s.cfg.Days)
	s.lifeDay = math.Min(40, math.Max(3, 0.012*float64(s.budget)/days))
	for h := 0; h < 168; h++ {
		if c := s.wcum[h]; len(c) > 0 {
			s.meanWriter += c[len(c)-1] / 168
		}
	}
	s.truth = map[string][]string{}
	s.idCache = map[idKey]string{}
	s.uaCache = map[uaKey]string{}
	for i := range s.ipPool[0] {
		s.ipPool[0][i] = s.drawPrivateIP()
		s.ipPool[1][i] = "3." + itoa(80+s.r.IntN(160)) + "." + itoa(s.r.IntN(256)) + "." + itoa(1+s.r.IntN(250))
	}
	s.vpce = "vpce-0" + charsFrom(hash(s.o.seed, 83, hashStr(s.acct.id), hashStr(s.region)), "0123456789abcdef", 16)
	s.dirsMade = map[string]bool{}
	s.seedResources()
}

func pickCum(cum []float64, r *rand.Rand) int {
	if len(cum) == 0 || cum[len(cum)-1] <= 0 {
		return -1
	}
	x := r.Float64() * cum[len(cum)-1]
	return sort.SearchFloat64s(cum, x)
}

// quotas spreads the stream's budget over 5-minute slots along the
// activity of its principals, with noise, so the total is exact.
func (s *stream) quotas(n int) []int32 {
	w := make([]float64, n)
	var total float64
	for i := range w {
		t := s.o.start.Add(time.Duration(i) * s.slot)
		c := s.cum[howOf(t)]
		a := 0.0
		if len(c) > 0 {
			a = c[len(c)-1]
		}
		noise := math.Exp(0.35 * s.r.NormFloat64())
		w[i] = (a + 0.05) * noise
		total += w[i]
	}
	q := make([]int32, n)
	var cum float64
	var given int64
	for i := range w {
		cum += w[i]
		upto := int64(math.Floor(float64(s.budget) * cum / total))
		if i == n-1 {
			upto = s.budget
		}
		q[i] = int32(upto - given)
		given = upto
	}
	return q
}

func (s *stream) schedule(t time.Time, fn func(time.Time)) {
	s.pending = append(s.pending, action{t: t, fn: fn})
	// Keep sorted by time (insertion; the queue is short).
	for i := len(s.pending) - 1; i > 0 && s.pending[i].t.Before(s.pending[i-1].t); i-- {
		s.pending[i], s.pending[i-1] = s.pending[i-1], s.pending[i]
	}
}

func (s *stream) run(ctx context.Context) error {
	s.fw = newFileWriter()
	err := s.generate(ctx)
	// Wait for the stream's files even after an error, so that none is
	// written after Generate has returned.
	if cerr := s.fw.close(); err == nil {
		err = cerr
	}
	return err
}

func (s *stream) generate(ctx context.Context) error {
	s.prepare()
	s.gz = newLogGzipper()
	defer s.gz.close()
	s.newFile()
	nslots := int(s.o.end.Sub(s.o.start) / s.slot)
	q := s.quotas(nslots)
	s.planScenarios()
	var carry int64
	for i := 0; i < nslots; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		t0 := s.o.start.Add(time.Duration(i) * s.slot)
		s.slotEnd = t0.Add(s.slot)
		s.special = 0
		if i == 0 || t0.Hour() == 0 && t0.Minute() == 0 {
			s.sessionsForDay(t0.Truncate(24 * time.Hour))
		}
		s.lifecycleTick(t0)
		for len(s.pending) > 0 && s.pending[0].t.Before(s.slotEnd) {
			a := s.pending[0]
			s.pending = s.pending[1:]
			a.fn(a.t)
		}
		n := int64(q[i]) - int64(s.special) + carry
		carry = 0
		if n < 0 {
			carry = n
			n = 0
		}
		for j := int64(0); j < n; j++ {
			s.ordinary(t0.Add(time.Duration(s.r.Int64N(int64(s.slot)))))
		}
		if err := s.flush(t0); err != nil {
			return err
		}
		if s.digests != nil {
			if err := s.digests.writeUntil(s, s.slotEnd); err != nil {
				return err
			}
		}
	}
	if err := s.stats.writeErr; err != nil {
		return err
	}
	// Deliver duplicates still waiting, in one last file.
	if len(s.dups) > 0 {
		for i := range s.dups {
			s.dups[i].after = time.Time{}
		}
		if err := s.flush(s.o.end); err != nil {
			return err
		}
	}
	if s.digests != nil {
		if err := s.digests.writeAll(s); err != nil {
			return err
		}
	}
	for i := range s.st.lives {
		if s.st.lives[i].end.IsZero() {
			s.st.lives[i].end = s.o.end
		}
	}
	return nil
}

// flush writes the file of the slot starting at t0, with any duplicates due.
func (s *stream) flush(t0 time.Time) error {
	kept := s.dups[:0]
	for _, d := range s.dups {
		if !d.after.After(t0) {
			s.add(d.rec, d.t)
			s.stats.Duplicates++
		} else {
			kept = append(kept, d)
		}
	}
	s.dups = kept
	if s.nRecs == 0 {
		return nil
	}
	deliver := t0.Add(s.slot + time.Duration(1+s.r.IntN(5))*time.Minute)
	return s.writeFile(deliver)
}

// newFile starts the next log file.
func (s *stream) newFile() {
	s.file = append(s.file[:0], `{"Records":[`...)
	s.nRecs = 0
	s.fileOldest, s.fileNewest = time.Time{}, time.Time{}
}

// add appends one finished record, of time t, to the current file.
func (s *stream) add(rec []byte, t time.Time) {
	if s.nRecs > 0 {
		s.file = append(s.file, ',')
	}
	if s.digests != nil {
		if s.fileOldest.IsZero() || t.Before(s.fileOldest) {
			s.fileOldest = t
		}
		s.fileNewest = maxTime(s.fileNewest, t)
	}
	s.file = append(s.file, rec...)
	s.nRecs++
	if s.nRecs >= maxPerFile {
		// Deliver a full file at once; the rest of the slot goes to the next.
		if err := s.writeFile(s.slotEnd.Add(time.Duration(1+s.r.IntN(3)) * time.Minute)); err != nil {
			s.stats.writeErr = err
		}
	}
}

// makeDir creates dir, once a generation.
func (s *stream) makeDir(dir string) error {
	if !s.dirsMade[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		s.dirsMade[dir] = true
	}
	return nil
}

// writeFile finishes the current log file and hands it to the file writer;
// the next one starts empty.
func (s *stream) writeFile(deliver time.Time) error {
	defer s.newFile()
	if s.stats.writeErr != nil {
		return s.stats.writeErr
	}
	deliver = deliver.UTC()
	dir := filepath.Join(s.cfg.Out, "AWSLogs", s.o.id, s.acct.id, "CloudTrail", s.region, deliver.Format("2006/01/02"))
	if err := s.makeDir(dir); err != nil {
		return err
	}
	unique := randChars(s.r, mixedAlnum, 16)
	name := s.acct.id + "_CloudTrail_" + s.region + "_" + deliver.Format("20060102T1504Z") + "_" + unique + ".json.gz"
	// Compress into memory; the stream's file writer writes it with one call.
	s.file = append(s.file, "]}"...)
	buf := s.fw.buffer()
	if err := s.gz.compress(buf, s.file); err != nil {
		return fmt.Errorf("compress log file %s: %w", name, err)
	}
	s.stats.GzipBytes += int64(buf.Len())
	if s.cfg.discard {
		// Benchmarks of generation alone.
		buf.Reset()
		s.fw.pool.Put(buf)
	} else if err := s.fw.write(filepath.Join(dir, name), buf); err != nil {
		return err
	}
	if s.digests != nil {
		key := s.digests.signer.layout.LogKey(s.acct.id, s.region, deliver, unique)
		s.digests.delivered(key, deliver, s.file, s.fileOldest, s.fileNewest)
	}
	s.stats.Files++
	s.stats.RawBytes += int64(len(s.file))
	return nil
}

// pickActor picks who makes an ordinary call at t.
func (s *stream) pickActor(t time.Time) *persona {
	i := pickCum(s.cum[howOf(t)], s.r)
	if i < 0 {
		return nil
	}
	return s.actors[i]
}

// pickWriter picks a person (or CI) to make a change at t.
func (s *stream) pickWriter(t time.Time) *persona {
	i := pickCum(s.wcum[howOf(t)], s.r)
	if i < 0 {
		for _, p := range s.actors {
			if p.kind == kSSO {
				return p
			}
		}
		return s.actors[0]
	}
	return s.actors[i]
}

// pickPerson picks a human (no CI) active at t.
func (s *stream) pickPerson(t time.Time) *persona {
	for k := 0; k < 8; k++ {
		p := s.pickWriter(t)
		if p.kind != kCI {
			return p
		}
	}
	for _, p := range s.actors {
		if p.kind == kSSO {
			return p
		}
	}
	return s.actors[0]
}
