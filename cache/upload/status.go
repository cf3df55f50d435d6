package upload

// The text of MOUNT/.kreafs/uploads.

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/kreafs/kreafs/cache/upload/queue"
)

// Status is the text of the status file the mount shows
// (MOUNT/.kreafs/uploads): the queued files, as FormatStatus renders them.
func (s *Session) Status() []byte { return FormatStatus(s.Items()) }

// FormatStatus renders items (from Session.Items) as the text of the status
// file. The format, one item per
// line after two comment lines, fields separated by tabs:
//
//	# kreafs upload queue: 3 item(s): 1 pending, 1 failed, 1 held
//	# state	size	attempts	next_try	id	name	error
//	failed	1234	1	-	<id>	"bad.png"	"krea api: POST /assets: 400 invalid file type"
//
// name and error are Go-quoted (strconv.Quote) so that any byte in them
// keeps the file one line per item; next_try is RFC 3339 UTC or "-".
func FormatStatus(items []queue.Item) []byte {
	var b bytes.Buffer
	counts := map[queue.State]int{}
	for _, it := range items {
		counts[it.State]++
	}
	fmt.Fprintf(&b, "# kreafs upload queue: %d item(s)", len(items))
	sep := ": "
	for s := queue.Writing; s <= queue.Canceled; s++ {
		if counts[s] > 0 {
			fmt.Fprintf(&b, "%s%d %s", sep, counts[s], s)
			sep = ", "
		}
	}
	b.WriteString("\n# state\tsize\tattempts\tnext_try\tid\tname\terror\n")
	for _, it := range items {
		next := "-"
		if !it.NextTry.IsZero() {
			next = it.NextTry.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", it.State, it.Size, it.Attempts, next, it.ID,
			strconv.Quote(it.Name), strconv.Quote(it.Err))
	}
	return b.Bytes()
}
