// Package record makes cairn a CloudTrail for applications that have none:
// it receives their events through PutAuditEvents, keeps them in a durable
// journal before acknowledging them, indexes them within a second, delivers
// them as CloudTrail log files into the archive, and signs digest files over
// those files, in AWS's formats. The files it keeps are documented in
// docs/formats/record.md.
package record

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/blob/s3"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Config configures the recorder.
type Config struct {
	// DeliveryInterval is how often journaled events become log files.
	DeliveryInterval time.Duration
	// DigestInterval is the period a digest file covers.
	DigestInterval time.Duration
	// Archive is where log and digest files go: a folder or s3://bucket/prefix.
	// Empty means DATA/archive.
	Archive string
	// TrailName and HomeRegion name the trail in digest keys and trail ARNs.
	TrailName  string
	HomeRegion string
	// IndexInterval bounds how long an acknowledged event waits before it is
	// searchable.
	IndexInterval time.Duration
	// AfterDelivery, when set, runs after log files were delivered, with
	// the keys of every log file delivered and not yet listed by a digest:
	// cairn serve indexes those files, so that they are recorded like any
	// trail's, and no other file that someone put in the archive.
	AfterDelivery func(ctx context.Context, archive string, keys []string)
	Logger        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns CloudTrail's cadence: log files every 5 minutes,
// digests every hour.
func DefaultConfig() Config {
	return Config{
		DeliveryInterval: 5 * time.Minute,
		DigestInterval:   time.Hour,
		TrailName:        "cairn",
		HomeRegion:       "us-east-1",
		IndexInterval:    250 * time.Millisecond,
	}
}

// RegisterFlags registers the config's flags on fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.DeliveryInterval, "delivery.interval", c.DeliveryInterval, "how often recorded events are delivered as log files")
	fs.DurationVar(&c.DigestInterval, "digest.interval", c.DigestInterval, "the period each signed digest file covers")
	fs.StringVar(&c.Archive, "archive", c.Archive, "`URL` (folder or s3://bucket/prefix) recorded events are delivered to (default DATA/archive)")
	fs.StringVar(&c.TrailName, "trail.name", c.TrailName, "the recorded trail's `name`, as digest keys and trail ARNs carry it")
	fs.StringVar(&c.HomeRegion, "trail.region", c.HomeRegion, "the recorded trail's home `region`")
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	switch {
	case c.DeliveryInterval < 100*time.Millisecond:
		return cairn.WithHint(fmt.Errorf("invalid -delivery.interval %s", c.DeliveryInterval), "give at least 100ms; CloudTrail's is 5m")
	case c.DigestInterval < time.Second || c.DigestInterval%time.Second != 0:
		return cairn.WithHint(fmt.Errorf("invalid -digest.interval %s", c.DigestInterval), "give whole seconds, at least 1s; CloudTrail's is 1h")
	case !namePattern.MatchString(c.TrailName):
		return cairn.WithHint(fmt.Errorf("invalid -trail.name %q", c.TrailName), "use 3–128 letters, digits, '.', '_' or '-'")
	case !regionPattern.MatchString(c.HomeRegion):
		return cairn.WithHint(fmt.Errorf("invalid -trail.region %q", c.HomeRegion), "give a region name such as us-east-1")
	}
	return nil
}

// Recorder receives, journals, indexes, delivers and digests live events.
// Create it with Open, start it with Run, and Close it after Run returns.
type Recorder struct {
	cfg       Config
	log       *slog.Logger
	idx       cairn.Index
	dir       string // DATA/record
	journal   *Journal
	channels  *Channels
	keys      []SigningKey
	archive   cairn.BlobStore
	bucket    string // digestS3Bucket / s3Bucket of the archive
	keyPrefix string // the archive's key prefix, with a trailing "/" when set

	live liveQueue

	// mu guards the delivery state and the status; delivery and digests run
	// in one goroutine, readers take snapshots.
	mu     sync.Mutex
	state  *state
	status Status
	// received and acked count the events of PutAuditEvents requests since
	// the start, and those of them made durable; Status reports them.
	received, acked atomic.Int64
	// refused counts the requests refused since the journal's writes began
	// to fail, so that a full disk is logged when it begins and when it
	// ends, not once a request.
	refused atomic.Int64
}

