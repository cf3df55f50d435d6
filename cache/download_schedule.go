package cache

// Which downloads cover a reader's missing bytes: a running one close
// enough to wait for, an open-ended one to extend, or new ones. Locking as
// in object.go (Store.mu held).

import (
	"fmt"
	"time"

	"github.com/kreafs/kreafs/cache/internal/ranges"
	"github.com/sirupsen/logrus"
)

// near is how far behind a wanted byte a running download may be for the
// reader to wait for it rather than start another one.
func (s *Store) near() int64 { return max(s.opt.ReadAhead, 2*s.opt.ChunkSize) }

// scheduleLocked makes sure every missing byte of want (widened to whole
// chunks, clipped at the end of the object) is covered by a download, by
// waiting for a running one that is close enough, extending an open-ended
// one, or starting new ones. It returns the downloads that cover want
// before needEnd (the bytes a reader waits for). open makes new downloads
// open-ended (to the end of the object, stopped at their logical end,
// which later reads can push further): one HTTP request then serves the
// rest of a sequential read; otherwise a new download asks for its range
// only.
func (s *Store) scheduleLocked(o *object, want span, needEnd int64, open bool) ([]*download, error) {
	c := s.opt.ChunkSize
	limit := o.limitLocked()
	want.End = min(want.End, limit)
	if want.End <= want.Start {
		return nil, nil
	}
	target := span{Start: ranges.AlignDown(want.Start, c), End: min(ranges.AlignUp(want.End, c), limit)}
	gaps := o.present.Missing(target)
	if len(gaps) == 0 {
		return nil, nil
	}
	if s.closed {
		return nil, ErrClosed
	}
	if s.opt.Fetcher == nil || o.url == "" {
		return nil, fmt.Errorf("cache: %s: %w", o.key, ErrNoFetcher)
	}
	near := s.near()
	now := time.Now()
	var deps []*download
	raised := false // an end was raised: wake parked downloads
	defer func() {
		if raised {
			o.notifyLocked()
		}
	}()
	dep := func(d *download, from int64) {
		if from < needEnd && d.end > want.Start {
			deps = append(deps, d)
		}
	}
	for _, g := range gaps {
		cur := g.Start
		for cur < g.End {
			if d := s.coveringLocked(o, cur, near, now); d != nil {
				if d.open && d.end < g.End {
					d.end = g.End
					raised = true
				}
				dep(d, cur)
				cur = d.end
				continue
			}
			if d := s.extendableLocked(o, cur, near, now); d != nil {
				d.end = g.End
				raised = true
				dep(d, cur)
				cur = d.end
				continue
			}
			nd := &download{o: o, start: cur, pos: cur, end: g.End, open: open}
			for _, d := range o.downloads {
				if s.stuckLocked(d, now) && d.pos <= cur && cur < d.end {
					s.log.WithFields(logrus.Fields{"op": "fetch", "key": o.key, "offset": cur,
						"silent": now.Sub(d.netSince).Round(time.Second)}).
						Info("a download has received nothing for a while; starting a new request for a new read")
				}
				if d.pos < cur && cur < d.end {
					// Too far behind to wait for: take over the rest of its range.
					nd.end = max(nd.end, d.end)
					nd.open = nd.open || d.open
					d.end = cur
				}
			}
			for _, d := range o.downloads {
				if d.pos > cur && d.pos < nd.end && !s.stuckLocked(d, now) {
					nd.end = d.pos // it covers from there
				}
			}
			o.downloads = append(o.downloads, nd)
			s.wg.Add(1)
			go s.run(nd)
			dep(nd, cur)
			cur = nd.end
		}
	}
	return deps, nil
}

// coveringLocked returns a running download that will write byte x soon:
// it is at most near bytes before x, has not stopped before x, and is not
// stuck (see stuckLocked).
func (s *Store) coveringLocked(o *object, x, near int64, now time.Time) *download {
	var best *download
	for _, d := range o.downloads {
		if d.pos <= x && x < d.end && x-d.pos <= near && !s.stuckLocked(d, now) && (best == nil || d.end > best.end) {
			best = d
		}
	}
	return best
}

// extendableLocked returns an open-ended download that stops before x but
// is close enough that pushing its end past x beats a new request (and is
// not stuck).
func (s *Store) extendableLocked(o *object, x, near int64, now time.Time) *download {
	for _, d := range o.downloads {
		if d.open && d.end <= x && d.pos <= x && x-d.pos <= near && !s.stuckLocked(d, now) {
			return d
		}
	}
	return nil
}
