package assets

// Re-checking a name that the last listing does not have, before ENOENT:
// one request for the newest page of assets (the API lists newest first),
// whose unknown assets are merged into the cached listing. Much cheaper
// than listing everything again, and exactly what finds a file uploaded
// elsewhere a moment ago.
//
// Not every miss asks: a temporary or junk name (view.ClassifyName: rsync's
// .NAME.XXXXXX, editors' swap files, .DS_Store) is never an asset kreafs
// made, so it answers ENOENT from the listing; and a process that missed a
// name in a re-check that began less than missMemoFor ago gets the same
// answer again without asking. rsync looks a new NAME up four times in a
// row (the receiver's open of a basis file, the kernel's lookup before
// rename, and one inside it, after the generator's lstat), cp twice; each
// was a request. The memo is per process: another process (a shell's next
// command after an upload elsewhere) asks again, and names this mount
// writes are found in the upload queue before the listing is consulted.
//
// Locking: assetsDir.checkMu guards checkRunning, checkNext and
// checkFailed; missMemo.mu its map, held with no other lock. At most
// recheckRunners checks are in flight; a lookup that finds fewer starts its
// own, the others share the next one (they need a check that started after
// they did), so a burst of misses costs at most recheckRunners+1 requests.
// Two, not one: rsync's generator and receiver each miss the new name, and
// with one check in flight each waited for the other's to end first.

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// missMemoFor is how long a process's miss of a name is answered from the
// re-check that found it missing. Real time, not Config.Clock: it bridges
// the few lookups one program makes of one name while it creates it.
const missMemoFor = time.Second

// missMemoPrune is the memo's size at which expired entries are dropped.
const missMemoPrune = 256

// missKey is a name missed by a process (its thread group id).
type missKey struct {
	name string
	pid  uint32
}

// missMemo holds, per name and process, when the last re-check that did
// not find the name began.
type missMemo struct {
	mu sync.Mutex
	at map[missKey]time.Time
}

// add records that a re-check begun at began did not find name for the
// calling process (nothing when the caller is unknown).
func (m *missMemo) add(ctx context.Context, name string, began time.Time) {
	pid := node.CallerProcess(ctx)
	if pid == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.at == nil {
		m.at = make(map[missKey]time.Time)
	}
	if len(m.at) >= missMemoPrune {
		for k, t := range m.at {
			if time.Since(t) >= missMemoFor {
				delete(m.at, k)
			}
		}
	}
	m.at[missKey{name, pid}] = began
}

// recent reports whether the calling process missed name in a re-check
// begun within missMemoFor.
func (m *missMemo) recent(ctx context.Context, name string) bool {
	pid := node.CallerProcess(ctx)
	if pid == 0 {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.at[missKey{name, pid}]
	return ok && time.Since(t) < missMemoFor
}

// shouldRecheck says whether a lookup of name, missing from the listing,
// asks the API (see the top of this file).
func (d *assetsDir) shouldRecheck(ctx context.Context, name string) bool {
	if view.ClassifyPath(name) != view.FinalName {
		return false
	}
	return !d.misses.recent(ctx, name)
}

// recheckPage is how many of the newest assets a re-check asks for.
const recheckPage = 100

// recheckRunners is how many re-checks may be in flight at once.
const recheckRunners = 2

// recheckWait is how long a lookup waits for a re-check before answering
// from the listing it has (ENOENT). The re-check goes on in the background
// and its finds serve later lookups, so an API that stalls delays a miss
// by this much, not by the API client's answer timeout.
const recheckWait = 5 * time.Second

// errRecheckSlow is a re-check that did not answer within recheckWait.
var errRecheckSlow = errors.New("the API did not answer the re-check within " + recheckWait.String())

// recheckFailFast is how long after a failed (or too slow) re-check
// lookups of missing names answer at once with that failure (so ENOENT)
// instead of asking again: while the API is down, each create (cp into
// assets/ makes several lookups of the new name) would otherwise wait for
// the client's retries every time. A re-check that succeeds ends it.
const recheckFailFast = 10 * time.Second

// recheckFail is the last failed re-check.
type recheckFail struct {
	at  time.Time // Config.Clock
	err error
}

// recheckCall is one re-check; done is closed when err is set.
type recheckCall struct {
	done chan struct{}
	err  error
}

// recheck makes sure a check of the newest assets that started after this
// call began has completed, and returns its error.
func (d *assetsDir) recheck(ctx context.Context) error {
	d.checkMu.Lock()
	if f := d.checkFailed; f.err != nil && d.r.Cfg.Clock().Sub(f.at) < recheckFailFast {
		d.checkMu.Unlock()
		return f.err
	}
	var c *recheckCall
	if d.checkRunning >= recheckRunners {
		if d.checkNext == nil {
			d.checkNext = &recheckCall{done: make(chan struct{})}
		}
		c = d.checkNext
	} else {
		c = &recheckCall{done: make(chan struct{})}
		d.checkRunning++
		first := c
		d.r.Background(func(bg context.Context) { d.runChecks(bg, first) })
	}
	d.checkMu.Unlock()
	t := time.NewTimer(recheckWait)
	defer t.Stop()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		d.checkMu.Lock()
		if d.checkFailed.err == nil {
			d.checkFailed = recheckFail{at: d.r.Cfg.Clock(), err: errRecheckSlow}
		}
		d.checkMu.Unlock()
		return errRecheckSlow
	}
}

// runChecks runs c, then the check queued meanwhile, until none is queued.
func (d *assetsDir) runChecks(bg context.Context, c *recheckCall) {
	for c != nil {
		c.err = d.checkNewest(bg)
		close(c.done)
		d.checkMu.Lock()
		if c.err != nil && bg.Err() == nil {
			d.checkFailed = recheckFail{at: d.r.Cfg.Clock(), err: c.err}
		} else {
			d.checkFailed = recheckFail{}
		}
		c, d.checkNext = d.checkNext, nil
		if c == nil {
			d.checkRunning--
		}
		d.checkMu.Unlock()
	}
}

// checkNewest fetches the newest page and adds the assets the listing
// lacks (idempotent, so it also applies to a listing fetch in flight).
func (d *assetsDir) checkNewest(bg context.Context) error {
	ctx, cancel := d.r.OpContext(bg)
	defer cancel()
	page, err := d.r.Cfg.Remote.ListAssets(ctx, recheckPage, "")
	if err != nil {
		return err
	}
	t := d.current()
	var fresh []api.Asset
	for _, a := range page.Items {
		if t == nil || t.ByID[a.ID] == nil {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	d.r.Log.WithFields(logrus.Fields{"op": "lookup", "path": "assets", "new": len(fresh)}).Debug("re-check found new assets")
	d.listing.Update(func(as []api.Asset) []api.Asset {
		have := make(map[string]bool, len(as))
		for _, a := range as {
			have[a.ID] = true
		}
		out := as
		for _, a := range fresh {
			if !have[a.ID] {
				// Copy on first append: the listing's slice is shared
				// with tables built from it.
				if len(out) == len(as) {
					out = append(make([]api.Asset, 0, len(as)+len(fresh)), as...)
				}
				out = append(out, a)
			}
		}
		return out
	})
	return nil
}
