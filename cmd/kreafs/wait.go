package main

// kreafs wait [MOUNTPOINT]: block until the mount's upload queue holds
// nothing to send; exit 0 when nothing failed, 1 listing the failures (for
// make and CI scripts after a cp -r).

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
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
				err = waitUploads(mp, stdout, timeout, interval)
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

// waitUploads polls the mount at mp until nothing is queued; an error
// names the failures (or the timeout).
func waitUploads(mp string, stdout io.Writer, timeout, interval time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		st, err := readStatus(mp)
		if err != nil {
			return err
		}
		if st.Queued == 0 {
			if st.Failed == 0 {
				return nil
			}
			msg := fmt.Sprintf("%d upload(s) failed:", st.Failed)
			for _, u := range st.Uploads {
				if u.State == "failed" {
					msg += fmt.Sprintf("\n  %s: %s", u.Name, oneLine(u.Error))
				}
			}
			return fmt.Errorf("%s", msg)
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return fmt.Errorf("still %d file(s) queued after %s (%s)", st.Queued, timeout, summary(st))
		}
		time.Sleep(interval)
	}
}
