package readahead

import "github.com/kreafs/kreafs/cache/internal/ranges"

// A read is sequential when it starts at most seqBack before the furthest
// end of the stream's reads, or after it by at most its own length or
// seqAhead, or anywhere within the read-ahead already requested: the
// kernel sends its own read-ahead as several requests at once (up to 1 MiB
// each), which may arrive a little out of order. A jump further ahead (a
// program seeking past data it skips) is a seek.
const (
	seqBack  = 1 << 20
	seqAhead = 128 << 10
)

// Stream is one reader's sequential stream. The zero Stream has no read
// yet.
type Stream struct {
	start int64 // where the stream's current run of adjacent reads began (see Plan)
	next  int64 // the furthest end of the stream's reads (the previous read's end after a seek)
	size  int64 // the last window's size; 0: no stream (no read yet, or after a seek)
	end   int64 // where the read-ahead requested so far ends
}

// Active reports whether the reader is in a sequential stream.
func (ra *Stream) Active() bool { return ra.size > 0 }

// End is where the read-ahead requested so far ends.
func (ra *Stream) End() int64 { return ra.end }

// Plan records a read of [off, end) and returns the range to fetch beyond
// it (empty: nothing new) and whether requests for the stream should be
// open-ended (the window reached hi). lo and hi are ReadAheadMin and
// ReadAhead (hi 0: no read-ahead); lead is how far ahead of the reader the
// next window must be asked for (Link.Lead; 0: unknown, at most hi/2);
// window ends are rounded down to whole chunks of c, so a window's request
// is whole chunks.
func (ra *Stream) Plan(off, end, lo, hi, c, lead int64) (ahead ranges.Span, open bool) {
	if hi <= 0 || off < ra.next-seqBack || off > max(ra.next+max(end-off, seqAhead), ra.end) {
		*ra = Stream{next: end}
		return ranges.Span{}, false
	}
	if ra.size > 0 && off > ra.next+max(end-off, seqAhead) {
		// Still the stream (within its read-ahead), but the reader
		// skipped bytes: a thumbnailer that read a video's header jumps
		// to a frame the header's windows covered. Its run of adjacent
		// reads starts again here.
		ra.start = off
	}
	ra.next = max(ra.next, end)
	if end-ra.start < leadAfter {
		// A run that has not yet read leadAfter of adjacent bytes may be
		// a probe (a video's header, its index, a frame): it grows by
		// doubling only.
		lead = 0
	}
	switch {
	case ra.size >= hi:
		// Full size: the stream's open-ended request is kept hi ahead.
		ra.end = max(ra.end, end+hi)
		return ranges.Span{Start: end, End: ra.end}, true
	case ra.size == 0:
		// The first read of a stream: its bytes and a first window,
		// of at least one more read of the same size.
		ra.start = off
		ra.size = min(max(lo, end-off), hi)
		if off == 0 && end-off >= lo {
			// A program that reads the file from its first byte
			// in reads of lo or more (cat, cp, a checksum; the
			// kernel's whole read-ahead at once): three more reads,
			// so that its second request is asked for while the
			// first still has two reads to arrive, not after it.
			ra.size = min(3*(end-off), hi)
		}
		ra.end = windowEnd(end, ra.size, c)
	case end+(end-off) > ra.end-max(ra.size/2, lead):
		// The reader's next read of this size would be within half a
		// window, or within a round trip's bytes, of the end of what was
		// requested: request the next window now, twice as large (and at
		// least one more read), so that it arrives before the reader
		// does. At least twice the lead too: the reader then goes a lead's
		// bytes before it asks again, and a stream has one request in
		// flight beside the one it reads from, not several.
		ra.size = min(max(2*ra.size, end-off, 2*lead), hi)
		ra.end = windowEnd(max(ra.end, end), ra.size, c)
	default:
		return ranges.Span{}, false
	}
	return ranges.Span{Start: end, End: ra.end}, ra.size >= hi
}

// windowEnd is the end of a window of size bytes from from, rounded down
// to a chunk boundary but at least one byte past from.
func windowEnd(from, size, c int64) int64 {
	e := ranges.AlignDown(from+size, c)
	if e <= from {
		e = from + size
	}
	return e
}
