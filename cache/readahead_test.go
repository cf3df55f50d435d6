package cache

import (
	"cmp"
	"slices"
	"testing"
)

// The window plan alone: a stream starts with a small window, asks for the
// next one (twice as large) only once the reader's next read would be half
// through the last, turns open-ended at the ceiling, and a seek ends the
// stream.
func TestReadAheadPlanStartsSmallDoublesOnlyWhenNeededAndRestartsAfterASeek(t *testing.T) {
	const k = 1 << 10
	const lo, hi, c = 256 * k, 2048 * k, 128 * k
	var ra readAhead
	type step struct {
		off, end int64
		ahead    span
		open     bool
	}
	for i, s := range []step{
		{0, 16 * k, span{16 * k, 256 * k}, false},                               // first read: its bytes and 256 KiB
		{16 * k, 64 * k, span{}, false},                                         // inside the first window: nothing new
		{64 * k, 192 * k, span{192 * k, 768 * k}, false},                        // its next read would be within half a window of the end: the next, 512 KiB
		{192 * k, 256 * k, span{}, false},                                       // its next read would not be half through the new one
		{256 * k, 448 * k, span{448 * k, 1792 * k}, false},                      // this one's would (192 KiB reads): 1 MiB more
		{448 * k, 1536 * k, span{1536 * k, 3840 * k}, true},                     // 2 MiB: the ceiling, open-ended from here
		{1536 * k, 2048 * k, span{2048 * k, 4096 * k}, true},                    // kept hi past the reader
		{2048 * k, 2560 * k, span{2560 * k, 4608 * k}, true},                    // and again
		{1800 * k, 1900 * k, span{1900 * k, 4608 * k}, true},                    // a little backwards: still the stream
		{20 << 20, 20<<20 + 100, span{}, false},                                 // a seek: no read-ahead
		{20<<20 + 100, 20<<20 + 4*k, span{20<<20 + 4*k, 20<<20 + 256*k}, false}, // then small again
	} {
		ahead, open := ra.plan(s.off, s.end, lo, hi, c, 0)
		if ahead != s.ahead || open != s.open {
			t.Fatalf("read %d [%d, %d): read-ahead %v open %v, want %v open %v", i, s.off, s.end, ahead, open, s.ahead, s.open)
		}
	}

	// A program that reads 1 MiB at a time gets at least its next read
	// ahead from the start.
	var big readAhead
	for i, s := range []step{
		{0, 1024 * k, span{1024 * k, 2048 * k}, false},
		{1024 * k, 2048 * k, span{2048 * k, 4096 * k}, true},
	} {
		ahead, open := big.plan(s.off, s.end, lo, hi, c, 0)
		if ahead != s.ahead || open != s.open {
			t.Fatalf("1 MiB read %d [%d, %d): read-ahead %v open %v, want %v open %v", i, s.off, s.end, ahead, open, s.ahead, s.open)
		}
	}

	// Read-ahead turned off: nothing beyond the read, ever.
	var off readAhead
	for i := int64(0); i < 8; i++ {
		if ahead, open := off.plan(i*c, (i+1)*c, lo, 0, c, 0); ahead.End > ahead.Start || open {
			t.Fatalf("with no read-ahead, read %d got %v open %v", i, ahead, open)
		}
	}
}

// A read of a few bytes of a cold object costs one request of the first
// window, not the ceiling.
func TestSmallReadOfAColdObjectFetchesOnlyTheFirstWindow(t *testing.T) {
	f := newFake()
	src, data := f.add("movie", 16<<20)
	s := testStore(t, t.TempDir(), f, func(o *Options) {
		o.ChunkSize, o.ReadAheadMin, o.ReadAhead = DefaultChunkSize, DefaultReadAheadMin, DefaultReadAhead
	})
	r := s.Open(src)
	mustEqual(t, "first 100 bytes", readRange(t, r, 0, 100), data[:100])
	r.Close()
	waitFor(t, "the first window", func() bool { return s.Usage() >= DefaultReadAheadMin })
	waitIdle(t, s)
	calls := f.callList()
	if len(calls) != 1 || calls[0].Off != 0 || calls[0].Length != DefaultReadAheadMin {
		t.Fatalf("calls %+v, want one of [0, %d)", calls, DefaultReadAheadMin)
	}
	if got := f.bytesServed(); got != DefaultReadAheadMin {
		t.Errorf("served %d bytes for a 100-byte read, want %d", got, DefaultReadAheadMin)
	}
}

