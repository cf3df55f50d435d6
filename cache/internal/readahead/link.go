package readahead

import (
	"sync"
	"time"

	"github.com/kreafs/kreafs/cache/internal/ranges"
)

// Samples shorter than these say more about scheduling than about the
// network, and are not counted.
const (
	minRateBytes = 128 << 10
	minRateTime  = time.Millisecond
)

// leadAfter is how much a stream reads in one run of adjacent reads
// before its windows grow to the lead: more than the header run of a
// thumbnailer's probe of a video (ffmpeg read 320 KiB so), so that a probe
// costs its doubling windows only, and little enough that a stream's
// third window (asked for when it has read 384 KiB, the first 512 KiB
// read) is already the lead's, not the 1 MiB one after which the reader
// waited most of a round trip.
const leadAfter = 512 << 10

// leadMargin covers the spread of round trips and rates around their
// averages: the next window is asked for this many round trips ahead.
const leadMargin = 1.5

// Link is the store's view of the network: moving averages (each
// new sample weighs 1/4) of a request's round trip and of a download's
// rate.
type Link struct {
	mu   sync.Mutex
	rtt  time.Duration // 0: no sample yet
	rate float64       // bytes per second; 0: no sample yet
}

// AddRTT records the time from sending a request to its answer's headers.
func (e *Link) AddRTT(d time.Duration) {
	if d <= 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rtt = time.Duration(average(float64(e.rtt), float64(d)))
}

// AddRate records n body bytes that arrived over d of a running download
// (not counting time it was parked).
func (e *Link) AddRate(n int64, d time.Duration) {
	if n < minRateBytes || d < minRateTime {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rate = average(e.rate, float64(n)/d.Seconds())
}

// average moves a moving average (0: none yet) a quarter of the way to a
// new sample.
func average(avg, sample float64) float64 {
	if avg == 0 {
		return sample
	}
	return avg + (sample-avg)/4
}

// Lead is the bytes a sequential reader's requests should be ahead of it:
// leadMargin round trips at the measured rate, in whole chunks of c, at
// most limit; 0 until both are measured.
func (e *Link) Lead(c, limit int64) int64 {
	e.mu.Lock()
	rtt, rate := e.rtt, e.rate
	e.mu.Unlock()
	if rtt == 0 || rate == 0 || limit <= 0 {
		return 0
	}
	b := rate * rtt.Seconds() * leadMargin
	if b >= float64(limit) {
		return limit
	}
	return min(ranges.AlignUp(int64(b), c), limit)
}

// Meter measures one download's rate in segments: from its answer's
// headers, or from the moment it resumes after parking, to where it parks
// or ends.
type Meter struct {
	Link  *Link     // where the segments are recorded
	start time.Time // zero: no segment running
	bytes int64
}

// Begin starts a segment now (unless one runs).
func (m *Meter) Begin() {
	if m.start.IsZero() {
		m.start, m.bytes = time.Now(), 0
	}
}

// Add counts n bytes of the running segment.
func (m *Meter) Add(n int) { m.bytes += int64(n) }

// End closes the running segment and records it.
func (m *Meter) End() {
	if m.start.IsZero() {
		return
	}
	m.Link.AddRate(m.bytes, time.Since(m.start))
	m.start = time.Time{}
}
