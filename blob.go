package cairn

import (
	"context"
	"io"
	"iter"
	"time"
)

// ObjectInfo describes one object of a BlobStore.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // opaque; changes when the content changes
	LastModified time.Time
	// Metadata holds user metadata (S3's x-amz-meta-*), with lower-case
	// names and without the prefix. Only Head and Get fill it.
	Metadata map[string]string
}

// ListEntry is one result of a listing: an object, or, when a delimiter was
// given, a common prefix that groups several keys.
type ListEntry struct {
	Object ObjectInfo
	Prefix string // non-empty for a common prefix; Object is then zero
	// Skipped, for a common prefix, is why the store will not list it: a
	// folder store's link back to a folder above it, which would be listed
	// forever. Listers pass it on; S3 never sets it.
	Skipped string
}

// ListOptions selects keys to list. Keys are listed in ascending byte order.
type ListOptions struct {
	Prefix string
	// Delimiter, when set (usually "/"), rolls up keys that contain it after
	// the prefix into common prefixes.
	Delimiter string
	// StartAfter lists only keys that sort after it.
	StartAfter string
}

// PutOptions control a write.
type PutOptions struct {
	// IfNoneMatch makes the write fail with ErrExists when the key exists,
	// so that published objects are never overwritten.
	IfNoneMatch bool
	Metadata    map[string]string
	ContentType string
}

// An Opener is a BlobStore that can open an object without describing it,
// where the description costs more than the opening: a local folder keeps
// the ETag of an object written by Put in a file of its own. Callers that
// know the object already (from a listing) use OpenObject.
type Opener interface {
	// Open opens an object for reading; ErrNotFound when it does not exist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// OpenObject opens an object for reading, through the store's Open when it
// is an Opener and through Get otherwise.
func OpenObject(ctx context.Context, s BlobStore, key string) (io.ReadCloser, error) {
	if o, ok := s.(Opener); ok {
		return o.Open(ctx, key)
	}
	rc, _, err := s.Get(ctx, key)
	return rc, err
}

// StoreReader reads an object's body and keeps the error its store gave,
// so that a read that failed part way (a dropped connection, a disk error)
// is told from content that is damaged, whatever its reader made of the
// bytes it got.
type StoreReader struct {
	r   io.Reader
	err error
}

// NewStoreReader reads r, an object's body.
func NewStoreReader(r io.Reader) *StoreReader { return &StoreReader{r: r} }

func (s *StoreReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// Err returns the store's last error other than io.EOF, or nil.
func (s *StoreReader) Err() error { return s.err }

// BlobStore is a flat key space of immutable objects: a local folder or an
// S3 bucket (with a key prefix). Implementations are safe for concurrent
// use. Keys use "/" as separator whatever the platform.
type BlobStore interface {
	// List yields entries in ascending key order. Errors end the sequence.
	List(ctx context.Context, opts ListOptions) iter.Seq2[ListEntry, error]
	// Head returns an object's info; ErrNotFound when it does not exist.
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Get opens an object for reading; ErrNotFound when it does not exist.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Put writes an object atomically: readers see all of it or nothing.
	// The data is durable when Put returns.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) error
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// String names the store for messages, e.g. "s3://bucket/prefix".
	String() string
}
