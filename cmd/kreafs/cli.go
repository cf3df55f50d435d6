package main

// The command tree (cobra): mount, unmount, emulator, version, completion
// and the hidden man page generator, all from the same flag definitions
// (mount_flags.go, emulator.go). Exit codes: 0 success, 1 runtime failure,
// 2 bad usage.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

const rootUsage = `kreafs: a Krea AI account as a filesystem

Usage:
  kreafs mount [flags] MOUNTPOINT   mount the account (or --emulator) at MOUNTPOINT
  kreafs unmount MOUNTPOINT         unmount, waiting for queued uploads (as Ctrl-C does)
  kreafs status [MOUNTPOINT]        the upload queue (bytes sent, speed, time left) and recent errors
  kreafs wait [MOUNTPOINT]          wait until everything is uploaded; status 1 if an upload failed
  kreafs emulator [flags]           run the bundled Krea API emulator
  kreafs version                    print the version
  kreafs completion SHELL           print the completion script of bash, zsh or fish

Every flag can also be set as KREAFS_<FLAG> in the environment
(KREAFS_CACHE_DIR=...); a flag given wins. As a mount(8) helper:
  mount -t fuse.kreafs krea MOUNTPOINT -o token_file=FILE,cache_dir=DIR
Run "kreafs COMMAND --help" for a command's flags.
`

// exitStatus ends a command whose message was already printed.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run runs one kreafs command line and returns the process exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if h, ok := asHelper(args); ok {
		var err error
		if args, err = helperMountArgs(h); err != nil {
			fmt.Fprintf(stderr, "kreafs: %v\n", err)
			return 2
		}
	}
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	var status exitStatus
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		return int(status)
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v\n\n", cmd.CommandPath(), err)
		_ = cmd.Usage()
		return 2
	}
	// cobra's own: an unknown command, a wrong argument count.
	if cmd != nil && cmd.HasParent() {
		fmt.Fprintf(stderr, "%s: %v\n\n", cmd.CommandPath(), err)
		_ = cmd.Usage()
		return 2
	}
	fmt.Fprintf(stderr, "kreafs: %v\n\n%s", err, rootUsage)
	return 2
}

// newRootCmd builds the command tree.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "kreafs",
		Short:         "A Krea AI account as a filesystem",
		Long:          strings.TrimSuffix(rootUsage, "\n"),
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(stderr, rootUsage)
			return exitStatus(2)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("kreafs {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err.Error()} })
	cobraHelp := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if cmd.HasParent() { // unmount, version, completion: cobra's own help
			cobraHelp(cmd, args)
			return
		}
		fmt.Fprint(stdout, rootUsage)
	})
	root.CompletionOptions.HiddenDefaultCmd = false

	root.AddCommand(newMountCmd(stdout, stderr), newUnmountCmd(stdout, stderr),
		newEmulatorCmd(stdout, stderr), newVersionCmd(stdout), newManCmd(root),
		newStatusCmd(stdout, stderr), newWaitCmd(stdout, stderr)) // status.go, wait.go
	return root
}

// withUsage gives cmd the usage text head followed by its flags, for
// --help (stdout, followed by more) and for bad usage (stderr).
func withUsage(cmd *cobra.Command, head, more string, stdout, stderr io.Writer) {
	text := func() string { return head + cmd.LocalNonPersistentFlags().FlagUsages() }
	cmd.SetHelpFunc(func(*cobra.Command, []string) {
		fmt.Fprint(stdout, text())
		if more != "" {
			fmt.Fprint(stdout, "\n"+more+"\n")
		}
	})
	cmd.SetUsageFunc(func(*cobra.Command) error { _, err := fmt.Fprint(stderr, text()); return err })
}

// mountMoreHelp is the mount command's long help beyond its usage text
// (the man page shows it).
const mountMoreHelp = `Every flag can also be set in the environment as KREAFS_<FLAG>, with
dashes as underscores (--cache-dir as KREAFS_CACHE_DIR, --read-only as
KREAFS_READ_ONLY=true); a flag given on the command line wins.

As a mount(8) helper (mount -t fuse.kreafs SOURCE MOUNTPOINT -o OPTIONS, or
an fstab line of type fuse.kreafs), each flag is an option with dashes as
underscores (token_file=FILE, cache_dir=DIR, read_only or ro, allow_other,
uid=N, umask=077...); mount(8)'s own options (_netdev, nofail, noauto,
x-systemd.*, rw, dev, suid, exec, auto, user...) are ignored. SOURCE is krea
for the default API, or the API's URL. The helper mounts in the background
(daemon=false: in the foreground).

Signals: SIGINT and SIGTERM unmount (a second one stops the upload drain);
SIGHUP drops the directory listings (a background mount ignores it);
SIGUSR1 reopens --log-file. With NOTIFY_SOCKET set (systemd Type=notify)
kreafs sends READY=1 once mounted, STOPPING=1 and STATUS= lines.`

func newMountCmd(stdout, stderr io.Writer) *cobra.Command {
	f := newMountFlags()
	cmd := &cobra.Command{
		Use:   "mount [flags] MOUNTPOINT",
		Short: "Mount the Krea account (or --emulator) at MOUNTPOINT",
		Long:  strings.TrimSpace(strings.TrimPrefix(mountUsage, "Usage: kreafs mount [flags] MOUNTPOINT\n")) + "\n\n" + mountMoreHelp,
		Args:  cobra.ArbitraryArgs, // finish says what is wrong
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.finish(args, os.Getenv)
			if err != nil {
				return err
			}
			return exitStatus(runMountConfig(c, f.fl, stdout, stderr))
		},
	}
	cmd.Flags().AddFlagSet(f.fl)
	withUsage(cmd, mountUsage, mountMoreHelp, stdout, stderr)
	return cmd
}

func newEmulatorCmd(stdout, stderr io.Writer) *cobra.Command {
	f := newEmulatorFlags()
	cmd := &cobra.Command{
		Use:   "emulator [flags]",
		Short: "Run the bundled Krea API emulator",
		Long:  strings.TrimSpace(strings.TrimPrefix(emulatorUsage, "Usage: kreafs emulator [flags]")),
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.finish(args, os.Getenv)
			if err != nil {
				return err
			}
			return exitStatus(runEmulatorConfig(c, stdout, stderr))
		},
	}
	cmd.Flags().AddFlagSet(f.fl)
	withUsage(cmd, emulatorUsage, "", stdout, stderr)
	return cmd
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version (and the VCS revision it was built from)",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintf(stdout, "kreafs %s\n", versionString()) },
	}
}

// newManCmd writes the man pages (kreafs.1, kreafs-mount.1, ...) of the
// whole tree into a directory; the package build (.ci/deb) uses it.
func newManCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			root.DisableAutoGenTag = true
			return doc.GenManTree(root, &doc.GenManHeader{Title: "KREAFS", Section: "1", Source: "kreafs " + versionString()}, args[0])
		},
	}
}

// versionString is the -ldflags version, else the module version and VCS
// revision the Go toolchain recorded: "v0.4.0" for go install ...@v0.4.0,
// "(devel) rev 1a2b3c4d5e6f (modified)" for a build in a checkout.
func versionString() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	return buildInfoVersion(bi)
}

func buildInfoVersion(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v += " rev " + rev
	if when != "" {
		v += " " + when
	}
	if modified {
		v += " (modified)"
	}
	return v
}

// runMount is kreafs mount with args (the flags and MOUNTPOINT).
func runMount(args []string, stdout, stderr io.Writer) int {
	return run(append([]string{"mount"}, args...), stdout, stderr)
}
