// Package integration holds end-to-end tests that build the real kreafs
// binary, mount it on a real FUSE mount point against an in-process Krea
// emulator (api/emulator), and drive it with the programs a user would run:
// ls, stat, cat, cmp, dd, tail, head, umount.
//
// What the suite covers (issue "kreafs mount: assets/ listed and read"):
//   - listing: every asset across several API pages (>1000), sizes, mtimes,
//     modes and owners as ls -l shows them; --uid/--gid/--umask;
//   - names: descriptions as names, extensions added from the MIME type,
//     hostile descriptions that must not escape or break the listing,
//     duplicate names with their documented suffix, .by-id/<id>;
//   - reads: every byte equal to an HTTP GET of the asset's image_url,
//     reads at random offsets that fetch only what they need, a cold
//     50 MB read whose first bytes arrive while the rest still downloads;
//   - the disk cache: reuse after a remount with the file host (or the whole
//     API) gone, LRU eviction under --cache-size, 0700/0600 permissions,
//     no token in the cache directory;
//   - freshness: assets added or deleted through the API appear or vanish
//     within --dir-cache-ttl, and a lookup of a brand-new name re-checks;
//   - life cycle: the ready line, SIGTERM/SIGINT/umount end the process with
//     status 0 and leave nothing mounted, a killed mount's stale mount point
//     is recovered by the next mount, a missing or rejected token is a
//     one-line error with status 1, the token never appears in any output.
//
// The harness (harness_test.go) builds the binary once in TestMain, mounts
// each test's own instance into t.TempDir(), waits for the
// "kreafs: mounted " line, and in t.Cleanup sends SIGTERM, checks the exit
// status is 0, that the mount point is gone from /proc/self/mountinfo, that
// kreafs did not leak file descriptors, and that the token is in none of its
// output. TestMain fails the run if any kreafs mount is left behind.
//
// Running it:
//
//	KREAFS_REQUIRE_FUSE=1 go test ./integration/ -v
//
// It needs Linux, /dev/fuse, and either root (kreafs then mounts directly)
// or fusermount3 on PATH. Without a usable FUSE the tests skip, unless
// KREAFS_REQUIRE_FUSE=1 is set, which turns the skip into a failure (CI sets
// it). KREAFS_RACE=1 builds the binary with -race. The programs used are
// from coreutils/util-linux (ls, stat, cat, cmp, dd, tail, head, umount);
// fusermount3 is used when installed. The suite takes about a minute on two
// cores; tests with independent mounts run in parallel.
package integration
