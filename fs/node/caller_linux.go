package node

import (
	"bytes"
	"os"
	"strconv"
)

// threadGroup is the process (thread group) of thread tid, from
// /proc/<tid>/status; 0 when it cannot be read (the thread is gone, or
// /proc is another pid namespace's).
func threadGroup(tid uint32) uint32 {
	b, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(tid), 10) + "/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte("\nTgid:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}
