// Package file implements cairn.BlobStore over a local folder.
//
// A key maps to the file at the same path under the root ("a/b/c.json" is
// root/a/b/c.json), so a folder of CloudTrail logs written by any tool can be
// read as it is. Because a file system cannot hold both a file "a" and a file
// "a/b", keys that would need both are refused by the second Put.
//
// Names that start with ".cairn-" are reserved: the store keeps its temporary
// files (".cairn-tmp-*") and metadata sidecars (".cairn-meta.NAME.json", next
// to the file NAME) under them, never lists them, and refuses keys with a path
// segment that starts with ".cairn-". A sidecar holds the user metadata, the
// content type, the MD5 of the content (the ETag) and the size and
// modification time of the file it describes. A sidecar is used only while the
// file still has that size and modification time, or, when the times differ,
// by Head and Get while the content still has its MD5: a file replaced by
// another tool loses its stale metadata instead of showing someone else's,
// and a copy that kept the bytes but not the time (tar keeps whole seconds,
// cp without -p none) keeps its metadata, a digest's signature among them.
// The ETag is the hex MD5 of the content for objects written by Put, and
// "SIZE-MTIMENANOS" in hex for files written by other tools.
//
// Put writes a temporary file in the target directory, fsyncs it, publishes
// it with rename (or, for IfNoneMatch, with a hard link that fails when the
// key exists), writes the sidecar the same way, and fsyncs the directory.
// Readers therefore see a whole object or none; a reader racing a Put may see
// the new object for an instant without its metadata, never with another
// object's metadata. IfNoneMatch needs a file system with hard links.
package file

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/cairn-audit/cairn"
)

// readDir is os.ReadDir; tests count the directories that List reads.
var readDir = os.ReadDir

// ErrInvalidKey is returned for a key that cannot name a file under the root:
// empty, absolute, with an empty, "." or ".." segment, or with a reserved
// ".cairn-" segment.
var ErrInvalidKey = errors.New("invalid key")

const (
	reservedPrefix = ".cairn-"
	tmpPrefix      = ".cairn-tmp-"
	metaPrefix     = ".cairn-meta."
	metaSuffix     = ".json"
)

// Store is a BlobStore over a local folder. It is safe for concurrent use.
type Store struct {
	root string
}

var _ cairn.BlobStore = (*Store)(nil)

// New returns a store rooted at root, creating the folder if needed.
func New(root string) (*Store, error) {
	if root == "" {
		return nil, cairn.WithHint(errors.New("blob folder: empty path"), "name a folder")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob folder %s: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, cairn.WithHint(fmt.Errorf("blob folder %s: %w", abs, err),
			"check that the folder can be created and written by this user")
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("blob folder %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, cairn.WithHint(fmt.Errorf("blob folder %s: not a directory", abs), "name a folder, not a file")
	}
	return &Store{root: abs}, nil
}

// String returns the root folder.
func (s *Store) String() string { return s.root }

// Root returns the absolute path of the root folder.
func (s *Store) Root() string { return s.root }

// path checks key and returns its file path.
func (s *Store) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsRune(key, 0) ||
		(os.PathSeparator == '\\' && strings.ContainsAny(key, `\:`)) {
		return "", fmt.Errorf("key %q: %w", key, ErrInvalidKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, reservedPrefix) {
			return "", fmt.Errorf("key %q: %w", key, ErrInvalidKey)
		}
	}
	p := filepath.Join(s.root, filepath.FromSlash(key))
	if filepath.IsAbs(key) || !strings.HasPrefix(p, s.root+string(os.PathSeparator)) {
		return "", fmt.Errorf("key %q: %w", key, ErrInvalidKey)
	}
	return p, nil
}

func metaPath(p string) string {
	return filepath.Join(filepath.Dir(p), metaPrefix+filepath.Base(p)+metaSuffix)
}

