package node

// The end of a RELEASE, for the passthrough accounting of File.
//
// go-fuse ends each RELEASE, after the handle's Release has returned, by
// dropping one reference of the node's registered backing file (the
// passthrough file), whether or not that handle was opened with
// passthrough. So an ordinary handle released while a passthrough one is
// open drops the passthrough handle's reference: go-fuse unregisters the
// backing file although the kernel still reads through it, and the next
// open of the inode registers another one, which the kernel refuses (one
// backing file per inode), failing that open(2) with EIO, or answers an
// ordinary open, which the kernel refuses too. Nothing of this reaches
// kreafs' log: the kernel fails the open after kreafs answered it.
//
// File keeps that from happening by counting an ordinary handle as open
// until go-fuse's whole RELEASE has ended (no new backing file is
// registered meanwhile, file_handle.go): Release hands the count's
// decrement to afterRelease, and the RELEASE itself goes through
// releaseBarrier, which runs it once every RELEASE that was in progress
// when it was handed over has ended. It does not know which RELEASE is
// the handle's own, so it waits for all of them: RELEASEs are short (they
// close a cache reader or a spool file), and a late decrement only keeps
// passthrough off a little longer.
//
// Locking: releases.mu guards every field; the functions handed over run
// without it.

import (
	"sync"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// releases tracks the RELEASEs in progress and the functions waiting for
// them.
type releases struct {
	mu      sync.Mutex
	next    uint64              // number of the next RELEASE
	running map[uint64]struct{} // numbers of the RELEASEs in progress
	waiting []afterFn
}

type afterFn struct {
	last uint64 // runs once every RELEASE numbered up to last has ended
	fn   func()
}

func (r *releases) begin() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running == nil {
		r.running = map[uint64]struct{}{}
	}
	n := r.next
	r.next++
	r.running[n] = struct{}{}
	return n
}

func (r *releases) end(n uint64) {
	r.mu.Lock()
	delete(r.running, n)
	oldest := r.next // the oldest RELEASE still in progress
	for m := range r.running {
		oldest = min(oldest, m)
	}
	var due []func()
	kept := r.waiting[:0]
	for _, w := range r.waiting {
		if w.last < oldest {
			due = append(due, w.fn)
		} else {
			kept = append(kept, w)
		}
	}
	clear(r.waiting[len(kept):])
	r.waiting = kept
	r.mu.Unlock()
	for _, fn := range due {
		fn()
	}
}

// after runs fn once every RELEASE in progress now has ended; at once if
// none is (a handle's Release called other than through releaseBarrier).
func (r *releases) after(fn func()) {
	r.mu.Lock()
	if len(r.running) == 0 {
		r.mu.Unlock()
		fn()
		return
	}
	r.waiting = append(r.waiting, afterFn{last: r.next - 1, fn: fn})
	r.mu.Unlock()
}

// ReleaseBarrier wraps the node bridge of this mount: its RELEASEs end
// the waits of afterRelease. Every mount serving File nodes goes through
// it (package fs does); without it the counts drop at once, and opens can
// fail as the file's doc says.
func (m *Mount) ReleaseBarrier(raw fuse.RawFileSystem) fuse.RawFileSystem {
	return releaseBarrier{raw, &m.releases}
}

type releaseBarrier struct {
	fuse.RawFileSystem
	r *releases
}

func (b releaseBarrier) Release(c <-chan struct{}, in *fuse.ReleaseIn) {
	n := b.r.begin()
	defer b.r.end(n)
	b.RawFileSystem.Release(c, in)
}

// afterRelease runs fn after the RELEASE being served has ended (see
// above).
func (m *Mount) afterRelease(fn func()) { m.releases.after(fn) }
