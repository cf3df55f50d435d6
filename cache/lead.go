package cache

// The read-ahead's lead: how far ahead of a sequential reader its next
// window must be asked for so that the window's first byte arrives before
// the reader needs it. That is what the network delivers in one round trip
// (its bandwidth-delay product), measured on the store's own downloads:
// the time from a request to its answer's headers, and the rate at which
// a download's body arrives while it runs. At 1 Gbit/s and 10 ms that is
// about 1.2 MB, far more than the first windows (128 KiB, 256 KiB, ...):
// each of those, asked for half a window ahead, made a reader wait most of
// a round trip. At 100 Mbit/s and 20 ms it is about 250 KB and the windows
// soon outgrow it.
//
// The lead only widens what a stream that has read leadAfter in order
// asks for: a program that reads a few pieces of a file (head, file, a
// thumbnailer's probes of a video's header, index and one frame) still
// costs only its doubling windows. With the lead from the second read on,
// thumbnails of 50 videos made the file host send 150 MiB instead of 43. It is at most half the
// read-ahead ceiling, so what a reader that stops leaves fetched and
// unread stays bounded as before.
//
// Locking: linkEstimate has its own mutex, a leaf (taken with or without
// Store.mu, never the other way round).

import (
	"sync"
	"time"
)

// Samples shorter than these say more about scheduling than about the
// network, and are not counted.
const (
	minRateBytes = 128 << 10
	minRateTime  = time.Millisecond
)

// leadAfter is how much a stream reads in order before its windows grow
// to the lead.
const leadAfter = 1 << 20

// leadMargin covers the spread of round trips and rates around their
// averages: the next window is asked for this many round trips ahead.
const leadMargin = 1.5

// linkEstimate is the store's view of the network: moving averages (each
// new sample weighs 1/4) of a request's round trip and of a download's
// rate.
type linkEstimate struct {
	mu   sync.Mutex
	rtt  time.Duration // 0: no sample yet
	rate float64       // bytes per second; 0: no sample yet
}

// addRTT records the time from sending a request to its answer's headers.
func (e *linkEstimate) addRTT(d time.Duration) {
	if d <= 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rtt = time.Duration(average(float64(e.rtt), float64(d)))
}

// addRate records n body bytes that arrived over d of a running download
// (not counting time it was parked).
func (e *linkEstimate) addRate(n int64, d time.Duration) {
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

// lead is the bytes a sequential reader's requests should be ahead of it:
// leadMargin round trips at the measured rate, in whole chunks of c, at
// most limit; 0 until both are measured.
func (e *linkEstimate) lead(c, limit int64) int64 {
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
	return min(alignUp(int64(b), c), limit)
}

// rateMeter measures one download's rate in segments: from its answer's
// headers, or from the moment it resumes after parking, to where it parks
// or ends.
type rateMeter struct {
	e     *linkEstimate
	start time.Time // zero: no segment running
	bytes int64
}

// begin starts a segment now (unless one runs).
func (m *rateMeter) begin() {
	if m.start.IsZero() {
		m.start, m.bytes = time.Now(), 0
	}
}

// add counts n bytes of the running segment.
func (m *rateMeter) add(n int) { m.bytes += int64(n) }

// end closes the running segment and records it.
func (m *rateMeter) end() {
	if m.start.IsZero() {
		return
	}
	m.e.addRate(m.bytes, time.Since(m.start))
	m.start = time.Time{}
}