// sidecar is the JSON document kept next to an object written by Put.
type sidecar struct {
	Size        int64             `json:"size"`
	MtimeNanos  int64             `json:"mtimeNanos"`
	MD5         string            `json:"md5"`
	ContentType string            `json:"contentType,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// info describes the regular file p for key, with its sidecar when that still
// matches the file. content, when not nil, reads the file that fi describes
// (Get's open file), for the MD5 of a file whose time changed.
func (s *Store) info(key, p string, fi fs.FileInfo, withMeta, mayHaveSidecar bool, content io.ReaderAt) cairn.ObjectInfo {
	oi := cairn.ObjectInfo{
		Key:          key,
		Size:         fi.Size(),
		LastModified: fi.ModTime().UTC(),
		ETag:         strconv.FormatInt(fi.Size(), 16) + "-" + strconv.FormatInt(fi.ModTime().UnixNano(), 16),
	}
	if !mayHaveSidecar {
		return oi
	}
	b, err := os.ReadFile(metaPath(p))
	if err != nil {
		return oi
	}
	var sc sidecar
	if json.Unmarshal(b, &sc) != nil || sc.Size != fi.Size() {
		return oi
	}
	if sc.MtimeNanos != fi.ModTime().UnixNano() && (!withMeta || sc.MD5 == "" || fileMD5(p, content, fi.Size()) != sc.MD5) {
		return oi
	}
	if sc.MD5 != "" {
		oi.ETag = sc.MD5
	}
	if withMeta && len(sc.Metadata) > 0 {
		oi.Metadata = sc.Metadata
	}
	return oi
}

// fileMD5 is the hex MD5 of the size bytes of content, or of the file p
// when content is nil; "" when they cannot be read.
func fileMD5(p string, content io.ReaderAt, size int64) string {
	if content == nil {
		f, err := os.Open(p)
		if err != nil {
			return ""
		}
		defer f.Close()
		content = f
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(content, 0, size)); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// notFound reports whether err means that the path does not name a file,
// including when a parent is a regular file.
func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// Head returns the object's info; cairn.ErrNotFound when it does not exist.
func (s *Store) Head(ctx context.Context, key string) (cairn.ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return cairn.ObjectInfo{}, err
	}
	p, err := s.path(key)
	if err != nil {
		return cairn.ObjectInfo{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		if notFound(err) {
			return cairn.ObjectInfo{}, fmt.Errorf("head %s: %w", key, cairn.ErrNotFound)
		}
		return cairn.ObjectInfo{}, fmt.Errorf("head %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return cairn.ObjectInfo{}, fmt.Errorf("head %s: %w", key, cairn.ErrNotFound)
	}
	return s.info(key, p, fi, true, true, nil), nil
}

// Get opens the object; cairn.ErrNotFound when it does not exist.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, cairn.ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, cairn.ObjectInfo{}, err
	}
	p, err := s.path(key)
	if err != nil {
		return nil, cairn.ObjectInfo{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		if notFound(err) {
			return nil, cairn.ObjectInfo{}, fmt.Errorf("get %s: %w", key, cairn.ErrNotFound)
		}
		return nil, cairn.ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, cairn.ObjectInfo{}, fmt.Errorf("get %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, cairn.ObjectInfo{}, fmt.Errorf("get %s: %w", key, cairn.ErrNotFound)
	}
	return f, s.info(key, p, fi, true, true, f), nil
}

var _ cairn.Opener = (*Store)(nil)

// Open opens the object as Get does, without looking for its sidecar: on a
// trail of small files, that lookup (a file that is usually not there) was
// a twentieth of ingest.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := openRegular(p)
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, errNotRegular) || notFound(err):
		return nil, fmt.Errorf("get %s: %w", key, cairn.ErrNotFound)
	}
	return nil, fmt.Errorf("get %s: %w", key, err)
}

// Put writes the object atomically and durably; see the package comment.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts cairn.PutOptions) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(p)
	tmp, err := s.createTemp(dir)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	tmpName := tmp.Name()
	published := false
	defer func() {
		if !published {
			os.Remove(tmpName)
		}
	}()

	h := md5.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	fi, err := os.Stat(tmpName)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	if opts.IfNoneMatch {
		// A hard link never replaces an existing name, so of two racing
		// writers exactly one wins.
		if err := os.Link(tmpName, p); err != nil {
			if errors.Is(err, fs.ErrExist) {
				if fi, serr := os.Stat(p); serr == nil && fi.IsDir() {
					return fmt.Errorf("put %s: keys under it exist, and a folder cannot hold both", key)
				}
				return fmt.Errorf("put %s: %w", key, cairn.ErrExists)
			}
			return fmt.Errorf("put %s: %w", key, err)
		}
		published = true
		os.Remove(tmpName)
	} else {
		if err := os.Rename(tmpName, p); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		published = true
	}

	sc := sidecar{
		Size:        fi.Size(),
		MtimeNanos:  fi.ModTime().UnixNano(),
		MD5:         hex.EncodeToString(h.Sum(nil)),
		ContentType: opts.ContentType,
	}
	if len(opts.Metadata) > 0 {
		sc.Metadata = make(map[string]string, len(opts.Metadata))
		for k, v := range opts.Metadata {
			sc.Metadata[strings.ToLower(k)] = v
		}
	}
	if err := writeSidecar(dir, metaPath(p), sc); err != nil {
		return fmt.Errorf("put %s: metadata: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// WriteUnsynced writes body to the file at path, in the folder of a Store,
// with the content type and metadata that Put would keep beside it (a
// digest's signature), but without Put's temporary files and fsyncs: for
// data that is made again when lost, such as cairn gen's digest files. The
// folder must exist.
func WriteUnsynced(path string, body []byte, contentType string, metadata map[string]string) error {
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	sum := md5.Sum(body)
	sc := sidecar{Size: fi.Size(), MtimeNanos: fi.ModTime().UnixNano(), MD5: hex.EncodeToString(sum[:]), ContentType: contentType}
	if len(metadata) > 0 {
		sc.Metadata = make(map[string]string, len(metadata))
		for k, v := range metadata {
			sc.Metadata[strings.ToLower(k)] = v
		}
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	return os.WriteFile(metaPath(path), b, 0o644)
}

// createTemp creates a temporary file in dir, creating dir as needed. It
// retries because a concurrent Delete may remove a directory that it just
// emptied.
func (s *Store) createTemp(dir string) (*os.File, error) {
	var err error
	for range 5 {
		if err = os.MkdirAll(dir, 0o755); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("a parent of the key is an object: %w", err)
			}
			return nil, err
		}
		var f *os.File
		f, err = os.CreateTemp(dir, tmpPrefix+"*")
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, err
}

func writeSidecar(dir, path string, sc sidecar) error {
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	// Some platforms and file systems cannot fsync a directory.
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	return err
}

// Delete removes the object and its sidecar, and the directories that this
// leaves empty. Deleting a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(key)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if notFound(err) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a prefix, not an object
	}
	if err := os.Remove(p); err != nil && !notFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := os.Remove(metaPath(p)); err != nil && !notFound(err) {
		return fmt.Errorf("delete %s: metadata: %w", key, err)
	}
	dir := filepath.Dir(p)
	if err := syncDir(dir); err != nil && !notFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	// Prune directories left empty; os.Remove refuses non-empty ones, so a
	// concurrent Put keeps its directory.
	for dir != s.root && strings.HasPrefix(dir, s.root) {
		if os.Remove(dir) != nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	return nil
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// List yields objects and common prefixes in ascending key order with the
// semantics of S3 ListObjectsV2: a key is listed when it sorts after
// StartAfter, a common prefix when it sorts after StartAfter (so that the
// last entry of a listing, key or prefix, is where the next one resumes).
// It reads only the directories that keys with the prefix can live in, and
// skips directories that sort entirely at or before StartAfter or that roll
// up into one common prefix.
func (s *Store) List(ctx context.Context, opts cairn.ListOptions) iter.Seq2[cairn.ListEntry, error] {
	return func(yield func(cairn.ListEntry, error) bool) {
		l := lister{s: s, ctx: ctx, opts: opts, yield: yield}
		// The directory that the prefix reaches, and the start of the
		// names in it.
		dirKey, namePrefix := "", opts.Prefix
		if i := strings.LastIndex(opts.Prefix, "/"); i >= 0 {
			dirKey, namePrefix = opts.Prefix[:i+1], opts.Prefix[i+1:]
		}
		if dirKey != "" {
			if _, err := s.path(strings.TrimSuffix(dirKey, "/")); err != nil {
				return // no object can have this prefix
			}
		}
		l.walk(dirKey, namePrefix)
	}
}

type lister struct {
	s          *Store
	ctx        context.Context
	opts       cairn.ListOptions
	yield      func(cairn.ListEntry, error) bool
	lastPrefix string
	stopped    bool
}

func (l *lister) fail(err error) {
	if !l.stopped {
		l.stopped = true
		l.yield(cairn.ListEntry{}, err)
	}
}

func (l *lister) emit(e cairn.ListEntry) {
	if !l.stopped && !l.yield(e, nil) {
		l.stopped = true
	}
}

// entry is one directory entry with the key (or key prefix, for a directory)
// that sorts it among keys.
type entry struct {
	sortKey string
	name    string
	dir     bool
	sidecar bool // a sidecar file exists for this name
	// loop is set for a link to a folder the listing is already inside;
	// broken for a link to nothing (or to itself), which is listed so that
	// reading it fails with its own name instead of going unmentioned.
	loop, broken bool
}

// readDir returns the visible entries of the directory dirKey whose names
// start with namePrefix, in key order: a directory sorts as its name plus
// "/", so "a.txt" comes before "a/b".
func (l *lister) readDir(dirKey, namePrefix string) ([]entry, error) {
	dirPath := filepath.Join(l.s.root, filepath.FromSlash(dirKey))
	des, err := readDir(dirPath)
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]entry, 0, len(des))
	var sidecars map[string]bool
	for _, de := range des {
		name := de.Name()
		if len(name) >= len(metaPrefix)+len(metaSuffix) &&
			strings.HasPrefix(name, metaPrefix) && strings.HasSuffix(name, metaSuffix) {
			if sidecars == nil {
				sidecars = make(map[string]bool)
			}
			sidecars[name[len(metaPrefix):len(name)-len(metaSuffix)]] = true
			continue
		}
		if strings.HasPrefix(name, reservedPrefix) || !strings.HasPrefix(name, namePrefix) {
			continue
		}
		isDir, loop, broken := de.IsDir(), false, false
		if de.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(filepath.Join(dirPath, name))
			switch {
			case err != nil:
				broken = true
			case fi.IsDir():
				isDir = true
				loop = l.linksAbove(dirKey, filepath.Join(dirPath, name))
			}
		} else if !isDir && !de.Type().IsRegular() {
			continue // sockets, devices, pipes
		}
		k := dirKey + name
		if isDir {
			k += "/"
		}
		out = append(out, entry{sortKey: k, name: name, dir: isDir, loop: loop, broken: broken})
	}
	for i := range out {
		out[i].sidecar = sidecars[out[i].name]
	}
	sortEntries(out)
	return out, nil
}

// linksAbove reports whether the folder link leads to is the root or a
// folder on the way down to dirKey, by real path: following it would list
// the same folders again, deeper each time.
func (l *lister) linksAbove(dirKey, link string) bool {
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return false
	}
	for key := dirKey; ; {
		if real, err := filepath.EvalSymlinks(filepath.Join(l.s.root, filepath.FromSlash(key))); err == nil && real == target {
			return true
		}
		if key == "" {
			return false
		}
		key = key[:strings.LastIndexByte(strings.TrimSuffix(key, "/"), '/')+1]
	}
}

func (l *lister) walk(dirKey, namePrefix string) {
	if err := l.ctx.Err(); err != nil {
		l.fail(err)
		return
	}
	entries, err := l.readDir(dirKey, namePrefix)
	if err != nil {
		l.fail(fmt.Errorf("list %s: %w", dirKey, err))
		return
	}
	prefix, delim, after := l.opts.Prefix, l.opts.Delimiter, l.opts.StartAfter
	for _, e := range entries {
		if l.stopped {
			return
		}
		if e.dir {
			// Every key below starts with e.sortKey.
			if after != "" && e.sortKey <= after && !strings.HasPrefix(after, e.sortKey) {
				continue
			}
			if cp, ok := rollUp(e.sortKey, prefix, delim); ok {
				if cp == l.lastPrefix || cp <= after {
					continue
				}
				if e.loop {
					if cp == e.sortKey {
						l.lastPrefix = cp
						l.emit(cairn.ListEntry{Prefix: cp, Skipped: "a link back to a folder above it, not followed: it would be listed again and again"})
					}
					continue
				}
				// Only a directory that holds an object yields a
				// common prefix. One that cannot be read yields it
				// too: listing it then fails with its own name, and the
				// directories beside it are listed all the same.
				has, err := l.hasObject(e.sortKey)
				if has || err != nil {
					l.lastPrefix = cp
					l.emit(cairn.ListEntry{Prefix: cp})
				}
				continue
			}
			if !e.loop {
				l.walk(e.sortKey, "")
			}
			continue
		}
		key := e.sortKey
		if key <= after || !strings.HasPrefix(key, prefix) {
			continue
		}
		if cp, ok := rollUp(key, prefix, delim); ok {
			if cp != l.lastPrefix && cp > after {
				l.lastPrefix = cp
				l.emit(cairn.ListEntry{Prefix: cp})
			}
			continue
		}
		p := filepath.Join(l.s.root, filepath.FromSlash(key))
		stat := os.Stat
		if e.broken {
			stat = os.Lstat
		}
		fi, err := stat(p)
		if err != nil {
			if notFound(err) {
				continue // deleted since ReadDir
			}
			l.fail(fmt.Errorf("list %s: %w", key, err))
			return
		}
		l.emit(cairn.ListEntry{Object: l.s.info(key, p, fi, false, e.sidecar, nil)})
	}
}

// hasObject reports whether the directory dirKey holds an object at any
// depth.
func (l *lister) hasObject(dirKey string) (bool, error) {
	if err := l.ctx.Err(); err != nil {
		return false, err
	}
	entries, err := l.readDir(dirKey, "")
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !e.dir {
			return true, nil
		}
		if e.loop {
			continue
		}
		if ok, err := l.hasObject(e.sortKey); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// rollUp returns the common prefix that key (or every key that starts with
// it) rolls up into under S3's rules: the prefix plus the rest of the key up
// to and including the first delimiter after the prefix.
func rollUp(key, prefix, delim string) (string, bool) {
	if delim == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	rest := key[len(prefix):]
	i := strings.Index(rest, delim)
	if i < 0 {
		return "", false
	}
	return prefix + rest[:i+len(delim)], true
}

func sortEntries(es []entry) {
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.sortKey, b.sortKey) })
}
