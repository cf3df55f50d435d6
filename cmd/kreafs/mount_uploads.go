package main

// The upload queue of a mount: opened under the cache dir before the tree
// is built, started by the tree, closed after the FUSE server stopped,
// with a bound.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

// uploadsCloseBound is how long kreafs waits for uploads already running
// when it ends without having mounted (a failure while starting); what is
// not finished by then stays queued for the next mount with the same cache
// dir. A signal stops waiting at once. After a mount, drain (mount_drain.go)
// closes the queue instead.
const uploadsCloseBound = 15 * time.Second

// uploadQueue is the mount's upload queue: opened before the tree is
// built, started by it (fs.NewRoot), closed after the FUSE server stopped.
type uploadQueue struct {
	q      *queue.Queue
	log    logrus.FieldLogger
	done   bool
	status func(string) // says what the drain does (systemd STATUS=); nil: nothing
}

// openUploads opens <cache-dir>/uploads. A read-only mount opens none
// (what an earlier mount queued waits for the next writable one).
// Before the queue deletes an asset, the content cache finishes fetching
// what programs that have it open still need (cache.Store.BeforeDelete).
func openUploads(c *mountConfig, client *api.Client, store *cache.Store, logger logrus.FieldLogger) (*uploadQueue, error) {
	if c.readOnly {
		return &uploadQueue{log: logger, done: true}, nil
	}
	u := &uploadQueue{log: logger}
	q, err := queue.Open(queue.Options{
		Dir:      filepath.Join(c.cacheDir, "uploads"),
		Uploader: client,
		Delay:    c.uploadDelay,
		Hold:     view.HoldPath,
		BeforeDelete: func(ctx context.Context, id string) error {
			return store.BeforeDelete(ctx, cache.AssetKey(id))
		},
		Log: logger,
	})
	if errors.Is(err, queue.ErrLocked) {
		return nil, fmt.Errorf("cache dir %s is in use by another kreafs (one mount per cache dir; use --cache-dir)", c.cacheDir)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the upload queue: %w", err)
	}
	u.q = q
	return u, nil
}

// close waits (up to uploadsCloseBound, or until a second signal) for
// running uploads, then closes the queue. Safe to call twice.
func (u *uploadQueue) close() {
	if u.done || u.q == nil {
		return
	}
	u.done = true
	running := 0
	for _, it := range u.q.Items() {
		if it.State == queue.Uploading {
			running++
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), uploadsCloseBound)
	defer cancel()
	if running > 0 {
		u.log.WithFields(logrus.Fields{"running": running, "bound": uploadsCloseBound.String()}).
			Info("waiting for running uploads (signal again to stop waiting)")
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(sigs)
		go func() {
			select {
			case <-sigs:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	if err := u.q.Close(ctx); err != nil {
		u.log.WithError(err).Warn("stopped waiting for uploads; they resume at the next mount with this cache dir")
	}
	left := 0
	for _, it := range u.q.Items() {
		if it.State == queue.Pending || it.State == queue.Uploading {
			left++
		}
	}
	if left > 0 {
		u.log.WithField("queued", left).Info("files still queued for upload; they upload at the next mount with this cache dir")
	}
}
