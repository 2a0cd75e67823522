package ingest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/blob/s3"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Source is where events are read from: a store, and optionally the one
// object of it to read when the URL named a single file.
type Source struct {
	// URL is the canonical name of the source, under which ingest state is
	// kept: file:///abs/path or s3://bucket/prefix.
	URL   string
	Store cairn.BlobStore
	// Keys, when set, are the only objects to read, instead of a listing:
	// the file a URL named, or the log files cairn serve's recorder
	// delivered to its archive (of which no other file is its trail's).
	Keys []string
	// remote says that the store is reached over the network (S3), where
	// objects are read ahead of the decoders (readahead.go).
	remote bool
	// base is the path or prefix that keys are relative to. A source may
	// start inside AWS's layout (s3://bucket/AWSLogs/), so keys are judged
	// against the layout with it in front.
	base string
}

// KeyInfo reads an object's key against AWS's layout.
func (s *Source) KeyInfo(key string) cloudtrail.KeyInfo { return cloudtrail.ParseKey(s.inLayout(key)) }

// DayFolder reads a folder of the source as a day folder of AWS's layout;
// see cloudtrail.ParseDayFolder.
func (s *Source) DayFolder(prefix string) (cloudtrail.KeyInfo, bool) {
	return cloudtrail.ParseDayFolder(s.inLayout(prefix))
}

// DateFolder reads a folder of the source as a year, month or day folder of
// AWS's layout; see cloudtrail.ParseDateFolder.
func (s *Source) DateFolder(prefix string) (from, until time.Time, ok bool) {
	return cloudtrail.ParseDateFolder(s.inLayout(prefix))
}

// inLayout is a key or folder of the source as AWS's layout sees it, with
// the source's base in front.
func (s *Source) inLayout(key string) string {
	if s.base == "" {
		return key
	}
	return s.base + "/" + key
}

// IsBucket reports whether OpenSource reads raw from a bucket; any other
// source, whatever it looks like, is on this machine's file system.
func IsBucket(raw string) bool { return strings.HasPrefix(raw, "s3://") }

// OpenSource opens a folder, a file, a file:// URL or an s3://bucket/prefix.
func OpenSource(ctx context.Context, raw string) (*Source, error) {
	if IsBucket(raw) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("bad S3 URL %q: write s3://bucket/prefix", raw)
		}
		st, err := s3.Open(ctx, raw)
		if err != nil {
			return nil, err
		}
		return &Source{URL: SourceURL(raw), Store: st, base: strings.Trim(u.Path, "/"), remote: true}, nil
	}
	if scheme := otherScheme(raw); scheme != "" {
		return nil, fmt.Errorf("cannot read %s: cairn reads folders, files, file:// and s3:// URLs, not %s://", raw, scheme)
	}
	path := strings.TrimPrefix(raw, "file://")
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, cairn.WithHint(fmt.Errorf("open source %s: %w", raw, err), "give an existing folder or file, or an s3://bucket/prefix URL")
	}
	if !info.IsDir() {
		st, err := file.New(filepath.Dir(abs))
		if err != nil {
			return nil, err
		}
		return &Source{URL: SourceURL(raw), Store: st, Keys: []string{filepath.Base(abs)}, base: filepath.ToSlash(filepath.Dir(abs))}, nil
	}
	st, err := file.New(abs)
	if err != nil {
		return nil, err
	}
	return &Source{URL: SourceURL(raw), Store: st, base: filepath.ToSlash(abs)}, nil
}

// SourceURL is the URL that OpenSource gives the source raw names, without
// opening it: s3://bucket/prefix, or file:// and the absolute path. A
// source that cannot be opened is reported under it, as it is once read.
func SourceURL(raw string) string {
	if IsBucket(raw) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return raw
		}
		name := "s3://" + u.Host
		if prefix := strings.Trim(u.Path, "/"); prefix != "" {
			name += "/" + prefix
		}
		return name
	}
	if otherScheme(raw) != "" {
		return raw
	}
	abs, err := filepath.Abs(strings.TrimPrefix(raw, "file://"))
	if err != nil {
		return raw
	}
	return "file://" + filepath.ToSlash(abs)
}

// otherScheme is the scheme of a URL that is neither s3:// nor file://
// (https://…), or "": a path may hold "://" after a slash or a dot.
func otherScheme(raw string) string {
	if scheme, _, ok := strings.Cut(raw, "://"); ok && scheme != "file" && scheme != "s3" && !strings.ContainsAny(scheme, `/\.`) {
		return scheme
	}
	return ""
}
