package cache

import (
	"testing"
	"time"
)

// Through the store: the lead is measured on the store's own downloads
// (a fetcher that answers after 100 ms and sends 256 KiB a millisecond at
// most), so a whole sequential read of 12 MiB costs 5 or 6 requests (the
// windows of its first MiB, then the lead's), not the 7 of a window per
// doubling (128 KiB to 4 MiB, then the open-ended rest).
func TestASequentialReadOverASlowRoundTripMeasuresItsLeadAndAsksForFewWindows(t *testing.T) {
	f := newFake()
	src, data := f.add("far", 12<<20)
	f.set(func(f *fakeFetcher) {
		f.headerDelay, f.readDelay, f.step = 100*time.Millisecond, time.Millisecond, 256<<10
	})
	s := testStore(t, t.TempDir(), f, func(o *Options) {
		o.ChunkSize, o.ReadAheadMin, o.ReadAhead = DefaultChunkSize, DefaultReadAheadMin, DefaultReadAhead
	})
	// A first object teaches the store the round trip and the rate.
	warm, _ := f.add("near", 1<<20)
	rw := s.Open(warm)
	readAll(t, rw, 128<<10)
	rw.Close()
	waitIdle(t, s)
	if lead := s.link.Lead(DefaultChunkSize, DefaultReadAhead/2); lead < 1<<20 {
		t.Fatalf("lead after reading at 100 ms round trips = %d, want at least 1 MiB", lead)
	}
	before := f.numCalls()
	r := s.Open(src)
	defer r.Close()
	mustEqual(t, "whole object", readAll(t, r, 128<<10), data)
	calls := f.callList()[before:]
	if len(calls) > 6 {
		t.Fatalf("%d requests for a sequential read with a lead, want at most 6: %+v", len(calls), calls)
	}
	if got := f.bytesServed(); got != int64(len(data))+1<<20 {
		t.Errorf("served %d bytes, want each byte once (%d)", got, len(data)+1<<20)
	}
}
