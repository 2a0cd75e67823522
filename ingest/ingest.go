// Package ingest reads events from sources (folders, files, S3 prefixes) into
// the index: it discovers objects, reads only new or changed ones, decodes
// them on all cores, deduplicates through the index, and quarantines an
// object it cannot read with the reason, while the rest goes on.
package ingest

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Config configures ingest.
type Config struct {
	// Workers is the number of objects decoded at once.
	Workers int
	// Fetchers is the number of objects of a remote source (S3) read ahead
	// of the decoders at once (readahead.go).
	Fetchers int
	// Listers is the number of folders listed at once while looking for
	// objects; on S3 each listing is a round trip.
	Listers int
	// Since, when set, leaves out the years, months and days of AWS's
	// layout that end before it, unlisted: a run that looks for new
	// deliveries instead of going through a trail's whole history. Objects
	// outside the layout's date folders are read as ever.
	Since time.Time
	// BatchEvents is how many events are committed at once; it bounds the
	// memory an ingest holds.
	BatchEvents int
	// Notice, when set, is told about every object that was skipped or
	// quarantined, with the reason, and about an object of EventBridge
	// events that was read in part (Status done, Reason saying how many
	// events of other kinds were skipped).
	Notice func(cairn.ObjectState)
	// Progress, when set, is called about five times a second.
	Progress func(Summary)
	Logger   *slog.Logger
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Workers: runtime.GOMAXPROCS(0), Fetchers: 32, Listers: 8, BatchEvents: 20_000}
}

// RegisterFlags registers -ingest.* flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Workers, "ingest.workers", c.Workers, "objects decoded in parallel")
	fs.IntVar(&c.Fetchers, "ingest.fetchers", c.Fetchers, "objects of an S3 source fetched in parallel, ahead of decoding")
	fs.IntVar(&c.Listers, "ingest.listers", c.Listers, "folders listed in parallel while looking for objects")
	fs.IntVar(&c.BatchEvents, "ingest.batch", c.BatchEvents, "events committed at once")
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Workers < 1 {
		return fmt.Errorf("-ingest.workers must be at least 1")
	}
	if c.Fetchers < 1 {
		return fmt.Errorf("-ingest.fetchers must be at least 1")
	}
	if c.Listers < 1 {
		return fmt.Errorf("-ingest.listers must be at least 1")
	}
	if c.BatchEvents < 1 {
		return fmt.Errorf("-ingest.batch must be at least 1")
	}
	return nil
}

// Summary counts what an ingest did.
type Summary struct {
	Listed     int // objects found in the source
	Unchanged  int // objects already ingested and not changed since
	Objects    int // objects read in this run
	Events     int // records read
	New        int // events stored
	Duplicates int // events already stored
	// Conflicts counts the Duplicates whose record differs from the
	// stored one's (cairn.CommitResult.Conflicts); each object that held
	// some was named to Notice.
	Conflicts int
	Failed    int // objects quarantined in this run
	Skipped   int // objects, and folders, that hold no events: each was named to Notice
	// SkippedEvents counts EventBridge events of other kinds (neither AWS
	// Health nor EC2 state changes) in objects that also held events of
	// ours; they are not counted in Events. An object with none of ours is
	// counted in Skipped instead.
	SkippedEvents int
	// UnusableRecords counts the records left out of objects read in part:
	// records that are JSON but not usable CloudTrail records (no
	// eventTime, a field of the wrong type). Each such object was named to
	// Notice; an object with no usable record is quarantined instead.
	UnusableRecords int
	// StillQuarantined counts the objects among Unchanged that an earlier
	// run quarantined: they stay out until they change.
	StillQuarantined int
	Elapsed          time.Duration
}

// Rate is events read per second.
func (s Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Events) / s.Elapsed.Seconds()
}

func (s Summary) String() string {
	skippedEvents := ""
	if s.SkippedEvents > 0 {
		skippedEvents = fmt.Sprintf(" (and %d events of other kinds)", s.SkippedEvents)
	}
	conflicts := ""
	if s.Conflicts > 0 {
		conflicts = fmt.Sprintf(" (%d with other content than the stored record)", s.Conflicts)
	}
	unusable := ""
	if s.UnusableRecords > 0 {
		unusable = fmt.Sprintf(" (and %d unusable %s left out of files read in part)", s.UnusableRecords, plural(s.UnusableRecords, "record", "records"))
	}
	return fmt.Sprintf("%d objects read (%d unchanged): %d events, %d new, %d duplicates%s; %d failed%s, %d skipped%s; %.1fs, %.0f events/s",
		s.Objects, s.Unchanged, s.Events, s.New, s.Duplicates, conflicts, s.Failed, unusable, s.Skipped, skippedEvents, s.Elapsed.Seconds(), s.Rate())
}

