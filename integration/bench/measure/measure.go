//go:build linux

package measure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ReadBuf is the smallest buffer cat reads with.
const ReadBuf = 128 << 10

// readBufs holds read buffers whose pages are already touched: a fresh
// buffer would page-fault inside the timed read (more for kreafs' 1 MiB
// reads than for 128 KiB ones).
var readBufs = sync.Pool{New: func() any {
	b := make([]byte, 8<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}}

// ReadAll opens path and reads it to the end as cat does: read(2) with a
// buffer of max(128 KiB, st_blksize) (coreutils' io_blksize). The time
// includes open, fstat and close.
func ReadAll(path string) (int64, time.Duration, error) {
	big := readBufs.Get().([]byte)
	defer readBufs.Put(big)
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	buf := big[:ReadBuf]
	if st, err := f.Stat(); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			if bs := int64(sys.Blksize); bs > ReadBuf && bs <= int64(len(big)) {
				buf = big[:bs]
			}
		}
	}
	var n int64
	for {
		m, err := f.Read(buf)
		n += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return n, 0, err
		}
	}
	f.Close()
	return n, time.Since(start), nil
}

// FirstBytes opens path and reads its first n bytes.
func FirstBytes(path string, n int) (time.Duration, error) {
	buf := make([]byte, n)
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := io.ReadFull(f, buf); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// MiB is a size of whole MiB or KiB, as the table names file sizes.
func MiB(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// ReadChecked reads path whole and checks its length.
func ReadChecked(path string, size int64) (time.Duration, error) {
	if _, err := os.Stat(path); err != nil { // the lookup is not timed
		return 0, err
	}
	n, d, err := ReadAll(path)
	if err == nil && n != size {
		err = fmt.Errorf("read %d bytes of %s, want %d", n, path, size)
	}
	return d, err
}

// ReadCheckedNoStat is ReadChecked without the untimed lookup first.
func ReadCheckedNoStat(path string, size int64) (time.Duration, error) {
	n, d, err := ReadAll(path)
	if err == nil && n != size {
		err = fmt.Errorf("read %d bytes of %s, want %d", n, path, size)
	}
	return d, err
}

// SameContent checks that two files hold the same bytes.
func SameContent(a, b string) error {
	fa, err := os.Open(a)
	if err != nil {
		return err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return err
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); ; {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return fmt.Errorf("%s differs from %s near offset %d", a, b, off)
		}
		off += int64(na)
		if ea != nil || eb != nil {
			if (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF) {
				return nil
			}
			return errors.Join(ea, eb)
		}
	}
}

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

// CPUPerGiB formats the median CPU time per GiB of bytes per run.
func CPUPerGiB(cpu []time.Duration, bytes int64) string {
	if len(cpu) == 0 || bytes <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f s/GiB", Median(cpu).Seconds()/(float64(bytes)/(1<<30)))
}

// Median is the median of ds (the mean of the middle two when even); 0 when empty.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// MBps is decimal megabytes per second.
func MBps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / 1e6 / d.Seconds()
}

// Ms formats d in milliseconds with two, one or no decimals by size.
func Ms(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}

// MiBf formats n bytes as MiB with one decimal.
func MiBf(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// YesNo is "yes" or "NO", as the table says whether a floor holds.
func YesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// OneLine makes s fit in one table cell: no newlines or pipes, at most 300 bytes.
func OneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// Dash is s, or "-" when empty.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Machine describes where the run happened.
func Machine(root string) []string {
	var out []string
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	out = append(out, fmt.Sprintf("CPU: %s, %d logical cores", cpu, runtime.NumCPU()))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "MemTotal" {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
				out = append(out, fmt.Sprintf("RAM: %.1f GiB", float64(kb)/(1<<20)))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		out = append(out, fmt.Sprintf("kernel: Linux %s (%s)", strings.TrimSpace(string(b)), runtime.GOARCH))
	}
	out = append(out, "Go: "+runtime.Version())
	if root != "" {
		cmd := exec.Command("git", "describe", "--always", "--dirty")
		cmd.Dir = root
		if b, err := cmd.Output(); err == nil {
			out = append(out, "kreafs: commit "+strings.TrimSpace(string(b)))
		}
	}
	return out
}

// LoadAvg is the first three fields of /proc/loadavg.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}
