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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
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
	cpu := measure.TvNs(after.Utime) + measure.TvNs(after.Stime) - measure.TvNs(before.Utime) - measure.TvNs(before.Stime)
	fmt.Printf("%d %d\n", wall.Nanoseconds(), cpu)
	return 0, true
}

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
