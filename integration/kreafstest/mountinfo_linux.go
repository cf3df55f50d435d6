package kreafstest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// MountEntry is one line of /proc/self/mountinfo.
type MountEntry struct{ Dir, FSType, Source string }

// Mountinfo parses /proc/self/mountinfo; it panics when the file cannot
// be read, since every check of a test would then be wrong.
func Mountinfo() []MountEntry {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		panic(err)
	}
	var out []MountEntry
	for _, line := range strings.Split(string(data), "\n") {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 2 {
			continue
		}
		out = append(out, MountEntry{Dir: unescapeMountinfo(f[4]), FSType: g[0], Source: g[1]})
	}
	return out
}

// unescapeMountinfo undoes the \ooo octal escapes of mountinfo fields.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// MountsAt counts the mounts stacked on dir.
func MountsAt(dir string) int {
	n := 0
	for _, e := range Mountinfo() {
		if e.Dir == dir {
			n++
		}
	}
	return n
}

// Mounted reports whether dir is a mount point now.
func Mounted(dir string) bool { return MountsAt(dir) > 0 }

// Detach lazily unmounts everything stacked on dir (a few tries; with
// fusermount3 when the unmount is not permitted), for a mount whose
// process is gone or did not let go.
func Detach(dir string) {
	for i := 0; i < 3 && Mounted(dir); i++ {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			_ = exec.Command("fusermount3", "-u", "-z", dir).Run()
		}
	}
}
