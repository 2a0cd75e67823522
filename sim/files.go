package sim

import (
	"bytes"
	"fmt"
	"sync"
)

// fileWriter writes the finished log files of one stream on a goroutine of
// its own, so that the stream goes on generating while the file system
// works; streams running in parallel write in parallel. What is written,
// and where, is decided by the stream, so the output stays deterministic.
//
// One goroutine per stream, not a shared pool: a stream fills one directory
// at a time, and the kernel creates the files of a directory one at a time
// under the directory's lock. Several goroutines creating files in the same
// directory wait for each other, and on ext4 they spin while waiting,
// burning the CPU the streams need (on two cores, right after deleting the
// previous output: 54 s of system time with a shared pool of eight, 30 s
// with a goroutine per stream).
type fileWriter struct {
	jobs chan fileJob
	done chan struct{}
	pool sync.Pool

	mu  sync.Mutex
	err error
}

type fileJob struct {
	path string
	buf  *bytes.Buffer
}

// fileQueue is how many finished files a stream may have waiting: enough to
// smooth out slow creations, few enough to bound memory.
const fileQueue = 8

func newFileWriter() *fileWriter {
	fw := &fileWriter{jobs: make(chan fileJob, fileQueue), done: make(chan struct{})}
	fw.pool.New = func() any { return new(bytes.Buffer) }
	go func() {
		defer close(fw.done)
		for j := range fw.jobs {
			if err := writeNewFile(j.path, j.buf.Bytes()); err != nil {
				fw.fail(fmt.Errorf("write log file: %w", err))
			}
			j.buf.Reset()
			fw.pool.Put(j.buf)
		}
	}()
	return fw
}

func (fw *fileWriter) fail(err error) {
	fw.mu.Lock()
	if fw.err == nil {
		fw.err = err
	}
	fw.mu.Unlock()
}

func (fw *fileWriter) failed() error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return fw.err
}

// buffer returns an empty buffer to fill and pass to write.
func (fw *fileWriter) buffer() *bytes.Buffer { return fw.pool.Get().(*bytes.Buffer) }

// write queues buf to be written at path; it blocks while the queue is
// full, which bounds memory.
func (fw *fileWriter) write(path string, buf *bytes.Buffer) error {
	if err := fw.failed(); err != nil {
		return err
	}
	fw.jobs <- fileJob{path, buf}
	return nil
}

// close waits for every queued file and reports the first error.
func (fw *fileWriter) close() error {
	close(fw.jobs)
	<-fw.done
	return fw.failed()
}
