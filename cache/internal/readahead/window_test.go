package readahead

import (
	"testing"

	"github.com/kreafs/kreafs/cache/internal/ranges"
)

// The window plan alone: a stream starts with a small window, asks for the
// next one (twice as large) only once the reader's next read would be half
// through the last, turns open-ended at the ceiling, and a seek ends the
// stream.
func TestReadAheadPlanStartsSmallDoublesOnlyWhenNeededAndRestartsAfterASeek(t *testing.T) {
	const k = 1 << 10
	const lo, hi, c = 256 * k, 2048 * k, 128 * k
	var ra Stream
	type step struct {
		off, end int64
		ahead    ranges.Span
		open     bool
	}
	for i, s := range []step{
		{0, 16 * k, ranges.Span{Start: 16 * k, End: 256 * k}, false},                               // first read: its bytes and 256 KiB
		{16 * k, 64 * k, ranges.Span{}, false},                                                     // inside the first window: nothing new
		{64 * k, 192 * k, ranges.Span{Start: 192 * k, End: 768 * k}, false},                        // its next read would be within half a window of the end: the next, 512 KiB
		{192 * k, 256 * k, ranges.Span{}, false},                                                   // its next read would not be half through the new one
		{256 * k, 448 * k, ranges.Span{Start: 448 * k, End: 1792 * k}, false},                      // this one's would (192 KiB reads): 1 MiB more
		{448 * k, 1536 * k, ranges.Span{Start: 1536 * k, End: 3840 * k}, true},                     // 2 MiB: the ceiling, open-ended from here
		{1536 * k, 2048 * k, ranges.Span{Start: 2048 * k, End: 4096 * k}, true},                    // kept hi past the reader
		{2048 * k, 2560 * k, ranges.Span{Start: 2560 * k, End: 4608 * k}, true},                    // and again
		{1800 * k, 1900 * k, ranges.Span{Start: 1900 * k, End: 4608 * k}, true},                    // a little backwards: still the stream
		{20 << 20, 20<<20 + 100, ranges.Span{}, false},                                             // a seek: no read-ahead
		{20<<20 + 100, 20<<20 + 4*k, ranges.Span{Start: 20<<20 + 4*k, End: 20<<20 + 256*k}, false}, // then small again
	} {
		ahead, open := ra.Plan(s.off, s.end, lo, hi, c, 0)
		if ahead != s.ahead || open != s.open {
			t.Fatalf("read %d [%d, %d): read-ahead %v open %v, want %v open %v", i, s.off, s.end, ahead, open, s.ahead, s.open)
		}
	}

	// A program that reads 1 MiB at a time gets at least its next read
	// ahead from the start; from the first byte, three (here up to the
	// ceiling, so open-ended at once).
	var big Stream
	for i, s := range []step{
		{0, 1024 * k, ranges.Span{Start: 1024 * k, End: 3072 * k}, true},
		{1024 * k, 2048 * k, ranges.Span{Start: 2048 * k, End: 4096 * k}, true},
	} {
		ahead, open := big.Plan(s.off, s.end, lo, hi, c, 0)
		if ahead != s.ahead || open != s.open {
			t.Fatalf("1 MiB read %d [%d, %d): read-ahead %v open %v, want %v open %v", i, s.off, s.end, ahead, open, s.ahead, s.open)
		}
	}
	// The same reads from elsewhere than the first byte (after a seek):
	// one read ahead.
	var mid Stream
	mid.Plan(8<<20, 8<<20+100, lo, hi, c, 0) // the first read: no stream yet
	if ahead, open := mid.Plan(8<<20+100, 8<<20+100+1024*k, lo, hi, c, 0); ahead.End != 8<<20+2048*k || open {
		t.Fatalf("1 MiB read after a seek: read-ahead %v open %v, want to %d, bounded", ahead, open, 8<<20+2048*k)
	}

	// Read-ahead turned off: nothing beyond the read, ever.
	var off Stream
	for i := int64(0); i < 8; i++ {
		if ahead, open := off.Plan(i*c, (i+1)*c, lo, 0, c, 0); ahead.End > ahead.Start || open {
			t.Fatalf("with no read-ahead, read %d got %v open %v", i, ahead, open)
		}
	}
}
