package readahead

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/cache/internal/ranges"
)

// The lead is leadMargin round trips at the measured rate, in whole
// chunks, capped; samples too short to say anything are left out.
func TestTheLeadIsWhatTheNetworkDeliversInARoundTrip(t *testing.T) {
	const c = 128 << 10
	var e Link
	if got := e.Lead(c, 4<<20); got != 0 {
		t.Fatalf("lead with nothing measured = %d, want 0", got)
	}
	e.AddRTT(10 * time.Millisecond)
	e.AddRate(64<<10, 10*time.Millisecond) // too few bytes
	e.AddRate(1<<20, 100*time.Microsecond) // too short
	if got := e.Lead(c, 4<<20); got != 0 {
		t.Fatalf("lead after samples too small to count = %d, want 0", got)
	}
	e.AddRate(1_000_000, 10*time.Millisecond) // 100 MB/s: 1 MB a round trip
	if got, want := e.Lead(c, 4<<20), ranges.AlignUp(1_500_000, c); got != want {
		t.Fatalf("lead at 10 ms and 100 MB/s = %d, want %d", got, want)
	}
	if got := e.Lead(c, 1<<20); got != 1<<20 {
		t.Fatalf("lead above the limit = %d, want the limit", got)
	}
	// A slower sample moves the average a quarter of the way.
	e.AddRate(200_000, 10*time.Millisecond) // 20 MB/s
	if got, want := e.Lead(c, 4<<20), ranges.AlignUp(int64(80e6*0.01*leadMargin), c); got != want {
		t.Fatalf("lead after a slower sample = %d, want %d", got, want)
	}
}

// On a fast wire, once a stream has read leadAfter in order, its next
// window is asked for a round trip's bytes ahead of the reader, not half a
// window: each such request of a 64 MiB read in 128 KiB reads after the
// first is asked for while at least the lead is still ahead of the reader.
// Without a lead the same windows are asked for with less than that ahead.
func TestAFastWireAsksForTheNextWindowARoundTripAhead(t *testing.T) {
	const k = 1 << 10
	const lo, hi, c = 128 * k, 8 << 20, 128 * k
	const lead = 1536 * k // 1 Gbit/s, 10 ms, leadMargin
	run := func(withLead int64) (requests, late, short int) {
		var ra Stream
		for off := int64(0); off < 64<<20; off += 128 * k {
			end := off + 128*k
			before, wasOpen := ra.end, ra.size >= hi
			ahead, _ := ra.Plan(off, end, lo, hi, c, withLead)
			if ahead.End <= before || wasOpen {
				continue // nothing new, or the open-ended request's end pushed on
			}
			requests++
			if end-128*k >= leadAfter { // asked for after the previous read had leadAfter
				late++
				if late > 1 && before-end < lead {
					short++
				}
			}
		}
		return requests, late, short
	}
	n, late, short := run(lead)
	if n > 7 || late < 2 || short != 0 {
		t.Fatalf("with a lead of %d: %d requests, %d after %d read, %d of them (after the first) asked for less than the lead ahead; want at most 7, 2 or more, 0",
			lead, n, late, leadAfter, short)
	}
	if n, _, short := run(0); n != 6 || short == 0 {
		t.Fatalf("without a lead: %d requests, %d short; want the 6 windows (a first request of four reads, then doubling), some short of %d", n, short, lead)
	}

	// A probe's reads (a video's header in 32 KiB reads, up to just
	// below leadAfter) ask for the same windows with a lead as without: a
	// lead of megabytes is for streams that have read leadAfter in order.
	var with, without Stream
	for off := int64(0); off+32*k < leadAfter; off += 32 * k {
		a1, _ := with.Plan(off, off+32*k, lo, hi, c, lead)
		a2, _ := without.Plan(off, off+32*k, lo, hi, c, 0)
		if a1 != a2 {
			t.Fatalf("probe read at %d: read-ahead %v with a lead, %v without", off, a1, a2)
		}
	}
}
