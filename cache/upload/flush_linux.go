//go:build linux && !arm

package upload

import (
	"os"
	"syscall"
)

// syncFileRangeWrite starts write-back of [off, off+n) of f without
// waiting for it (SYNC_FILE_RANGE_WRITE).
func syncFileRangeWrite(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2 // SYNC_FILE_RANGE_WRITE
	_ = syscall.SyncFileRange(int(f.Fd()), off, n, syncFileRangeWrite)
}
