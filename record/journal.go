package record

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
)

// The journal's on-disk format is documented in docs/formats/record.md.
const (
	journalMagic    = "CAIRNJ01"
	frameHeader     = 8
	maxFramePayload = 16 << 20
	sealTimeLayout  = "20060102T150405Z"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrJournalClosed is returned by Append after Close, or after sealing
// failed to rename the open segment.
var ErrJournalClosed = errors.New("journal closed")

// Journal is the durable log of accepted events: Append returns only once
// its frame is on disk. Concurrent appends share one write and one sync
// (group commit). Safe for concurrent use.
type Journal struct {
	dir string

	mu      sync.Mutex // guards waiting, err and closing
	waiting []*pendingFrame
	wake    chan struct{} // signalled when waiting becomes non-empty; closed by Close
	err     error         // sticky: set when a write or sync failed
	closing bool
	done    chan struct{} // closed when the writer goroutine has returned

	// fileMu guards the open segment, apart from mu so that requests can
	// queue their frames while a sync runs.
	fileMu sync.Mutex
	f      *os.File
	seq    uint64
	size   int64 // bytes in the open segment, header included: its good frames' end
	torn   bool  // a failed write left bytes after size that could not be cut yet
	absent bool  // segment seq could not be created yet: the next write makes it

	repair *SegmentRepair // what opening cut from the open segment, if anything

	// write writes to the open segment: (*os.File).Write, or in tests a
	// write that fails as a full disk does.
	write func(f *os.File, b []byte) (int, error)
}

// SegmentRepair says what opening the journal cut from the end of the open
// segment: the bytes from the first frame that does not check out. They
// were never acknowledged when they are a write torn by a crash; when good
// frames follow the bad one, the damage is elsewhere, and the frames may
// have been: they are written back after the last good frame, to be
// delivered, and the bytes cut are kept in a file beside the journal.
type SegmentRepair struct {
	Path     string
	Offset   int64  // where the first bad frame began
	Bytes    int64  // the bytes cut from there to the end
	Frames   int    // good frames found after the bad one, written back
	SetAside string // where the cut bytes are kept, when Frames > 0
}

type pendingFrame struct {
	payload []byte
	result  chan error
}

// SealedSegment is a journal segment that no longer grows.
type SealedSegment struct {
	Seq    uint64
	Sealed time.Time
	Path   string
}

// OpenJournal opens the journal in dir, creating it when missing. It
// truncates a torn frame at the end of the open segment, and fails when a
// sealed segment is damaged.
func OpenJournal(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create journal folder: %w", err)
	}
	j := &Journal{dir: dir, wake: make(chan struct{}, 1), done: make(chan struct{}), write: (*os.File).Write}
	open, err := j.openSegments()
	if err != nil {
		return nil, err
	}
	if open == "" {
		seq := uint64(1)
		if sealed, err := j.Sealed(); err != nil {
			return nil, err
		} else if len(sealed) > 0 {
			seq = sealed[len(sealed)-1].Seq + 1
		}
		if err := j.create(seq); err != nil {
			return nil, err
		}
	} else if err := j.recover(open); err != nil {
		return nil, err
	}
	go j.writeLoop()
	return j, nil
}

// Repair returns what opening cut from the open segment, or nil.
func (j *Journal) Repair() *SegmentRepair { return j.repair }

// openSegments returns the path of the open segment, if any. More than one
// open segment means the folder was tampered with.
func (j *Journal) openSegments() (string, error) {
	matches, err := filepath.Glob(filepath.Join(j.dir, "*.wal"))
	if err != nil {
		return "", err
	}
	switch len(matches) {
	case 0:
		return "", nil
	case 1:
		return matches[0], nil
	}
	return "", fmt.Errorf("journal %s has %d open segments; only one may end in .wal", j.dir, len(matches))
}

// create makes segment seq and opens it. A segment it could not finish
// (a full disk) is removed, so that no headless .wal is left behind.
func (j *Journal) create(seq uint64) error {
	path := filepath.Join(j.dir, segmentName(seq)+".wal")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create journal segment: %w", err)
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(path)
		return err
	}
	if _, err := f.WriteString(journalMagic); err != nil {
		return fail(fmt.Errorf("write journal segment %s: %w", path, err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("sync journal segment %s: %w", path, err))
	}
	if err := file.SyncDir(j.dir); err != nil {
		return fail(err)
	}
	j.f, j.seq, j.size, j.absent = f, seq, int64(len(journalMagic)), false
	return nil
}

