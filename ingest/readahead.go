package ingest

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/cairn-audit/cairn"
	"golang.org/x/sync/semaphore"
)

// A GET from S3 waits tens of milliseconds for its first byte, and
// CloudTrail's objects are a few kilobytes: decoders that each fetched their
// own object, one per core, would spend their time waiting and read a few
// dozen objects a second. So the objects of a remote source are read ahead,
// Config.Fetchers at a time, each whole into memory, while the decoders
// work on those already here. What is held ahead is bounded: aheadBytes of
// bodies at most. An object larger than that is left to its decoder, which
// streams it.
const aheadBytes = 32 << 20

// job is an object for a decoder, as listed, with its body when it was
// read ahead.
type job struct {
	listed
	seq     int  // its place in the listing: results are taken in this order
	ahead   bool // read ahead: body, or err
	body    []byte
	err     error  // why reading ahead failed
	release func() // gives back the body's share of aheadBytes
}

// open returns the object's content: what was read ahead, or the object
// itself.
func (j *job) open(ctx context.Context, store cairn.BlobStore) (io.ReadCloser, error) {
	if !j.ahead {
		return cairn.OpenObject(ctx, store, j.Key)
	}
	if j.err != nil {
		return nil, j.err
	}
	return io.NopCloser(bytes.NewReader(j.body)), nil
}

// done lets go of what was read ahead; it is called once a job, by the
// decoder that took it or by readAhead when no decoder will.
func (j *job) done() {
	j.body = nil
	if j.release != nil {
		j.release()
	}
}

// readAhead passes todo's jobs on to out, each object read whole by one of
// fetchers goroutines when it fits aheadBytes, and closes out when all are
// passed on. It stops early when ctx ends.
func readAhead(ctx context.Context, store cairn.BlobStore, todo <-chan job, out chan<- job, fetchers int) {
	budget := semaphore.NewWeighted(aheadBytes)
	slots := make(chan struct{}, fetchers)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		close(out)
	}()
	send := func(j job) {
		select {
		case out <- j:
		case <-ctx.Done():
			j.done()
		}
	}
	for j := range todo {
		if j.Size > aheadBytes {
			send(j)
			continue
		}
		share := max(j.Size, 1)
		if err := budget.Acquire(ctx, share); err != nil {
			return
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			budget.Release(share)
			return
		}
		wg.Go(func() {
			j.ahead = true
			j.body, j.err = fetch(ctx, store, j.ObjectInfo)
			j.release = func() { budget.Release(share) }
			send(j)
			<-slots // only now: a goroutine a slot, fetching or handing over
		})
	}
}

// fetch reads an object whole.
func fetch(ctx context.Context, store cairn.BlobStore, info cairn.ObjectInfo) ([]byte, error) {
	rc, err := cairn.OpenObject(ctx, store, info.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, info.Size+bytes.MinRead))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
