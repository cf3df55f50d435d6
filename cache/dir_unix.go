//go:build unix

package cache

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

func checkOwner(dir string, st fs.FileInfo) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("cache: directory %s is owned by uid %d, not by us (uid %d)", dir, sys.Uid, os.Geteuid())
	}
	return nil
}
