package sim

import (
	"bytes"
	"fmt"
	"os"
	"sync"
)

// fileWriter writes finished log files from a pool of goroutines. Creating
// a small file costs far more wall time than generating it on a busy disk,
// and the cost is mostly waiting, so many files are written at once while
// the streams go on generating. What is written, and where, is decided by
// the streams, so the output stays deterministic.
type fileWriter struct {
	jobs chan fileJob
	wg   sync.WaitGroup
	pool sync.Pool

	mu  sync.Mutex
	err error
}

type fileJob struct {
	path string
	buf  *bytes.Buffer
}

// fileWriters is how many files are written at once.
var fileWriters = 8

func newFileWriter() *fileWriter {
	fw := &fileWriter{jobs: make(chan fileJob, 2*fileWriters)}
	fw.pool.New = func() any { return new(bytes.Buffer) }
	for i := 0; i < fileWriters; i++ {
		fw.wg.Add(1)
		go func() {
			defer fw.wg.Done()
			for j := range fw.jobs {
				if err := os.WriteFile(j.path, j.buf.Bytes(), 0o644); err != nil {
					fw.fail(fmt.Errorf("write log file: %w", err))
				}
				j.buf.Reset()
				fw.pool.Put(j.buf)
			}
		}()
	}
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
	fw.wg.Wait()
	return fw.failed()
}
