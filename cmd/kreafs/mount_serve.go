package main

// Serving a mount until it ends: a signal (unmount, retried while busy,
// then lazily) or an unmount from outside (fusermount3 -u, umount).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"
)

// Unmount timing on SIGINT/SIGTERM: retries while the mount is busy (each
// srv.Unmount itself tries 5 times over about 0.3 s), so about 3 s in all,
// then a lazy unmount, after which kreafs waits at most lazyWait for the
// kernel to let go before exiting: a file still held open keeps the
// connection alive however long kreafs waits, so waiting longer buys nothing.
const (
	unmountRetries  = 5
	unmountInterval = 300 * time.Millisecond
	lazyWait        = 1 * time.Second
)

// serve blocks until the mount at mp is gone: unmounted from outside, or
// by us on a signal from sigs. again: a second signal came (the user wants
// kreafs to stop at once, without waiting for uploads). stopping is called
// once the mount is on its way down.
func serve(srv *fuse.Server, mp string, sigs chan os.Signal, log logrus.FieldLogger, stopping func()) (again bool) {
	done := make(chan struct{})
	go func() {
		srv.Wait()
		close(done)
	}()

	select {
	case <-done:
		stopping()
		log.WithField("mountpoint", mp).Info("unmounted from outside")
		return false
	case sig := <-sigs:
		stopping()
		log.WithFields(logrus.Fields{"signal": sig.String(), "mountpoint": mp}).Info("unmounting")
	}

	for i := 0; i < unmountRetries; i++ {
		err := srv.Unmount()
		if err == nil {
			<-done
			return again
		}
		l := log.WithField("mountpoint", mp).WithField("error", strings.TrimSpace(err.Error()))
		if i == 0 {
			l.Warn("mount busy (a program has a file or directory open there); retrying for a few seconds, send the signal again to detach it lazily")
		} else {
			l.Debug("mount still busy")
		}
		select {
		case <-done:
			return again
		case <-sigs:
			i, again = unmountRetries, true
		case <-time.After(unmountInterval):
		}
	}
	if err := lazyUnmount(mp); err != nil {
		log.WithField("mountpoint", mp).WithError(err).Error("lazy unmount failed")
	} else {
		log.WithField("mountpoint", mp).Warn("detached lazily: files still open there fail from now on")
	}
	select {
	case <-done:
	case <-time.After(lazyWait):
	}
	return again
}

// prepareMountpoint returns the absolute mount point, after clearing a
// stale mount a crashed kreafs left there ("transport endpoint is not
// connected").
func prepareMountpoint(path string, log logrus.FieldLogger) (string, error) {
	mp, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("mount point %s: %w", path, err)
	}
	if errors.Is(probeMountpoint(mp), syscall.ENOTCONN) {
		if derr := detachStale(mp); derr != nil {
			return "", fmt.Errorf("mount point %s has a stale mount that could not be cleared: %v", mp, derr)
		}
		log.WithField("mountpoint", mp).Warn("cleared a stale mount left by an earlier kreafs")
	}
	st, err := os.Stat(mp)
	if err != nil {
		return "", fmt.Errorf("mount point: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("mount point %s is not a directory", mp)
	}
	return mp, nil
}

// probeMountpoint opens mp: on a FUSE mount whose server died this fails
// with ENOTCONN. (stat alone may not: the kernel can answer it from cached
// attributes.)
func probeMountpoint(mp string) error {
	f, err := os.Open(mp)
	if err != nil {
		return err
	}
	return f.Close()
}
