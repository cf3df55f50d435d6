package main

// Draining the upload queue at unmount: what was copied in is uploaded
// before kreafs exits (a container or CI job has no next mount), up to
// --drain-timeout; a signal stops at once and keeps the rest queued.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/sirupsen/logrus"
)

// drainProgressEvery is how often the drain logs what is left.
const drainProgressEvery = 5 * time.Second

// drain uploads what is queued, at once, waiting up to timeout or until a
// signal arrives on sigs (or has already: stopNow), then closes the queue.
// What is left is named in one warning line. tempCache: the cache dir is
// removed at exit, so what is left is lost rather than kept.
func (u *uploadQueue) drain(sigs <-chan os.Signal, timeout time.Duration, stopNow, tempCache bool) {
	if u.done || u.q == nil {
		return
	}
	u.done = true
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if stopNow || timeout <= 0 {
		cancel()
	}
	say := u.status
	if say == nil {
		say = func(string) {}
	}
	b := u.q.Backlog()
	if !b.Empty() && ctx.Err() == nil {
		say(fmt.Sprintf("unmounted; uploading %d queued files (%s) before exiting", len(b.Files), humanize.IBytes(uint64(b.Bytes))))
		u.log.WithFields(logrus.Fields{"files": len(b.Files), "bytes": humanize.IBytes(uint64(b.Bytes)),
			"deletes": b.Deletes, "drain_timeout": timeout.String()}).
			Warn("unmounted with uploads queued: sending them now before exiting (signal again to stop and keep them for the next mount)")
		done := make(chan error, 1)
		go func() { done <- u.q.Drain(ctx) }()
		tick := time.NewTicker(drainProgressEvery)
	wait:
		for {
			select {
			case <-done:
				break wait
			case sig := <-sigs:
				u.log.WithField("signal", sig.String()).Warn("stopping the uploads at once")
				cancel()
				<-done
				break wait
			case <-tick.C:
				p := u.q.Backlog()
				say(fmt.Sprintf("unmounted; still uploading %d files (%s) before exiting", len(p.Files), humanize.IBytes(uint64(p.Bytes))))
				u.log.WithFields(logrus.Fields{"files": len(p.Files), "bytes": humanize.IBytes(uint64(p.Bytes)),
					"deletes": p.Deletes}).Warn("still uploading before exit")
			}
		}
		tick.Stop()
		if ctx.Err() == nil {
			u.log.Info("queued uploads sent")
		}
	}
	if err := u.q.Close(ctx); err != nil {
		u.log.WithError(err).Debug("closed the upload queue before its uploads ended")
	}
	u.reportLeft(tempCache)
}

// reportLeft logs, in one warning line, what the queue still holds.
func (u *uploadQueue) reportLeft(tempCache bool) {
	b := u.q.Backlog()
	names := b.Names()
	for _, it := range b.Open {
		names = append(names, it.Name+" (open for writing: kept as interrupted)")
	}
	if len(names) == 0 && b.Deletes == 0 {
		return
	}
	l := u.log.WithFields(logrus.Fields{"files": len(names), "bytes": humanize.IBytes(uint64(b.Bytes)), "deletes": b.Deletes})
	switch {
	case tempCache:
		l.Warn("not uploaded, and lost with this run's temporary cache dir (name --cache-dir to keep them): " + strings.Join(names, ", "))
	case len(names) == 0:
		l.Warn("deletes of replaced or removed assets not done; they are done at the next mount with this cache dir")
	default:
		l.Warn("not uploaded; kept for the next mount with this cache dir: " + strings.Join(names, ", "))
	}
}
