package ingest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
)

// readFailure begins the reason of an object that could not be read from
// its store (opened, or read to its end: cairn.StoreReader), as opposed to
// one whose content is damaged. What failed then was the store, its
// network or a permission, and not the object, so the next run tries it
// again instead of keeping it out until it changes.
const readFailure = "cannot read: "

// readReason returns why an object read through store is quarantined:
// the store's failure when there was one, and otherwise what its decoder
// found.
func readReason(store *cairn.StoreReader, decoded string) string {
	if err := store.Err(); err != nil {
		return readFailure + err.Error()
	}
	return decoded
}

// unread reports whether a recorded object could not be read last time.
func unread(st cairn.ObjectState) bool {
	return st.Status == cairn.ObjectQuarantined && strings.HasPrefix(st.Reason, readFailure)
}

// ErrStoreDown is returned (wrapped) when a run stopped because its store
// failed failuresInARow reads and listings in a row.
var ErrStoreDown = errors.New("the store keeps failing")

// failuresInARow is how many reads and listings in a row may fail for the
// store's sake before a run stops: past it, the store is down (its
// endpoint gone, its credentials expired) and every object left would fail
// the same way, each named, and each after the SDK's retries.
const failuresInARow = 25

// A store that hangs fails a request only after the S3 client's minute
// without a byte, three times over with the SDK's retries: failuresInARow
// of them took eleven minutes. So a few failures in a row, with nothing
// read for outageAfter, stop the run too.
const fewFailures = 5

var outageAfter = 2 * time.Minute // a variable for tests

// outage counts the store's failures since its last success; when they
// are too many it stops the run (halt).
type outage struct {
	mu          sync.Mutex
	inARow      int
	last        string
	lastSuccess time.Time // or the run's start
	down        bool
	halt        func()
}

// start begins the watch of a run, which halt stops.
func (o *outage) start(halt func()) {
	o.mu.Lock()
	o.halt, o.lastSuccess = halt, time.Now()
	o.mu.Unlock()
}

// failed counts a failure whose reason is given, and stops the run at
// the last one allowed.
func (o *outage) failed(reason string) {
	o.mu.Lock()
	o.inARow++
	o.last = reason
	stop := !o.down && (o.inARow >= failuresInARow || o.inARow >= fewFailures && time.Since(o.lastSuccess) >= outageAfter)
	if stop {
		o.down = true
	}
	o.mu.Unlock()
	if stop {
		o.halt()
	}
}

func (o *outage) succeeded() {
	o.mu.Lock()
	o.inARow, o.lastSuccess = 0, time.Now()
	o.mu.Unlock()
}

// err is the run's error when it stopped for the outage, and nil when it
// did not.
func (o *outage) err(src string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down {
		return nil
	}
	over := ""
	if d := time.Since(o.lastSuccess); d >= time.Minute {
		over = " over " + d.Round(time.Second).String()
	}
	return cairn.WithHint(fmt.Errorf("%w: %s: %d reads and listings in a row failed%s, the last: %s", ErrStoreDown, src, o.inARow, over, o.last),
		"run again once it answers: what was read is kept, and the next run reads the rest")
}
