package queue

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fsyncCounter counts the queue's fsyncs by what they make durable: a
// spool file ("spool"), a record ("journal"), the claimed log, or a
// directory ("spool/", "journal/").
type fsyncCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func countFsyncs(o *Options) *fsyncCounter {
	c := &fsyncCounter{n: map[string]int{}}
	o.fsync = func(f *os.File) error {
		what := filepath.Base(filepath.Dir(f.Name()))
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			what = filepath.Base(f.Name()) + "/"
		} else if filepath.Base(f.Name()) == "claimed.log" {
			what = "claimed.log"
		}
		c.mu.Lock()
		c.n[what]++
		c.mu.Unlock()
		return f.Sync()
	}
	return c
}

// take returns the counts since the last take, and their total.
func (c *fsyncCounter) take() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, total := c.n, 0
	for _, v := range n {
		total += v
	}
	c.n = map[string]int{}
	return n, total
}

// rsync writes ".photo.png.Xy12Ab", closes it and renames it to
// photo.png. Nothing of the temp file needs to survive a power cut (it is
// never uploaded), so its create and close cost no fsync; nor does the
// rename: the committer makes the file durable just after (spool bytes and
// name, record and journal/) and starts its upload, which adds its intent,
// its claim and its landing: 7 fsyncs a file in all, against 14 when every
// record was fsynced, and none while rsync waits. Of journal/ only the
// commit's: the records of the intent and the landing are written in
// place into slot files the commit named (internal/journal/slots.go).
func TestAnRsyncTempFileCostsNoFsyncWhileRsyncWaitsAndSevenInAll(t *testing.T) {
	var c *fsyncCounter
	e := newEnv(t, func(o *Options) {
		c = countFsyncs(o)
		o.Hold = func(n string) bool { return strings.HasPrefix(n, ".") }
	})
	q := e.open()
	c.take()
	id := e.write(q, ".photo.png.Xy12Ab", []byte("rsync"))
	if n, total := c.take(); total != 0 {
		t.Fatalf("create and close of a temp name: %d fsyncs %v, want none", total, n)
	}
	if err := q.Rename(id, "photo.png"); err != nil {
		t.Fatal(err)
	}
	if n, total := c.take(); total != 0 {
		t.Fatalf("rename to the final name: %d fsyncs %v, want none", total, n)
	}
	q.com.Flush() // the commit, which starts the upload (a finished save)
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	n, total := c.take()
	if total > 7 || n["journal/"] != 1 {
		t.Fatalf("%d fsyncs for one rsync'd file (%v), want at most 7, one of them of journal/", total, n)
	}
	if n["spool"] != 1 || n["spool/"] != 1 {
		t.Fatalf("the spool was fsynced %d times and spool/ %d (%v): want once each, by the commit, not again by the upload", n["spool"], n["spool/"], n)
	}
	e.assertEmptyDirs()
}

// cp writes photo.png under its final name: the create costs no fsync (a
// file still open at a power cut may vanish instead of being kept as
// interrupted), nor does the close; the committer makes it durable within
// CommitWindow of the close, by itself.
func TestACopiedFileIsMadeDurableJustAfterItsCloseWithoutMakingCpWait(t *testing.T) {
	var c *fsyncCounter
	e := newEnv(t, func(o *Options) { c = countFsyncs(o) })
	q := e.open()
	c.take()
	id, f, err := q.Create("photo.png")
	if err != nil {
		t.Fatal(err)
	}
	if n, total := c.take(); total != 0 {
		t.Fatalf("create: %d fsyncs %v, want none", total, n)
	}
	f.Write([]byte("cp"))
	f.Close()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	if n, total := c.take(); total != 0 {
		t.Fatalf("close: %d fsyncs %v, want none", total, n)
	}
	got := map[string]int{}
	for deadline := time.Now().Add(5 * time.Second); got["journal/"] == 0 && time.Now().Before(deadline); {
		time.Sleep(CommitWindow / 4) // real time: the committer does not follow the test clock
		n, _ := c.take()
		for k, v := range n {
			got[k] += v
		}
	}
	if !sameCounts(got, map[string]int{"spool": 1, "spool/": 1, "journal": 1, "journal/": 1}) {
		t.Fatalf("commit after the close: fsyncs %v", got)
	}
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
}

// fsync(2) of a temp file that has no durable record yet makes both its
// bytes and its record durable; a second one only its bytes (and name).
func TestFsyncOfATempFileMakesItsRecordDurableOnce(t *testing.T) {
	var c *fsyncCounter
	e := newEnv(t, func(o *Options) {
		c = countFsyncs(o)
		o.Hold = func(n string) bool { return strings.HasPrefix(n, ".") }
	})
	q := e.open()
	id := e.write(q, ".notes.png.Ab12Cd", []byte("x"))
	c.take()
	for i, want := range []map[string]int{
		{"spool": 1, "spool/": 1, "journal": 1, "journal/": 1},
		{"spool": 1, "spool/": 1},
	} {
		if err := q.Wait(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		if n, _ := c.take(); !sameCounts(n, want) {
			t.Fatalf("fsync %d: fsyncs %v, want %v", i+1, n, want)
		}
	}
}

// A record that a power cut emptied or filled with zeros (written without
// an fsync) is taken as never written: no .corrupt file, no error, its
// spool removed.
func TestARecordEmptiedByAPowerCutIsDroppedWithItsSpool(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id, f, err := q.Create(".photo.png.Xy12Ab")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("torn"))
	f.Close()
	abort(q)
	for _, lost := range []string{"emptied", "zero-filled"} {
		img := copyTree(t, e.dir)
		rec := filepath.Join(img, "journal", id+".0")
		fi, err := os.Stat(rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(rec, make([]byte, map[string]int64{"emptied": 0, "zero-filled": fi.Size()}[lost]), 0o600); err != nil {
			t.Fatal(err)
		}
		e2 := newEnv(t, nil)
		e2.dir = img
		q2 := e2.open()
		if items := q2.Items(); len(items) != 0 {
			t.Fatalf("items after the power cut (record %s): %+v", lost, items)
		}
		e2.assertEmptyDirs()
		abort(q2)
	}
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// A file written again after its close (durable record, durable spool)
// has its new bytes fsynced at the new last close.
func TestAFileWrittenAgainIsFsyncedAgainAtItsLastClose(t *testing.T) {
	var c *fsyncCounter
	e := newEnv(t, func(o *Options) { c = countFsyncs(o) })
	q := e.open()
	id := e.write(q, "photo.png", []byte("v1"))
	f, err := q.OpenWrite(id, true)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("v2"))
	f.Close()
	c.take()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.take(); n["spool"] != 1 || n["journal"] != 1 {
		t.Fatalf("last close after a rewrite: fsyncs %v, want the spool and the record", n)
	}
}

// Files closed within one CommitWindow share the fsyncs of spool/ and
// journal/: 8 for three files instead of 12.
func TestFilesClosedTogetherShareTheirDirectoryFsyncs(t *testing.T) {
	var c *fsyncCounter
	e := newEnv(t, func(o *Options) { c = countFsyncs(o) })
	q := e.open()
	c.take()
	for _, n := range []string{"a.png", "b.png", "c.png"} {
		e.write(q, n, []byte(n))
	}
	q.com.Flush()
	if n, _ := c.take(); !sameCounts(n, map[string]int{"spool": 3, "spool/": 1, "journal": 3, "journal/": 1}) {
		t.Fatalf("commit of three closed files: fsyncs %v", n)
	}
}
