package mountstatus

// kreafs status --watch: one progress bar per queued file (mpb), redrawn
// from the control files every interval until nothing is queued.

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Watch shows the queue of the mount at mp live on w until nothing
// is queued or a signal comes, then prints the final summary. On a
// terminal it draws progress bars; elsewhere (a pipe, a log) it prints the
// summary line at each change.
func Watch(mp string, w io.Writer, interval time.Duration) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if !isTerminal(w) {
		return watchLines(mp, w, interval, sigs)
	}
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(interval/2))
	bars := map[string]*mpb.Bar{}
	states := map[string]*atomic.Pointer[string]{} // read by mpb's goroutine
	sizes := map[string]int64{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var last *Status
	for {
		st, err := Read(mp)
		if err != nil {
			abortAll(bars)
			p.Wait()
			return err
		}
		last = st
		seen := map[string]bool{}
		for _, u := range st.Uploads {
			if u.State != "writing" && u.State != "pending" && u.State != "uploading" {
				continue
			}
			seen[u.ID] = true
			b := bars[u.ID]
			if b == nil {
				state := &atomic.Pointer[string]{}
				first := u.State
				state.Store(&first)
				states[u.ID] = state
				b = p.AddBar(max(u.Size, 1),
					mpb.PrependDecorators(decor.Name(u.Name, decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace)),
					mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Name(" "), decor.Any(func(decor.Statistics) string { return *state.Load() }, decor.WCSyncSpace)))
				bars[u.ID] = b
			}
			s := u.State
			states[u.ID].Store(&s)
			sizes[u.ID] = max(u.Size, 1)
			b.SetTotal(sizes[u.ID], false)
			b.SetCurrent(u.Sent)
		}
		for id, b := range bars {
			if !seen[id] { // left the queue: uploaded (or failed, or removed)
				done := "done"
				states[id].Store(&done)
				b.SetCurrent(sizes[id])
				b.SetTotal(sizes[id], true)
				delete(sizes, id)
				delete(bars, id)
				delete(states, id)
			}
		}
		if st.Queued == 0 {
			break
		}
		select {
		case <-tick.C:
		case <-sigs:
			abortAll(bars)
			p.Wait()
			return nil
		}
	}
	p.Wait()
	fmt.Fprintf(w, "kreafs at %s: %s\n", last.Mountpoint, Summary(last))
	return nil
}

func abortAll(bars map[string]*mpb.Bar) {
	for _, b := range bars {
		b.Abort(false)
	}
}

// isTerminal reports whether w is a terminal (progress bars need one).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// watchLines prints the summary line of the mount at mp whenever it
// changes, until nothing is queued or a signal comes.
func watchLines(mp string, w io.Writer, interval time.Duration, sigs <-chan os.Signal) error {
	last := ""
	for {
		st, err := Read(mp)
		if err != nil {
			return err
		}
		if line := Summary(st); line != last {
			fmt.Fprintf(w, "%s  kreafs at %s: %s\n", time.Now().Format("15:04:05"), st.Mountpoint, line)
			last = line
		}
		if st.Queued == 0 {
			return nil
		}
		select {
		case <-time.After(interval):
		case <-sigs:
			return nil
		}
	}
}
