package assets

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// The listing an `ls` of assets/ fetched is saved (for when the API is
// down) only after the kernel has read it and ls had time to print it,
// not while ls waits for its entries: encoding and writing the listing of
// a big account takes CPU a cold ls -l needs.
func TestTheListingIsSavedOnceTheKernelHasReadItNotWhileLsWaits(t *testing.T) {
	d := newListingTree(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	saved := func() bool {
		_, _, err := d.snap.Load()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}

	endRead := d.dc.reads.begin() // an open of assets/ being read, as OpendirHandle begins it
	if _, err := d.table(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if saved() {
		t.Fatal("the listing was saved while the kernel was still reading it")
	}
	endRead()
	ended := time.Now()
	for !saved() {
		if time.Since(ended) > saveQuiet+2*time.Second {
			t.Fatalf("the listing was not saved %v after the read ended", time.Since(ended))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(ended); took < saveQuiet-50*time.Millisecond {
		t.Errorf("saved %v after the read ended, want about %v later (ls sorts and prints then)", took, saveQuiet)
	}
}

// The wait for reads ends when reads are done and quiet, after at most
// its bound (a listing read for too long is saved anyway), and at once
// when nothing was read (a listing nobody reads is saved at once) or the
// mount stops.
func TestWaitingForQuietReadsIsBounded(t *testing.T) {
	var r listReads
	start := time.Now()
	r.waitQuiet(context.Background(), time.Second, time.Minute)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("with no read ever, the wait took %v", d)
	}
	end := r.begin()
	start = time.Now()
	r.waitQuiet(context.Background(), time.Second, 200*time.Millisecond)
	if d := time.Since(start); d < 190*time.Millisecond || d > time.Second {
		t.Errorf("with a read in progress, a wait bounded at 200 ms took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	r.waitQuiet(ctx, time.Second, time.Minute)
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("a wait whose mount stopped after 100 ms took %v", d)
	}
	end()
	end() // a second end (release after the end was read) changes nothing
	r.mu.Lock()
	n := r.n
	r.mu.Unlock()
	if n != 0 {
		t.Fatalf("after one read ended twice, %d reads are counted", n)
	}
	other := r.begin()
	go func() { time.Sleep(100 * time.Millisecond); other() }()
	start = time.Now()
	r.waitQuiet(context.Background(), 200*time.Millisecond, time.Minute)
	if d := time.Since(start); d < 290*time.Millisecond || d > 2*time.Second {
		t.Errorf("a read ending after 100 ms, then 200 ms of quiet: the wait took %v", d)
	}
}
