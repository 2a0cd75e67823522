// Package blobtest is the conformance suite for cairn.BlobStore: every
// implementation runs it from its own tests,
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) cairn.BlobStore { return newEmptyStore(t) })
//	}
//
// newStore must return a new, empty store for each call; the suite calls it
// once per subtest, so subtests may run in parallel.
//
// The keys that the suite uses are valid both as S3 keys and as file paths:
// no key is also a "directory" of another key ("a" and "a/b"), none has an
// empty segment or a trailing "/". Stores over a file system cannot hold such
// pairs, and cairn never writes them.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Capabilities declares what a store cannot do, so that the suite says so
// instead of failing. The zero value claims the whole contract.
type Capabilities struct {
	// NoConditionalPut declares that the backend ignores or rejects
	// PutOptions.IfNoneMatch (some S3-compatible servers). The IfNoneMatch
	// subtests are then skipped with a message naming the flag, and cairn
	// must not rely on the store for write-once publication.
	NoConditionalPut bool
	// MergesMetadataOnOverwrite declares that a plain Put over an existing
	// object keeps the old object's metadata names that the new Put does
	// not set, where S3 replaces the metadata whole (gofakes3 does this).
	// The suite then checks only the names that the new Put sets.
	MergesMetadataOnOverwrite bool
	// ListsPrefixesBeforeStartAfter declares that List returns a common
	// prefix that sorts at or before StartAfter when some of its keys sort
	// after it (gofakes3 does this). S3 and versitygw return a common
	// prefix only when it sorts after StartAfter, so that a listing can
	// resume after its last entry, key or prefix. The suite then skips
	// the cases with StartAfter inside a common prefix.
	ListsPrefixesBeforeStartAfter bool
	// OnlySlashDelimiter declares that List handles no delimiter but "/"
	// correctly (gofakes3 splits keys on the delimiter and trims it as a
	// set of characters). The suite then skips the other delimiters.
	OnlySlashDelimiter bool
}

// Run runs the suite against stores that claim the whole contract.
func Run(t *testing.T, newStore func(t *testing.T) cairn.BlobStore) {
	RunWith(t, newStore, Capabilities{})
}

// RunWith runs the suite against stores with the given capabilities.
func RunWith(t *testing.T, newStore func(t *testing.T) cairn.BlobStore, c Capabilities) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore(t), c) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newStore(t)) })
	t.Run("IfNoneMatch", func(t *testing.T) {
		if c.NoConditionalPut {
			t.Skip("store declares Capabilities.NoConditionalPut: IfNoneMatch is not enforced")
		}
		testIfNoneMatch(t, newStore(t))
	})
	t.Run("List", func(t *testing.T) { testList(t, newStore(t), c) })
	t.Run("ListEmpty", func(t *testing.T) { testListEmpty(t, newStore(t)) })
	t.Run("ListPagination", func(t *testing.T) { testListPagination(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newStore(t)) })
	t.Run("ConcurrentPuts", func(t *testing.T) { testConcurrentPuts(t, newStore(t)) })
	t.Run("ContextCanceled", func(t *testing.T) { testContextCanceled(t, newStore(t)) })
}

// onlyReader hides every method but Read, so that stores see a body that
// they cannot seek or measure.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func put(t *testing.T, s cairn.BlobStore, key, body string, opts cairn.PutOptions) {
	t.Helper()
	if err := s.Put(t.Context(), key, strings.NewReader(body), opts); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// get reads an object with Get, and again with OpenObject, which must give
// the same bytes.
func get(t *testing.T, s cairn.BlobStore, key string) (string, cairn.ObjectInfo) {
	t.Helper()
	rc, info, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	opened, err := cairn.OpenObject(t.Context(), s, key)
	if err != nil {
		t.Fatalf("OpenObject(%q): %v", key, err)
	}
	defer opened.Close()
	if again, err := io.ReadAll(opened); err != nil || !bytes.Equal(again, b) {
		t.Fatalf("OpenObject(%q) read %q, %v; Get read %q", key, again, err, b)
	}
	return string(b), info
}

func list(t *testing.T, s cairn.BlobStore, opts cairn.ListOptions) []cairn.ListEntry {
	t.Helper()
	var out []cairn.ListEntry
	for e, err := range s.List(t.Context(), opts) {
		if err != nil {
			t.Fatalf("List(%+v): %v", opts, err)
		}
		out = append(out, e)
	}
	return out
}

// names renders a listing as keys, with common prefixes marked "P:".
func names(es []cairn.ListEntry) []string {
	out := []string{}
	for _, e := range es {
		if e.Prefix != "" {
			out = append(out, "P:"+e.Prefix)
		} else {
			out = append(out, e.Object.Key)
		}
	}
	return out
}

