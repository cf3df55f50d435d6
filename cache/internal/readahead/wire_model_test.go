package readahead

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/cache/internal/ranges"
)

// wireModel plays a sequential reader against a model of a network link:
// every request's first byte comes rtt after it is asked for, or when the
// link has delivered the requests before it, whichever is later, and the
// link delivers rate bytes a second, one request after the other. The
// reader reads size bytes in reads of read bytes, each as soon as the one
// before returned and its bytes have arrived; Plan runs at each read's
// start, as in the cache's Reader. It returns how long the whole read
// took, the requests made, and how long it took beyond one GET of the same
// bytes (rtt, then the bytes at the link's rate).
func wireModel(size, read int64, rtt time.Duration, rate float64, lo, hi, c int64) (total time.Duration, requests int, lost time.Duration) {
	lead := int64(rate * rtt.Seconds() * leadMargin)
	lead = min(ranges.AlignUp(lead, c), hi/2)
	at := func(b int64) time.Duration { return time.Duration(float64(b) / rate * float64(time.Second)) }
	type req struct {
		start, end int64
		first      time.Duration // when its first byte arrives
	}
	var reqs []req
	var linkFree time.Duration // when the link has delivered every request so far
	var asked int64            // bytes asked for so far: [0, asked)
	ask := func(now time.Duration, end int64) {
		if end <= asked {
			return
		}
		first := max(now+rtt, linkFree)
		reqs = append(reqs, req{asked, end, first})
		linkFree = first + at(end-asked)
		asked = end
	}
	arrived := func(b int64) time.Duration { // when byte b-1 has arrived
		for _, r := range reqs {
			if b <= r.end {
				return r.first + at(b-r.start)
			}
		}
		return 1 << 62
	}
	var ra Stream
	var now time.Duration
	for off := int64(0); off < size; off += read {
		end := min(off+read, size)
		ahead, open := ra.Plan(off, end, lo, hi, c, lead)
		want := end
		if ahead.End > ahead.Start {
			want = max(want, ahead.End)
		}
		if open {
			want = size // one request streams the rest
		}
		ask(now, min(want, size))
		now = max(now, arrived(end))
	}
	get := rtt + at(size)
	return now, len(reqs), now - get
}

// On the fast wire profile (1 Gbit/s, 117 MB/s of payload, 10 ms round
// trip plus the server's time), a 64 MiB read in the kernel's 128 KiB
// reads loses less than a round trip to the windows of its first
// megabyte: its first request is four reads (it reads from the first byte
// in reads of ReadAheadMin), and its windows grow to the lead once it has
// read leadAfter (512 KiB) in one run. The model loses 7.6 ms so, against
// 17.5 ms with a first request of two reads and the lead after 1 MiB
// (15.3 ms with only the lead's change), in 5 requests instead of 7.
func TestAStreamOnAFastWireLosesLessThanARoundTripToItsFirstWindows(t *testing.T) {
	const k = 1 << 10
	const rtt = 11 * time.Millisecond
	total, n, lost := wireModel(64<<20, 128*k, rtt, 117e6, 128*k, 8<<20, 128*k)
	t.Logf("64 MiB in 128 KiB reads: %v, %d requests, %v beyond one GET", total, n, lost)
	if limit := rtt; lost > limit {
		t.Fatalf("the reader lost %v beyond one GET (%d requests), want at most %v", lost, n, limit)
	}
}

// The reads ffmpeg made through the mount to thumbnail a 9 MB video whose
// index is first (the thumbnails benchmark): its header in one run of 320
// KiB in order, then a jump to the frame. A lead of megabytes must not
// widen that run's windows: with or without one it asks for the same.
func TestAThumbnailersHeaderRunAsksForTheSameWindowsWithALead(t *testing.T) {
	const k = 1 << 10
	const lo, hi, c, lead = 128 * k, 8 << 20, 128 * k, 1536 * k
	reads := [][2]int64{{0, 64 * k}, {64 * k, 192 * k}, {192 * k, 320 * k}, {905216, 950272}, {950272, 1015808}}
	var with, without Stream
	for _, r := range reads {
		a1, o1 := with.Plan(r[0], r[1], lo, hi, c, lead)
		a2, o2 := without.Plan(r[0], r[1], lo, hi, c, 0)
		if a1 != a2 || o1 != o2 {
			t.Fatalf("read [%d, %d): read-ahead %v open %v with a lead, %v open %v without", r[0], r[1], a1, o1, a2, o2)
		}
	}
}