// maxBatchObjects bounds the objects of one commit, so that a source of many
// small files still commits now and then.
const maxBatchObjects = 10_000

// ErrFailedObjects is returned (wrapped) when some objects were quarantined
// or read in part.
var ErrFailedObjects = errors.New("some objects could not be read")

// Run ingests one source into the index. It returns ErrFailedObjects when
// some objects were quarantined; their reasons went to Config.Notice.
func Run(ctx context.Context, cfg Config, idx cairn.Index, src *Source) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	start := time.Now()
	r := &run{cfg: cfg, idx: idx, src: src}
	stop := r.startProgress(start)
	err := r.process(ctx, r.objectsToRead)
	if down := r.outage.err(src.URL); down != nil {
		err = down
	}
	// Compact even when nothing new came: a run killed while compacting
	// leaves small segments that only the next compaction merges, and
	// segments it replaced are deleted only by one. With nothing to merge
	// it reads the manifest and returns.
	if c, ok := idx.(compacter); ok && err == nil {
		err = c.Compact(ctx)
	}
	stop()
	r.sum.Elapsed = time.Since(start)
	if err != nil {
		return r.sum, err
	}
	if r.sum.Failed > 0 || r.sum.UnusableRecords > 0 {
		return r.sum, fmt.Errorf("%w: %d quarantined, %d unusable records left out", ErrFailedObjects, r.sum.Failed, r.sum.UnusableRecords)
	}
	return r.sum, nil
}

// objectsToRead yields the source's new and changed objects a day at a
// time, so that what a run holds does not grow with the source: first the
// objects outside the trail's day folders, stateChunk at a time as they are
// found, by key; then each day's, of every account and region together, by
// key, days in order. A day's batches then hold one or two days, and each
// day gets a few large segments instead of a small one per account and
// region, which compaction would rewrite. The objects' states are asked of
// the index for whole days, until stateChunk objects are waiting: each ask
// is a scan of the catalog's keys, so a trail of small days is not asked
// about one day at a time. The first day is asked about alone, so that
// reading starts once it is listed rather than a few weeks later.
// listError names the source in an error of its listing, unless the
// store's own words already do: an S3 store's errors name the bucket and
// prefix, and "list s3://b/p: list s3://b/p/: AccessDenied" said it twice.
func listError(src *Source, err error) error {
	if strings.Contains(err.Error(), src.URL) {
		return err
	}
	return fmt.Errorf("list %s: %w", src.URL, err)
}

func (r *run) objectsToRead(ctx context.Context) iter.Seq2[listed, error] {
	return func(yield func(listed, error) bool) {
		days := map[time.Time][]string{}
		var waiting []cairn.ObjectInfo // in the order they are to be read
		byKey := func(a, b cairn.ObjectInfo) int { return strings.Compare(a.Key, b.Key) }
		for f, err := range walk(ctx, r.src, []string{""}, r.cfg.Listers, r.folderRole, r.folderNotice, &r.outage) {
			if err != nil {
				yield(listed{}, listError(r.src, err))
				return
			}
			if f.folder != "" {
				info, _ := r.src.DayFolder(f.folder)
				days[info.Date] = append(days[info.Date], f.folder)
				continue
			}
			if waiting = append(waiting, f.object); len(waiting) == stateChunk {
				slices.SortFunc(waiting, byKey)
				if !r.yieldChanged(ctx, waiting, yield) {
					return
				}
				waiting = waiting[:0]
			}
		}
		slices.SortFunc(waiting, byKey)
		due := 1 // objects waiting before their states are asked for
		for _, day := range slices.SortedFunc(maps.Keys(days), time.Time.Compare) {
			first := len(waiting)
			for f, err := range walk(ctx, r.src, days[day], r.cfg.Listers, nil, r.folderNotice, &r.outage) {
				if err != nil {
					yield(listed{}, listError(r.src, err))
					return
				}
				waiting = append(waiting, f.object)
			}
			slices.SortFunc(waiting[first:], byKey)
			if len(waiting) >= due {
				if !r.yieldChanged(ctx, waiting, yield) {
					return
				}
				waiting = waiting[:0]
				due = stateChunk
			}
		}
		r.yieldChanged(ctx, waiting, yield)
	}
}

