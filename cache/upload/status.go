package upload

// The text of MOUNT/.kreafs/uploads.

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/kreafs/kreafs/cache/upload/queue"
)

// ItemStatus is a queued file with the progress of its running upload.
type ItemStatus struct {
	queue.Item
	Sent  int64         // bytes of the file sent by the running upload (0 if none runs)
	Speed float64       // bytes per second of the running upload since it started (0: none)
	ETA   time.Duration // time left at Speed; -1 when unknown
}

// Status is the text of the status file the mount shows
// (MOUNT/.kreafs/uploads): the queued files, as FormatStatus renders them.
func (s *Session) Status() []byte { return FormatStatus(s.Progress(time.Now())) }

// Progress is the queue's items with the bytes sent of those uploading,
// as of now.
func (s *Session) Progress(now time.Time) []ItemStatus {
	items := s.Items()
	out := make([]ItemStatus, len(items))
	for i, it := range items {
		out[i] = ItemStatus{Item: it, ETA: -1}
		if s.q == nil || it.State != queue.Uploading {
			continue
		}
		if t, ok := s.q.Progress(it.Spool); ok {
			out[i] = withProgress(it, t, now)
		}
	}
	return out
}

// withProgress is it uploading with t as of now.
func withProgress(it queue.Item, t queue.Transfer, now time.Time) ItemStatus {
	st := ItemStatus{Item: it, Sent: min(t.Sent, it.Size), ETA: -1}
	if el := now.Sub(t.Started).Seconds(); el > 0 && st.Sent > 0 {
		st.Speed = float64(st.Sent) / el
		st.ETA = time.Duration(float64(it.Size-st.Sent) / st.Speed * float64(time.Second)).Round(etaRounding)
	}
	return st
}

// etaRounding is the precision of the ETAs shown.
const etaRounding = 100 * time.Millisecond

// FormatStatus renders items (from Session.Progress) as the text of the
// status file. The format, one item per line after two comment lines,
// fields separated by tabs:
//
//	# kreafs upload queue: 3 item(s): 1 pending, 1 uploading, 1 failed; 500000 of 2001234 bytes sent, 1000000 B/s, eta 1.5s
//	# state	size	sent	speed	eta	attempts	next_try	id	name	error
//	uploading	2000000	500000	1000000	1.5s	0	-	<id>	"big.png"	""
//	failed	1234	0	-	-	1	-	<id>	"bad.png"	"krea api: POST /assets: 402 insufficient credits"
//
// size and sent are bytes, speed bytes per second ("-" when no upload
// runs), eta a Go duration rounded to 0.1 s ("-" when unknown); name and
// error are Go-quoted (strconv.Quote) so that any byte in them keeps the
// file one line per item; next_try is RFC 3339 UTC or "-". The totals
// count the files not yet uploaded (pending, uploading).
func FormatStatus(items []ItemStatus) []byte {
	var b bytes.Buffer
	counts := map[queue.State]int{}
	var size, sent int64
	var speed float64
	for _, it := range items {
		counts[it.State]++
		if it.State == queue.Pending || it.State == queue.Uploading || it.State == queue.Writing {
			size += it.Size
			sent += it.Sent
			speed += it.Speed
		}
	}
	fmt.Fprintf(&b, "# kreafs upload queue: %d item(s)", len(items))
	sep := ": "
	for s := queue.Writing; s <= queue.Canceled; s++ {
		if counts[s] > 0 {
			fmt.Fprintf(&b, "%s%d %s", sep, counts[s], s)
			sep = ", "
		}
	}
	if size > 0 {
		fmt.Fprintf(&b, "; %d of %d bytes sent", sent, size)
		if speed > 0 {
			eta := time.Duration(float64(size-sent) / speed * float64(time.Second)).Round(etaRounding)
			fmt.Fprintf(&b, ", %.0f B/s, eta %s", speed, eta)
		}
	}
	b.WriteString("\n# state\tsize\tsent\tspeed\teta\tattempts\tnext_try\tid\tname\terror\n")
	for _, it := range items {
		next := "-"
		if !it.NextTry.IsZero() {
			next = it.NextTry.UTC().Format(time.RFC3339)
		}
		speed, eta := "-", "-"
		if it.Speed > 0 {
			speed = strconv.FormatFloat(it.Speed, 'f', 0, 64)
		}
		if it.ETA >= 0 {
			eta = it.ETA.String()
		}
		fmt.Fprintf(&b, "%s\t%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", it.State, it.Size, it.Sent, speed, eta, it.Attempts, next, it.ID,
			strconv.Quote(it.Name), strconv.Quote(it.Err))
	}
	return b.Bytes()
}
