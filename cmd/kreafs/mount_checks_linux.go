package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// mountedAt reports whether mp is the mount point of a mount, and its
// type, from /proc/self/mountinfo.
func mountedAt(mp string) (fstype string, ok bool) {
	for _, m := range readMountinfo() {
		if m.dir == mp {
			fstype, ok = m.fstype, true // the last one is on top
		}
	}
	return fstype, ok
}

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	dir, fstype, source string
}

func readMountinfo() []mountEntry {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mountEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// id parent maj:min root MOUNTPOINT options [optional...] - FSTYPE SOURCE super
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		e := mountEntry{dir: unescapeOctal(fields[4])}
		for i := 5; i < len(fields); i++ {
			if fields[i] == "-" && i+2 < len(fields) {
				e.fstype, e.source = fields[i+1], unescapeOctal(fields[i+2])
				break
			}
		}
		out = append(out, e)
	}
	return out
}

// unescapeOctal undoes mountinfo's escapes (\040 for a space, \134 for a
// backslash...), which are Go's octal escapes too.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
	if err != nil {
		return s
	}
	return u
}
