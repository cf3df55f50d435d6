package main

// kreafs status [MOUNTPOINT]: the upload queue and the recent errors of a
// mount, from its control files (package mountstatus): a table, --json
// for scripts, or --watch for live progress bars.

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kreafs/kreafs/cmd/kreafs/internal/mountstatus"
)

func newStatusCmd(stdout, stderr io.Writer) *cobra.Command {
	var asJSON, watch bool
	var nErrors int
	cmd := &cobra.Command{
		Use:   "status [MOUNTPOINT]",
		Short: "Show the upload queue and recent errors of a mount",
		Long: `Shows what a kreafs mount is doing: each queued file with its size, bytes
sent, speed, state, attempts, next try and last error; totals and the time
left; and the last errors the mount returned (why a cp failed). It reads
MOUNTPOINT/.kreafs/uploads and .kreafs/errors, so any user who can read the
mount can run it. Without MOUNTPOINT, the one kreafs mount of the machine.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			mp, err := mountpointArg(args)
			if err != nil {
				fmt.Fprintf(stderr, "kreafs status: %v\n", err)
				return exitStatus(1)
			}
			if watch {
				err = mountstatus.Watch(mp, stdout, time.Second/2)
			} else {
				var st *mountstatus.Status
				if st, err = mountstatus.Read(mp); err == nil {
					if asJSON {
						enc := json.NewEncoder(stdout)
						enc.SetIndent("", "  ")
						err = enc.Encode(st)
					} else {
						mountstatus.Print(stdout, st, nErrors)
					}
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "kreafs status: %v\n", err)
				return exitStatus(1)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	cmd.Flags().BoolVar(&watch, "watch", false, "show live progress bars until nothing is queued (Ctrl-C to stop)")
	cmd.Flags().IntVar(&nErrors, "errors", 5, "how many of the recent errors to show")
	return cmd
}

// mountpointArg is the command's MOUNTPOINT, or the machine's one kreafs
// mount.
func mountpointArg(args []string) (string, error) {
	if len(args) == 0 {
		return defaultMountpoint()
	}
	return filepath.Abs(args[0])
}
