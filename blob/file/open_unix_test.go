//go:build unix

package file_test

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cairn-audit/cairn"
)

// TestOpenOnlyRegularFiles: Open reads a regular file, and finds no object
// in a folder or a named pipe, without blocking on the pipe.
func TestOpenOnlyRegularFiles(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "dir/log", strings.NewReader("record"), cairn.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(t.Context(), "dir/log")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil || string(b) != "record" {
		t.Errorf("read %q, %v", b, err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := rc.Close(); err == nil {
		t.Error("a second close succeeded")
	}
	if err := syscall.Mkfifo(filepath.Join(s.Root(), "dir", "pipe"), 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	for _, key := range []string{"dir", "dir/pipe", "dir/missing"} {
		if rc, err := s.Open(t.Context(), key); rc != nil || !errors.Is(err, cairn.ErrNotFound) {
			t.Errorf("Open(%q) = %v, %v; want no reader and ErrNotFound", key, rc, err)
		}
	}
}
