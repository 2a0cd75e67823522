package file_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/blobtest"
	"github.com/cairn-audit/cairn/blob/file"
)

func newStore(t *testing.T) *file.Store {
	t.Helper()
	s, err := file.New(filepath.Join(t.TempDir(), "archive"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) cairn.BlobStore { return newStore(t) })
}

func TestInvalidKeys(t *testing.T) {
	s := newStore(t)
	for _, k := range []string{"", "/abs", "../escape", "a/../../b", "a//b", "a/", "./a", "a/.", ".cairn-meta.x.json", "d/.cairn-tmp-1"} {
		if err := s.Put(t.Context(), k, strings.NewReader("x"), cairn.PutOptions{}); !errors.Is(err, file.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Head(t.Context(), k); !errors.Is(err, file.ErrInvalidKey) {
			t.Errorf("Head(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(s.Root()), "escape")); err == nil {
		t.Error("a key escaped the root")
	}
	for _, p := range []string{"../", "../x", "/x", ".cairn-meta/"} {
		for e, err := range s.List(t.Context(), cairn.ListOptions{Prefix: p}) {
			t.Errorf("List(%q) yielded %+v, %v", p, e, err)
		}
	}
}

// Files written by other tools are objects too, with an ETag from their size
// and modification time; hidden files of the store never show.
func TestForeignFiles(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "dir/ours", strings.NewReader("ours"), cairn.PutOptions{Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(s.Root(), "dir", "theirs")
	if err := os.WriteFile(foreign, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.Root(), "empty", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range s.List(t.Context(), cairn.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Object.Key+e.Prefix)
	}
	if strings.Join(got, ",") != "dir/ours,dir/theirs" {
		t.Errorf("List = %v", got)
	}
	for e, err := range s.List(t.Context(), cairn.ListOptions{Delimiter: "/"}) {
		if err != nil || e.Prefix != "dir/" {
			t.Errorf("List(delimiter) yielded %+v, %v; want only dir/", e, err)
		}
	}
	h1, err := s.Head(t.Context(), "dir/theirs")
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.WriteFile(foreign, []byte("THEIRS"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(foreign, later, later)
	h2, _ := s.Head(t.Context(), "dir/theirs")
	if h1.ETag == h2.ETag {
		t.Errorf("ETag %q did not change with a rewrite of the same size", h1.ETag)
	}

	// Another tool rewrites our object: its sidecar no longer applies.
	if err := os.WriteFile(filepath.Join(s.Root(), "dir", "ours"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := s.Head(t.Context(), "dir/ours")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Metadata) != 0 {
		t.Errorf("stale metadata %v shown for a rewritten file", h.Metadata)
	}
}

// TestMetadataOutlivesACopyWithoutTimes: a copy that keeps the bytes but
// not the modification time (tar keeps whole seconds) keeps the metadata,
// a digest's signature; one that changed the bytes, even at the same size,
// does not.
func TestMetadataOutlivesACopyWithoutTimes(t *testing.T) {
	s := newStore(t)
	meta := map[string]string{"signature": "abc"}
	if err := s.Put(t.Context(), "d/digest", strings.NewReader("signed bytes"), cairn.PutOptions{Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Root(), "d", "digest")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	whole := fi.ModTime().Truncate(time.Second).Add(-time.Second)
	if err := os.Chtimes(p, whole, whole); err != nil {
		t.Fatal(err)
	}
	check := func(what string, want bool) {
		t.Helper()
		h, err := s.Head(t.Context(), "d/digest")
		if err != nil {
			t.Fatal(err)
		}
		rc, g, err := s.Get(t.Context(), "d/digest")
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if got := h.Metadata["signature"] == "abc"; got != want {
			t.Errorf("%s: Head's metadata %v", what, h.Metadata)
		}
		if got := g.Metadata["signature"] == "abc"; got != want {
			t.Errorf("%s: Get's metadata %v", what, g.Metadata)
		}
	}
	check("a copy with another time", true)
	if err := os.WriteFile(p, []byte("forged bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("other bytes of the same size", false)
}

// A file written by WriteUnsynced reads as Put would have left it: its
// metadata (a key in any case reads in lower case) and MD5, and is listed
// without its sidecar.
func TestWriteUnsyncedReadsAsPut(t *testing.T) {
	s := newStore(t)
	if err := os.MkdirAll(filepath.Join(s.Root(), "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := []byte("signed bytes")
	if err := file.WriteUnsynced(filepath.Join(s.Root(), "d", "digest"), body, "application/json", map[string]string{"Signature": "abc"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "d/put", bytes.NewReader(body), cairn.PutOptions{ContentType: "application/json", Metadata: map[string]string{"Signature": "abc"}}); err != nil {
		t.Fatal(err)
	}
	written, err := s.Head(t.Context(), "d/digest")
	if err != nil {
		t.Fatal(err)
	}
	put, err := s.Head(t.Context(), "d/put")
	if err != nil {
		t.Fatal(err)
	}
	if written.Metadata["signature"] != "abc" || written.ETag != put.ETag || written.Size != put.Size {
		t.Errorf("written %+v, put %+v", written, put)
	}
	var keys []string
	for e, err := range s.List(t.Context(), cairn.ListOptions{Prefix: "d/"}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, e.Object.Key)
	}
	if strings.Join(keys, " ") != "d/digest d/put" {
		t.Errorf("listed %q, want the two objects and no sidecar", keys)
	}
}

func TestPutUnderObject(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "a", strings.NewReader("x"), cairn.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "a/b", strings.NewReader("x"), cairn.PutOptions{}); err == nil {
		t.Error("Put(a/b) over the object a succeeded")
	}
	if _, err := s.Head(t.Context(), "a/b"); !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("Head(a/b) = %v, want ErrNotFound", err)
	}
}

func TestPutOverPrefix(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "a/b", strings.NewReader("x"), cairn.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, ifNoneMatch := range []bool{false, true} {
		err := s.Put(t.Context(), "a", strings.NewReader("x"), cairn.PutOptions{IfNoneMatch: ifNoneMatch})
		if err == nil || errors.Is(err, cairn.ErrExists) {
			t.Errorf("Put(a, IfNoneMatch=%v) over the prefix a/ = %v, want a plain error", ifNoneMatch, err)
		}
	}
	if _, err := s.Head(t.Context(), "a/b"); err != nil {
		t.Errorf("Head(a/b) = %v", err)
	}
}