// recover opens the open segment for appending after cutting off what
// follows its last good frame (setting it aside when good frames follow
// the bad one). A segment cut short within its header, which a full disk
// can leave, gets its header again.
func (j *Journal) recover(path string) error {
	seq, _, err := parseSegmentName(filepath.Base(path))
	if err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() < int64(len(journalMagic)) {
		if b, err := os.ReadFile(path); err == nil && strings.HasPrefix(journalMagic, string(b)) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("remove headless journal segment: %w", err)
			}
			return j.create(seq)
		}
	}
	valid, scanErr := scanSegment(path, nil)
	if scanErr != nil && !errors.Is(scanErr, errTornFrame) {
		return scanErr
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("open journal segment: %w", err)
	}
	if size := fileSize(f); valid < size {
		var salvaged []byte
		if j.repair, salvaged, err = setAsideTail(f, path, seq, valid, size); err != nil {
			f.Close()
			return err
		}
		if err := f.Truncate(valid); err != nil {
			f.Close()
			return fmt.Errorf("truncate torn journal segment %s: %w", path, err)
		}
		// The frames that check out after the damage go back, whole, after
		// the last good frame: acknowledged events are delivered, and only
		// the damaged frame is lost (its bytes are in the set-aside file).
		if _, err := f.WriteAt(salvaged, valid); err != nil {
			f.Close()
			return fmt.Errorf("write back the good frames of journal segment %s: %w", path, err)
		}
		valid += int64(len(salvaged))
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("sync journal segment %s: %w", path, err)
		}
	}
	if _, err := f.Seek(valid, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	j.f, j.seq, j.size = f, seq, valid
	return nil
}

// setAsideTail describes the bytes of segment f from off to size, which
// recover is about to cut, and keeps them in <seq>.damaged-<off> beside
// the segment when good frames follow the bad one: a write torn by a
// crash ends the file, so those frames mean damage within it, and they
// may have been acknowledged. It returns those frames, header and all.
func setAsideTail(f *os.File, path string, seq uint64, off, size int64) (*SegmentRepair, []byte, error) {
	tail := make([]byte, size-off)
	if _, err := f.ReadAt(tail, off); err != nil {
		return nil, nil, fmt.Errorf("read journal segment %s: %w", path, err)
	}
	good, n := goodFrames(tail[1:])
	r := &SegmentRepair{Path: path, Offset: off, Bytes: size - off, Frames: n}
	if r.Frames > 0 {
		r.SetAside = filepath.Join(filepath.Dir(path), fmt.Sprintf("%s.damaged-%d", segmentName(seq), off))
		if err := file.WriteAtomic(r.SetAside, tail, 0o600); err != nil {
			return nil, nil, fmt.Errorf("set aside the damaged end of journal segment %s: %w", path, err)
		}
	}
	return r, good, nil
}

// goodFrames returns the frames in b that check out, header and all, and
// how many, looking for one at every offset until it finds one, then after
// it.
func goodFrames(b []byte) ([]byte, int) {
	var good []byte
	n := 0
	for i := 0; i+frameHeader < len(b); {
		size := int(binary.LittleEndian.Uint32(b[i:]))
		end := i + frameHeader + size
		if size > 0 && size <= maxFramePayload && end <= len(b) &&
			crc32.Checksum(b[i+frameHeader:end], castagnoli) == binary.LittleEndian.Uint32(b[i+4:]) {
			good = append(good, b[i:end]...)
			n++
			i = end
			continue
		}
		i++
	}
	return good, n
}

