package record

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// liveQueue holds acknowledged events until the index loop commits them.
// It never blocks a request: the journal already holds the events, so a
// slow index costs memory for a while, not acknowledgements.
type liveQueue struct {
	mu     sync.Mutex
	events []cairn.Event
	ready  chan struct{} // signalled when events becomes non-empty
}

func (q *liveQueue) init() { q.ready = make(chan struct{}, 1) }

func (q *liveQueue) add(evs []cairn.Event) {
	q.mu.Lock()
	q.events = append(q.events, evs...)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *liveQueue) take() []cairn.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.events
	q.events = nil
	return evs
}

// indexLoop commits acknowledged events to the index every IndexInterval,
// so that they are searchable within about that long.
func (r *Recorder) indexLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			// What is left is in the journal and is replayed at the next
			// start; commit it now anyway so that a clean stop leaves it
			// searchable.
			r.commitLive(context.WithoutCancel(ctx))
			return
		case <-r.live.ready:
		}
		r.commitLive(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(r.cfg.IndexInterval):
		}
	}
}

func (r *Recorder) commitLive(ctx context.Context) {
	evs := r.live.take()
	if len(evs) == 0 {
		return
	}
	if _, err := r.idx.Commit(ctx, &cairn.Batch{Events: evs}); err != nil {
		// The events are journaled: delivery indexes them before it lets
		// the journal go.
		r.log.Error("indexing recorded events failed; they will be indexed once delivered", "events", len(evs), "err", err)
	}
}

// replay commits the events of every undelivered journal segment to the
// index: after a crash, some acknowledged events may not have been
// committed yet.
func (r *Recorder) replay(ctx context.Context) error {
	sealed, err := r.journal.Sealed()
	if err != nil {
		return err
	}
	paths := []string{}
	for _, s := range sealed {
		if s.Seq <= r.state.Delivered {
			// Delivered before a crash kept it from being removed.
			if err := r.journal.Remove(s); err != nil {
				return err
			}
			continue
		}
		paths = append(paths, s.Path)
	}
	paths = append(paths, r.journal.OpenSegmentPath())
	replayed, err := r.indexSegments(ctx, paths)
	if err != nil {
		return err
	}
	if replayed > 0 {
		r.log.Info("indexed the journal's events not yet delivered", "events", replayed, "segments", len(paths))
	}
	return nil
}

// replayBatch is how many journaled events are committed at once.
const replayBatch = 20000

// indexSegments commits the events of journal segments to the index, and
// returns how many it read; those already indexed count as duplicates.
func (r *Recorder) indexSegments(ctx context.Context, paths []string) (int, error) {
	var batch []cairn.Event
	read := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := r.idx.Commit(ctx, &cairn.Batch{Events: batch})
		batch = nil
		return err
	}
	for _, path := range paths {
		err := ReadSegment(path, func(payload []byte) error {
			for rec := range bytes.SplitSeq(payload, []byte{'\n'}) {
				ev, err := cloudtrail.Decode(bytes.Clone(rec))
				if err != nil {
					return fmt.Errorf("journal %s holds an unreadable record: %w", path, err)
				}
				batch = append(batch, ev)
				read++
			}
			if len(batch) >= replayBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return read, err
		}
	}
	if err := flush(); err != nil {
		return read, fmt.Errorf("index journaled events: %w", err)
	}
	return read, nil
}