// Status is what GetTrailStatus reports.
type Status struct {
	Started             time.Time
	LatestDelivery      time.Time
	LatestDeliveryError string
	LatestDigest        time.Time
	LatestDigestError   string
	DeliveredFiles      int64
	Received, Acked     int64
}

// Open opens the recorder's folder under data and the archive, and replays
// the journal's undelivered events into idx (deduplication makes that
// idempotent).
func Open(ctx context.Context, data string, cfg Config, idx cairn.Index) (*Recorder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IndexInterval <= 0 {
		cfg.IndexInterval = DefaultConfig().IndexInterval
	}
	if cfg.Archive == "" {
		cfg.Archive = filepath.Join(data, "archive")
	}
	r := &Recorder{cfg: cfg, log: cfg.Logger, idx: idx, dir: filepath.Join(data, "record")}
	r.live.init()
	var err error
	if r.channels, err = OpenChannels(filepath.Join(r.dir, "channels.json")); err != nil {
		return nil, err
	}
	if r.keys, err = LoadOrCreateKeys(filepath.Join(data, KeysFolder), cfg.Now()); err != nil {
		return nil, err
	}
	if r.archive, r.bucket, r.keyPrefix, err = openArchive(ctx, cfg.Archive); err != nil {
		return nil, err
	}
	if r.state, err = loadState(r.statePath()); err != nil {
		return nil, err
	}
	if err := r.checkChainsOwned(ctx); err != nil {
		return nil, err
	}
	if r.journal, err = OpenJournal(filepath.Join(r.dir, "journal")); err != nil {
		return nil, err
	}
	if rep := r.journal.Repair(); rep != nil && rep.SetAside != "" {
		r.log.Error("the open journal segment was damaged: the damaged frame is lost, the frames after it that check out were kept and will be delivered, and the bytes cut are kept as they were",
			"segment", rep.Path, "offset", rep.Offset, "bytes", rep.Bytes, "frames_kept", rep.Frames, "kept_in", rep.SetAside)
	} else if rep != nil {
		r.log.Info("cut a write torn by a crash from the end of the open journal segment (it was never acknowledged)",
			"segment", rep.Path, "offset", rep.Offset, "bytes", rep.Bytes)
	}
	r.status.Started = cfg.Now().UTC()
	if err := r.replay(ctx); err != nil {
		r.journal.Close()
		return nil, err
	}
	return r, nil
}

// ArchiveURL names the archive as `cairn ingest` takes it.
func (r *Recorder) ArchiveURL() string { return r.cfg.Archive }

// Channels returns the channel set.
func (r *Recorder) Channels() *Channels { return r.channels }

// Keys returns the signing keys, oldest first; the last one signs.
func (r *Recorder) Keys() []SigningKey { return r.keys }

// Status returns a snapshot of the recorder's status.
func (r *Recorder) Status() Status {
	r.mu.Lock()
	st := r.status
	r.mu.Unlock()
	st.Received, st.Acked = r.received.Load(), r.acked.Load()
	return st
}

// LoggingSince is when the recorder began the oldest digest chain of an
// account (its state keeps that across restarts), or when this recorder
// started if it has begun none: GetTrailStatus's StartLoggingTime.
func (r *Recorder) LoggingSince(account string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var since time.Time
	for _, t := range r.state.Trails {
		if t.Account == account && !t.Started.IsZero() && (since.IsZero() || t.Started.Before(since)) {
			since = t.Started
		}
	}
	if since.IsZero() {
		return r.status.Started
	}
	return since.UTC()
}

// TrailInfo describes the recorded trail of one account, as DescribeTrails
// shows it.
type TrailInfo struct {
	Name, ARN, HomeRegion, Account string
	Bucket, KeyPrefix              string
}

