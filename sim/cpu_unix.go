//go:build unix

package sim

import (
	"syscall"
	"time"
)

// processCPU is the process's user and system CPU time so far.
func processCPU() (user, system time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
