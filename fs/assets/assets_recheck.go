package assets

// Re-checking a name that the last listing does not have, before ENOENT:
// one request for the newest page of assets (the API lists newest first),
// whose unknown assets are merged into the cached listing. Much cheaper
// than listing everything again, and exactly what finds a file uploaded
// elsewhere a moment ago.
//
// Not every miss asks (internal/misses): a temporary or junk name
// is never an asset kreafs made; a process that missed a name a moment ago
// gets the same answer again; and during a bulk copy of new names a miss
// is answered from a re-check that began within the last second. Names
// this mount writes are found in the upload queue before the listing is
// consulted.
//
// Locking: assetsDir.checkMu guards checkRunning, checkNext and
// checkFailed; misses.Memo.mu its fields, held with no other lock. At most
// recheckRunners checks are in flight; a lookup that finds fewer starts its
// own, the others share the next one (they need a check that started after
// they did), so a burst of misses costs at most recheckRunners+1 requests.
// Two, not one: rsync's generator and receiver each miss the new name, and
// with one check in flight each waited for the other's to end first.

import (
	"context"
	"errors"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

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

// recheckSoon starts a re-check in the background, unless one is running
// or the last one failed within recheckFailFast; nobody waits for it.
func (d *assetsDir) recheckSoon() {
	d.checkMu.Lock()
	defer d.checkMu.Unlock()
	if f := d.checkFailed; d.checkRunning > 0 || f.err != nil && d.r.Cfg.Clock().Sub(f.at) < recheckFailFast {
		return
	}
	c := &recheckCall{done: make(chan struct{})}
	d.checkRunning++
	d.r.Background(func(bg context.Context) { d.runChecks(bg, c) })
}

// runChecks runs c, then the check queued meanwhile, until none is queued.
func (d *assetsDir) runChecks(bg context.Context, c *recheckCall) {
	for c != nil {
		began := time.Now()
		c.err = d.checkNewest(bg)
		if c.err == nil {
			d.misses.Checked(began)
		}
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
		if t == nil || t.ByID.At(a.ID) == nil {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	d.r.Log.WithFields(logrus.Fields{"op": "lookup", "path": "assets", "new": len(fresh)}).Debug("re-check found new assets")
	d.listing.Update(view.WithAssets(fresh))
	return nil
}

// shouldRecheck says whether a lookup of name, missing from the listing,
// asks the API (internal/misses). When it does not, the caller
// answers ENOENT.
// cacheFor (> 0 for an answer of the burst rule): how long that answer
// stays within the rule, which the kernel may keep it for (node.CacheMiss)
// so that the copy's next lookups of the name do not reach kreafs.
func (d *assetsDir) shouldRecheck(ctx context.Context, name string) (recheck bool, cacheFor time.Duration) {
	if view.ClassifyPath(name) != view.FinalName {
		return false, d.misses.TempFor(time.Now())
	}
	answered, refresh, cacheFor := d.misses.Answers(node.CallerProcess(ctx), name)
	if refresh {
		d.recheckSoon()
	}
	return !answered, cacheFor
}
