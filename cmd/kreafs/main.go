// Command kreafs mounts a Krea AI account as a filesystem, and ships the
// Krea API emulator that its tests and first-run demo use.
//
//	kreafs mount [flags] MOUNTPOINT
//	kreafs unmount MOUNTPOINT
//	kreafs emulator [flags]
//	kreafs version
//	kreafs completion bash|zsh|fish
//	mount -t fuse.kreafs SOURCE MOUNTPOINT -o opt,opt=value (helper.go)
//
// This package only turns flags (and KREAFS_<FLAG> variables, and mount
// options) into configuration, wires api -> cache -> fs, handles signals,
// the background mode and systemd, and chooses exit codes.
package main

import (
	"os"
	"path/filepath"
)

// version is set at build time with -ldflags "-X main.version=..."; when
// it is not, kreafs version reads the module's build info (cli.go).
var version = "dev"

func main() {
	args := os.Args[1:]
	if isHelperName(filepath.Base(os.Args[0])) {
		// Called by mount(8) as /sbin/mount.kreafs or mount.fuse.kreafs.
		args = append([]string{helperCommand}, args...)
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}
