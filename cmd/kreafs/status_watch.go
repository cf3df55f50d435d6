package main

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

// watchStatus shows the queue of the mount at mp live on w until nothing
// is queued or a signal comes, then prints the final summary.
func watchStatus(mp string, w io.Writer, interval time.Duration) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(interval/2))
	bars := map[string]*mpb.Bar{}
	states := map[string]*atomic.Pointer[string]{} // read by mpb's goroutine
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var last *mountStatus
	for {
		st, err := readStatus(mp)
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
			b.SetTotal(max(u.Size, 1), false)
			b.SetCurrent(u.Sent)
		}
		for id, b := range bars {
			if !seen[id] { // uploaded (or failed, or removed)
				b.SetCurrent(max(b.Current(), 1))
				b.SetTotal(b.Current(), true)
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
	fmt.Fprintf(w, "kreafs at %s: %s\n", last.Mountpoint, summary(last))
	return nil
}

func abortAll(bars map[string]*mpb.Bar) {
	for _, b := range bars {
		b.Abort(false)
	}
}