func fileSize(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

// Append writes payload as one frame and returns once it is durable. A
// payload is one request's records; it is written all or nothing.
func (j *Journal) Append(ctx context.Context, payload []byte) error {
	if len(payload) == 0 || len(payload) > maxFramePayload {
		return fmt.Errorf("journal frame of %d bytes is out of range", len(payload))
	}
	p := &pendingFrame{payload: payload, result: make(chan error, 1)}
	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		return ErrJournalClosed
	}
	if j.err != nil {
		j.mu.Unlock()
		return j.err
	}
	j.waiting = append(j.waiting, p)
	if len(j.waiting) == 1 {
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
	j.mu.Unlock()
	// The frame may be written whatever the caller does now; waiting for the
	// outcome keeps the reply truthful.
	return <-p.result
}

// writeLoop writes every waiting frame in one write and one sync. It
// returns once Close has closed wake and every queued frame is written.
func (j *Journal) writeLoop() {
	defer close(j.done)
	var buf []byte
	for {
		_, open := <-j.wake
		for {
			j.mu.Lock()
			batch := j.waiting
			j.waiting = nil
			j.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			buf = buf[:0]
			for _, p := range batch {
				var h [frameHeader]byte
				binary.LittleEndian.PutUint32(h[0:4], uint32(len(p.payload)))
				binary.LittleEndian.PutUint32(h[4:8], crc32.Checksum(p.payload, castagnoli))
				buf = append(buf, h[:]...)
				buf = append(buf, p.payload...)
			}
			err := j.writeSynced(buf)
			if err != nil {
				err = fmt.Errorf("journal write: %w", err)
			}
			for _, p := range batch {
				p.result <- err
			}
			if cap(buf) > 8<<20 {
				buf = nil // don't keep a burst's buffer forever
			}
		}
		if !open {
			return
		}
	}
}

// writeSynced appends b to the open segment and syncs it. Holding fileMu
// keeps Seal from renaming a half-written segment. A write or sync that
// fails (a full disk) is cut off again, so that the segment keeps only
// whole frames and the journal takes the next write once there is room;
// until the cut succeeds, every write fails.
func (j *Journal) writeSynced(b []byte) error {
	j.fileMu.Lock()
	defer j.fileMu.Unlock()
	if j.absent {
		if err := j.create(j.seq); err != nil {
			return err
		}
	}
	if j.f == nil {
		return ErrJournalClosed
	}
	if err := j.cutTorn(); err != nil {
		return err
	}
	_, err := j.write(j.f, b)
	if err == nil {
		err = fdatasync(j.f)
	}
	if err != nil {
		j.torn = true
		if cerr := j.cutTorn(); cerr != nil {
			return errors.Join(err, cerr)
		}
		return err
	}
	j.size += int64(len(b))
	return nil
}

// cutTorn cuts what a failed write left after the last good frame, and
// syncs the cut. fileMu is held.
func (j *Journal) cutTorn() error {
	if !j.torn {
		return nil
	}
	if err := j.f.Truncate(j.size); err != nil {
		return fmt.Errorf("cut a failed write from journal segment %s: %w", j.f.Name(), err)
	}
	if _, err := j.f.Seek(j.size, io.SeekStart); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal segment %s: %w", j.f.Name(), err)
	}
	j.torn = false
	return nil
}

// Seal closes the open segment, renames it sealed at t, and opens the next.
// It returns false when the open segment holds no frame (nothing is sealed).
func (j *Journal) Seal(t time.Time) (SealedSegment, bool, error) {
	j.fileMu.Lock()
	defer j.fileMu.Unlock()
	if j.absent {
		return SealedSegment{}, false, nil // the next write makes it
	}
	if j.f == nil {
		return SealedSegment{}, false, ErrJournalClosed
	}
	if err := j.cutTorn(); err != nil {
		return SealedSegment{}, false, err // never seal a torn frame
	}
	if j.size <= int64(len(journalMagic)) {
		return SealedSegment{}, false, nil
	}
	from := j.f.Name()
	if err := j.f.Sync(); err != nil {
		return SealedSegment{}, false, fmt.Errorf("sync journal segment: %w", err)
	}
	if err := j.f.Close(); err != nil {
		return SealedSegment{}, false, fmt.Errorf("close journal segment: %w", err)
	}
	j.f = nil
	t = t.UTC().Truncate(time.Second)
	seg := SealedSegment{Seq: j.seq, Sealed: t, Path: filepath.Join(j.dir, segmentName(j.seq)+"."+t.Format(sealTimeLayout)+".sealed")}
	if err := os.Rename(from, seg.Path); err != nil {
		return SealedSegment{}, false, j.fail(fmt.Errorf("seal journal segment: %w", err))
	}
	if err := j.create(j.seq + 1); err != nil {
		// Sealed all the same; the next write makes the segment.
		j.seq, j.absent = j.seq+1, true
		return seg, true, nil
	}
	return seg, true, nil
}

