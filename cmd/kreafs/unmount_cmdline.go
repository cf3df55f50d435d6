package main

import (
	"path/filepath"
	"strings"
)

// mountpointOf is the mount point of a kreafs mount command line (argv
// with argv[0]), or "" when argv is not one.
func mountpointOf(argv []string) string {
	if len(argv) < 2 {
		return ""
	}
	base := filepath.Base(argv[0])
	args := argv[1:]
	switch {
	case isHelperName(base):
		args = append([]string{helperCommand}, args...)
	case !strings.Contains(base, "kreafs"):
		return ""
	}
	if h, ok := asHelper(args); ok {
		m, err := helperMountArgs(h)
		if err != nil {
			return ""
		}
		args = m
	}
	if len(args) == 0 || args[0] != "mount" {
		return ""
	}
	f := newMountFlags()
	if err := f.fl.Parse(args[1:]); err != nil || f.fl.NArg() != 1 {
		return ""
	}
	return f.fl.Arg(0)
}
