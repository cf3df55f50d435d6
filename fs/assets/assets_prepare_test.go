package assets

import (
	"sync/atomic"
	"testing"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

func TestAPreparedEntryIsUsedOnceAndOnlyWhenReady(t *testing.T) {
	p := &prepared{state: make([]atomic.Uint32, 3), entry: make([]preparedEntry, 3)}
	ch := &gofs.Inode{}
	p.entry[0] = preparedEntry{ch: ch, out: fuse.EntryOut{Attr: fuse.Attr{Size: 42}}}
	p.state[0].Store(prepReady)
	p.state[1].Store(prepBusy)
	var out fuse.EntryOut
	if got := p.take(0, &out); got != ch || out.Attr.Size != 42 {
		t.Fatalf("take of a ready entry: %p size %d; want the prepared inode and its attributes", got, out.Attr.Size)
	}
	if got := p.take(0, &out); got != nil {
		t.Error("a prepared entry was used twice (after a rewind, say)")
	}
	if got := p.take(1, &out); got != nil || p.state[1].Load() != prepUsed {
		t.Error("an entry still being prepared was used, or can still be")
	}
	if got := p.take(2, &out); got != nil || p.state[2].Load() != prepUsed {
		t.Error("an entry asked for before its preparation started can still be prepared")
	}
	if got := (*prepared)(nil).take(0, &out); got != nil || p.take(7, &out) != nil {
		t.Error("no preparation, or an index out of range, gave an inode")
	}
}
