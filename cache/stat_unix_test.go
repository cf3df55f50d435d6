//go:build unix

package cache

import (
	"io/fs"
	"syscall"
)

func statBlocks(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks)
	}
	return 0
}