func testRoundTrip(t *testing.T, s cairn.BlobStore, c Capabilities) {
	if s.String() == "" {
		t.Error("String() is empty")
	}
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/14/log.json.gz"
	body := `{"Records":[]}`
	meta := map[string]string{"signature": "abc123", "Signing-Algorithm": "SHA256withRSA"}
	start := time.Now()
	put(t, s, key, body, cairn.PutOptions{Metadata: meta, ContentType: "application/json"})

	head, err := s.Head(t.Context(), key)
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	wantMeta := map[string]string{"signature": "abc123", "signing-algorithm": "SHA256withRSA"}
	if head.Key != key || head.Size != int64(len(body)) || head.ETag == "" {
		t.Errorf("Head = %+v, want key %q, size %d, an ETag", head, key, len(body))
	}
	if diff := cmp.Diff(wantMeta, head.Metadata); diff != "" {
		t.Errorf("Head metadata (-want +got):\n%s", diff)
	}
	if d := head.LastModified.Sub(start); d < -time.Hour || d > time.Hour {
		t.Errorf("LastModified = %v, want about %v", head.LastModified, start)
	}

	got, info := get(t, s, key)
	if got != body {
		t.Errorf("Get body = %q, want %q", got, body)
	}
	if diff := cmp.Diff(head, info, cmpopts.EquateApproxTime(time.Second)); diff != "" {
		t.Errorf("Get info differs from Head (-head +get):\n%s", diff)
	}

	// An overwrite changes the content, the size and the ETag, and replaces
	// the metadata.
	put(t, s, key, body+" ", cairn.PutOptions{Metadata: map[string]string{"v": "2"}})
	got, info2 := get(t, s, key)
	if got != body+" " || info2.Size != int64(len(body))+1 {
		t.Errorf("after overwrite: body %q size %d", got, info2.Size)
	}
	if info2.ETag == head.ETag {
		t.Errorf("ETag %q did not change with the content", info2.ETag)
	}
	if c.MergesMetadataOnOverwrite {
		if info2.Metadata["v"] != "2" {
			t.Errorf("metadata after overwrite = %v, want v=2 among them", info2.Metadata)
		}
	} else if diff := cmp.Diff(map[string]string{"v": "2"}, info2.Metadata); diff != "" {
		t.Errorf("metadata after overwrite (-want +got):\n%s", diff)
	}

	t.Run("NoMetadata", func(t *testing.T) {
		put(t, s, "plain", "x", cairn.PutOptions{})
		h, err := s.Head(t.Context(), "plain")
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Metadata) != 0 {
			t.Errorf("Metadata = %v, want none", h.Metadata)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		put(t, s, "empty", "", cairn.PutOptions{})
		got, info := get(t, s, "empty")
		if got != "" || info.Size != 0 {
			t.Errorf("got %q size %d", got, info.Size)
		}
	})
	t.Run("UnseekableLarge", func(t *testing.T) {
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		big = append(big, 'x')
		if err := s.Put(t.Context(), "big", onlyReader{bytes.NewReader(big)}, cairn.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		got, info := get(t, s, "big")
		if got != string(big) || info.Size != int64(len(big)) {
			t.Errorf("got %d bytes (size %d), want %d", len(got), info.Size, len(big))
		}
	})
	t.Run("OddKeys", func(t *testing.T) {
		for _, k := range []string{"with space/and more", "ünïcødé/日本語.json", "a+b=c&d", "pct%20x", "semi;colon,comma", "tilde~/(paren)"} {
			put(t, s, k, "v:"+k, cairn.PutOptions{})
			if got, info := get(t, s, k); got != "v:"+k || info.Key != k {
				t.Errorf("Get(%q) = %q, key %q", k, got, info.Key)
			}
		}
	})
}

func testNotFound(t *testing.T, s cairn.BlobStore) {
	put(t, s, "exists/x", "x", cairn.PutOptions{})
	for _, key := range []string{"missing", "exists/missing", "missing/dir/key", "exists"} {
		if _, err := s.Head(t.Context(), key); !errors.Is(err, cairn.ErrNotFound) {
			t.Errorf("Head(%q) = %v, want ErrNotFound", key, err)
		}
		rc, _, err := s.Get(t.Context(), key)
		if !errors.Is(err, cairn.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", key, err)
		}
		if rc != nil {
			rc.Close()
		}
		rc, err = cairn.OpenObject(t.Context(), s, key)
		if !errors.Is(err, cairn.ErrNotFound) || rc != nil {
			t.Errorf("OpenObject(%q) = %v, %v; want no reader and ErrNotFound", key, rc, err)
		}
		if rc != nil {
			rc.Close()
		}
	}
}

func testIfNoneMatch(t *testing.T, s cairn.BlobStore) {
	opts := cairn.PutOptions{IfNoneMatch: true, Metadata: map[string]string{"gen": "1"}}
	if err := s.Put(t.Context(), "once", strings.NewReader("first"), opts); err != nil {
		t.Fatalf("first conditional Put: %v", err)
	}
	opts.Metadata = map[string]string{"gen": "2"}
	err := s.Put(t.Context(), "once", strings.NewReader("second"), opts)
	if !errors.Is(err, cairn.ErrExists) {
		t.Fatalf("second conditional Put = %v, want ErrExists", err)
	}
	got, info := get(t, s, "once")
	if got != "first" || info.Metadata["gen"] != "1" {
		t.Errorf("after refused Put: body %q metadata %v, want first, gen=1", got, info.Metadata)
	}
	if es := list(t, s, cairn.ListOptions{}); !cmp.Equal(names(es), []string{"once"}) {
		t.Errorf("List after refused Put = %v, want [once]", names(es))
	}
	// A plain Put still overwrites.
	put(t, s, "once", "third", cairn.PutOptions{})
	if got, _ := get(t, s, "once"); got != "third" {
		t.Errorf("plain Put over a conditional one: body %q", got)
	}

	t.Run("Race", func(t *testing.T) {
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Put(t.Context(), "race", strings.NewReader(fmt.Sprint("writer ", i)), cairn.PutOptions{IfNoneMatch: true})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("writers %d and %d both succeeded", winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, cairn.ErrExists):
				t.Errorf("writer %d: %v, want nil or ErrExists", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no writer succeeded")
		}
		if got, _ := get(t, s, "race"); got != fmt.Sprint("writer ", winner) {
			t.Errorf("body %q, want the winner's (%d)", got, winner)
		}
	})
}

// listKeys sort as: a-b, a.txt, a/b, a/c/d, a/c/e, b, c/d/e/f, sp ace/x y,
// z, ünï/cødé (bytes above 0x7f sort last; '-' < '.' < '/').
var listKeys = []string{"z", "a/c/e", "ünï/cødé", "a.txt", "b", "a/b", "c/d/e/f", "a-b", "sp ace/x y", "a/c/d"}

func testList(t *testing.T, s cairn.BlobStore, c Capabilities) {
	for _, k := range listKeys {
		put(t, s, k, "body of "+k, cairn.PutOptions{Metadata: map[string]string{"k": "v"}})
	}
	for _, tc := range []struct {
		opts cairn.ListOptions
		want []string
	}{
		{cairn.ListOptions{}, []string{"a-b", "a.txt", "a/b", "a/c/d", "a/c/e", "b", "c/d/e/f", "sp ace/x y", "z", "ünï/cødé"}},
		{cairn.ListOptions{Prefix: "a/"}, []string{"a/b", "a/c/d", "a/c/e"}},
		{cairn.ListOptions{Prefix: "a"}, []string{"a-b", "a.txt", "a/b", "a/c/d", "a/c/e"}},
		{cairn.ListOptions{Prefix: "a/c"}, []string{"a/c/d", "a/c/e"}},
		{cairn.ListOptions{Prefix: "a/c/d"}, []string{"a/c/d"}},
		{cairn.ListOptions{Prefix: "c/d/e/"}, []string{"c/d/e/f"}},
		{cairn.ListOptions{Prefix: "sp ace/"}, []string{"sp ace/x y"}},
		{cairn.ListOptions{Prefix: "ünï/"}, []string{"ünï/cødé"}},
		{cairn.ListOptions{Prefix: "nope"}, []string{}},
		{cairn.ListOptions{Prefix: "nope/deeper/"}, []string{}},
		{cairn.ListOptions{Prefix: "a/b/"}, []string{}},
		{cairn.ListOptions{Delimiter: "/"}, []string{"a-b", "a.txt", "P:a/", "b", "P:c/", "P:sp ace/", "z", "P:ünï/"}},
		{cairn.ListOptions{Prefix: "a/", Delimiter: "/"}, []string{"a/b", "P:a/c/"}},
		{cairn.ListOptions{Prefix: "a", Delimiter: "/"}, []string{"a-b", "a.txt", "P:a/"}},
		{cairn.ListOptions{Prefix: "c/", Delimiter: "/"}, []string{"P:c/d/"}},
		{cairn.ListOptions{Prefix: "c/d/e/", Delimiter: "/"}, []string{"c/d/e/f"}},
		{cairn.ListOptions{Prefix: "nope/", Delimiter: "/"}, []string{}},
		{cairn.ListOptions{StartAfter: "a/b"}, []string{"a/c/d", "a/c/e", "b", "c/d/e/f", "sp ace/x y", "z", "ünï/cødé"}},
		{cairn.ListOptions{StartAfter: "a/bb"}, []string{"a/c/d", "a/c/e", "b", "c/d/e/f", "sp ace/x y", "z", "ünï/cødé"}},
		{cairn.ListOptions{StartAfter: "a/c/d", Prefix: "a/"}, []string{"a/c/e"}},
		{cairn.ListOptions{StartAfter: "zz"}, []string{"ünï/cødé"}},
		{cairn.ListOptions{StartAfter: "ünï/cødé"}, []string{}},
		{cairn.ListOptions{StartAfter: "0", Prefix: "b"}, []string{"b"}},
		{cairn.ListOptions{StartAfter: "b", Delimiter: "/"}, []string{"P:c/", "P:sp ace/", "z", "P:ünï/"}},
		{cairn.ListOptions{StartAfter: "a/c/e", Delimiter: "/"}, []string{"b", "P:c/", "P:sp ace/", "z", "P:ünï/"}},
		{cairn.ListOptions{StartAfter: "a", Delimiter: "/"}, []string{"a-b", "a.txt", "P:a/", "b", "P:c/", "P:sp ace/", "z", "P:ünï/"}},
		// StartAfter inside a common prefix, or equal to it.
		{cairn.ListOptions{StartAfter: "a/b", Delimiter: "/"}, []string{"b", "P:c/", "P:sp ace/", "z", "P:ünï/"}},
		{cairn.ListOptions{StartAfter: "a/", Delimiter: "/"}, []string{"b", "P:c/", "P:sp ace/", "z", "P:ünï/"}},
		// Delimiters other than "/", also longer than one byte.
		{cairn.ListOptions{Prefix: "a/", Delimiter: "c/"}, []string{"a/b", "P:a/c/"}},
		{cairn.ListOptions{Delimiter: "-"}, []string{"P:a-", "a.txt", "a/b", "a/c/d", "a/c/e", "b", "c/d/e/f", "sp ace/x y", "z", "ünï/cødé"}},
		{cairn.ListOptions{Delimiter: "."}, []string{"a-b", "P:a.", "a/b", "a/c/d", "a/c/e", "b", "c/d/e/f", "sp ace/x y", "z", "ünï/cødé"}},
	} {
		t.Run(fmt.Sprintf("%q,%q,%q", tc.opts.Prefix, tc.opts.Delimiter, tc.opts.StartAfter), func(t *testing.T) {
			if c.ListsPrefixesBeforeStartAfter && tc.opts.Delimiter != "" &&
				strings.Contains(strings.TrimPrefix(tc.opts.StartAfter, tc.opts.Prefix), tc.opts.Delimiter) {
				t.Skip("store declares Capabilities.ListsPrefixesBeforeStartAfter")
			}
			if c.OnlySlashDelimiter && tc.opts.Delimiter != "" && tc.opts.Delimiter != "/" {
				t.Skip("store declares Capabilities.OnlySlashDelimiter")
			}
			got := names(list(t, s, tc.opts))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("List(%+v) (-want +got):\n%s", tc.opts, diff)
			}
		})
	}

	t.Run("ObjectInfo", func(t *testing.T) {
		for _, e := range list(t, s, cairn.ListOptions{Prefix: "a/c/"}) {
			h, err := s.Head(t.Context(), e.Object.Key)
			if err != nil {
				t.Fatal(err)
			}
			if e.Object.Size != int64(len("body of ")+len(e.Object.Key)) || e.Object.ETag == "" || e.Object.LastModified.IsZero() {
				t.Errorf("entry %+v: want size, ETag and LastModified", e.Object)
			}
			if e.Object.ETag != h.ETag {
				t.Errorf("List ETag %q, Head ETag %q", e.Object.ETag, h.ETag)
			}
		}
	})
	t.Run("Break", func(t *testing.T) {
		n := 0
		for _, err := range s.List(t.Context(), cairn.ListOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 3 {
				break
			}
		}
		if n != 3 {
			t.Errorf("got %d entries before break", n)
		}
	})
}