// Sealed lists the sealed segments, oldest first.
func (j *Journal) Sealed() ([]SealedSegment, error) {
	matches, err := filepath.Glob(filepath.Join(j.dir, "*.sealed"))
	if err != nil {
		return nil, err
	}
	var segs []SealedSegment
	for _, m := range matches {
		seq, t, err := parseSegmentName(filepath.Base(m))
		if err != nil {
			return nil, err
		}
		segs = append(segs, SealedSegment{Seq: seq, Sealed: t, Path: m})
	}
	slices.SortFunc(segs, func(a, b SealedSegment) int { return cmpUint(a.Seq, b.Seq) })
	return segs, nil
}

// OpenSegmentPath returns the path of the segment being appended to.
func (j *Journal) OpenSegmentPath() string {
	j.fileMu.Lock()
	defer j.fileMu.Unlock()
	return filepath.Join(j.dir, segmentName(j.seq)+".wal")
}

// Remove deletes a delivered sealed segment.
func (j *Journal) Remove(seg SealedSegment) error {
	if err := os.Remove(seg.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove delivered journal segment: %w", err)
	}
	return nil
}

// fail makes err sticky: later appends fail with it.
func (j *Journal) fail(err error) error {
	j.mu.Lock()
	if j.err == nil {
		j.err = err
	}
	j.mu.Unlock()
	return err
}

// Close waits for the frames already queued to be written, then closes the
// open segment. Later appends fail with ErrJournalClosed.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		return nil
	}
	j.closing = true
	close(j.wake)
	j.mu.Unlock()
	<-j.done
	j.fileMu.Lock()
	defer j.fileMu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

var errTornFrame = errors.New("torn frame")

// ReadSegment calls fn with each frame's payload of the segment at path, in
// order. The payload is only valid during the call. A damaged frame is an
// error naming the file.
func ReadSegment(path string, fn func(payload []byte) error) error {
	off, err := scanSegment(path, fn)
	if errors.Is(err, errTornFrame) {
		return cairn.WithHint(fmt.Errorf("journal segment %s is damaged: %w", path, err),
			fmt.Sprintf("its frames from offset %d on cannot be read; keep a copy of it, then cut it there (truncate -s %d FILE) to deliver the ones before", off, off))
	}
	return err
}

// scanSegment reads the frames of a segment and returns the offset after the
// last good one. It stops at the first bad frame with errTornFrame.
func scanSegment(path string, fn func(payload []byte) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open journal segment: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(journalMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != journalMagic {
		return 0, fmt.Errorf("%s is not a cairn journal segment (bad header)", path)
	}
	off := int64(len(journalMagic))
	var payload []byte
	for {
		var h [frameHeader]byte
		n, err := io.ReadFull(r, h[:])
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, fmt.Errorf("%w: %d header bytes at offset %d", errTornFrame, n, off)
		}
		size := binary.LittleEndian.Uint32(h[0:4])
		if size == 0 || size > maxFramePayload {
			return off, fmt.Errorf("%w: length %d at offset %d", errTornFrame, size, off)
		}
		if cap(payload) < int(size) {
			payload = make([]byte, size)
		}
		payload = payload[:size]
		if _, err := io.ReadFull(r, payload); err != nil {
			return off, fmt.Errorf("%w: short frame at offset %d", errTornFrame, off)
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(h[4:8]) {
			return off, fmt.Errorf("%w: checksum mismatch at offset %d", errTornFrame, off)
		}
		if fn != nil {
			if err := fn(payload); err != nil {
				return off, err
			}
		}
		off += frameHeader + int64(size)
	}
}

func segmentName(seq uint64) string { return fmt.Sprintf("%016d", seq) }

// parseSegmentName reads "<seq>.wal" or "<seq>.<time>.sealed".
func parseSegmentName(name string) (uint64, time.Time, error) {
	parts := strings.Split(name, ".")
	bad := fmt.Errorf("unexpected file %q in the journal folder", name)
	if len(parts) < 2 || len(parts[0]) != 16 {
		return 0, time.Time{}, bad
	}
	seq, err := strconv.ParseUint(parts[0], 10, 64)
	if err != nil {
		return 0, time.Time{}, bad
	}
	switch {
	case len(parts) == 2 && parts[1] == "wal":
		return seq, time.Time{}, nil
	case len(parts) == 3 && parts[2] == "sealed":
		t, err := time.Parse(sealTimeLayout, parts[1])
		if err != nil {
			return 0, time.Time{}, bad
		}
		return seq, t, nil
	}
	return 0, time.Time{}, bad
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
