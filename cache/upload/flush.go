package upload

// Starting the kernel's page write-back (flush to disk) of a spool file
// while it is being written.
//
// The close of a written file makes its spool durable (fsync) before the
// file is queued for upload (docs/writes.md), so that close waits for
// every byte to reach the disk. Asking the kernel to start writing each
// completed 8 MiB of the spool back as the writes go on leaves the fsync
// little to do, which shortens the close of a large `cp` by about a third.
// Durability is unchanged: the fsync at close still decides; this only
// starts the work earlier.

import "os"

// spoolFlushStep is how much of a spool is written before the kernel
// is asked to start writing it to disk.
const spoolFlushStep = 8 << 20

// startFlush starts the write-back of every whole spoolFlushStep
// that a write of [off, off+n) completed. Best effort: errors are ignored
// (the fsync at close reports the real ones).
func startFlush(f *os.File, off, n int64) {
	if from, length := flushRange(off, n); length > 0 {
		syncFileRangeWrite(f, from, length)
	}
}

// flushRange is the run of whole steps that a write of [off, off+n)
// completed (it ends in the write), from the start of the step the write
// began in; length 0 if the write completed none.
func flushRange(off, n int64) (from, length int64) {
	done := (off + n) / spoolFlushStep * spoolFlushStep
	if n <= 0 || done <= off {
		return 0, 0
	}
	from = off / spoolFlushStep * spoolFlushStep
	return from, done - from
}