// Trails lists one trail per account that has a channel.
func (r *Recorder) Trails() ([]TrailInfo, error) {
	chans, err := r.channels.List()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []TrailInfo
	for _, ch := range chans {
		if seen[ch.Account] {
			continue
		}
		seen[ch.Account] = true
		out = append(out, TrailInfo{
			Name:       r.cfg.TrailName,
			ARN:        "arn:aws:cloudtrail:" + r.cfg.HomeRegion + ":" + ch.Account + ":trail/" + r.cfg.TrailName,
			HomeRegion: r.cfg.HomeRegion,
			Account:    ch.Account,
			Bucket:     r.bucket,
			KeyPrefix:  strings.TrimSuffix(r.keyPrefix, "/"),
		})
	}
	return out, nil
}

func (r *Recorder) statePath() string { return filepath.Join(r.dir, "state.json") }

// Run indexes acknowledged events, delivers log files and writes digests
// until ctx is cancelled.
func (r *Recorder) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { r.indexLoop(ctx) })
	wg.Go(func() { r.deliveryLoop(ctx) })
	wg.Wait()
}

// Close closes the journal; events acknowledged are on disk already.
func (r *Recorder) Close() error { return r.journal.Close() }

// openArchive opens the archive and says how digests name it: the bucket and
// key prefix for S3, the folder's name for a folder.
func openArchive(ctx context.Context, raw string) (cairn.BlobStore, string, string, error) {
	if strings.HasPrefix(raw, "s3://") {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, "", "", fmt.Errorf("bad -archive URL %q: write s3://bucket/prefix", raw)
		}
		st, err := s3.Open(ctx, raw)
		if err != nil {
			return nil, "", "", err
		}
		prefix := strings.Trim(u.Path, "/")
		if prefix != "" {
			prefix += "/"
		}
		// A bucket that is missing or closed to cairn would show only at
		// the first delivery, after events were acknowledged: ask now. The
		// store's keys already start below the prefix.
		for _, err := range st.List(ctx, cairn.ListOptions{Delimiter: "/"}) {
			if err != nil {
				return nil, "", "", fmt.Errorf("archive %s: %w", raw, err)
			}
			break
		}
		return st, u.Host, prefix, nil
	}
	path := strings.TrimPrefix(raw, "file://")
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, "", "", cairn.WithHint(fmt.Errorf("create archive folder: %w", err), "give -archive a folder cairn may write, or an s3:// URL")
	}
	st, err := file.New(abs)
	if err != nil {
		return nil, "", "", err
	}
	return st, filepath.Base(abs), "", nil
}

// ErrRefused is wrapped by every *RequestError: the whole request was refused.
var ErrRefused = errors.New("request refused")

// RequestError refuses a whole PutAuditEvents request, with AWS's code.
type RequestError struct {
	Code    string
	Message string
}

func (e *RequestError) Error() string { return e.Code + ": " + e.Message }
func (e *RequestError) Unwrap() error { return ErrRefused }

// Request-level error codes of PutAuditEvents.
const (
	CodeChannelNotFound               = "ChannelNotFound"
	CodeInvalidChannelARN             = "InvalidChannelARN"
	CodeChannelInsufficientPermission = "ChannelInsufficientPermission"
	CodeDuplicatedAuditEventID        = "DuplicatedAuditEventId"
	CodeValidation                    = "ValidationException"
)

// PutResult is PutAuditEvents' answer.
type PutResult struct {
	Successful []Success `json:"successful"`
	Failed     []Failure `json:"failed"`
}

// Success pairs the caller's id with the eventID assigned.
type Success struct {
	ID      string `json:"id"`
	EventID string `json:"eventID"`
}

