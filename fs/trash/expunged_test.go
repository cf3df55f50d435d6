package trash

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/node"
)

// testTrash is a Trash over an in-memory state, with a clock the test
// moves.
func testTrash(t *testing.T, now *time.Time) (*Trash, *state.Trash) {
	t.Helper()
	st, err := state.OpenTrash("")
	if err != nil {
		t.Fatal(err)
	}
	m := &node.Mount{Started: *now}
	m.Cfg.Clock = func() time.Time { return *now }
	return New(m, st, nil), st
}

func TestTheTrashsMtimeMovesOnlyWhenWhatItHoldsChanges(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	r, st := testTrash(t, &now)
	start := now
	if got := r.changedAt(); !got.Equal(start) {
		t.Fatalf("empty trash: mtime %v, want the mount's start %v", got, start)
	}
	now = now.Add(time.Second)
	if got := r.changedAt(); !got.Equal(start) {
		t.Errorf("nothing changed: mtime %v, want %v", got, start)
	}
	if err := st.Put(state.TrashEntry{Name: "a.png", ID: "id-a", HasInfo: true}); err != nil {
		t.Fatal(err)
	}
	trashed := now
	if got := r.changedAt(); !got.Equal(trashed) {
		t.Errorf("after a trashing: mtime %v, want %v", got, trashed)
	}
	now = now.Add(time.Second)
	if !r.ex.put("123", "a.png") {
		t.Fatal("expunged/123 refused")
	}
	if got := r.changedAt(); !got.Equal(now) {
		t.Errorf("after a move into expunged/: mtime %v, want %v", got, now)
	}
	// A restore and a trash again between two looks: as it was, so a
	// reader that saw it before need not list it again.
	last := now
	now = now.Add(time.Second)
	r.ex.remove("123")
	if err := st.Remove("a.png"); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(state.TrashEntry{Name: "a.png", ID: "id-a", HasInfo: true}); err != nil {
		t.Fatal(err)
	}
	if !r.ex.put("123", "a.png") {
		t.Fatal("expunged/123 refused")
	}
	if got := r.changedAt(); !got.Equal(last) {
		t.Errorf("back as it was: mtime %v, want %v", got, last)
	}
}

func TestExpungedNamesHoldOneItemEach(t *testing.T) {
	var x expunging
	if !x.put("1", "a.png") || x.put("1", "b.png") || x.put("2", "a.png") {
		t.Fatal("a name or an item taken twice")
	}
	if !x.has("a.png") || x.has("b.png") {
		t.Error("has")
	}
	if item, ok := x.get("1"); !ok || item != "a.png" {
		t.Errorf("get(1) = %q, %v", item, ok)
	}
	x.remove("1")
	if x.has("a.png") || len(x.names()) != 0 {
		t.Errorf("after remove: has %v, names %q", x.has("a.png"), x.names())
	}
}
