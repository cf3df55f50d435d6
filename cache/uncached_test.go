package cache

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

// diskAlwaysFull makes every data file write of s fail with ENOSPC.
func diskAlwaysFull(s *Store) {
	s.writeAt = func(fh *os.File, p []byte, off int64) (int, error) {
		return 0, &os.PathError{Op: "write", Path: fh.Name(), Err: syscall.ENOSPC}
	}
}

func TestAFullDiskIsReadUncachedWithOneRequestForASequentialRead(t *testing.T) {
	f := newFake()
	src, data := f.add("big", 1<<20+123)
	s := testStore(t, t.TempDir(), f, nil)
	diskAlwaysFull(s)
	r := s.Open(src)
	defer r.Close()
	if _, err := r.Ensure(context.Background(), 0, 4096); !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Ensure on a full disk: %v, want ErrDiskFull (ENOSPC)", err)
	}
	before := f.numCalls()
	mustEqual(t, "uncached read", readAllWith(t, r.ReadUncached, 64<<10), data)
	if n := f.numCalls() - before; n != 1 {
		t.Errorf("a sequential uncached read made %d requests, want 1", n)
	}
	before = f.numCalls()
	if _, err := r.Ensure(context.Background(), 0, 4096); !errors.Is(err, ErrDiskFull) {
		t.Errorf("second Ensure: %v, want ErrDiskFull", err)
	}
	if n := f.numCalls() - before; n != 0 {
		t.Errorf("Ensure after a full disk started %d requests, want none", n)
	}
	// A read elsewhere starts a request there.
	got := make([]byte, 1000)
	if n, err := r.ReadUncached(context.Background(), got, 500_000); n != 1000 || err != nil {
		t.Fatalf("ReadUncached at 500000 = %d, %v", n, err)
	}
	mustEqual(t, "read at 500000", got, data[500_000:501_000])
	if n, err := r.ReadUncached(context.Background(), got, int64(len(data))); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadUncached at the end = %d, %v; want 0, io.EOF", n, err)
	}
	if _, complete := s.Has("big"); complete {
		t.Error("a full disk holds the whole object")
	}

	// ReadAt falls back by itself (fs uses it to copy an asset's bytes).
	r2 := s.Open(src)
	defer r2.Close()
	mustEqual(t, "ReadAt on a full disk", readAll(t, r2, 100<<10), data)
}

// Sequential reads that arrive a little out of order (FUSE runs them
// concurrently) share one response: the read ahead waits for its turn.
func TestUncachedReadsSlightlyOutOfOrderShareOneRequest(t *testing.T) {
	f := newFake()
	src, data := f.add("order", 1<<20)
	s := testStore(t, t.TempDir(), f, nil)
	diskAlwaysFull(s)
	r := s.Open(src)
	defer r.Close()
	if _, err := r.Ensure(context.Background(), 0, 1); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Ensure: %v", err)
	}
	const step = 64 << 10
	first := make([]byte, step)
	if _, err := r.ReadUncached(context.Background(), first, 0); err != nil {
		t.Fatal(err)
	}
	before := f.numCalls()
	got := make([][]byte, 3)
	done := make(chan error, 3)
	for i := 3; i >= 1; i-- { // the last one first
		go func() {
			b := make([]byte, step)
			_, err := r.ReadUncached(context.Background(), b, int64(i)*step)
			got[i-1] = b
			done <- err
		}()
		time.Sleep(10 * time.Millisecond)
	}
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range got {
		mustEqual(t, "read out of order", b, data[(i+1)*step:(i+2)*step])
	}
	if n := f.numCalls() - before; n != 0 {
		t.Errorf("reads out of order made %d more requests, want 0", n)
	}
}

func TestUncachedReadResumesCutConnections(t *testing.T) {
	for _, hide := range []bool{false, true} {
		f := newFake()
		src, data := f.add("cut", 300<<10)
		f.set(func(f *fakeFetcher) { f.cutAfter = 70 << 10; f.hideSize = hide })
		s := testStore(t, t.TempDir(), f, nil)
		diskAlwaysFull(s)
		r := s.Open(src)
		if _, err := r.Ensure(context.Background(), 0, 1); !errors.Is(err, ErrDiskFull) {
			t.Fatalf("Ensure: %v", err)
		}
		// A cut is an error, not an end, with or without a size.
		mustEqual(t, "read through cuts", readAllWith(t, r.ReadUncached, 32<<10), data)
		r.Close()
	}
}

func TestUncachedReadStallsAndCancels(t *testing.T) {
	f := newFake()
	src, _ := f.add("slow", 200<<10)
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.StallTimeout = 100 * time.Millisecond })
	diskAlwaysFull(s)
	r := s.Open(src)
	defer r.Close()
	if _, err := r.Ensure(context.Background(), 0, 1); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Ensure: %v", err)
	}
	f.set(func(f *fakeFetcher) { f.stall = true })
	buf := make([]byte, 4096)
	if _, err := r.ReadUncached(context.Background(), buf, 0); !errors.Is(err, ErrStalled) {
		t.Errorf("silent server: %v, want ErrStalled", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := r.ReadUncached(ctx, buf, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v, want context.Canceled", err)
	}
}
