package cairn

import (
	"context"
	"strings"
	"time"
)

// ObjectStatus is the outcome of ingesting one archive object.
type ObjectStatus string

const (
	ObjectDone        ObjectStatus = "done"        // its events are in the index
	ObjectQuarantined ObjectStatus = "quarantined" // it could not be read; Reason says why
	ObjectSkipped     ObjectStatus = "skipped"     // not an event file (digest, unrelated object)
)

// ReadInPartNote begins the part of a done object's Reason that says which
// of its records were left out as unusable.
const ReadInPartNote = "read in part: "

// ObjectState is what the index remembers about one ingested object, so
// that a later run reads only new or changed objects.
type ObjectState struct {
	Source     string // the source URL the object was listed from
	Key        string
	Size       int64
	ETag       string // the store's ETag, or a content hash
	Events     int    // records read from the object
	New        int    // events that were not in the index before
	Status     ObjectStatus
	Reason     string // why it was quarantined or skipped; for a done one, a note (what it left out: ReadInPartNote)
	IngestedAt time.Time
	// Unrecorded says that the index held no state of the object when it
	// was listed, so that recording this one replaces none and the index
	// need not look for one. False claims nothing.
	Unrecorded bool
}

// Changed reports whether an object listed now differs from this state.
func (s *ObjectState) Changed(size int64, etag string) bool {
	return s.Size != size || (etag != "" && s.ETag != "" && s.ETag != etag)
}

// Batch is a unit of ingest: the events of some objects and the states of
// those objects, committed together so that an object's events land all or
// none. Events are in Objects order: the first Objects[0].Events events came
// from Objects[0], the next Objects[1].Events from Objects[1], and so on.
type Batch struct {
	Events  []Event
	Objects []ObjectState
}

// CommitResult counts what a commit changed.
type CommitResult struct {
	Events     int // events offered
	New        int // events stored
	Duplicates int // events already in the index, or twice in the batch
	// NewByObject counts new events per object key, in Batch.Objects order.
	NewByObject []int
	// Conflicts are the duplicates whose record differs from the stored
	// one's, byte for byte: CloudTrail delivers an event again as it was,
	// so another record under a stored event's ID is a copy someone
	// changed, or another system's event under a clashing ID. The stored
	// record is kept. Indexes may find them only against the events of
	// this process's commits.
	Conflicts []Conflict
}

// Conflict is a duplicate event whose record differs from the stored one.
type Conflict struct {
	Object  int // the index in Batch.Objects of the object it came in
	EventID string
}

// Searcher finds events: the part of an Index that WithBareSource, the
// investigator and cost spikes read, which cairn's server client has too.
type Searcher interface {
	Search(ctx context.Context, f Filter, after Cursor, limit int) (Page, error)
}

// Querier runs a read-only SQL query over the events view: the part of an
// Index that the investigator, cost attribution and WithStoredNames
// need, which cairn's server client has too.
type Querier interface {
	Query(ctx context.Context, sql string) (*Table, error)
}

// SQLString quotes s as a SQL string literal, for the queries cairn builds
// from what people type. A NUL would end the text the engine reads, so it
// is spelled chr(0); bytes that are not UTF-8, which the engine refuses and
// no event holds, become U+FFFD.
func SQLString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	return strings.ReplaceAll(q, "\x00", "' || chr(0) || '")
}

// Index stores events and answers queries over them. Implementations are
// safe for concurrent use: one writer (Commit) and any number of readers.
type Index interface {
	// Commit stores the batch's events that are not yet present (by
	// DedupKey) and records the objects' states, atomically: after a crash
	// either all of it is visible or none. Committing the same batch twice
	// stores nothing the second time.
	Commit(ctx context.Context, b *Batch) (CommitResult, error)

	// Objects returns the recorded state of every object of a source, keyed
	// by object key. An unknown source yields an empty map.
	Objects(ctx context.Context, source string) (map[string]ObjectState, error)

	// ObjectStates returns the recorded states of the given objects of a
	// source, keyed by object key; objects with none are left out. Ingest
	// asks for a day's objects at a time, so that its memory does not grow
	// with the source.
	ObjectStates(ctx context.Context, source string, keys []string) (map[string]ObjectState, error)

	// Search returns up to limit events matching f, newest first, starting
	// after the cursor.
	Search(ctx context.Context, f Filter, after Cursor, limit int) (Page, error)

	// Query runs one read-only SQL SELECT over the documented `events` view.
	// Anything else (writes, settings, file or network access) fails with
	// ErrQueryRefused.
	Query(ctx context.Context, sql string) (*Table, error)

	// Stats describes the index.
	Stats(ctx context.Context) (IndexStats, error)

	Close() error
}

// Table is a query result held in memory.
type Table struct {
	Columns []string
	// Types are the engine's names of the columns' types (VARCHAR,
	// TIMESTAMP WITH TIME ZONE, DATE, STRUCT(…), …), when it gives them.
	Types []string
	Rows  [][]any
	// Size is about how many bytes the rows hold, as the index counts them
	// against its bound on a result.
	Size int
}

// SourceSummary is what the index holds of one source's objects, for the
// health page: counts by status, their events, when the last was read,
// and the first of the quarantined ones by key.
type SourceSummary struct {
	Source      string
	Counts      map[ObjectStatus]int
	Events      int64 // records read, duplicates included
	New         int64 // of them, those the index did not hold
	Last        time.Time
	Quarantined []ObjectState // the first ones, by key
	More        int           // quarantined ones beyond those
	// InPart counts the done objects some of whose records were left out
	// (ReadInPartNote); ReadInPart holds the first ones, by key.
	InPart     int
	ReadInPart []ObjectState
}

// IndexStats summarises the index.
type IndexStats struct {
	Events      int64
	Oldest      time.Time
	Newest      time.Time
	Files       int
	Bytes       int64
	Objects     int64
	Quarantined int64
}
