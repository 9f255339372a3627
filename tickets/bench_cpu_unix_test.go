//go:build unix

package tickets

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, so that a benchmark on a
// shared machine can tell its own work from the wait for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
