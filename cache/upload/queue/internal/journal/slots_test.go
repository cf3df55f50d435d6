package journal

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestLayout(t *testing.T) Layout {
	t.Helper()
	l, err := NewLayout(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func rec(id, name string) Record {
	return Record{ID: id, Name: name, State: Pending, Size: 1}
}

func load(t *testing.T, dir string) (map[string]Record, map[string]string) {
	t.Helper()
	l, err := NewLayout(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, bad, err := l.LoadRecords()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Record{}
	for _, r := range recs {
		out[r.ID] = r
	}
	return out, bad
}

// writeOldRecord writes r as kreafs before the slots did: journal/<id>.json,
// indented JSON, no checksum.
func writeOldRecord(t *testing.T, l Layout, r Record) {
	t.Helper()
	r.V = Version
	b, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(l.Journal, r.ID+".json"), b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// No write touches the slot of the newest durable record: whatever a power
// cut makes of the slot being written, the durable record stands.
func TestASlotWriteNeverTouchesTheNewestDurableRecord(t *testing.T) {
	l := newTestLayout(t)
	id := NewID()
	if err := l.WriteRecord(rec(id, "durable-1")); err != nil {
		t.Fatal(err)
	}
	durable := read(t, l.slotPath(id, 0))
	for _, n := range []string{"unsynced-2", "unsynced-3", "a-much-longer-unsynced-name-4"} {
		if err := l.WriteRecordUnsynced(rec(id, n)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(read(t, l.slotPath(id, 0)), durable) {
			t.Fatalf("writing %s changed the slot of the durable record", n)
		}
	}
	if recs, _ := load(t, l.Dir); recs[id].Name != "a-much-longer-unsynced-name-4" {
		t.Fatalf("after a kill -9: %+v, want the newest (unsynced) record", recs[id])
	}
	// A power cut tears the slot being written: the durable record stands.
	torn := read(t, l.slotPath(id, 1))
	copy(torn[5:], "XXXX")
	os.WriteFile(l.slotPath(id, 1), torn, 0o600)
	if recs, bad := load(t, l.Dir); recs[id].Name != "durable-1" || len(bad) != 0 {
		t.Fatalf("after a torn write: %+v (bad %v), want the durable record", recs[id], bad)
	}

	// The next durable write goes to the other slot; then that one is kept.
	l = newTestLayout(t)
	l.WriteRecord(rec(id, "durable-1"))
	l.WriteRecordUnsynced(rec(id, "unsynced-2"))
	l.WriteRecord(rec(id, "durable-3"))
	second := read(t, l.slotPath(id, 1))
	l.WriteRecordUnsynced(rec(id, "unsynced-4"))
	if !bytes.Equal(read(t, l.slotPath(id, 1)), second) {
		t.Fatal("an unsynced write after the second durable one changed its slot")
	}
	if r, err := l.ReadRecord(id); err != nil || r.Name != "unsynced-4" {
		t.Fatalf("ReadRecord: %+v %v, want unsynced-4", r, err)
	}
}

// A slot never shrinks (a shorter record is padded), so a write in place
// never truncates: a kill -9 in the middle cannot leave it cut short.
func TestASlotIsRewrittenInPlaceWithoutShrinking(t *testing.T) {
	l := newTestLayout(t)
	id := NewID()
	l.WriteRecordUnsynced(rec(id, strings.Repeat("long", 50)))
	p := l.slotPath(id, 0)
	fi1, _ := os.Stat(p)
	l.WriteRecordUnsynced(rec(id, "short"))
	fi2, _ := os.Stat(p)
	if fi2.Size() != fi1.Size() {
		t.Fatalf("slot went from %d to %d bytes", fi1.Size(), fi2.Size())
	}
	if !os.SameFile(fi1, fi2) {
		t.Fatal("the slot is a new file: want a write in place")
	}
	if r, err := l.ReadRecord(id); err != nil || r.Name != "short" {
		t.Fatalf("read back %+v %v", r, err)
	}
}

// A record of an earlier kreafs (journal/<id>.json, plain JSON) is loaded
// and written again into a slot.
func TestARecordOfAnEarlierVersionIsLoadedAndMovedIntoASlot(t *testing.T) {
	l := newTestLayout(t)
	id := NewID()
	writeOldRecord(t, l, rec(id, "old.png"))
	recs, bad := load(t, l.Dir)
	if recs[id].Name != "old.png" || len(bad) != 0 {
		t.Fatalf("loaded %+v (bad %v)", recs, bad)
	}
	if _, err := os.Stat(filepath.Join(l.Journal, id+".json")); !os.IsNotExist(err) {
		t.Fatalf("the old record is still there: %v", err)
	}
	again, _ := load(t, l.Dir)
	if again[id].Name != "old.png" {
		t.Fatalf("after a second load: %+v", again)
	}
}

// Blank slots (a power cut before any fsync) are no record; slots that
// are all damaged are set aside as .corrupt.
func TestBlankSlotsAreNoRecordAndDamagedOnesAreSetAside(t *testing.T) {
	l := newTestLayout(t)
	blank, damaged := NewID(), NewID()
	os.WriteFile(l.slotPath(blank, 0), make([]byte, 300), 0o600)
	os.WriteFile(l.slotPath(damaged, 0), []byte(`{"v":1,"id":"`+damaged+`","na`), 0o600)
	recs, bad := load(t, l.Dir)
	if len(recs) != 0 || len(bad) != 1 || bad[damaged] == "" {
		t.Fatalf("records %+v, set aside %v: want none and %s", recs, bad, damaged)
	}
	if _, err := os.Stat(l.slotPath(blank, 0)); !os.IsNotExist(err) {
		t.Fatalf("blank slot left: %v", err)
	}
	if !l.SetAside(damaged) || l.SetAside(blank) {
		t.Fatal("SetAside does not name the damaged record alone")
	}
}

// A record moved into a slot before a crash that left the old file too is
// not loaded from that old file again once the item is finished.
func TestAnOldRecordLeftBesideItsSlotIsRemoved(t *testing.T) {
	l := newTestLayout(t)
	id := NewID()
	writeOldRecord(t, l, rec(id, "moved.png"))
	if err := l.WriteRecord(rec(id, "moved.png")); err != nil {
		t.Fatal(err)
	}
	l2, _ := NewLayout(l.Dir, nil)
	if recs, _, _ := l2.LoadRecords(); len(recs) != 1 {
		t.Fatalf("loaded %+v", recs)
	}
	l2.RemoveRecordUnsynced(id) // finished
	if recs, _ := load(t, l.Dir); len(recs) != 0 {
		t.Fatalf("a finished item came back: %+v", recs)
	}
}
