package main

// kreafs wait [MOUNTPOINT]: block until the mount's upload queue holds
// nothing to send; exit 0 when nothing failed, 1 listing the failures (for
// make and CI scripts after a cp -r).

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kreafs/kreafs/cmd/kreafs/internal/mountstatus"
)

func newWaitCmd(stdout, stderr io.Writer) *cobra.Command {
	var timeout, interval time.Duration
	cmd := &cobra.Command{
		Use:   "wait [MOUNTPOINT]",
		Short: "Wait until nothing is queued for upload; fail if an upload failed",
		Long: `Waits until no file of the mount is being written, pending or uploading
(held temp names do not count). Exits 0 when no upload failed, 1 listing the
failed files with their reasons (they stay in MOUNTPOINT/.kreafs/uploads
until removed), 1 as well when --timeout passes first. Without MOUNTPOINT,
the one kreafs mount of the machine.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			mp, err := mountpointArg(args)
			if err == nil {
				err = mountstatus.Wait(mp, timeout, interval)
			}
			if err != nil {
				fmt.Fprintf(stderr, "kreafs wait: %v\n", err)
				return exitStatus(1)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (0: wait as long as it takes)")
	cmd.Flags().DurationVar(&interval, "interval", 250*time.Millisecond, "how often to look at the queue")
	return cmd
}
