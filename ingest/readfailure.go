package ingest

import (
	"strings"

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
