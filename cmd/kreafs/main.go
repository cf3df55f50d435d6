// Command kreafs mounts a Krea AI account as a filesystem, and ships the
// Krea API emulator that its tests and first-run demo use.
//
//	kreafs mount [flags] MOUNTPOINT
//	kreafs emulator [flags]
//	kreafs version
//
// This package only turns flags into configuration, wires api -> cache -> fs,
// handles signals and chooses exit codes.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `kreafs: a Krea AI account as a filesystem

Usage:
  kreafs mount [flags] MOUNTPOINT   mount the account (or --emulator) at MOUNTPOINT
  kreafs emulator [flags]           run the bundled Krea API emulator
  kreafs version                    print the version

Run "kreafs COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit status:
// 0 success, 1 runtime failure, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "mount":
		return runMount(args[1:], stdout, stderr)
	case "emulator":
		return runEmulator(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "kreafs %s\n", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "kreafs: unknown command %q\n\n%s", args[0], usage)
	return 2
}
