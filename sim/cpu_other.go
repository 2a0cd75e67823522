//go:build !unix

package sim

import "time"

// processCPU reports nothing where getrusage is missing; the statistics
// then leave the CPU line out.
func processCPU() (user, system time.Duration) { return 0, 0 }
