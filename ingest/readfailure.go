package ingest

import (
	"errors"
	"fmt"
	"strings"
	"sync"

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

// outage counts the store's failures since its last success; when they
// are too many it stops the run (halt).
type outage struct {
	mu     sync.Mutex
	inARow int
	last   string
	down   bool
	halt   func()
}

// failed counts a failure whose reason is given, and stops the run at
// the last one allowed.
func (o *outage) failed(reason string) {
	o.mu.Lock()
	o.inARow++
	o.last = reason
	stop := o.inARow >= failuresInARow && !o.down
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
	o.inARow = 0
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
	return cairn.WithHint(fmt.Errorf("%w: %s: %d reads and listings in a row failed, the last: %s", ErrStoreDown, src, o.inARow, o.last),
		"run again once it answers: what was read is kept, and the next run reads the rest")
}
