package ingest

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/cairn-audit/cairn"
)

// skippedFolders are the parts of AWS's layout that hold no events: digest
// files are for validation, and Insights records are not API calls.
var skippedFolders = map[string]string{
	"CloudTrail-Digest/":  "digest files (checked by cairn verify, not indexed)",
	"CloudTrail-Insight/": "Insights records (not API calls)",
}

// walk yields what the folders under roots hold, in no particular order:
// objects, and the folders that role says to yield instead of listing
// them; it leaves out, unlisted, those that role says to leave. A folder
// that cannot be listed goes to notice as quarantined, with the reason,
// and the others are listed all the same; only the source's own listing
// failing ends the walk with an error. It walks
// the store folder by folder (the AWS layout is
// AWSLogs/[o-id/]account/CloudTrail/region/YYYY/MM/DD/), so that on S3 each
// level is one short listing and the digest and Insights trees are never
// listed at all, and it lists up to listers folders at once: on S3 a listing
// is a round trip, and a year of an organisation's trail is tens of
// thousands of day folders. notice is called from the goroutine that ranges
// over the result, for the folders skipped and those that could not be
// listed. With src.Keys set, it yields those objects, in that order.
func walk(ctx context.Context, src *Source, roots []string, listers int, role func(prefix string) folderRole, notice func(cairn.ObjectState), o *outage) iter.Seq2[found, error] {
	return func(yield func(found, error) bool) {
		if src.Keys != nil {
			for _, key := range src.Keys {
				info, err := src.Store.Head(ctx, key)
				if !yield(found{object: info}, err) || err != nil {
					return
				}
			}
			return
		}
		if len(roots) == 0 {
			return
		}
		parent := ctx
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		w := &folderWalk{ctx: ctx, src: src, role: role, outage: o, found: make(chan found, 1024), todo: slices.Clone(roots)}
		w.wake = sync.NewCond(&w.mu)
		var wg sync.WaitGroup
		for range max(1, listers) {
			wg.Go(w.work)
		}
		go func() { wg.Wait(); close(w.found) }()
		defer func() {
			cancel()
			w.stop()
			for range w.found { // let the listers finish
			}
		}()
		for f := range w.found {
			switch {
			case f.err != nil:
				yield(found{}, f.err)
				return
			case f.skipped != "":
				notice(cairn.ObjectState{Source: src.URL, Key: f.skipped, Status: cairn.ObjectSkipped, Reason: f.why})
			case f.unlisted != "":
				notice(cairn.ObjectState{Source: src.URL, Key: f.unlisted, Status: cairn.ObjectQuarantined, Reason: unlistable + f.why})
			case !yield(f, nil):
				return
			}
		}
		// Listers that were cancelled stop without a word.
		if err := parent.Err(); err != nil {
			yield(found{}, err)
		}
	}
}

// folderRole is what a walk does with a folder it finds.
type folderRole int

const (
	listFolder  folderRole = iota // list it, and the folders in it
	yieldFolder                   // hand it over unlisted (a day of the layout, listed later)
	leaveFolder                   // leave it out, unlisted
)

// found is what a lister found: an object, a leaf folder, a folder it
// skipped or could not list and why, or the error that ends the walk.
type found struct {
	object       cairn.ObjectInfo
	folder       string
	skipped, why string
	unlisted     string
	err          error
}

// unlistable begins the reason of a folder that could not be listed. It is
// not recorded: the next run lists it again.
const unlistable = "cannot list: "

// folderWalk is a queue of folders to list and the listers that take from
// it; the walk ends when the queue is empty and no lister is busy.
type folderWalk struct {
	ctx    context.Context
	src    *Source
	role   func(prefix string) folderRole // nil lists every folder
	outage *outage                        // told of every folder listed
	found  chan found

	mu      sync.Mutex
	wake    *sync.Cond
	todo    []string // folders not listed yet
	busy    int      // listers listing a folder
	stopped bool
}

func (w *folderWalk) work() {
	for {
		w.mu.Lock()
		for len(w.todo) == 0 && w.busy > 0 && !w.stopped {
			w.wake.Wait()
		}
		if len(w.todo) == 0 || w.stopped {
			w.stopped = true
			w.wake.Broadcast()
			w.mu.Unlock()
			return
		}
		prefix := w.todo[len(w.todo)-1]
		w.todo = w.todo[:len(w.todo)-1]
		w.busy++
		w.mu.Unlock()

		folders, ok := w.list(prefix)

		w.mu.Lock()
		w.busy--
		if ok {
			w.todo = append(w.todo, folders...)
		} else {
			w.stopped = true
		}
		w.wake.Broadcast()
		w.mu.Unlock()
	}
}

// list sends a folder's objects and returns its subfolders. It reports
// false when the walk should end: on an error, which it sends, or when the
// walk was cancelled.
func (w *folderWalk) list(prefix string) (folders []string, ok bool) {
	send := func(f found) bool {
		select {
		case w.found <- f:
			return true
		case <-w.ctx.Done():
			return false
		}
	}
	for e, err := range w.src.Store.List(w.ctx, cairn.ListOptions{Prefix: prefix, Delimiter: "/"}) {
		if err != nil {
			if prefix == "" || w.ctx.Err() != nil {
				send(found{err: err}) // the source itself, or the walk was cancelled
				return nil, false
			}
			// The objects and folders it sent before are kept.
			return folders, send(found{unlisted: prefix, why: err.Error()})
		}
		if e.Prefix != "" {
			name := e.Prefix[strings.LastIndexByte(strings.TrimSuffix(e.Prefix, "/"), '/')+1:]
			why, skip := skippedFolders[name]
			if e.Skipped != "" {
				why, skip = e.Skipped, true
			}
			if skip {
				if !send(found{skipped: e.Prefix, why: why}) {
					return nil, false
				}
				continue
			}
			role := listFolder
			if w.role != nil {
				role = w.role(e.Prefix)
			}
			switch role {
			case yieldFolder:
				if !send(found{folder: e.Prefix}) {
					return nil, false
				}
			case listFolder:
				folders = append(folders, e.Prefix)
			}
			continue
		}
		if !send(found{object: e.Object}) {
			return nil, false
		}
	}
	w.outage.succeeded()
	return folders, true
}

// stop ends the walk early: listers finish the folder they are on.
func (w *folderWalk) stop() {
	w.mu.Lock()
	w.stopped = true
	w.wake.Broadcast()
	w.mu.Unlock()
}
