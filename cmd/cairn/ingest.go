package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/ingest"
	"github.com/cairn-audit/cairn/server"
)

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest", "URL...")
	data := dataFlag(fs, e)
	icfg := ingest.DefaultConfig()
	icfg.RegisterFlags(fs)
	xcfg := duckdb.DefaultConfig()
	xcfg.RegisterFlags(fs)
	quiet := fs.Bool("quiet", false, "print only failures and the summary")
	sinceFlag := fs.String("since", "", "leave out the days of AWS's layout before this time (RFC 3339, or a date: 2026-03-14) or this long ago (72h, 30d)")
	urls, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	since, err := parseTime(*sinceFlag, time.Now())
	if err != nil {
		return err
	}
	icfg.Since = since
	if len(urls) == 0 {
		return fmt.Errorf("%w: give at least one folder, file or s3://bucket/prefix", errUsage)
	}
	if err := icfg.Validate(); err != nil {
		return badFlags(err)
	}
	if url := findServer(*data); url != "" {
		return ingestThroughServer(ctx, e, *data, url, urls, since)
	}
	// Every source opens before the index is made, so that a mistyped
	// path leaves no data folder behind.
	var sources []*ingest.Source
	for _, u := range urls {
		src, err := ingest.OpenSource(ctx, u)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}
	idx, err := openWriter(ctx, *data, xcfg)
	if err != nil {
		return err
	}
	defer idx.Close()
	p := newProgress(e, *quiet)
	icfg.Notice = p.notice
	icfg.Progress = p.update
	var unread unreadFilesError
	for _, src := range sources {
		sum, err := ingest.Run(ctx, icfg, idx, src)
		p.clear()
		switch {
		case err == nil || errors.Is(err, ingest.ErrFailedObjects):
			fmt.Fprintf(e.stdout, "%s: %s\n", src.URL, sum)
		case sum.New+sum.Duplicates > 0:
			// Events read and not yet committed are in no count but the
			// summary's Events: say what the index holds.
			fmt.Fprintf(e.stdout, "%s: stopped: %d events stored, %d duplicates; the next run goes on from there\n", src.URL, sum.New, sum.Duplicates)
		}
		warnAfterIngest(e, src.URL, since, sum, err)
		if errors.Is(err, ingest.ErrFailedObjects) {
			unread.add(sum)
			continue
		}
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return errors.New("interrupted")
		}
		if err != nil {
			return err
		}
	}
	if unread.any() {
		return &exitError{1, &unread}
	}
	return nil
}

// unreadFilesError ends an ingest that read every source but some of its
// files or folders, or some records of files read in part.
type unreadFilesError struct{ files, records int }

// add counts what a source's run left unread.
func (e *unreadFilesError) add(s ingest.Summary) {
	e.files += s.Failed
	e.records += s.UnusableRecords
}

func (e *unreadFilesError) Error() string {
	var what []string
	if e.files > 0 {
		what = append(what, fmt.Sprintf("%d %s could not be read", e.files, plural(e.files, "file or folder", "files or folders")))
	}
	if e.records > 0 {
		what = append(what, fmt.Sprintf("%d unusable %s left out of files read in part", e.records, plural(e.records, "record was", "records were")))
	}
	return strings.Join(what, " and ") + "; see the reasons above (the rest was ingested)"
}

// any reports whether something was left unread.
func (e *unreadFilesError) any() bool { return e.files+e.records > 0 }

// progress shows a one-line progress display on a terminal, and notices
// about skipped and quarantined objects.
type progress struct {
	e     *env
	tty   bool
	quiet bool
	mu    sync.Mutex
	shown bool
}

func newProgress(e *env, quiet bool) *progress {
	p := &progress{e: e, quiet: quiet}
	if f, ok := e.stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) notice(st cairn.ObjectState) {
	if st.Status == cairn.ObjectSkipped && p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	verb := "skipped"
	switch st.Status {
	case cairn.ObjectQuarantined:
		verb = "quarantined"
	case cairn.ObjectDone:
		verb = "note" // read in part, or read again after a change
	}
	// A line break in a key is escaped too: a notice is one line.
	fmt.Fprintf(terminalText(p.e.stderr), "%s %s: %s\n", verb, cellText(st.Key), oneLine(st.Reason))
}

func (p *progress) update(s ingest.Summary) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.e.stderr, "\r\033[K%d/%d objects  %d events  %d new  %d failed  %.0f events/s",
		s.Objects+s.Unchanged, s.Listed, s.Events, s.New, s.Failed, s.Rate())
	p.shown = true
}

func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *progress) clearLocked() {
	if p.shown {
		fmt.Fprint(p.e.stderr, "\r\033[K")
		p.shown = false
	}
}

// ingestThroughServer asks the running server, which owns the index, to
// ingest the URLs, and prints what it reports as a direct ingest would.
func ingestThroughServer(ctx context.Context, e *env, data, url string, urls []string, since time.Time) error {
	creds, _, err := loadCredentials(e, data, false)
	if err != nil {
		return cairn.WithHint(fmt.Errorf("a server runs at %s but its key is unreadable: %w", url, err), "set CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY")
	}
	c := server.NewClient(url, creds)
	p := newProgress(e, false)
	var unread unreadFilesError
	for _, u := range urls {
		sum, err := c.Ingest(ctx, u, since, p.notice)
		if errors.Is(err, ingest.ErrFailedObjects) {
			unread.add(sum)
		} else if err != nil {
			return err
		}
		// Named as a direct ingest names it (file:///abs/path), which the
		// server's log and /health use too.
		name := ingest.SourceURL(u)
		fmt.Fprintf(e.stdout, "%s: %s\n", name, sum)
		warnAfterIngest(e, name, since, sum, err)
	}
	if unread.any() {
		return &exitError{1, &unread}
	}
	return nil
}

// warnAfterIngest says on stderr what a run's summary line would hide: a
// source that held nothing at all (a path that names the wrong folder
// reads as a success otherwise; with -since, no new day is no mistake),
// and files an earlier run quarantined, which stay out.
func warnAfterIngest(e *env, url string, since time.Time, sum ingest.Summary, err error) {
	if err == nil && sum.Listed == 0 && since.IsZero() {
		fmt.Fprintf(e.stderr, "cairn ingest: %s holds no files; give the folder or bucket CloudTrail delivers to (it holds AWSLogs/)\n", url)
	}
	// With -since, nothing at all means no day since then: a trail that
	// stopped delivering, or a -since past its end, not to pass unsaid.
	if err == nil && sum.Listed == 0 && !since.IsZero() {
		fmt.Fprintf(e.stderr, "cairn ingest: %s holds no files delivered on %s or later (-since left out the days before)\n", url, since.UTC().Format(time.DateOnly))
	}
	// A run from cron that finds nothing new would otherwise say nothing
	// of the files an earlier run could not read.
	if n := sum.StillQuarantined; n > 0 {
		fmt.Fprintf(e.stderr, "cairn ingest: %d %s of %s quarantined by an earlier run %s still left out until %s (the web UI's /health lists %s)\n",
			n, plural(n, "file", "files"), url, plural(n, "is", "are"), plural(n, "it changes", "they change"), plural(n, "it with its reason", "them with their reasons"))
	}
}
