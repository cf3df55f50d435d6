//go:build linux

package measure

// The figures of the table as text, and the machine they were taken on.

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// MiB is a size of whole MiB or KiB, as the table names file sizes.
func MiB(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
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