// listed is an object to read, and whether the index held a state of it
// when it was listed.
type listed struct {
	cairn.ObjectInfo
	recorded bool
}

// folderRole says what discovery does with a folder: a day of a trail's
// logs (…/CloudTrail/region/YYYY/MM/DD/) is yielded, to be listed a day at
// a time, and a year, month or day of the layout that ends before
// Config.Since is left out.
func (r *run) folderRole(prefix string) folderRole {
	if !r.cfg.Since.IsZero() {
		if _, until, ok := r.src.DateFolder(prefix); ok && !until.After(r.cfg.Since) {
			return leaveFolder
		}
	}
	if info, ok := r.src.DayFolder(prefix); ok && info.Kind == cloudtrail.KeyLog {
		return yieldFolder
	}
	return listFolder
}

// stateChunk bounds the objects whose states are asked for at once (a
// variable for tests).
var stateChunk = 50_000

// yieldChanged counts objects as listed and yields, in their order, those
// that are new or changed since their recorded state, asking for the states
// of stateChunk objects at a time. It reports false when the caller should
// stop.
func (r *run) yieldChanged(ctx context.Context, objects []cairn.ObjectInfo, yield func(listed, error) bool) bool {
	for chunk := range slices.Chunk(objects, stateChunk) {
		keys := make([]string, len(chunk))
		for i, o := range chunk {
			keys[i] = o.Key
		}
		known, err := r.idx.ObjectStates(ctx, r.src.URL, keys)
		if err != nil {
			yield(listed{}, fmt.Errorf("read ingest state: %w", err))
			return false
		}
		for _, info := range chunk {
			st, ok := known[info.Key]
			unchanged := ok && !st.Changed(info.Size, info.ETag) && !unread(st)
			if ok && st.Status == cairn.ObjectDone && st.Changed(info.Size, info.ETag) {
				r.notice(rewritten(r.src.URL, st, info))
			}
			r.mu.Lock()
			r.sum.Listed++
			if unchanged {
				r.sum.Unchanged++
				if st.Status == cairn.ObjectQuarantined {
					r.sum.StillQuarantined++
				}
			}
			r.mu.Unlock()
			if !unchanged && !yield(listed{info, ok}, nil) {
				return false
			}
		}
	}
	return true
}

// rewritten is the notice for an object read before that has changed
// since: CloudTrail writes a log file once, so a change is a repair at
// best and tampering at worst. The events read the first time stay as
// they were read (deduplication keeps the first); new ones are added.
func rewritten(source string, was cairn.ObjectState, now cairn.ObjectInfo) cairn.ObjectState {
	read := was.IngestedAt.UTC().Format(time.RFC3339)
	if was.Size == now.Size && strings.HasPrefix(source, "file://") {
		// A folder's ETag is its size and modification time: a copy or a
		// restore that kept no times changes it and nothing else.
		return cairn.ObjectState{Source: source, Key: now.Key, Status: cairn.ObjectDone,
			Reason: fmt.Sprintf("read again: its modification time changed since it was read on %s, its size did not (a copy or a restore that kept no times does this; if none did, check the trail with cairn verify); the events read then are kept as they were", read)}
	}
	how := fmt.Sprintf("%d → %d bytes", was.Size, now.Size)
	if was.Size == now.Size {
		how = "the same size, a new ETag"
	}
	return cairn.ObjectState{Source: source, Key: now.Key, Status: cairn.ObjectDone,
		Reason: fmt.Sprintf("changed since it was read on %s (%s): CloudTrail never rewrites a log file, so check the trail with cairn verify; the events read then are kept as they were",
			read, how)}
}

// compacter is an index that merges small files when asked; ingest asks
// when a run ends.
type compacter interface {
	Compact(ctx context.Context) error
}

type run struct {
	cfg Config
	idx cairn.Index
	src *Source

	mu  sync.Mutex
	sum Summary

	noticeMu sync.Mutex
	outage   outage
}

// result is one object read: its state and, when readable, its events.
type result struct {
	state  cairn.ObjectState
	events []cairn.Event
	// skippedEvents counts the EventBridge events of other kinds in an
	// object that was read in part.
	skippedEvents int
	// unusable counts the records left out of an object read in part.
	unusable int
	seq      int // the object's place in the listing (job.seq)
}

