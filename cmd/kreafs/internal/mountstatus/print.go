package mountstatus

// The text of kreafs status.

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
)

// Print prints st as a summary line, a table of the queued files and
// the last nErrors errors.
func Print(w io.Writer, st *Status, nErrors int) {
	fmt.Fprintf(w, "kreafs at %s: %s\n", st.Mountpoint, Summary(st))
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

// Summary is the one-line state of the queue.
func Summary(st *Status) string {
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