func testListEmpty(t *testing.T, s cairn.BlobStore) {
	for _, opts := range []cairn.ListOptions{{}, {Delimiter: "/"}, {Prefix: "x/"}, {StartAfter: "a"}} {
		if got := list(t, s, opts); len(got) != 0 {
			t.Errorf("List(%+v) on an empty store = %v", opts, names(got))
		}
	}
}

func testListPagination(t *testing.T, s cairn.BlobStore) {
	const n = 1100 // more than the 1000 keys of one S3 page
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("many/%04d", i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for _, k := range keys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := s.Put(t.Context(), k, strings.NewReader(k), cairn.PutOptions{}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Put: %v", err)
	}
	put(t, s, "other", "x", cairn.PutOptions{})

	if diff := cmp.Diff(keys, names(list(t, s, cairn.ListOptions{Prefix: "many/"}))); diff != "" {
		t.Errorf("List(many/) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(keys[1000:], names(list(t, s, cairn.ListOptions{Prefix: "many/", StartAfter: "many/0999"}))); diff != "" {
		t.Errorf("List(many/, after 0999) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"P:many/", "other"}, names(list(t, s, cairn.ListOptions{Delimiter: "/"}))); diff != "" {
		t.Errorf("List(delimiter /) (-want +got):\n%s", diff)
	}
	if got := len(list(t, s, cairn.ListOptions{})); got != n+1 {
		t.Errorf("List() = %d entries, want %d", got, n+1)
	}
}

func testDelete(t *testing.T, s cairn.BlobStore) {
	put(t, s, "d/e/f", "x", cairn.PutOptions{Metadata: map[string]string{"k": "v"}})
	put(t, s, "keep", "y", cairn.PutOptions{})
	for range 2 { // idempotent
		if err := s.Delete(t.Context(), "d/e/f"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if err := s.Delete(t.Context(), "never/was"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
	if _, err := s.Head(t.Context(), "d/e/f"); !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("Head after Delete = %v, want ErrNotFound", err)
	}
	if got := names(list(t, s, cairn.ListOptions{Delimiter: "/"})); !cmp.Equal(got, []string{"keep"}) {
		t.Errorf("List after Delete = %v, want [keep]", got)
	}
	// The key can be written again, also conditionally, without the old
	// metadata.
	put(t, s, "d/e/f", "z", cairn.PutOptions{})
	if h, err := s.Head(t.Context(), "d/e/f"); err != nil || len(h.Metadata) != 0 {
		t.Errorf("Head after re-Put = %+v, %v; want no metadata", h, err)
	}
}

func testConcurrentPuts(t *testing.T, s cairn.BlobStore) {
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				k := fmt.Sprintf("w%d/k%d", w, i)
				if err := s.Put(t.Context(), k, onlyReader{strings.NewReader(k)}, cairn.PutOptions{}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Put: %v", err)
	}
	es := list(t, s, cairn.ListOptions{})
	if len(es) != writers*each {
		t.Fatalf("List = %d entries, want %d", len(es), writers*each)
	}
	for _, e := range es {
		if got, _ := get(t, s, e.Object.Key); got != e.Object.Key {
			t.Errorf("Get(%q) = %q", e.Object.Key, got)
		}
	}
}

// cancelingReader cancels its context after the first read.
type cancelingReader struct {
	cancel context.CancelFunc
	n      int
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.n > 0 {
		c.cancel()
	}
	c.n++
	n := min(len(p), 512)
	for i := range n {
		p[i] = 'x'
	}
	return n, nil // endless: only cancellation ends the Put
}

func testContextCanceled(t *testing.T, s cairn.BlobStore) {
	put(t, s, "present", "x", cairn.PutOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	if err := s.Put(ctx, "new", strings.NewReader("x"), cairn.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put = %v, want context.Canceled", err)
	}
	if _, err := s.Head(ctx, "present"); !errors.Is(err, context.Canceled) {
		t.Errorf("Head = %v, want context.Canceled", err)
	}
	if rc, _, err := s.Get(ctx, "present"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get = %v, want context.Canceled", err)
		if rc != nil {
			rc.Close()
		}
	}
	var listErr error
	for _, err := range s.List(ctx, cairn.ListOptions{}) {
		if err != nil {
			listErr = err
			break
		}
	}
	if !errors.Is(listErr, context.Canceled) {
		t.Errorf("List = %v, want context.Canceled", listErr)
	}

	// Canceled while the body streams: nothing is written.
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	done := make(chan error, 1)
	go func() { done <- s.Put(ctx2, "streamed", &cancelingReader{cancel: cancel2}, cairn.PutOptions{}) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a canceled stream = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Put ignored the canceled context")
	}
	if _, err := s.Head(t.Context(), "streamed"); !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("Head(streamed) = %v, want ErrNotFound", err)
	}
	if got := names(list(t, s, cairn.ListOptions{})); !cmp.Equal(got, []string{"present"}) {
		t.Errorf("List = %v, want [present]", got)
	}
}