// listAhead is how many objects listing may run ahead of reading. Listing
// works in steps (a day's folders, then a lookup of their states) during
// which it yields nothing; run in step with reading, it left the decoders
// idle for each step.
const listAhead = 16 * 1024

// listing is an object listed, or why listing stopped.
type listing struct {
	listed
	err error
}

func (r *run) process(ctx context.Context, todo func(context.Context) iter.Seq2[listed, error]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.outage.start(cancel)
	ahead := make(chan listing, listAhead)
	go func() {
		defer close(ahead)
		for info, err := range todo(ctx) {
			select {
			case ahead <- listing{info, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	listedJobs := make(chan job)
	listErr := make(chan error, 1)
	// Objects are decoded in parallel but committed in the order they were
	// listed, so that of two records under one event ID the same one is
	// kept on every run. inFlight bounds the objects listed and not yet
	// taken in order, and so what waits for a slow one.
	inFlight := make(chan struct{}, 4*r.cfg.Workers+r.cfg.Fetchers)
	go func() {
		defer close(listedJobs)
		seq := 0
		for l := range ahead {
			if l.err != nil {
				listErr <- l.err
				cancel()
				return
			}
			select {
			case inFlight <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case listedJobs <- job{listed: l.listed, seq: seq}:
				seq++
			case <-ctx.Done():
				return
			}
		}
	}()
	jobs := (<-chan job)(listedJobs)
	if r.src.remote {
		ahead := make(chan job)
		go readAhead(ctx, r.src.Store, listedJobs, ahead, r.cfg.Fetchers)
		jobs = ahead
	}
	results := make(chan result, r.cfg.Workers)
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() {
			for j := range jobs {
				res := r.read(ctx, &j)
				j.done()
				res.seq = j.seq
				res.state.Unrecorded = !j.recorded
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	// Commits run beside decoding: one batch commits while the next fills.
	// A committed batch comes back to be filled again: growing and copying
	// batches of events of half a kilobyte each cost a twentieth of ingest.
	batches := make(chan *cairn.Batch, 1)
	free := make(chan *cairn.Batch, 2)
	commitErr := make(chan error, 1)
	go func() {
		var err error
		for b := range batches {
			if err != nil {
				continue // drain after a failure
			}
			var cr cairn.CommitResult
			if cr, err = r.idx.Commit(ctx, b); err != nil {
				cancel()
				continue
			}
			r.mu.Lock()
			r.sum.New += cr.New
			r.sum.Duplicates += cr.Duplicates
			r.sum.Conflicts += len(cr.Conflicts)
			r.mu.Unlock()
			r.noticeConflicts(b, cr.Conflicts)
			clear(b.Events) // no record stays reachable through a reused batch
			*b = cairn.Batch{Events: b.Events[:0], Objects: b.Objects[:0]}
			select {
			case free <- b:
			default:
			}
		}
		commitErr <- err
	}()
	newBatch := func() *cairn.Batch {
		select {
		case b := <-free:
			return b
		default:
			return &cairn.Batch{Events: make([]cairn.Event, 0, r.cfg.BatchEvents+r.cfg.BatchEvents/4)}
		}
	}
	batch := newBatch()
	waiting := map[int]result{} // decoded ahead of an object listed before them
	next := 0
	for decoded := range results {
		if ctx.Err() != nil {
			break
		}
		waiting[decoded.seq] = decoded
		for ctx.Err() == nil {
			res, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			<-inFlight
			if unread(res.state) {
				r.outage.failed(strings.TrimPrefix(res.state.Reason, readFailure))
			} else {
				r.outage.succeeded()
			}
			r.account(res)
			batch.Objects = append(batch.Objects, res.state)
			batch.Events = append(batch.Events, res.events...)
			if res.events != nil {
				putEvents(res.events)
			}
			if len(batch.Events) >= r.cfg.BatchEvents || len(batch.Objects) >= maxBatchObjects {
				batches <- batch
				batch = newBatch()
			}
		}
	}
	if len(batch.Objects) > 0 && ctx.Err() == nil {
		batches <- batch
	}
	close(batches)
	if err := <-commitErr; err != nil {
		return err
	}
	select {
	case err := <-listErr:
		return err
	default:
	}
	return ctx.Err()
}

// noticeConflicts tells Notice, once per object, of its events that carry
// a stored event's ID with another record: a copy someone changed, or
// another system's event under a clashing ID. The stored records stay.
func (r *run) noticeConflicts(b *cairn.Batch, conflicts []cairn.Conflict) {
	for i := 0; i < len(conflicts); {
		j := i
		for j < len(conflicts) && conflicts[j].Object == conflicts[i].Object {
			j++
		}
		st := b.Objects[conflicts[i].Object]
		st.Status = cairn.ObjectDone
		id := conflicts[i].EventID
		st.Reason = fmt.Sprintf("%d of its events carry the ID of a stored event with another record (first: %s): the stored records are kept, not these; cairn search -id %s -format json shows the stored one",
			j-i, id, id)
		r.notice(st)
		i = j
	}
}

// account counts an object's outcome and tells Notice about failures, skips
// and objects read in part.
func (r *run) account(res result) {
	st := res.state
	r.mu.Lock()
	r.sum.Objects++
	switch st.Status {
	case cairn.ObjectDone:
		r.sum.Events += st.Events
		r.sum.SkippedEvents += res.skippedEvents
		r.sum.UnusableRecords += res.unusable
	case cairn.ObjectQuarantined:
		r.sum.Failed++
	case cairn.ObjectSkipped:
		r.sum.Skipped++
	}
	r.mu.Unlock()
	if st.Status != cairn.ObjectDone || st.Reason != "" {
		r.notice(st)
	}
}

// folderNotice is told of the folders a walk skipped or could not list;
// one that could not be listed fails the run. Both count in the summary,
// which agrees with the notices.
func (r *run) folderNotice(st cairn.ObjectState) {
	r.mu.Lock()
	switch st.Status {
	case cairn.ObjectQuarantined:
		r.sum.Failed++
	case cairn.ObjectSkipped:
		r.sum.Skipped++
	}
	r.mu.Unlock()
	r.notice(st)
	if strings.HasPrefix(st.Reason, unlistable) {
		r.outage.failed(strings.TrimPrefix(st.Reason, unlistable))
	}
}

// notice tells Config.Notice, one call at a time: folders are skipped
// while objects are read.
func (r *run) notice(st cairn.ObjectState) {
	if r.cfg.Notice == nil {
		return
	}
	r.noticeMu.Lock()
	defer r.noticeMu.Unlock()
	r.cfg.Notice(st)
}

// read reads and decodes one object. Its events come back all or none: any
// error quarantines the whole object.
func (r *run) read(ctx context.Context, j *job) result {
	info := j.ObjectInfo
	st := cairn.ObjectState{Source: r.src.URL, Key: info.Key, Size: info.Size, ETag: info.ETag, IngestedAt: time.Now().UTC()}
	keyInfo := r.src.KeyInfo(info.Key)
	layout := keyInfo.Kind
	if layout == cloudtrail.KeyDigest || layout == cloudtrail.KeyInsight {
		st.Status, st.Reason = cairn.ObjectSkipped, layout.String()+" file, not API calls"
		return result{state: st}
	}
	body, err := j.open(ctx, r.src.Store)
	if err != nil {
		st.Status, st.Reason = cairn.ObjectQuarantined, readFailure+err.Error()
		return result{state: st}
	}
	defer body.Close()
	store := cairn.NewStoreReader(body)
	// What CloudTrail delivered into its layout is read as a log; anything
	// else is first judged by its content.
	var src io.Reader = store
	kind, what := cloudtrail.ContentRecords, ""
	if layout != cloudtrail.KeyLog {
		br := bufio.NewReaderSize(store, cloudtrail.SniffSize)
		head, _ := br.Peek(cloudtrail.SniffSize)
		kind, what = cloudtrail.Sniff(head)
		src = br
	}
	switch kind {
	case cloudtrail.ContentDigest:
		st.Status, st.Reason = cairn.ObjectSkipped, what+", not CloudTrail records"
		return result{state: st}
	case cloudtrail.ContentEventBridge:
		res := readEventBridge(st, src)
		if res.state.Status == cairn.ObjectQuarantined {
			res.state.Reason = readReason(store, res.state.Reason)
		}
		return res
	case cloudtrail.ContentRecords:
	default:
		if !looksLikeLog(layout, info.Key, kind) {
			st.Status, st.Reason = cairn.ObjectSkipped, "not a CloudTrail log file ("+what+")"
			return result{state: st}
		}
	}
	var magic *gzipMagic
	if strings.HasSuffix(info.Key, ".gz") {
		magic = &gzipMagic{r: src}
		src = magic
	}
	events, unusable, err := decodeAll(src)
	if err != nil {
		reason := err.Error()
		if magic != nil && magic.notGzip() {
			reason = "not gzip, though its name ends in .gz; read as plain text: " + reason
		}
		st.Status, st.Reason = cairn.ObjectQuarantined, readReason(store, reason)
		return result{state: st}
	}
	if insightsOnly(events) {
		// An Insights file outside its folder (copied elsewhere): its
		// records describe calls, they are none.
		putEvents(events)
		st.Status, st.Reason = cairn.ObjectSkipped, "CloudTrail Insights records, not API calls"
		return result{state: st}
	}
	deliveredTo(events, keyInfo.Account)
	st.Status, st.Events = cairn.ObjectDone, len(events)
	st.Reason = unusable.reason(len(events))
	return result{state: st, events: events, unusable: unusable.n}
}

// deliveredTo gives the records without a recipientAccountId (those of
// eventVersion 1.0 and 1.01, and some service events since) the account
// whose folder of the trail's layout delivered them, if any, so that they
// are searched by account and deduplicated within it.
func deliveredTo(events []cairn.Event, account string) {
	if account == "" {
		return
	}
	for i := range events {
		if events[i].RecipientAccountID == "" {
			events[i].RecipientAccountID = account
		}
	}
}

// insightsOnly reports whether every event is a CloudTrail Insights record.
func insightsOnly(events []cairn.Event) bool {
	for i := range events {
		if events[i].EventType != cloudtrail.EventTypeInsight {
			return false
		}
	}
	return len(events) > 0
}

// gzipMagic notes the first two bytes of an object named .gz as they are
// read, so that a failure can say that it is not gzip at all, rather than
// only blame the JSON that the reader then found.
type gzipMagic struct {
	r    io.Reader
	head [2]byte
	n    int
}

func (g *gzipMagic) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += copy(g.head[g.n:], p[:n])
	return n, err
}

func (g *gzipMagic) notGzip() bool { return g.n == 2 && (g.head[0] != 0x1f || g.head[1] != 0x8b) }

// looksLikeLog reports whether unreadable content is damage to report
// rather than a stray file to skip with a notice: the object is in the
// trail's layout, or is corrupt compressed data, or is named as JSON but is
// not JSON. Valid JSON of another kind (a report, a scenario list) and
// other files (a cost report, a README) are stray.
func looksLikeLog(layout cloudtrail.KeyKind, key string, kind cloudtrail.Content) bool {
	if layout == cloudtrail.KeyLog || kind == cloudtrail.ContentCorrupt {
		return true
	}
	if kind != cloudtrail.ContentNotJSON {
		return false
	}
	for _, ext := range []string{".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"} {
		if strings.HasSuffix(key, ext) {
			return true
		}
	}
	return false
}

// decodeAll decodes an object's records into a slice from eventSlices,
// which the batch returns once it has copied the events, leaving out and
// counting unusable ones.
func decodeAll(body io.Reader) ([]cairn.Event, unusableRecords, error) {
	var unusable unusableRecords
	rd, err := cloudtrail.NewReader(body)
	if err != nil {
		return nil, unusable, err
	}
	defer rd.Close()
	events := getEvents()
	for {
		e, err := rd.NextEvent()
		if err == io.EOF {
			if err := unusable.badFile(len(events)); err != nil {
				putEvents(events)
				return nil, unusable, err
			}
			return events, unusable, nil
		}
		if unusable.add(err) {
			continue
		}
		if err != nil {
			putEvents(events)
			return nil, unusable, err
		}
		events = append(events, e)
	}
}

// unusableRecords counts the records of an object that are JSON but not
// usable CloudTrail records (cloudtrail.RecordError). The reader has gone
// past such a record, so the object's other records are kept: one record
// without an eventTime no longer keeps a file's hundreds of others out of
// the index.
type unusableRecords struct {
	n     int
	first error
}

// add counts err if it is a record's, and reports whether it was.
func (u *unusableRecords) add(err error) bool {
	var re *cloudtrail.RecordError
	if !errors.As(err, &re) {
		return false
	}
	if u.n == 0 {
		u.first = err
	}
	u.n++
	return true
}

// badFile is the error of an object whose records were all unusable (the
// first one's), which is quarantined; nil when kept records remain.
func (u unusableRecords) badFile(kept int) error {
	if kept == 0 && u.n > 0 {
		return u.first
	}
	return nil
}

// reason is the state's reason for an object read in part, of which kept
// records were kept; empty when none was left out.
func (u unusableRecords) reason(kept int) string {
	others := fmt.Sprintf("the other %d were read", kept)
	if kept == 1 {
		others = "the other record was read"
	}
	switch u.n {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%s%s, so it was left out; %s", cairn.ReadInPartNote, u.first, others)
	}
	return fmt.Sprintf("%s%d of %d records were left out as unusable (the first: %s); %s", cairn.ReadInPartNote, u.n, u.n+kept, u.first, others)
}

// eventSlices recycles the slices that objects are decoded into.
var eventSlices = sync.Pool{New: func() any { return new([]cairn.Event) }}

func getEvents() []cairn.Event { return (*eventSlices.Get().(*[]cairn.Event))[:0] }

func putEvents(events []cairn.Event) {
	clear(events)
	events = events[:0]
	eventSlices.Put(&events)
}

// readEventBridge reads an object of EventBridge events. AWS Health events
// and EC2 state-change notifications are kept; events of other kinds are
// skipped: the object is skipped with a notice when it holds none of ours,
// and otherwise read in part, its state's Reason saying what was left out.
// Unusable events are left out as unusable records are (decodeAll).
func readEventBridge(st cairn.ObjectState, body io.Reader) result {
	events, other, unusable, err := decodeEventBridge(body)
	if err != nil {
		st.Status, st.Reason = cairn.ObjectQuarantined, err.Error()
		return result{state: st}
	}
	if len(events) == 0 && other.n > 0 {
		st.Status = cairn.ObjectSkipped
		st.Reason = fmt.Sprintf("%d EventBridge %s from %s, none of them AWS Health, an EC2 state change or a CloudTrail record",
			other.n, plural(other.n, "event", "events"), other.kinds())
		return result{state: st}
	}
	st.Status, st.Events = cairn.ObjectDone, len(events)
	var reasons []string
	if other.n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d of %d EventBridge events are of other kinds (%s); the %d AWS Health, EC2 state-change and CloudTrail %s were read",
			other.n, other.n+unusable.n+len(events), other.kinds(), len(events), plural(len(events), "event", "events")))
	}
	if unusable.n > 0 {
		reasons = append(reasons, unusable.reason(len(events)))
	}
	st.Reason = strings.Join(reasons, "; ")
	return result{state: st, events: events, skippedEvents: other.n, unusable: unusable.n}
}

// otherEvents counts EventBridge events of kinds cairn does not keep, and
// remembers the first few kinds for the notice.
type otherEvents struct {
	n    int
	seen []string
}

const maxKindsNamed = 3

func (o *otherEvents) add(kind string) {
	o.n++
	if len(o.seen) <= maxKindsNamed && !slices.Contains(o.seen, kind) {
		o.seen = append(o.seen, kind)
	}
}

func (o *otherEvents) kinds() string {
	if len(o.seen) > maxKindsNamed {
		return strings.Join(o.seen[:maxKindsNamed], ", ") + ", …"
	}
	return strings.Join(o.seen, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func decodeEventBridge(body io.Reader) ([]cairn.Event, otherEvents, unusableRecords, error) {
	var other otherEvents
	var unusable unusableRecords
	rd, err := cloudtrail.NewEventBridgeReader(body)
	if err != nil {
		return nil, other, unusable, err
	}
	defer rd.Close()
	var events []cairn.Event
	for {
		e, err := rd.NextEvent()
		if err == io.EOF {
			return events, other, unusable, unusable.badFile(len(events))
		}
		var ue *cloudtrail.UnsupportedEventError
		if errors.As(err, &ue) {
			other.add(ue.Kind())
			continue
		}
		if unusable.add(err) {
			continue
		}
		if err != nil {
			return nil, other, unusable, err
		}
		events = append(events, e)
	}
}

// startProgress calls Config.Progress periodically until stopped.
func (r *run) startProgress(start time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				r.mu.Lock()
				s := r.sum
				r.mu.Unlock()
				s.Elapsed = time.Since(start)
				r.cfg.Progress(s)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
