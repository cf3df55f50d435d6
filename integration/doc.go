// Package integration holds end-to-end tests that build the real kreafs
// binary, mount it on a real FUSE mount point against an in-process Krea
// emulator (api/emulator), and drive it with the programs a user would run:
// ls, stat, cat, cmp, dd, tail, head, umount.
//
// What the suite covers (issue "kreafs mount: assets/ listed and read"),
// with each test named after the user story it checks:
//   - listing: every asset across several API pages (>1000), sizes, mtimes,
//     modes, links and owners as ls -l shows them; --uid/--gid/--umask;
//   - names (docs/semantics.md): descriptions as names, extensions added
//     from the MIME type, hostile descriptions that must not escape or break
//     the listing, duplicates with their documented suffix (and the next
//     oldest taking the plain name), .by-id/<id>, stable inode numbers;
//   - reads: every byte equal to curl of the asset's image_url (also for
//     the bundled --emulator), identify/ffprobe, reads at random offsets
//     (dd, tail, pread, mmap) that fetch only what they need, a cold 50 MB
//     read whose first bytes arrive while the rest still downloads, Ctrl-C
//     on a read blocked by a stalled download, EIO (not a hang) when a
//     download stalls, no descriptor leak after hundreds of opens;
//   - the disk cache: reuse after a remount with the file host failing or
//     the whole API stopped, LRU eviction under --cache-size, 0700/0600
//     permissions, no token in the cache dir, loose cache dirs tightened or
//     refused;
//   - freshness: assets added or deleted through the API appear or vanish
//     within --dir-cache-ttl, a lookup of a brand-new name re-checks;
//   - rm deletes the asset in the API, --read-only refuses it;
//   - life cycle: the one ready line, SIGTERM/SIGINT/umount/fusermount3 -u
//     end the process with status 0 and leave nothing mounted (also with a
//     file held open, and right after the ready line), a killed mount's
//     stale mount point is recovered by the next mount, a missing or
//     rejected token is a one-line error with status 1, bad usage status 2,
//     the token never appears in any output (debug and JSON logs included)
//     nor reaches a file host;
//   - jobs/ (jobs_test.go): curl-started jobs appear, complete, show results; failed, ls -t, rm -r;
//   - styles/ (styles_test.go): folders by title, cover/previews, .by-id, mv, training job's link;
//   - Krea as documented (docfake_test.go, docfake_jobs_test.go): the same
//     binary mounted on integration/docfake, a second fake API written from
//     Krea's documented examples only (not from api/emulator), with ls, cat,
//     cp, rm, rm -r of jobs and mv of a style;
//   - reliability (docs/reliability.md): 20% API faults and cut
//     downloads (reliability_faults_test.go), the API down and back on the
//     same ports (reliability_outage_test.go), a stalled API and the bound
//     of every operation (reliability_stall_test.go), kill -9 mid-download
//     and a damaged cache (reliability_crash_test.go), a full cache disk on
//     a tmpfs (reliability_disk_test.go), uploads under faults, crashes,
//     outages and ENOSPC (reliability_writes_test.go), hostile API records
//     and user input (hostile_*_test.go), token, cache-dir and
//     other-user security (security_*_test.go), 16 programs at once
//     (load_mixed_test.go; KREAFS_LONG=1 for 3 minutes).
//
// The harness (harness_test.go) builds the binary once in TestMain, mounts
// each test's own instance into t.TempDir(), waits for the
// "kreafs: mounted " line, and in t.Cleanup sends SIGTERM, checks the exit
// status is 0, that the mount point is gone from /proc/self/mountinfo, that
// kreafs did not leak file descriptors, and that the token is in none of its
// output; on failure it prints kreafs' output. Each test runs its own
// in-process emulator (api/emulator), whose knobs (bandwidth, cuts,
// stalls, faults, request counters) the tests turn. TestMain fails the run
// if a mount of this run is left behind or the test process leaked
// goroutines. Later issues' tests (writes, jobs, reliability) reuse mount,
// mountWith, startEmulator, run/runErr, eventually and the data makers.
// What the harness shares with package fs's mount tests and the benchmark
// (the emulator with its cleanup, building the binary, the child process
// and its ready line, unmounting and leftover checks, the FUSE probe,
// running programs) lives in integration/kreafstest.
//
// Running it:
//
//	KREAFS_REQUIRE_FUSE=1 go test ./integration/ -v
//
// It needs Linux, /dev/fuse, and either root (kreafs then mounts directly)
// or fusermount3 on PATH. Without a usable FUSE the tests skip, unless
// KREAFS_REQUIRE_FUSE=1 is set, which turns the skip into a failure (CI sets
// it; it also makes missing programs a failure). Under -race the binary is
// built with -race too (KREAFS_RACE=0 or 1 overrides). Programs used: ls,
// stat, cat, cmp, dd, tail, rm, umount (coreutils, util-linux), curl,
// fusermount3 (fuse3), identify (imagemagick) and ffprobe (ffmpeg) when
// installed. The suite takes about 50 s on two cores (75 s under -race);
// the longest test waits out the 30 s stall timeout, and tests with
// independent mounts run in parallel.
package integration
