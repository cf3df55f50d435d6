package queue

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A FUSE lookup asks the queue about one name (Lookup) and about the
// uploaded items (Uploaded) on every call, while rsync keeps hundreds of
// files queued: neither may copy every queued item. Options.Hold is asked
// once per item copied (snapshotLocked), so counting its calls counts
// them. (Neither scans every item either: byName and told; that cost is
// not observable here.)
func TestLookupOfOneNameLooksOnlyAtTheItemsOfThatName(t *testing.T) {
	var holds atomic.Int64
	e := newEnv(t, func(o *Options) {
		o.Hold = func(n string) bool { holds.Add(1); return strings.HasSuffix(n, ".part") }
	})
	q := e.open()
	for i := 0; i < 50; i++ {
		e.write(q, fmt.Sprintf("held-%02d.part", i), []byte("x"))
	}
	want := e.write(q, "a.png", []byte("png"))

	holds.Store(0)
	it, ok := q.Lookup("a.png")
	if !ok || it.ID != want || it.Name != "a.png" {
		t.Fatalf("Lookup(a.png) = %+v, %v; want item %s", it, ok, want)
	}
	if n := holds.Load(); n > 1 {
		t.Fatalf("Lookup of one name asked Hold %d times: it looked at every queued item", n)
	}
	if _, ok := q.Lookup("held-07.part"); !ok {
		t.Fatal("a held item is not found by its name")
	}
	if _, ok := q.Lookup("b.png"); ok {
		t.Fatal("Lookup found a name nothing was written to")
	}

	holds.Store(0)
	if up := q.Uploaded(); len(up) != 0 {
		t.Fatalf("Uploaded before any upload = %+v", up)
	}
	if n := holds.Load(); n != 0 {
		t.Fatalf("Uploaded asked Hold %d times: it looked at every queued item", n)
	}
	if got := len(q.Items()); got != 51 {
		t.Fatalf("Items = %d, want 51", got)
	}
}

// While an upload lands (its owner is adding the asset: Observer.Uploaded
// runs) its name still leads to the queued file, and Uploaded, which
// listings show as extra assets, does not list it: the owner would
// otherwise see the asset twice, once from the queue while it adds it
// itself. Once landed, Uploaded lists it and the name no longer leads to
// the queued file.
func TestAnUploadIsShownAsItsQueuedFileUntilItHasLanded(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	type seen struct {
		lookup        bool
		landing       bool
		uploadedItems int
	}
	during := make(chan seen, 1)
	var q *Queue
	e.uploadedHook = func(it Item) {
		got, ok := q.Lookup("a.png")
		during <- seen{lookup: ok && got.ID == it.ID, landing: ok && got.Landing && got.Shown(), uploadedItems: len(q.Uploaded())}
	}
	q = e.open()
	id := e.write(q, "a.png", []byte("png"))
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	s := <-during
	if !s.lookup || !s.landing {
		t.Errorf("while landing, Lookup(a.png) found the queued file: %v, Landing and Shown: %v; want both", s.lookup, s.landing)
	}
	if s.uploadedItems != 0 {
		t.Errorf("while landing, Uploaded listed %d items; want none", s.uploadedItems)
	}
	// Landed: Uploaded lists it until the queue removes it; Lookup never
	// leads to it again.
	if it, ok := q.Lookup("a.png"); ok {
		t.Errorf("after landing, Lookup(a.png) = %+v; want nothing", it)
	}
	for _, it := range q.Uploaded() {
		if it.ID != id || it.Landing || it.Shown() {
			t.Errorf("Uploaded after landing: %+v", it)
		}
	}
	e.waitIdle(q)
}

// Wait on an upload that is landing returns once its owner has shown the
// asset (Observer.Uploaded has returned): an open for writing of the
// queued file's node waits so (upload.Session.WaitLanded), then writes the
// asset under its name.
func TestWaitingOnALandingUploadReturnsOnceItHasLanded(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	var q *Queue
	var ownerDone atomic.Bool
	waited := make(chan bool, 1)
	e.uploadedHook = func(it Item) {
		if got, ok := q.Get(it.ID); !ok || !got.Landing {
			t.Errorf("in Observer.Uploaded, the item is not Landing: %+v", got)
		}
		go func() {
			err := q.Wait(context.Background(), it.ID)
			waited <- err == nil && ownerDone.Load()
		}()
		time.Sleep(50 * time.Millisecond) // the owner takes its time
		ownerDone.Store(true)
	}
	q = e.open()
	id := e.write(q, "a.png", []byte("png"))
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if !<-waited {
		t.Error("Wait on a landing upload returned before its owner had shown the asset")
	}
	e.waitIdle(q)
}

// The name index Lookup uses follows every way an item gets, changes or
// loses its name: create, rename, cancel, a finished upload, a reopen.
func TestLookupFindsItemsByTheirCurrentNameThroughRenamesCancelsUploadsAndReopen(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	q := e.open()
	a := e.write(q, "a.png", []byte("a"))
	if err := q.Rename(a, "b.png"); err != nil {
		t.Fatal(err)
	}
	c := e.write(q, "c.png", []byte("c"))
	if err := q.Cancel(c); err != nil {
		t.Fatal(err)
	}
	d := e.write(q, "d.png", []byte("d"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := q.Wait(ctx, d); err != nil { // uploads d now; b.png waits its hour (the clock stands)
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
		q.mu.Lock()
		_, queued := q.items[d]
		q.mu.Unlock()
		if !queued {
			break // uploaded and forgotten
		}
		if time.Now().After(deadline) {
			t.Fatalf("d.png still queued: %+v", q.Items())
		}
	}
	lookups := func(q *Queue) {
		t.Helper()
		if it, ok := q.Lookup("b.png"); !ok || it.ID != a {
			t.Fatalf("Lookup(b.png) = %+v, %v; want the renamed item %s", it, ok, a)
		}
		for _, n := range []string{"a.png", "c.png", "d.png"} {
			if it, ok := q.Lookup(n); ok {
				t.Fatalf("Lookup(%s) = %+v", n, it)
			}
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		n := 0
		for name, its := range q.byName {
			for _, it := range its {
				n++
				if q.items[it.rec.ID] != it || it.rec.Name != name {
					t.Fatalf("byName[%q] holds item %s named %q", name, it.rec.ID, it.rec.Name)
				}
			}
		}
		if n != len(q.items) {
			t.Fatalf("byName holds %d items, the queue %d", n, len(q.items))
		}
		for it := range q.told {
			if q.items[it.rec.ID] != it {
				t.Fatalf("told holds item %s, which the queue dropped", it.rec.ID)
			}
		}
	}
	lookups(q)
	abort(q)
	lookups(e.open())
}
