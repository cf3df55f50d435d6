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
// spool file ("spool"), the journal's log ("journal"), the claimed log,
// or a directory ("spool/", "journal/").
type fsyncCounter struct {
	mu   sync.Mutex
	n    map[string]int
	hold chan struct{} // if set: every fsync waits for it to close
}

// holdAll makes every fsync wait until the returned release is called.
func (c *fsyncCounter) holdAll() (release func()) {
	h := make(chan struct{})
	c.mu.Lock()
	c.hold = h
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.hold = nil
			c.mu.Unlock()
			close(h)
		})
	}
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
		h := c.hold
		c.mu.Unlock()
		if h != nil {
			<-h
		}
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
// name, record) and starts its upload, which adds its intent and its
// landing: 5 fsyncs a file in all, against 14 when every record was
// fsynced, and none while rsync waits. None of journal/: the records are
// appended to one log (internal/journal/log.go); none of the claimed log
// (internal/journal/claimed.go says why).
func TestAnRsyncTempFileCostsNoFsyncWhileRsyncWaitsAndFiveInAll(t *testing.T) {
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
	// The rename returns while every fsync is held: the commit that makes
	// the file durable runs beside it (at once here: the workers are idle).
	release := c.holdAll()
	defer release()
	renamed := make(chan error, 1)
	go func() { renamed <- q.Rename(id, "photo.png") }()
	if err := within(t, renamed, 10*time.Second, "the rename to the final name waits for an fsync"); err != nil {
		t.Fatal(err)
	}
	release()
	q.com.Flush() // the commit, which starts the upload (a finished save), if it has not run yet
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	n, total := c.take()
	if total > 5 || n["journal/"] != 0 || n["claimed.log"] != 0 {
		t.Fatalf("%d fsyncs for one rsync'd file (%v), want at most 5, none of journal/ or claimed.log", total, n)
	}
	if n["spool"] != 1 || n["spool/"] != 1 {
		t.Fatalf("the spool was fsynced %d times and spool/ %d (%v): want once each, by the commit, not again by the upload", n["spool"], n["spool/"], n)
	}
	e.assertEmptyDirs()
}

// A finished save (a temp name renamed to its final one) is uploaded once
// it is durable. While a worker has nothing to do, its commit runs at
// once, not at the end of the commit window: the first files of a bulk
// rsync no longer wait a window with every worker idle, nor does a lone
// save.
func TestAFinishedSaveIsCommittedAndUploadedAtOnceWhileAWorkerIsIdle(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Hold = func(n string) bool { return strings.HasPrefix(n, ".") }
		o.commitWindow = time.Hour
	})
	q := e.open()
	id := e.write(q, ".photo.png.Xy12Ab", []byte("rsync"))
	if err := q.Rename(id, "photo.png"); err != nil {
		t.Fatal(err)
	}
	e.srv.waitCreated(t, 1) // 20 s at most, of the hour's window
	e.waitIdle(q)
	if as := e.srv.byName("photo.png"); len(as) != 1 {
		t.Fatalf("assets = %+v", as)
	}
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
	for deadline := time.Now().Add(5 * time.Second); got["journal"] == 0 && time.Now().Before(deadline); {
		time.Sleep(CommitWindow / 4) // real time: the committer does not follow the test clock
		n, _ := c.take()
		for k, v := range n {
			got[k] += v
		}
	}
	if !sameCounts(got, map[string]int{"spool": 1, "spool/": 1, "journal": 1}) {
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
		{"spool": 1, "spool/": 1, "journal": 1},
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

// The records of a temp file (written without an fsync) are taken as
// never written after a power cut, whether it emptied them, filled them
// with zeros, or another write's fsync took them to the disk: no
// .corrupt file, no error, the spool removed.
func TestTheUnsyncedRecordsOfATempFileAreDroppedWithItsSpoolAfterAPowerCut(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id, f, err := q.Create(".photo.png.Xy12Ab")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("torn"))
	f.Close()
	abort(q)
	if _, ok := liveRecords(t, e.dir)[id]; !ok {
		t.Fatal("the temp file has no record to lose")
	}
	for _, lost := range []string{"emptied", "zero-filled", "on the disk"} {
		img := copyTree(t, e.dir)
		log := filepath.Join(img, "journal", "records.log")
		fi, err := os.Stat(log) // the queue's Open left it empty: all of it is the temp file's
		if err != nil {
			t.Fatal(err)
		}
		size := map[string]int64{"emptied": 0, "zero-filled": fi.Size(), "on the disk": -1}[lost]
		if size >= 0 {
			if err := os.WriteFile(log, make([]byte, size), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		e2 := newEnv(t, func(o *Options) { o.boot = otherBoot })
		e2.dir = img
		q2 := e2.open()
		if items := q2.Items(); len(items) != 0 {
			t.Fatalf("items after the power cut (records %s): %+v", lost, items)
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

// Files closed within one CommitWindow share the fsyncs of spool/ and of
// the journal's log: 5 for three files instead of 12.
func TestFilesClosedTogetherShareTheirDirectoryAndJournalFsyncs(t *testing.T) {
	var c *fsyncCounter
	e := newEnv(t, func(o *Options) { c = countFsyncs(o) })
	q := e.open()
	c.take()
	for _, n := range []string{"a.png", "b.png", "c.png"} {
		e.write(q, n, []byte(n))
	}
	q.com.Flush()
	if n, _ := c.take(); !sameCounts(n, map[string]int{"spool": 3, "spool/": 1, "journal": 1}) {
		t.Fatalf("commit of three closed files: fsyncs %v", n)
	}
}
