// Command bench is kreafs' side-by-side benchmark: it measures a
// real mount of the kreafs binary against the network and the disk used
// directly, in one run, and prints a table of ratios against the floors of
// docs/performance.md.
//
//	go run ./integration/bench              # full run (loopback, then the wire), rewrites the results in docs/performance.md
//	go run ./integration/bench -wire        # the wire group only (about 11 minutes on a loaded 2-core VM)
//	go run ./integration/bench -loopback    # the loopback group only (about 2 minutes)
//	go run ./integration/bench -wire -quick # one run of each wire case, smaller files (about 3 minutes)
//	go run ./integration/bench -out ''      # print only
//	go run ./integration/bench -smoke       # tiny sizes, one run: checks that it works
//
// # The wire group
//
// The cases users feel, under a network path: wire_net.go puts two
// emulators in a network namespace joined to this one by a veth pair with
// a tbf qdisc on each end (rate limit both ways); their answers wait the
// profile's round trip before the first byte (the kernel has no netem).
// Profiles: home (100 Mbit/s, 20 ms) and fast (1 Gbit/s, 10 ms). kreafs
// and the baselines (Go GETs, a POST, curl) run in this namespace and reach
// the emulators only through the veth pair; nothing leaves the machine.
// The namespace is removed at the end, on errors and on Ctrl-C (and a
// stale one of the same name at the start). It needs root, ip and tc; the
// rsync case needs rsync and curl.
//
// It needs Linux with FUSE (root, or fusermount3), and builds kreafs from
// this module. Building, mounting and unmounting go through
// integration/kreafstest, as in the integration tests. Everything runs on 127.0.0.1: an in-process emulator (the
// "API"), the kreafs binary mounted over it, and the baselines: Go HTTP
// GETs of the same URLs, one multipart POST, and reads of a local file.
// Where rclone is installed it also serves the same bytes through a plain
// HTTP file server mounted with `rclone mount --vfs-cache-mode full`.
//
// # What is measured, and how fairly
//
// Each case runs -runs times, baseline and kreafs interleaved run by run,
// then the peer's runs, and the median is reported. "Cold" means neither kreafs' content cache
// nor the kernel's page cache of the mounted file holds the bytes: every
// cold run reads a different asset (new id, new inode, new cache object),
// never read before. The emulator's own files stay in the page cache, for
// the GET baselines and the mounts alike (the server side is not what is
// measured). Reads are read(2) loops with the buffer cat uses
// (max(128 KiB, st_blksize)), from this process; `ls -l`, `cp` and `sync` are the real programs.
// Memory is the kreafs process' VmHWM (peak) or VmRSS from
// /proc/PID/status; the upload gets a mount process of its own, so its
// peak is the upload's.
//
// The numbers depend on the machine and on what else runs on it: the
// table records the load average before and after the run. Nothing here
// is a unit test; the smoke tests (bench_test.go, wire_test.go) check that
// tiny runs produce their tables, and that the wire's namespace is shaped
// and leaves nothing behind.
package main
