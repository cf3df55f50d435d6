package main

// kreafs unmount MOUNTPOINT: end a mount as Ctrl-C does, waiting for the
// queued uploads to be sent (up to the mount's --drain-timeout). It finds
// the kreafs process serving MOUNTPOINT by its command line in /proc (no
// pid file: a mount from fstab, --daemon or a unit is found the same way,
// whoever started it), sends it SIGTERM and waits for it to exit. Ctrl-C
// while waiting sends a second SIGTERM: kreafs stops the uploads at once
// and keeps them queued for the next mount. With no kreafs process
// (it died), the dead mount is detached.

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func newUnmountCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:     "unmount MOUNTPOINT",
		Aliases: []string{"umount"},
		Short:   "Unmount, waiting for queued uploads as Ctrl-C does",
		Long: `Ends the kreafs mount at MOUNTPOINT as Ctrl-C would: the kreafs process
unmounts, sends what is still queued for upload (up to its --drain-timeout)
and exits; kreafs unmount waits for that. Ctrl-C while waiting stops the
uploads at once; they stay queued for the next mount with that cache dir.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := unmount(args[0], stdout); err != nil {
				fmt.Fprintf(stderr, "kreafs unmount: %v\n", err)
				return exitStatus(1)
			}
			return nil
		},
	}
}

// unmountPoll is how often unmount checks whether kreafs has exited.
const unmountPoll = 100 * time.Millisecond

func unmount(target string, stdout io.Writer) error {
	mp, err := filepath.Abs(target)
	if err != nil {
		return err
	}
	fstype, ok := mountedAt(mp)
	if !ok {
		return fmt.Errorf("%s is not a mount point", mp)
	}
	pids := mountProcesses(mp)
	if len(pids) == 0 {
		if fstype != "fuse.kreafs" {
			return fmt.Errorf("%s is a %s mount, not a kreafs one", mp, fstype)
		}
		if err := lazyUnmount(mp); err != nil {
			return fmt.Errorf("no kreafs process serves %s, and detaching the dead mount failed: %v", mp, err)
		}
		fmt.Fprintf(stdout, "kreafs: no kreafs process served %s; detached the dead mount\n", mp)
		return nil
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			return fmt.Errorf("signalling kreafs (pid %d): %w", pid, err)
		}
	}
	said := false
	start := time.Now()
	tick := time.NewTicker(unmountPoll)
	defer tick.Stop()
	for {
		left := pids[:0:0]
		for _, pid := range pids {
			if syscall.Kill(pid, 0) == nil && !isZombie(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if !said && time.Since(start) > time.Second {
			fmt.Fprintf(stdout, "kreafs: waiting for kreafs (pid %d) to send the queued uploads and exit (Ctrl-C: stop them now, keeping them queued)\n", left[0])
			said = true
		}
		select {
		case <-sigs:
			for _, pid := range left {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		case <-tick.C:
		}
	}
}