// Failure says why the event with the caller's id was not accepted.
type Failure struct {
	ID           string `json:"id"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// Put validates and records a PutAuditEvents request. It returns once the
// accepted events are durable; each event is either in Successful (stored)
// or in Failed (not stored), never both. A *RequestError refuses all.
func (r *Recorder) Put(ctx context.Context, channel, externalID string, events []AuditEvent) (PutResult, error) {
	if channel == "" {
		return PutResult{}, &RequestError{CodeInvalidChannelARN, "channelArn is required"}
	}
	if !strings.HasPrefix(channel, "arn:") && strings.ContainsAny(channel, ":/") {
		return PutResult{}, &RequestError{CodeInvalidChannelARN, "channelArn must be a channel ARN or its ID"}
	}
	if strings.HasPrefix(channel, "arn:") && !strings.Contains(channel, ":channel/") {
		return PutResult{}, &RequestError{CodeInvalidChannelARN, fmt.Sprintf("%s is not a channel ARN", truncate(channel, 200))}
	}
	ch, ok, err := r.channels.Lookup(channel)
	if err != nil {
		return PutResult{}, err
	}
	if !ok {
		return PutResult{}, &RequestError{CodeChannelNotFound, fmt.Sprintf("channel %s does not exist; create it with cairn channel create", truncate(channel, 200))}
	}
	if ch.ExternalID != "" && externalID != ch.ExternalID {
		return PutResult{}, &RequestError{CodeChannelInsufficientPermission, "the channel requires the externalId it was created with"}
	}
	if len(events) == 0 || len(events) > MaxEventsPerRequest {
		return PutResult{}, &RequestError{CodeValidation, fmt.Sprintf("auditEvents has %d members; give 1 to %d", len(events), MaxEventsPerRequest)}
	}
	// An id outside its documented pattern fails the request's validation,
	// as AWS's does, before any event is taken: the others of the request
	// are sent again with it.
	for i := range events {
		if id := events[i].ID; !ValidID(id) {
			value := "null"
			if id != "" {
				value = "'" + truncate(id, 128) + "'"
			}
			return PutResult{}, &RequestError{CodeValidation, fmt.Sprintf("1 validation error detected: Value %s at 'auditEvents.%d.member.id' failed to satisfy constraint: Member must be 1 to 128 letters, digits, '-' or '_'", value, i+1)}
		}
	}
	seen := make(map[string]bool, len(events))
	for i := range events {
		if seen[events[i].ID] {
			return PutResult{}, &RequestError{CodeDuplicatedAuditEventID, fmt.Sprintf("id %s appears more than once in the request", truncate(events[i].ID, 128))}
		}
		seen[events[i].ID] = true
	}

	r.received.Add(int64(len(events)))
	now := r.cfg.Now()
	res := PutResult{Successful: []Success{}, Failed: []Failure{}}
	var frame []byte
	decoded := make([]cairn.Event, 0, len(events))
	for i := range events {
		ev := &events[i]
		acc, rej := Accept(&ch, ev, now)
		if rej == nil {
			// What cannot be read back could not be searched or delivered:
			// refuse it now rather than quarantine it later.
			e, err := cloudtrail.Decode(acc.Record)
			if err != nil {
				rej = reject(CodeInvalidData, "eventData cannot be indexed: %v", err)
			} else {
				decoded = append(decoded, e)
			}
		}
		if rej != nil {
			res.Failed = append(res.Failed, Failure{ev.ID, rej.Code, rej.Message})
			continue
		}
		if len(frame) > 0 {
			frame = append(frame, '\n')
		}
		frame = append(frame, acc.Record...)
		res.Successful = append(res.Successful, Success{ev.ID, acc.EventID})
	}
	if len(res.Successful) == 0 {
		return res, nil
	}
	if err := r.journal.Append(ctx, frame); err != nil {
		if r.refused.Add(1) == 1 {
			r.log.Error("journal writes fail; requests are refused until one succeeds", "err", err)
		}
		for _, s := range res.Successful {
			res.Failed = append(res.Failed, Failure{s.ID, CodeInternalFailure, "the event could not be stored; send it again"})
		}
		res.Successful = res.Successful[:0]
		return res, nil
	}
	if n := r.refused.Swap(0); n > 0 {
		r.log.Info("journal writes succeed again", "refused_requests", n)
	}
	r.acked.Add(int64(len(res.Successful)))
	r.live.add(decoded)
	return res, nil
}
