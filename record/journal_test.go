package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

func readAll(t *testing.T, path string) []string {
	t.Helper()
	var got []string
	if err := ReadSegment(path, func(p []byte) error { got = append(got, string(p)); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestJournalAppendSealReopen(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Concurrent appends all land, each frame whole.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := j.Append(ctx, []byte(fmt.Sprintf("frame-%02d", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, ok, err := j.Seal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)); err != nil || !ok {
		t.Fatalf("seal: %v %v", ok, err)
	}
	if _, ok, _ := j.Seal(time.Now()); ok {
		t.Fatal("an empty open segment was sealed")
	}
	if err := j.Append(ctx, []byte("after-seal")); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(ctx, []byte("x")); err == nil {
		t.Fatal("append after close succeeded")
	}

	j, err = OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sealed, err := j.Sealed()
	if err != nil || len(sealed) != 1 {
		t.Fatalf("sealed = %v, %v", sealed, err)
	}
	if sealed[0].Seq != 1 || !sealed[0].Sealed.Equal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("sealed segment = %+v", sealed[0])
	}
	if got := readAll(t, sealed[0].Path); len(got) != 50 {
		t.Errorf("sealed segment holds %d frames, want 50", len(got))
	}
	if got := readAll(t, j.OpenSegmentPath()); len(got) != 1 || got[0] != "after-seal" {
		t.Errorf("open segment holds %q", got)
	}
}

// A crash in the middle of a write leaves a torn frame at the end of the
// open segment: reopening cuts it off and keeps every whole frame.
func TestJournalTruncatesTornTail(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(b []byte) []byte
	}{
		{"half a header", func(b []byte) []byte { return append(b, 7, 0, 0) }},
		{"short payload", func(b []byte) []byte { return append(b, 100, 0, 0, 0, 1, 2, 3, 4, 'x') }},
		{"bad checksum", func(b []byte) []byte { return append(b, 1, 0, 0, 0, 1, 2, 3, 4, 'x') }},
		{"zero length", func(b []byte) []byte { return append(b, 0, 0, 0, 0, 0, 0, 0, 0) }},
		{"zeros of a preallocated tail", func(b []byte) []byte { return append(b, make([]byte, 4096)...) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := OpenJournal(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"one", "two"} {
				if err := j.Append(context.Background(), []byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			path := j.OpenSegmentPath()
			j.Close()
			b, _ := os.ReadFile(path)
			good := len(b)
			os.WriteFile(path, tc.tear(b), 0o644)

			j, err = OpenJournal(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Size() != int64(good) {
				t.Errorf("segment is %d bytes after recovery, want %d", fi.Size(), good)
			}
			if err := j.Append(context.Background(), []byte("three")); err != nil {
				t.Fatal(err)
			}
			j.Close()
			if got := readAll(t, path); fmt.Sprint(got) != "[one two three]" {
				t.Errorf("frames = %q", got)
			}
		})
	}
}

// Damage inside a sealed segment is not a torn write: it must not be
// silently cut off, since the frames after it were acknowledged.
func TestJournalSealedDamageIsAnError(t *testing.T) {
	dir := t.TempDir()
	j, _ := OpenJournal(dir)
	j.Append(context.Background(), []byte("one"))
	j.Append(context.Background(), []byte("two"))
	seg, _, err := j.Seal(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	b, _ := os.ReadFile(seg.Path)
	b[len(journalMagic)+frameHeader] ^= 0xff
	os.WriteFile(seg.Path, b, 0o644)
	err = ReadSegment(seg.Path, func([]byte) error { return nil })
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(filepath.Base(seg.Path))) {
		t.Fatalf("ReadSegment of a damaged sealed segment: %v", err)
	}
}

func TestJournalRefusesStrayFiles(t *testing.T) {
	dir := t.TempDir()
	j, _ := OpenJournal(dir)
	j.Close()
	os.WriteFile(filepath.Join(dir, "0000000000000009.wal"), []byte(journalMagic), 0o644)
	if _, err := OpenJournal(dir); err == nil {
		t.Fatal("two open segments were accepted")
	}
}

func FuzzReadSegment(f *testing.F) {
	f.Add([]byte(journalMagic + "\x03\x00\x00\x00\x00\x00\x00\x00abc"))
	f.Add([]byte(journalMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "0000000000000001.wal")
		os.WriteFile(path, b, 0o644)
		n := 0
		_ = ReadSegment(path, func(p []byte) error {
			if len(p) == 0 {
				t.Fatal("empty frame delivered")
			}
			n++
			return nil
		})
		// Recovery must leave a segment that reads back cleanly, keeping
		// what it cut when good frames were among it; a segment cut short
		// within its header gets one.
		if bytes.HasPrefix(b, []byte(journalMagic)) || bytes.HasPrefix([]byte(journalMagic), b) {
			j, err := OpenJournal(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			if rep := j.Repair(); rep != nil && rep.SetAside != "" {
				if kept, err := os.ReadFile(rep.SetAside); err != nil || int64(len(kept)) != rep.Bytes || rep.Frames == 0 {
					t.Fatalf("set aside %d bytes (%v) of %+v", len(kept), err, rep)
				}
			}
			j.Close()
			if err := ReadSegment(path, func([]byte) error { return nil }); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
		}
	})
}

// A write that fails part way (a full disk) is cut off again: the request
// is refused, nothing torn is sealed, and the next write, once there is
// room, succeeds without a restart.
func TestJournalRecoversFromAFailedWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(ctx, []byte("one")); err != nil {
		t.Fatal(err)
	}
	j.write = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2])
		return n, syscall.ENOSPC
	}
	if err := j.Append(ctx, []byte("two, refused")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on a full disk: %v", err)
	}
	seg, ok, err := j.Seal(time.Now())
	if err != nil || !ok {
		t.Fatalf("seal after a failed write: %v, %v", ok, err)
	}
	j.write = (*os.File).Write // room again
	if err := j.Append(ctx, []byte("three")); err != nil {
		t.Fatalf("append once there is room: %v", err)
	}
	open := j.OpenSegmentPath()
	j.Close()
	if got := readAll(t, seg.Path); fmt.Sprint(got) != "[one]" {
		t.Errorf("sealed frames = %q", got)
	}
	if got := readAll(t, open); fmt.Sprint(got) != "[three]" {
		t.Errorf("open frames = %q", got)
	}
	j, err = OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if rep := j.Repair(); rep != nil {
		t.Errorf("reopening cut %+v", rep)
	}
}

// Damage in the middle of the open segment is not a torn write: the good
// frames after it are kept, to be delivered, and the bytes cut are set
// aside, named, rather than silently dropped.
func TestJournalKeepsFramesAfterDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j, _ := OpenJournal(dir)
	for _, p := range []string{"one", "two", "three", "four"} {
		if err := j.Append(ctx, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	path := j.OpenSegmentPath()
	j.Close()
	b, _ := os.ReadFile(path)
	second := len(journalMagic) + frameHeader + len("one")
	b[second+frameHeader] ^= 0x01 // a bit of "two" flips
	os.WriteFile(path, b, 0o644)

	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := j.Repair()
	if rep == nil || rep.Offset != int64(second) || rep.Frames != 2 || rep.SetAside == "" {
		t.Fatalf("repair = %+v, want the two frames after the damaged one found and kept", rep)
	}
	if kept, err := os.ReadFile(rep.SetAside); err != nil || !bytes.Equal(kept, b[second:]) {
		t.Errorf("set aside %d bytes (%v), want the %d cut", len(kept), err, len(b)-second)
	}
	if err := j.Append(ctx, []byte("five")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if got := readAll(t, path); fmt.Sprint(got) != "[one three four five]" {
		t.Errorf("frames = %q, want every frame but the damaged one", got)
	}
}

// A full disk can leave the next segment without its whole header; opening
// gives it one rather than refusing to start.
func TestJournalOpensAHeadlessSegment(t *testing.T) {
	for _, content := range []string{"", journalMagic[:3]} {
		dir := t.TempDir()
		path := filepath.Join(dir, segmentName(2)+".wal")
		os.WriteFile(path, []byte(content), 0o644)
		j, err := OpenJournal(dir)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if err := j.Append(context.Background(), []byte("one")); err != nil {
			t.Fatal(err)
		}
		j.Close()
		if got := readAll(t, path); fmt.Sprint(got) != "[one]" {
			t.Errorf("%q: frames = %q", content, got)
		}
	}
}
