//go:build linux

package measure

// CPU time of processes, and waiting.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SleepCtx waits d, or until ctx is done.
func SleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// TvNs is t in nanoseconds.
func TvNs(t syscall.Timeval) int64 { return t.Sec*1e9 + t.Usec*1e3 }

// ProcCPU is the CPU time of every thread of process pid so far
// (/proc/PID/task/*/schedstat, nanoseconds).
func ProcCPU(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no threads of process %d", pid)
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err == nil {
			sum += n
		}
	}
	return time.Duration(sum), nil
}
