package duckdb

import (
	"container/list"
	"log/slog"
	"os"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// segmentCache keeps needle files and open segment files for reuse. Both
// are immutable once a manifest lists them, and paths are never reused, so
// nothing ever goes stale; parsing a segment's footer costs about a
// millisecond, which a search that reads thirty days would pay thirty times.
type segmentCache struct {
	mu sync.Mutex

	needles      map[string]*list.Element // of *cachedNeedles
	needleLRU    list.List
	needleBytes  int
	maxNeedleMem int

	files    map[string]*list.Element // of *openSegment
	fileLRU  list.List
	maxFiles int

	damaged map[string]bool // needle files already logged as unreadable
	log     *slog.Logger
}

type cachedNeedles struct {
	path string
	n    *needles
}

// openSegment is a segment file open for reading rows. It is closed when it
// has left the cache and its last reader has released it.
type openSegment struct {
	path    string
	f       *os.File
	pf      *parquet.File
	readers int
	evicted bool
}

func newSegmentCache(log *slog.Logger) *segmentCache {
	return &segmentCache{
		needles: map[string]*list.Element{}, maxNeedleMem: 256 << 20,
		files: map[string]*list.Element{}, maxFiles: 256,
		damaged: map[string]bool{}, log: log,
	}
}

// needlesOf returns the parsed needle file of a segment, or nil when the
// segment has none (written by an earlier version) or it cannot be read:
// the caller then searches without needles. A damaged file is logged, once
// per process, since every search over its day then scans instead.
func (c *segmentCache) needlesOf(segmentPath string) *needles {
	c.mu.Lock()
	if el, ok := c.needles[segmentPath]; ok {
		c.needleLRU.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*cachedNeedles).n
	}
	c.mu.Unlock()
	b, err := os.ReadFile(needlesPath(segmentPath))
	if err != nil {
		return nil // not cached: the writer may add it (see buildMissingNeedles)
	}
	n, err := parseNeedles(b)
	if err != nil {
		c.mu.Lock()
		if !c.damaged[segmentPath] {
			c.damaged[segmentPath] = true
			c.log.Warn("a needle file cannot be read; searches of its day scan the segment instead (cairn reindex rebuilds it)",
				"path", needlesPath(segmentPath), "err", err)
		}
		c.mu.Unlock()
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.needles[segmentPath]; ok {
		return el.Value.(*cachedNeedles).n
	}
	c.needles[segmentPath] = c.needleLRU.PushFront(&cachedNeedles{segmentPath, n})
	c.needleBytes += n.size()
	for c.needleBytes > c.maxNeedleMem && c.needleLRU.Len() > 1 {
		old := c.needleLRU.Remove(c.needleLRU.Back()).(*cachedNeedles)
		delete(c.needles, old.path)
		c.needleBytes -= old.n.size()
	}
	return n
}

// acquire opens a segment file for reading, or shares the open one; the
// caller releases it.
func (c *segmentCache) acquire(path string) (*openSegment, error) {
	c.mu.Lock()
	if el, ok := c.files[path]; ok {
		c.fileLRU.MoveToFront(el)
		s := el.Value.(*openSegment)
		s.readers++
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.ReadBufferSize(256<<10))
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &openSegment{path: path, f: f, pf: pf, readers: 1}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.files[path]; ok { // opened meanwhile by another search
		f.Close()
		s = el.Value.(*openSegment)
		s.readers++
		return s, nil
	}
	c.files[path] = c.fileLRU.PushFront(s)
	for c.fileLRU.Len() > c.maxFiles {
		old := c.fileLRU.Remove(c.fileLRU.Back()).(*openSegment)
		delete(c.files, old.path)
		old.evicted = true
		if old.readers == 0 {
			old.f.Close()
		}
	}
	return s, nil
}

func (c *segmentCache) release(s *openSegment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.readers--
	if s.readers == 0 && s.evicted {
		s.f.Close()
	}
}

// forget drops a deleted segment, so that its file is closed and its space
// freed rather than held until the cache evicts it.
func (c *segmentCache) forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.needles[path]; ok {
		c.needleLRU.Remove(el)
		delete(c.needles, path)
		c.needleBytes -= el.Value.(*cachedNeedles).n.size()
	}
	if el, ok := c.files[path]; ok {
		c.fileLRU.Remove(el)
		delete(c.files, path)
		s := el.Value.(*openSegment)
		s.evicted = true
		if s.readers == 0 {
			s.f.Close()
		}
	}
}

// close closes every cached file; the index is closing.
func (c *segmentCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, el := range c.files {
		el.Value.(*openSegment).f.Close()
	}
	clear(c.files)
	c.fileLRU.Init()
}
