//go:build linux

package main

// CPU accounting of the loopback cold reads: kreafs' CPU time (all its
// threads) and the reference's, GETs written into new files by a child
// process of this program, so that the emulator serving the bytes (in this
// process) is not counted.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// getToFileEnv makes this program a child that GETs the URLs of its
// arguments (after the directory) concurrently, each into a new file in
// the directory, and prints its wall time and CPU time in nanoseconds.
const getToFileEnv = "KREAFS_BENCH_GET_TO_FILE"

// childMain runs the child's work when the environment asks for it; ok
// reports whether it did.
func childMain() (code int, ok bool) {
	if os.Getenv(getToFileEnv) != "1" {
		return 0, false
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "bench child: want DIR URL...")
		return 2, true
	}
	dir, urls := os.Args[1], os.Args[2:]
	b := &bench{ctx: context.Background(), httpc: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(urls))
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = b.getToFile(u, dir)
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	for _, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 1, true
		}
	}
	cpu := tvNs(after.Utime) + tvNs(after.Stime) - tvNs(before.Utime) - tvNs(before.Stime)
	fmt.Printf("%d %d\n", wall.Nanoseconds(), cpu)
	return 0, true
}

func tvNs(t syscall.Timeval) int64 { return t.Sec*1e9 + t.Usec*1e3 }

// getToFilesChild GETs urls at once into new files in dir, in a child
// process; it returns the wall and CPU time of the downloads alone.
func (b *bench) getToFilesChild(dir string, urls ...string) (wall, cpu time.Duration, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.CommandContext(b.ctx, self, append([]string{dir}, urls...)...)
	cmd.Env = append(os.Environ(), getToFileEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("GET into a file (child): %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("GET into a file (child): output %q", out)
	}
	w, err1 := strconv.ParseInt(f[0], 10, 64)
	c, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("GET into a file (child): output %q", out)
	}
	return time.Duration(w), time.Duration(c), nil
}

// procCPU is the CPU time of every thread of process pid so far
// (/proc/PID/task/*/schedstat, nanoseconds).
func procCPU(pid int) (time.Duration, error) {
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

// cpuPerGiB formats the median CPU time per GiB of bytes per run.
func cpuPerGiB(cpu []time.Duration, bytes int64) string {
	if len(cpu) == 0 || bytes <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f s/GiB", median(cpu).Seconds()/(float64(bytes)/(1<<30)))
}
