package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mountProcesses are the pids of the kreafs processes mounting mp, found
// by reading each process's command line as kreafs would.
func mountProcesses(mp string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		argv := strings.Split(string(bytes.TrimSuffix(b, []byte{0})), "\x00")
		dir := mountpointOf(argv)
		if dir == "" {
			continue
		}
		if !filepath.IsAbs(dir) {
			cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
			if err != nil {
				continue
			}
			dir = filepath.Join(cwd, dir)
		}
		if filepath.Clean(dir) == mp && !isZombie(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isZombie reports whether pid has exited but not been waited for.
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
