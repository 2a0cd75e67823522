package duckdb

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// queryMemoryGrowth is how much the process's resident memory may grow
// while a user query runs. The engine's memory_limit bounds what its
// buffer manager holds, not a value that a function or an aggregate builds
// (list(eventJson) over every event, string_agg of them), nor the result
// as it is copied out: one such query grew a server to the machine's 24
// GB and the kernel killed it.
var queryMemoryGrowth int64 = 2 << 30

// memoryGuard returns ctx, cancelled when the process's resident memory
// grows by more than queryMemoryGrowth from now on, and whether that
// happened; stop ends the watch. Where the memory cannot be read (not
// Linux) it watches nothing.
func memoryGuard(ctx context.Context) (guarded context.Context, tripped *atomic.Bool, stop func()) {
	tripped = new(atomic.Bool)
	start, ok := residentBytes()
	if !ok {
		return ctx, tripped, func() {}
	}
	guarded, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-guarded.Done():
				return
			case <-tick.C:
				if now, ok := residentBytes(); ok && now-start > queryMemoryGrowth {
					tripped.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	return guarded, tripped, func() { close(done); cancel() }
}

var memoryPageSize = int64(os.Getpagesize())

// residentBytes is the process's resident memory, from /proc/self/statm.
func residentBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := bytes.Fields(b)
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * memoryPageSize, true
}
