package main

// kreafs status [MOUNTPOINT]: the upload queue and the recent errors of a
// mount, from its control files (status_read.go): a table, --json for
// scripts, or --watch for live progress bars (status_watch.go).

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
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
				err = watchStatus(mp, stdout, time.Second/2)
			} else {
				var st *mountStatus
				if st, err = readStatus(mp); err == nil {
					if asJSON {
						enc := json.NewEncoder(stdout)
						enc.SetIndent("", "  ")
						err = enc.Encode(st)
					} else {
						printStatus(stdout, st, nErrors)
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

// printStatus prints st as a summary line, a table of the queued files and
// the last nErrors errors.
func printStatus(w io.Writer, st *mountStatus, nErrors int) {
	fmt.Fprintf(w, "kreafs at %s: %s\n", st.Mountpoint, summary(st))
	if len(st.Uploads) > 0 {
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "STATE\tSIZE\tSENT\tSPEED\tETA\tTRIES\tNEXT TRY\tNAME\tERROR")
		for _, u := range st.Uploads {
			speed, eta, next := "-", "-", "-"
			if u.Speed > 0 {
				speed = humanize.IBytes(uint64(u.Speed)) + "/s"
			}
			if u.ETA > 0 {
				eta = seconds(u.ETA)
			}
			if u.NextTry != "" {
				next = u.NextTry
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", u.State, humanize.IBytes(uint64(u.Size)),
				humanize.IBytes(uint64(u.Sent)), speed, eta, u.Attempts, next, u.Name, oneLine(u.Error))
		}
		_ = tw.Flush()
	}
	if n := min(nErrors, len(st.Errors)); n > 0 {
		fmt.Fprintf(w, "\nRecent errors (%d of %d kept; all in %s):\n", n, len(st.Errors), filepath.Join(st.Mountpoint, ".kreafs", "errors"))
		for _, e := range st.Errors[len(st.Errors)-n:] {
			fmt.Fprintf(w, "  %s  %s %s: %s: %s\n", e.Time, e.Op, e.Path, e.Errno, oneLine(e.Reason))
		}
	}
}

// summary is the one-line state of the queue.
func summary(st *mountStatus) string {
	if st.Queued == 0 && st.Failed == 0 {
		return "nothing queued, all uploaded"
	}
	var parts []string
	if st.Queued > 0 {
		s := fmt.Sprintf("%d queued, %s of %s sent", st.Queued, humanize.IBytes(uint64(st.Sent)), humanize.IBytes(uint64(st.Size)))
		if st.Speed > 0 {
			s += fmt.Sprintf(", %s/s, about %s left", humanize.IBytes(uint64(st.Speed)), seconds(st.ETA))
		}
		parts = append(parts, s)
	}
	if st.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed (remove the file, or fix and copy it again)", st.Failed))
	}
	return strings.Join(parts, "; ")
}

// seconds is s seconds as a duration rounded to 0.1 s ("1m2.5s").
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond).String()
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
