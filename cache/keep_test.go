package cache

import (
	"context"
	"testing"
)

// An object a Reader has open, with only its start fetched, is fetched
// whole by BeforeDelete: once it returns, the server's copy may go and the
// Reader still reads every byte.
func TestBeforeDeleteFetchesTheRestOfAnObjectReadersHaveOpen(t *testing.T) {
	f := newFake()
	src, data := f.add("held", 3<<20)
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ReadAhead = 0 })
	r := s.Open(src)
	defer r.Close()
	mustEqual(t, "first bytes", readRange(t, r, 0, 4096), data[:4096])
	if r.Complete() {
		t.Fatal("the whole object was fetched by a 4 KiB read; the test shows nothing")
	}
	if err := s.BeforeDelete(context.Background(), src.Key); err != nil {
		t.Fatal(err)
	}
	if !r.Complete() {
		t.Fatal("BeforeDelete returned before the object was whole")
	}
	f.set(func(f *fakeFetcher) { delete(f.objects, src.URL) }) // the server's copy is gone
	mustEqual(t, "after the delete", readAll(t, r, 1<<20), data)
}

// Keep (started by rm, or by Remove when a replacement is uploaded) runs
// in the background; BeforeDelete waits for it rather than starting
// another.
func TestBeforeDeleteWaitsForAKeepInFlight(t *testing.T) {
	f := newFake()
	src, data := f.add("held", 2<<20)
	f.gate = make(chan struct{})
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ReadAhead = 0 })
	r := s.Open(src)
	defer r.Close()
	if !s.Keep(src.Key) {
		t.Fatal("Keep of an open, incomplete object started nothing")
	}
	returned := make(chan error, 1)
	go func() { returned <- s.BeforeDelete(context.Background(), src.Key) }()
	select {
	case f.gate <- struct{}{}: // one body read through: the keep is under way
	case err := <-returned:
		t.Fatalf("BeforeDelete returned (%v) while the keep was held back", err)
	}
	select {
	case err := <-returned:
		t.Fatalf("BeforeDelete returned (%v) while the keep was held back", err)
	default:
	}
	close(f.gate)
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	if !r.Complete() {
		t.Fatal("BeforeDelete returned before the object was whole")
	}
	mustEqual(t, "whole", readAll(t, r, 1<<20), data)
}

// Nobody has the object open: nothing is fetched for a delete.
func TestBeforeDeleteFetchesNothingNobodyHasOpen(t *testing.T) {
	f := newFake()
	src, _ := f.add("idle", 1<<20)
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(src)
	readRange(t, r, 0, 4096)
	r.Close()
	calls := f.numCalls()
	if err := s.BeforeDelete(context.Background(), src.Key); err != nil {
		t.Fatal(err)
	}
	if got := f.numCalls(); got != calls {
		t.Errorf("%d fetches for the delete of an object nobody has open", got-calls)
	}
}

// Remove (the asset is deleted, or about to be) takes the object out of
// the store, but a Reader that has it open gets the rest fetched for it
// before the server's copy goes.
func TestRemoveOfAnObjectReadersHaveOpenFetchesTheRestForThem(t *testing.T) {
	f := newFake()
	src, data := f.add("held", 3<<20)
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ReadAhead = 0 })
	r := s.Open(src)
	defer r.Close()
	readRange(t, r, 0, 4096)
	s.Remove(src.Key)
	if _, ok := s.Has(src.Key); ok {
		t.Error("removed key still cached")
	}
	if err := s.BeforeDelete(context.Background(), src.Key); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *fakeFetcher) { delete(f.objects, src.URL) })
	mustEqual(t, "after the delete", readAll(t, r, 1<<20), data)
	if s.Usage() != 0 {
		t.Errorf("usage %d: the removed object's bytes still count", s.Usage())
	}
}
