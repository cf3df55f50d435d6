package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestLayout(t *testing.T) Layout {
	t.Helper()
	l, err := NewLayout(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func rec(id, name string) Record {
	return Record{ID: id, Name: name, State: Pending, Size: 1}
}

// loadAs opens dir as a new queue would, in boot ("" = this machine's).
func loadAs(t *testing.T, dir, boot string) (map[string]Record, map[string]string) {
	t.Helper()
	l, err := NewLayout(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if boot != "" {
		l.SetBoot(boot)
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

func load(t *testing.T, dir string) (map[string]Record, map[string]string) {
	t.Helper()
	return loadAs(t, dir, "")
}

// otherBoot is a boot id that is not this machine's: a load "after a
// reboot".
const otherBoot = "0123456789abcdef0123456789abcdef"

func (l Layout) logPath() string { return filepath.Join(l.Journal, logName) }

// A kill -9 keeps every record written; a reboot keeps the durable ones
// and forgets the unsynced ones, even where they reached the disk.
func TestAnUnsyncedRecordSurvivesAKillButNotAReboot(t *testing.T) {
	l := newTestLayout(t)
	kept, fresh, gone := NewID(), NewID(), NewID()
	for _, err := range []error{
		l.WriteRecord(rec(kept, "durable-1")),
		l.WriteRecordUnsynced(rec(kept, "unsynced-2")),
		l.WriteRecordUnsynced(rec(fresh, "only-unsynced")),
		l.WriteRecord(rec(gone, "finished")),
		l.RemoveRecordUnsynced(gone),
		l.SyncJournal(), // another item's fsync takes the unsynced frames to the disk too
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	img := copyDir(t, l.Dir)

	recs, bad := load(t, l.Dir) // same boot: a kill -9
	if recs[kept].Name != "unsynced-2" || recs[fresh].Name != "only-unsynced" || len(recs) != 2 || len(bad) != 0 {
		t.Fatalf("after a kill -9: %+v (bad %v), want unsynced-2 and only-unsynced", recs, bad)
	}
	recs, bad = loadAs(t, img, otherBoot)
	if recs[kept].Name != "durable-1" || recs[gone].Name != "finished" || len(recs) != 2 || len(bad) != 0 {
		t.Fatalf("after a reboot: %+v (bad %v), want durable-1 and finished back", recs, bad)
	}
}

// copyDir copies the queue directory as a power cut would leave it once
// every write reached the disk.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	img := t.TempDir()
	if err := os.CopyFS(img, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	return img
}

// A frame torn by a power cut (changed bytes, zeros where the file grew,
// half a frame at the end) is skipped; the frames after it still read.
func TestATornFrameIsSkippedAndTheRestOfTheLogReads(t *testing.T) {
	l := newTestLayout(t)
	a, b, c := NewID(), NewID(), NewID()
	l.WriteRecord(rec(a, "a"))
	l.WriteRecord(rec(b, "b"))
	l.WriteRecord(rec(c, "c"))
	l.Close()
	log := read(t, l.logPath())
	at := bytes.Index(log, []byte(`"name":"b"`))
	log[at+8] = 'X' // b's frame no longer checks
	log = append(log, make([]byte, 4096)...)
	log = append(log, encodeFrame(kindRecord, "", []byte(`{"v":1,"id":"`+a+`","na`))[:30]...)
	if err := os.WriteFile(l.logPath(), log, 0o600); err != nil {
		t.Fatal(err)
	}
	recs, bad := load(t, l.Dir)
	if recs[a].Name != "a" || recs[c].Name != "c" || len(recs) != 2 || len(bad) != 0 {
		t.Fatalf("loaded %+v (bad %v), want a and c", recs, bad)
	}
	if recs, _ := load(t, l.Dir); len(recs) != 2 {
		t.Fatalf("after the compaction at the first load: %+v", recs)
	}
}

// Durable writes at the same time share their fsyncs.
func TestDurableWritesAtTheSameTimeShareAnFsync(t *testing.T) {
	var fsyncs atomic.Int32
	l, err := NewLayout(t.TempDir(), func(f *os.File) error {
		fsyncs.Add(1)
		time.Sleep(5 * time.Millisecond) // a disk
		return f.Sync()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range ids {
		ids[i] = NewID()
		wg.Go(func() {
			if err := l.WriteRecord(rec(ids[i], fmt.Sprint(i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := fsyncs.Load(); got >= n/2 {
		t.Fatalf("%d fsyncs for %d writes at the same time, want fewer than %d", got, n, n/2)
	}
	for i, id := range ids {
		if r, err := l.ReadRecord(id); err != nil || r.Name != fmt.Sprint(i) {
			t.Fatalf("record %d: %+v %v", i, r, err)
		}
	}
}

// The log is rewritten once it is mostly records no longer needed,
// keeping what a reboot would need: an item's durable record under its
// unsynced one.
func TestTheLogIsCompactedAndKeepsWhatARebootNeeds(t *testing.T) {
	l := newTestLayout(t)
	id := NewID()
	l.WriteRecord(rec(id, "durable"))
	l.WriteRecordUnsynced(rec(id, "unsynced"))
	name := strings.Repeat("x", 200)
	for written := 0; written < 3*compactAt; written += 2 * 300 {
		other := NewID()
		if err := l.WriteRecordUnsynced(rec(other, name)); err != nil {
			t.Fatal(err)
		}
		if err := l.RemoveRecordUnsynced(other); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(l.logPath())
	if err != nil || fi.Size() >= compactAt {
		t.Fatalf("log of %v bytes (%v) after writing %d: not compacted", fi.Size(), err, 3*compactAt)
	}
	if r, err := l.ReadRecord(id); err != nil || r.Name != "unsynced" {
		t.Fatalf("ReadRecord: %+v %v", r, err)
	}
	l.Close()
	img := copyDir(t, l.Dir)
	if recs, _ := load(t, l.Dir); recs[id].Name != "unsynced" || len(recs) != 1 {
		t.Fatalf("after a kill -9: %+v", recs)
	}
	if recs, _ := loadAs(t, img, otherBoot); recs[id].Name != "durable" || len(recs) != 1 {
		t.Fatalf("after a reboot: %+v", recs)
	}
}

// A record that checks but does not decode (a newer kreafs, a human) is
// set aside for a human, once; the other items load.
func TestARecordThatDoesNotDecodeIsSetAsideOnce(t *testing.T) {
	l := newTestLayout(t)
	good, odd := NewID(), NewID()
	l.WriteRecord(rec(good, "good"))
	payload := []byte(`{"v":1,"id":"` + odd + `","state":"teleporting"}`)
	if err := l.log.append(odd, kindRecord, payload, true); err != nil {
		t.Fatal(err)
	}
	l.Close()
	recs, bad := load(t, l.Dir)
	if recs[good].Name != "good" || len(recs) != 1 || bad[odd] == "" || len(bad) != 1 {
		t.Fatalf("loaded %+v, set aside %v", recs, bad)
	}
	if !bytes.Equal(read(t, filepath.Join(l.Journal, odd+".log.corrupt")), payload) || !l.SetAside(odd) || l.SetAside(good) {
		t.Fatal("the record is not kept in <id>.log.corrupt, or SetAside names the wrong item")
	}
	if recs, bad := load(t, l.Dir); len(recs) != 1 || len(bad) != 0 {
		t.Fatalf("second load: %+v, set aside %v", recs, bad)
	}
}

// writeOldRecord writes r as the first kreafs did: journal/<id>.json,
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

// writeOldSlot writes r into slot file journal/<id>.<slot> as kreafs did
// before the log.
func writeOldSlot(t *testing.T, l Layout, r Record, slot int) {
	t.Helper()
	r.V = Version
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	b = fmt.Appendf(b, "   \n#%08x\n", crc32.ChecksumIEEE(append(b, "   "...)))
	if err := os.WriteFile(filepath.Join(l.Journal, fmt.Sprintf("%s.%d", r.ID, slot)), b, 0o600); err != nil {
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

// Records of earlier versions (a .json file; two slot files, the newer
// one winning) are moved into the log and their files removed.
func TestRecordsOfEarlierVersionsAreMovedIntoTheLog(t *testing.T) {
	l := newTestLayout(t)
	plain, slotted := NewID(), NewID()
	writeOldRecord(t, l, rec(plain, "old.png"))
	older, newer := rec(slotted, "older"), rec(slotted, "newer")
	older.Seq, newer.Seq = 4, 5
	writeOldSlot(t, l, newer, 0)
	writeOldSlot(t, l, older, 1)
	recs, bad := load(t, l.Dir)
	if recs[plain].Name != "old.png" || recs[slotted].Name != "newer" || len(bad) != 0 {
		t.Fatalf("loaded %+v (bad %v)", recs, bad)
	}
	for _, f := range []string{plain + ".json", slotted + ".0", slotted + ".1"} {
		if _, err := os.Stat(filepath.Join(l.Journal, f)); !os.IsNotExist(err) {
			t.Fatalf("%s is still there: %v", f, err)
		}
	}
	if again, _ := loadAs(t, l.Dir, otherBoot); again[plain].Name != "old.png" || again[slotted].Name != "newer" {
		t.Fatalf("after a reboot: %+v", again)
	}
}

// An old record file left beside the log (a crash just after moving it)
// is not loaded again once the item is finished.
func TestAnOldRecordLeftBesideTheLogIsNotLoadedAgain(t *testing.T) {
	l := newTestLayout(t)
	id := NewID()
	writeOldRecord(t, l, rec(id, "moved.png"))
	l.WriteRecord(rec(id, "moved.png"))
	l.RemoveRecord(id) // finished
	l.Close()
	if recs, _ := load(t, l.Dir); len(recs) != 0 {
		t.Fatalf("a finished item came back: %+v", recs)
	}
	if _, err := os.Stat(filepath.Join(l.Journal, id+".json")); !os.IsNotExist(err) {
		t.Fatalf("the old record is still there: %v", err)
	}
}

// Blank old slots (a power cut before any fsync) are no record; old
// files that are all damaged are set aside as .corrupt.
func TestBlankOldSlotsAreNoRecordAndDamagedOnesAreSetAside(t *testing.T) {
	l := newTestLayout(t)
	blank, damaged := NewID(), NewID()
	os.WriteFile(filepath.Join(l.Journal, blank+".0"), make([]byte, 300), 0o600)
	os.WriteFile(filepath.Join(l.Journal, damaged+".0"), []byte(`{"v":1,"id":"`+damaged+`","na`), 0o600)
	recs, bad := load(t, l.Dir)
	if len(recs) != 0 || len(bad) != 1 || bad[damaged] == "" {
		t.Fatalf("records %+v, set aside %v: want none and %s", recs, bad, damaged)
	}
	if _, err := os.Stat(filepath.Join(l.Journal, blank+".0")); !os.IsNotExist(err) {
		t.Fatalf("blank slot left: %v", err)
	}
	if !l.SetAside(damaged) || l.SetAside(blank) {
		t.Fatal("SetAside does not name the damaged record alone")
	}
}

// FuzzReadLog: whatever the log holds (a crash, a full disk, a human),
// reading it neither fails nor returns a record DecodeRecord would refuse.
func FuzzReadLog(f *testing.F) {
	id := "0123456789abcdef0123456789abcdef"
	good := encodeFrame(kindRecord, "", []byte(`{"v":1,"id":"`+id+`","name":"a.png","state":"pending"}`))
	f.Add(good)
	f.Add(append(append([]byte{}, good...), encodeFrame(kindRemovedUnsynced, otherBoot, []byte(id))...))
	f.Add(append([]byte("R 00000003 - 00000000\nabc\n"), good...))
	f.Add([]byte("r ffffffff " + otherBoot + " 12345678\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), logName)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		x := logIndex{m: map[string]*logEntry{}}
		found, err := readLog(p, otherBoot, &x)
		if err != nil {
			t.Fatal(err)
		}
		for id, r := range found.recs {
			if _, err := DecodeRecord(mustJSON(t, r)); err != nil || r.ID != id {
				t.Fatalf("returned a record that does not check: %+v (%v)", r, err)
			}
			if x.m[id] == nil {
				t.Fatalf("record %s is not kept for a compaction", id)
			}
		}
	})
}

func mustJSON(t *testing.T, r Record) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A frame cut short at the end of the log (a full disk, a crash in the
// middle of a write) does not take the next write with it.
func TestAWriteAfterATornFrameReads(t *testing.T) {
	l := newTestLayout(t)
	a, b := NewID(), NewID()
	l.WriteRecord(rec(a, "a"))
	l.Close()
	torn := encodeFrame(kindRecord, "", []byte(`{"v":1,"id":"`+b+`","name":"lost"}`))
	f, err := os.OpenFile(l.logPath(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(torn[:len(torn)/2])
	f.Close()
	if err := l.WriteRecord(rec(b, "b")); err != nil {
		t.Fatal(err)
	}
	if r, err := l.ReadRecord(b); err != nil || r.Name != "b" {
		t.Fatalf("the write after a torn frame: %+v %v", r, err)
	}
	if r, err := l.ReadRecord(a); err != nil || r.Name != "a" {
		t.Fatalf("the write before it: %+v %v", r, err)
	}
}
