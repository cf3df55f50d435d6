package cache

import (
	"cmp"
	"slices"
	"testing"
)

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
