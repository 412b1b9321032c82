//go:build unix

package service_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, user and system: unlike
// the wall clock, it does not grow when other processes hold the CPUs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
