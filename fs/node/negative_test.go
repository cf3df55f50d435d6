package node

import (
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// lookupFS answers every LOOKUP as its func says.
type lookupFS struct {
	fuse.RawFileSystem
	answer func(out *fuse.EntryOut) fuse.Status
}

func (f lookupFS) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	return f.answer(out)
}

func TestOnlyAMissMarkedWithCacheMissBecomesANegativeEntry(t *testing.T) {
	for _, c := range []struct {
		name     string
		answer   func(out *fuse.EntryOut) fuse.Status
		want     fuse.Status
		wantKept time.Duration
	}{
		{"marked miss", func(out *fuse.EntryOut) fuse.Status { CacheMiss(out, 700*time.Millisecond); return fuse.ENOENT }, fuse.OK, 700 * time.Millisecond},
		{"plain miss", func(out *fuse.EntryOut) fuse.Status { return fuse.ENOENT }, fuse.ENOENT, 0},
		{"marked for 0", func(out *fuse.EntryOut) fuse.Status { CacheMiss(out, 0); return fuse.ENOENT }, fuse.ENOENT, 0},
		{"marked, then another error", func(out *fuse.EntryOut) fuse.Status { CacheMiss(out, time.Second); return fuse.EIO }, fuse.EIO, 0},
		{"marked, then found (the bridge set the node)", func(out *fuse.EntryOut) fuse.Status {
			CacheMiss(out, time.Second)
			out.NodeId, out.Generation = 7, 1
			out.SetEntryTimeout(time.Minute)
			return fuse.OK
		}, fuse.OK, time.Minute},
	} {
		var out fuse.EntryOut
		st := NegativeEntries(lookupFS{answer: c.answer}).Lookup(nil, &fuse.InHeader{}, "x.png", &out)
		if st != c.want || out.EntryTimeout() != c.wantKept || out.Generation == missMarker {
			t.Errorf("%s: status %v, kept %v, generation %x; want %v, %v", c.name, st, out.EntryTimeout(), out.Generation, c.want, c.wantKept)
		}
		if st == fuse.OK && c.want == fuse.OK && c.wantKept < time.Minute && out.NodeId != 0 {
			t.Errorf("%s: a negative entry names node %d", c.name, out.NodeId)
		}
	}
}