// A whole sequential read asks for growing windows, then streams the rest
// in one open-ended request; no byte is fetched twice.
func TestSequentialReadGrowsItsRequestsThenStreamsTheRest(t *testing.T) {
	f := newFake()
	src, data := f.add("long", 24<<20)
	s := testStore(t, t.TempDir(), f, func(o *Options) {
		o.ChunkSize, o.ReadAheadMin, o.ReadAhead = DefaultChunkSize, DefaultReadAheadMin, DefaultReadAhead
	})
	r := s.Open(src)
	defer r.Close()
	mustEqual(t, "whole object", readAll(t, r, 128<<10), data)
	// In the order of the object: two windows asked for one read apart
	// may reach the fetcher in either order.
	calls := f.callList()
	slices.SortFunc(calls, func(a, b fetchCall) int { return cmp.Compare(a.Off, b.Off) })
	t.Logf("calls: %+v", calls)
	// 128 KiB reads: windows from 128 KiB doubling to 4 MiB, then open-ended at 8 MiB.
	if len(calls) < 2 || len(calls) > 8 {
		t.Fatalf("%d requests for a sequential read, want a few: %+v", len(calls), calls)
	}
	for i, c := range calls[:len(calls)-1] {
		if c.Length <= 0 {
			t.Errorf("request %d %+v is open-ended before the window reached the ceiling", i, c)
		}
		if i > 0 && c.Length < calls[i-1].Length {
			t.Errorf("request %d %+v is smaller than the one before", i, c)
		}
	}
	if last := calls[len(calls)-1]; last.Length >= 0 {
		t.Errorf("the last request %+v is bounded, want open-ended", last)
	}
	if got := f.bytesServed(); got != int64(len(data)) {
		t.Errorf("served %d bytes for a %d-byte object", got, len(data))
	}
}

// After a long sequential read, a seek fetches the chunk it needs, and the
// sequential reads after it start again from the first window.
func TestSeekRestartsReadAheadSmall(t *testing.T) {
	f := newFake()
	src, data := f.add("seek", 32<<20)
	s := testStore(t, t.TempDir(), f, func(o *Options) {
		o.ChunkSize, o.ReadAheadMin, o.ReadAhead = DefaultChunkSize, DefaultReadAheadMin, DefaultReadAhead
	})
	r := s.Open(src)
	defer r.Close()
	for off := int64(0); off < 6<<20; off += 128 << 10 {
		readRange(t, r, off, 128<<10)
	}
	// The calls for the bytes after the seek (the sequential part's
	// read-ahead may still be starting its request, below 16 MiB).
	const at = 24 << 20
	callsFrom := func() []fetchCall {
		var out []fetchCall
		for _, c := range f.callList() {
			if c.Off >= 16<<20 {
				out = append(out, c)
			}
		}
		return out
	}

	mustEqual(t, "after the seek", readRange(t, r, at, 4096), data[at:at+4096])
	calls := callsFrom()
	if len(calls) != 1 || calls[0].Off != at || calls[0].Length != DefaultChunkSize {
		t.Fatalf("a 4 KiB read after a seek made calls %+v, want one chunk at %d", calls, at)
	}
	const on = at + 128<<10 // reading on to the end of that chunk
	mustEqual(t, "reading on", readRange(t, r, at+4096, on-at-4096), data[at+4096:on])
	waitFor(t, "the first window's request", func() bool { return len(callsFrom()) > 1 })
	waitIdleObject(t, s, src.Key)
	calls = callsFrom()[1:]
	if len(calls) != 1 || calls[0].Length <= 0 || calls[0].Off != on || calls[0].Length != DefaultReadAheadMin {
		t.Fatalf("the read after it made calls %+v, want one first window", calls)
	}
}

// waitIdleObject waits until the object's downloads that have a logical
// end within reach are done (an open-ended one may park).
func waitIdleObject(t *testing.T, s *Store, key string) {
	t.Helper()
	waitFor(t, "bounded downloads to end", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		o, _ := s.lru.Peek(key)
		for _, d := range o.downloads {
			if !d.open {
				return false
			}
		}
		return true
	})
}

// waitIdle waits until no download runs.
func waitIdle(t *testing.T, s *Store) {
	t.Helper()
	waitFor(t, "downloads to end", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, o := range s.lru.Values() {
			if len(o.downloads) > 0 {
				return false
			}
		}
		return true
	})
}
