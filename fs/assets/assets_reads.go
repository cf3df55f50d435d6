package assets

// Reads of assets/ in progress, so that background work that can wait
// (writing the saved listing: assets_saved.go) does not share the CPU with
// an `ls` that waits for its entries. A cold `ls -l` of 10,000 assets is
// bound by CPU on a small machine (kreafs, the kernel's READDIRPLUS and ls
// itself), and the first save of a listing (encoding 10,000 assets as
// JSON, writing and syncing the file: about 35 ms of CPU) started at the
// very moment the kernel began reading it.
//
// Locking: listReads.mu guards its fields; it is never held with another
// lock.

import (
	"context"
	"sync"
	"time"
)

// listReads counts the opens of assets/ whose listing the kernel is
// reading (from the open until the end was read or the handle released).
type listReads struct {
	mu      sync.Mutex
	n       int           // reads in progress
	idle    chan struct{} // closed when n drops to 0; nil while n is 0
	endedAt time.Time     // when n last dropped to 0
}

// begin counts a read; the returned function ends it (once; later calls
// do nothing).
func (r *listReads) begin() func() {
	r.mu.Lock()
	if r.n == 0 {
		r.idle = make(chan struct{})
	}
	r.n++
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.n--; r.n == 0 {
				close(r.idle)
				r.idle = nil
				r.endedAt = time.Now()
			}
		})
	}
}

// waitQuiet returns once no read is in progress and the last one ended
// at least quiet ago (`ls` sorts and prints after its last read), once
// most has passed, or when ctx ends, whichever comes first.
func (r *listReads) waitQuiet(ctx context.Context, quiet, most time.Duration) {
	deadline := time.NewTimer(most)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		idle, ended := r.idle, r.endedAt
		r.mu.Unlock()
		var wake <-chan time.Time // nil: wait for idle
		if idle == nil {
			left := quiet - time.Since(ended)
			if ended.IsZero() || left <= 0 {
				return
			}
			t := time.NewTimer(left)
			wake = t.C
			defer t.Stop()
		}
		select {
		case <-idle: // a nil idle never fires
		case <-wake:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
