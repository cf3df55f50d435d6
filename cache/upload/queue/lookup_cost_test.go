package queue

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// A FUSE lookup asks the queue about one name (Lookup) and about the
// uploaded items (Uploaded) on every call, while rsync keeps hundreds of
// files queued: neither may look at every queued item. Options.Hold is
// asked once per item looked at, so counting its calls counts them.
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
