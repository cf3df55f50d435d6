//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// prepareCacheDir creates dir (0700) or checks the existing one: it must
// be a directory owned by us and not writable by group or others (anyone
// who can write there could feed us content). Looser read bits on our own
// directory are tightened to 0700.
func prepareCacheDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cache dir: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cache dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("cache dir %s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("cache dir %s: cannot read its owner", dir)
	}
	if me := os.Geteuid(); int(st.Uid) != me {
		return fmt.Errorf("cache dir %s is owned by uid %d, not by you (uid %d): refusing to use it", dir, st.Uid, me)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("cache dir %s is writable by group or others (mode %04o): refusing to use it (chmod 700 it)", dir, fi.Mode().Perm())
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("cache dir: %w", err)
		}
	}
	return nil
}
