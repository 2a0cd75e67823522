package ingest

import (
	"io"
	"strings"

	"github.com/cairn-audit/cairn"
)

// readFailure begins the reason of an object that could not be read from
// its store (opened, or read to its end: storeReader), as opposed to one
// whose content is damaged. What failed then was the store, its network or
// a permission, and not the object, so the next run tries it again instead
// of keeping it out until it changes.
const readFailure = "cannot read: "

// storeReader reads an object's body and keeps the error its store gave,
// so that a read that failed part way (a connection dropped mid-object, a
// disk error) is told from content that is damaged, whatever the decoder
// made of it. cairn verify keeps its own for the same reason
// (cloudtrail's readErrRecorder).
type storeReader struct {
	r   io.Reader
	err error
}

func (s *storeReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// reason returns why the object is quarantined: the store's failure when
// there was one, and otherwise what the decoder found.
func (s *storeReader) reason(decoded string) string {
	if s.err != nil {
		return readFailure + s.err.Error()
	}
	return decoded
}

// unread reports whether a recorded object could not be read last time.
func unread(st cairn.ObjectState) bool {
	return st.Status == cairn.ObjectQuarantined && strings.HasPrefix(st.Reason, readFailure)
}
