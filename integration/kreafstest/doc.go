// Package kreafstest starts what kreafs' tests and benchmark run against:
// the Krea emulator (with cleanup and a token-leak check), the kreafs
// binary (built once), a kreafs or rclone mount in a child process
// (started, waited for until mounted, stopped or forced off), and the
// checks around them: FUSE availability (KREAFS_REQUIRE_FUSE=1 turns a
// skip into a failure), mounts left behind, real programs run with a
// timeout.
//
// Three users share it: the in-process mount tests of package fs, the
// integration tests (which mount the built binary), and the benchmark
// (integration/bench). It imports no kreafs package but api/emulator, so
// package fs's own tests can use it without an import cycle.
//
// Locking: mountRegistry.mu guards the mount points registered for the
// end-of-run leftover check. SyncBuffer.mu guards its buffer (a child's
// output, copied in by os/exec goroutines while tests read it). A
// Process's exit error is written once before its done channel closes and
// read only after.
package kreafstest
