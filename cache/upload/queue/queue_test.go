package queue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func TestCloseThenDelayThenUploadOnce(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	data := []byte("PNG bytes")
	id := e.write(q, "photo.png", data)

	it := mustItem(t, q, id)
	if it.State != Pending || it.Size != int64(len(data)) {
		t.Fatalf("after close: %+v", it)
	}
	if want := e.clk.Now().Add(time.Second); !it.NextTry.Equal(want) {
		t.Fatalf("NextTry = %v, want last close + Delay = %v", it.NextTry, want)
	}
	e.clk.Advance(999 * time.Millisecond)
	if it := mustItem(t, q, id); it.NextTry.IsZero() || it.State != Pending {
		t.Fatalf("fired before the delay: %+v", it)
	}
	e.clk.Advance(time.Millisecond)
	e.srv.waitCreated(t, 1)
	e.waitIdle(q)

	as := e.srv.byName("photo.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) {
		t.Fatalf("assets = %+v", as)
	}
	if posts, _ := e.srv.counts(); posts != 1 || e.srv.notOSFile != 0 {
		t.Fatalf("posts = %d, notOSFile = %d", posts, e.srv.notOSFile)
	}
	up := e.onUploaded()
	if len(up) != 1 || up[0].Name != "photo.png" || up[0].Asset.ID != as[0].ID || !e.spoolSeen[0] {
		t.Fatalf("OnUploaded = %+v (spool seen %v)", up, e.spoolSeen)
	}
	e.assertEmptyDirs()
}

func TestZeroDelayUploadsAtClose(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	q := e.open()
	e.write(q, "a.png", []byte("x"))
	e.srv.waitCreated(t, 1) // no clock advance needed
}

func TestReopenForWritePostponesUpload(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id := e.write(q, "a.png", []byte("one"))
	e.clk.Advance(500 * time.Millisecond)

	f, err := q.OpenWrite(id, false)
	if err != nil {
		t.Fatal(err)
	}
	if st := mustItem(t, q, id).State; st != Writing {
		t.Fatalf("state while open = %v", st)
	}
	e.clk.Advance(10 * time.Second) // open: never uploaded
	if _, err := f.Seek(0, 2); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("two"))
	f.Close()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(999 * time.Millisecond)
	if it := mustItem(t, q, id); it.NextTry.IsZero() {
		t.Fatalf("fired before last close + delay: %+v", it)
	}
	e.clk.Advance(time.Millisecond)
	e.srv.waitCreated(t, 1)
	e.waitIdle(q)
	as := e.srv.byName("a.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("onetwo")) {
		t.Fatalf("assets = %+v", as)
	}
}

func TestTempNameRenamedWithinDelayUploadsOnceUnderFinalName(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id := e.write(q, ".photo.png.Xy12Ab", []byte("rsync"))
	e.clk.Advance(300 * time.Millisecond)
	for _, n := range []string{"photo.png.part", "photo.png"} {
		if err := q.Rename(id, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	if posts, _ := e.srv.counts(); posts != 1 {
		t.Fatalf("posts = %d", posts)
	}
	if as := e.srv.byName("photo.png"); len(as) != 1 {
		t.Fatalf("assets = %+v", as)
	}
}

func TestHeldNameStaysLocalUntilRenamed(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Hold = func(n string) bool { return strings.HasSuffix(n, ".part") || n == ".DS_Store" }
	})
	q := e.open()
	id := e.write(q, "video.mp4.part", []byte("mp4"))
	ds := e.write(q, ".DS_Store", []byte("junk"))
	e.clk.Advance(time.Hour)
	if it := mustItem(t, q, id); it.State != Held || !it.NextTry.IsZero() {
		t.Fatalf("held item: %+v", it)
	}
	if err := q.Wait(context.Background(), ds); err != nil { // fsync of a held file: durable locally
		t.Fatal(err)
	}
	if err := q.Rename(id, "video.mp4"); err != nil {
		t.Fatal(err)
	}
	// last close was an hour ago: due now
	e.srv.waitCreated(t, 1)
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if posts, _ := e.srv.counts(); posts != 1 || mustItem(t, q, ds).State != Held {
		t.Fatalf("posts = %d, .DS_Store = %+v", posts, mustItem(t, q, ds))
	}
}

func TestCancelPendingUploadsNothing(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	if posts, _ := e.srv.counts(); posts != 0 || len(q.Items()) != 0 {
		t.Fatalf("posts = %d, items = %+v", posts, q.Items())
	}
	if err := q.Cancel(id); err != nil { // idempotent
		t.Fatal(err)
	}
	e.assertEmptyDirs()
}

func TestCancelDeletesReplacedAsset(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	old := e.srv.put("a.png", 3, e.clk.Now())
	id := e.write(q, "a.png", []byte("new"), old)
	if sh := q.Shadowed(); !sh[old] {
		t.Fatalf("replaced asset not shadowed: %v", sh)
	}
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	if e.srv.has(old) {
		t.Fatal("asset shown under the cancelled name survives")
	}
	if posts, _ := e.srv.counts(); posts != 0 {
		t.Fatalf("posts = %d", posts)
	}
}

func TestWaitReturnsPermanentErrorAndKeepsSpool(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.refuse["bad.png"] = &api.Error{Status: 400, Message: "invalid file type", Op: "POST /assets"}
	q := e.open()
	id := e.write(q, "bad.png", []byte("not a png"))
	err := e.waitDriven(q, id)
	var ue *UploadError
	if !errors.Is(err, api.ErrBadRequest) || !errors.As(err, &ue) || !ue.Permanent {
		t.Fatalf("Wait = %v", err)
	}
	it := mustItem(t, q, id)
	if it.State != Failed || !strings.Contains(it.Err, "invalid file type") {
		t.Fatalf("item = %+v", it)
	}
	if _, err := os.Stat(it.Spool); err != nil {
		t.Fatalf("spool of a failed upload: %v", err)
	}
	e.clk.Advance(time.Hour)
	if posts, _ := e.srv.counts(); posts != 1 {
		t.Fatalf("a refused upload was retried: posts = %d", posts)
	}

	// After a restart: still failed, same error class, not retried.
	q.Close(context.Background())
	q = e.open()
	if err := q.Wait(context.Background(), id); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("Wait after restart = %v", err)
	}
	if posts, _ := e.srv.counts(); posts != 1 {
		t.Fatalf("posts = %d", posts)
	}
	// rm in the mount removes it for good.
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	e.assertEmptyDirs()
}

func TestAccountRefusalRetriedAtNextOpen(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.refuse["a.png"] = &api.Error{Status: 402, Message: "insufficient credits"}
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	if err := e.waitDriven(q, id); !errors.Is(err, api.ErrPaymentRequired) {
		t.Fatalf("Wait = %v", err)
	}
	q.Close(context.Background())
	delete(e.srv.refuse, "a.png")
	q = e.open()
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if as := e.srv.byName("a.png"); len(as) != 1 {
		t.Fatalf("assets = %+v", as)
	}
}

func TestTransientFailuresRetriedThenUploadedOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.failBefore = 3
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	posts, _ := e.srv.counts()
	if posts != 4 || len(e.srv.byName("a.png")) != 1 {
		t.Fatalf("posts = %d, assets = %+v", posts, e.srv.byName("a.png"))
	}
}

func TestReceivedButResponseLostIsNotUploadedTwice(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.failAfter = 2 // the server stores it, the client sees a reset
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	posts, lists := e.srv.counts()
	if posts != 1 || lists != 1 || len(e.srv.byName("a.png")) != 1 {
		t.Fatalf("posts = %d, lists = %d, assets = %+v", posts, lists, e.srv.byName("a.png"))
	}
	if up := e.onUploaded(); len(up) != 1 {
		t.Fatalf("OnUploaded calls = %d", len(up))
	}
}

func TestWaitReportsTransientErrorAfterMaxAttemptsAndKeepsItem(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.failBefore = 7
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	err := e.waitDriven(q, id)
	var ue *UploadError
	if !errors.As(err, &ue) || ue.Permanent || !errors.Is(err, api.ErrServer) {
		t.Fatalf("Wait = %v", err)
	}
	// Still queued (the driven clock may already have started the next round).
	if it := mustItem(t, q, id); (it.State != Pending && it.State != Uploading) || it.Attempts < 5 {
		t.Fatalf("item = %+v", it)
	}
	// A later fsync starts a new round at once.
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if posts, _ := e.srv.counts(); posts != 8 {
		t.Fatalf("posts = %d", posts)
	}
}

func TestReplacedAssetDeletedOnlyAfterSuccess(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	old := e.srv.put("a.png", 3, e.clk.Now().Add(-time.Hour))
	e.srv.blockAfter = make(chan struct{})
	q := e.open()
	id := e.write(q, "a.png", []byte("new"), old)
	<-e.srv.inUpload // the new asset exists, the answer is not back yet
	if !e.srv.has(old) {
		t.Fatal("old asset deleted before the new upload succeeded")
	}
	close(e.srv.blockAfter)
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	if e.srv.has(old) {
		t.Fatal("old asset not deleted")
	}
	if as := e.srv.byName("a.png"); len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("new")) {
		t.Fatalf("assets = %+v", as)
	}
}

// The replaced asset is deleted only once BeforeDelete lets it go (the
// content cache holding what programs that have it open still read).
func TestReplacedAssetDeletedOnlyAfterBeforeDeleteReturns(t *testing.T) {
	asked := make(chan string, 1)
	release := make(chan struct{})
	e := newEnv(t, func(o *Options) {
		o.Delay = 0
		o.BeforeDelete = func(ctx context.Context, id string) error {
			asked <- id
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	old := e.srv.put("a.png", 3, e.clk.Now().Add(-time.Hour))
	q := e.open()
	id := e.write(q, "a.png", []byte("new"), old)
	if got := <-asked; got != old {
		t.Fatalf("BeforeDelete(%s), want the replaced %s", got, old)
	}
	time.Sleep(50 * time.Millisecond)
	if !e.srv.has(old) {
		t.Fatal("old asset deleted while BeforeDelete had not returned")
	}
	close(release)
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	if e.srv.has(old) {
		t.Fatal("old asset not deleted after BeforeDelete returned")
	}
}

func TestReplacedAssetKeptWhenUploadRefused(t *testing.T) {
	e := newEnv(t, nil)
	old := e.srv.put("a.png", 3, e.clk.Now())
	e.srv.refuse["a.png"] = &api.Error{Status: 413, Message: "too large"}
	q := e.open()
	id := e.write(q, "a.png", []byte("new"), old)
	if err := e.waitDriven(q, id); !errors.Is(err, api.ErrTooLarge) {
		t.Fatalf("Wait = %v", err)
	}
	if !e.srv.has(old) {
		t.Fatal("old asset deleted although the new one was refused")
	}
}

func TestReplacedDeleteRetriedOnTransientFailure(t *testing.T) {
	e := newEnv(t, nil)
	old := e.srv.put("a.png", 1, e.clk.Now())
	e.srv.deleteFail = 2
	q := e.open()
	id := e.write(q, "b.png", []byte("x"), old) // mv a.png b.png of an uploaded asset
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	if e.srv.has(old) || len(e.srv.byName("b.png")) != 1 {
		t.Fatalf("old still there: %v, b.png: %+v", e.srv.has(old), e.srv.byName("b.png"))
	}
}

func TestWriteDuringUploadSupersedesIt(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	gate := make(chan struct{})
	e.srv.blockBefore = gate
	q := e.open()
	id := e.write(q, "a.png", []byte("version one"))
	<-e.srv.inUpload
	if st := mustItem(t, q, id).State; st != Uploading {
		t.Fatalf("state = %v", st)
	}
	f, err := q.OpenWrite(id, true)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("version two"))
	f.Close()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	e.srv.mu.Lock()
	e.srv.blockBefore = nil
	e.srv.mu.Unlock()
	close(gate)
	e.srv.waitCreated(t, 2)
	e.waitIdle(q)
	as := e.srv.byName("a.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("version two")) {
		t.Fatalf("assets = %+v", as)
	}
	if len(e.srv.deleted) != 1 {
		t.Fatalf("superseded asset not deleted: %v", e.srv.deleted)
	}
	e.assertEmptyDirs()
}

func TestRenameDuringUploadEndsUnderNewName(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	gate := make(chan struct{})
	e.srv.blockAfter = gate
	q := e.open()
	id := e.write(q, "a.png", []byte("data"))
	<-e.srv.inUpload
	if err := q.Rename(id, "b.png"); err != nil {
		t.Fatal(err)
	}
	e.srv.mu.Lock()
	e.srv.blockAfter = nil
	e.srv.mu.Unlock()
	close(gate)
	e.srv.waitCreated(t, 2)
	e.waitIdle(q)
	if len(e.srv.byName("a.png")) != 0 || len(e.srv.byName("b.png")) != 1 {
		t.Fatalf("a: %+v b: %+v", e.srv.byName("a.png"), e.srv.byName("b.png"))
	}
}

func TestCancelDuringUploadDeletesTheNewAsset(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	gate := make(chan struct{})
	e.srv.blockAfter = gate
	q := e.open()
	id := e.write(q, "a.png", []byte("data"))
	<-e.srv.inUpload
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	close(gate)
	e.waitIdle(q)
	if as := e.srv.byName("a.png"); len(as) != 0 {
		t.Fatalf("cancelled upload left %+v", as)
	}
	e.assertEmptyDirs()
}

func TestWaitOnOpenFileSyncsLocallyWithoutUploading(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id, f, err := q.Create("a.png", nil...)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	if err := q.Wait(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	f.Close()
	q.Release(id)
	if posts, _ := e.srv.counts(); posts != 0 {
		t.Fatalf("posts = %d", posts)
	}
}

func TestManyConcurrentFilesEachUploadedExactlyOnce(t *testing.T) {
	for _, faulty := range []bool{false, true} {
		t.Run(map[bool]string{false: "clean", true: "20% faults"}[faulty], func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Delay = 0 })
			if faulty {
				n := 0
				e.srv.faultRate = func() (bool, bool) { // deterministic 20%: 1 in 10 before, 1 in 10 after
					n++
					return n%10 == 3, n%10 == 7
				}
			}
			q := e.open()
			const N = 100
			errs := make(chan error, N)
			for i := 0; i < N; i++ {
				go func() {
					id, f, err := q.Create(name(i))
					if err == nil {
						_, err = f.Write([]byte(name(i)))
						f.Close()
					}
					if err == nil {
						err = q.Release(id)
					}
					errs <- err
				}()
			}
			for i := 0; i < N; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if err := e.waitAllDriven(q); err != nil {
				t.Fatal(err)
			}
			e.waitIdle(q)
			for i := 0; i < N; i++ {
				as := e.srv.byName(name(i))
				if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte(name(i))) {
					t.Fatalf("%s: %+v", name(i), as)
				}
			}
			if up := e.onUploaded(); len(up) != N {
				t.Fatalf("OnUploaded calls = %d", len(up))
			}
			e.assertEmptyDirs()
		})
	}
}

func name(i int) string { return "file-" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + ".png" }

func TestSecondOpenOfSameDirRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.open()
	_, err := Open(Options{Dir: e.dir, Uploader: e.srv, Log: testLogger()})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v", err)
	}
}

func TestPermissions(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	id, f, err := q.Create("a.png")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	q.Release(id)
	for _, p := range []string{e.dir, filepath.Join(e.dir, "spool"), filepath.Join(e.dir, "journal")} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v", p, fi.Mode(), err)
		}
	}
	it := mustItem(t, q, id)
	for _, p := range []string{it.Spool, filepath.Join(e.dir, "journal", "records.log"), filepath.Join(e.dir, "lock")} {
		if fi, err := os.Stat(p); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", p, fi.Mode())
		}
	}
}

func TestCloseIsBoundedAndResumes(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	e.srv.blockBefore = make(chan struct{}) // never released: a stalled API
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	<-e.srv.inUpload
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Close(ctx); err == nil {
		t.Fatal("Close with an expired context reported success")
	}
	if err := q.Wait(context.Background(), id); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait after Close = %v", err)
	}
	e.srv.mu.Lock()
	e.srv.blockBefore = nil
	e.srv.mu.Unlock()
	q = e.open()
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if as := e.srv.byName("a.png"); len(as) != 1 {
		t.Fatalf("assets = %+v", as)
	}
}

func TestSpoolIsStreamedNotLoaded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 50 MB")
	}
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	q := e.open()
	id, f, err := q.Create("big.mp4")
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{0xAB}, 1<<20)
	for i := 0; i < 50; i++ {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	chunk = nil
	var before, after runtimeMem
	before.read()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	after.read()
	if grew := after.total - before.total; grew > 8<<20 {
		t.Fatalf("allocated %d bytes to upload a 50 MB spool", grew)
	}
	if as := e.srv.byName("big.mp4"); len(as) != 1 || as[0].Size() != 50<<20 {
		t.Fatalf("assets = %+v", as)
	}
}

type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}

func TestAppendDuringUploadKeepsOldBytesAndUploadsNewVersion(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	gate := make(chan struct{})
	e.srv.blockBefore = gate
	q := e.open()
	id := e.write(q, "a.png", []byte("head"))
	<-e.srv.inUpload
	f, err := q.OpenWrite(id, false) // copy of the old bytes in a new generation
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 2); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("+tail"))
	f.Close()
	r, err := q.OpenRead(id)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, _ := r.Read(b)
	r.Close()
	if string(b[:n]) != "head+tail" {
		t.Fatalf("OpenRead sees %q", b[:n])
	}
	if it := mustItem(t, q, id); it.Size != 9 || it.State != Writing {
		t.Fatalf("item while writing = %+v", it)
	}
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	e.srv.mu.Lock()
	e.srv.blockBefore = nil
	e.srv.mu.Unlock()
	close(gate)
	e.srv.waitCreated(t, 2)
	e.waitIdle(q)
	as := e.srv.byName("a.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("head+tail")) {
		t.Fatalf("assets = %+v", as)
	}
	e.assertEmptyDirs()
}

func TestRetryAndRewriteOfFailedItem(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.refuse["a.png"] = &api.Error{Status: 400, Message: "invalid"}
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	if err := e.waitDriven(q, id); err == nil {
		t.Fatal("want refusal")
	}
	if it, ok := q.Lookup("a.png"); !ok || it.ID != id || it.State != Failed {
		t.Fatalf("Lookup = %+v %v", it, ok)
	}
	// Retry with the same content: refused again.
	if err := q.Retry(id); err != nil {
		t.Fatal(err)
	}
	if err := e.waitDriven(q, id); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("Wait = %v", err)
	}
	// Rewriting it (the user fixed the file) queues it again.
	delete(e.srv.refuse, "a.png")
	f, err := q.OpenWrite(id, true)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("fixed"))
	f.Close()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if _, ok := q.Lookup("a.png"); ok {
		t.Fatal("uploaded item still visible")
	}
}

func TestOperationsOnUnknownOrClosed(t *testing.T) {
	e := newEnv(t, nil)
	q := e.open()
	if _, err := q.OpenWrite("nope", false); !errors.Is(err, ErrUnknownItem) {
		t.Fatalf("OpenWrite = %v", err)
	}
	if err := q.Rename("nope", "x"); !errors.Is(err, ErrUnknownItem) {
		t.Fatalf("Rename = %v", err)
	}
	if err := q.Wait(context.Background(), "nope"); err != nil {
		t.Fatalf("Wait = %v", err)
	}
	q.Close(context.Background())
	if _, _, err := q.Create("a.png"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Create after Close = %v", err)
	}
	if _, err := q.DeleteAssets("a.png", "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("DeleteAssets after Close = %v", err)
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestUnlinkWhileOpenUploadsNothing(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	q := e.open()
	id, f, err := q.Create("a.png")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("still writable after unlink")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := q.Release(id); err != nil {
		t.Fatalf("Release after Cancel = %v", err)
	}
	e.clk.Advance(time.Hour)
	if posts, _ := e.srv.counts(); posts != 0 || q.count() != 0 {
		t.Fatalf("posts = %d, items = %d", posts, q.count())
	}
	e.assertEmptyDirs()
}

func TestWaitAllStartsEveryQueuedUploadAtOnce(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Delay = time.Hour
		o.Hold = func(n string) bool { return strings.HasSuffix(n, ".part") }
	})
	e.srv.refuse["bad.png"] = &api.Error{Status: 400, Message: "invalid"}
	q := e.open()
	for _, n := range []string{"a.png", "b.png", "c.png", "bad.png", "d.png.part"} {
		e.write(q, n, []byte(n))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := q.WaitAll(ctx) // the clock does not move: no delay is waited for
	if !errors.Is(err, api.ErrBadRequest) || ctx.Err() != nil {
		t.Fatalf("WaitAll = %v", err)
	}
	for _, n := range []string{"a.png", "b.png", "c.png"} {
		if len(e.srv.byName(n)) != 1 {
			t.Errorf("%s not uploaded", n)
		}
	}
	if it, ok := q.Lookup("d.png.part"); !ok || it.State != Held {
		t.Fatalf("held file: %+v %v", it, ok)
	}
}

// A landing (the claimed log's and the record's fsyncs, the owner's
// import) does not hold the worker that sent the file: with one worker
// and the first file's landing held up, the second file is still sent.
func TestALandingDoesNotHoldItsWorker(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	e := newEnv(t, func(o *Options) { o.Workers = 1; o.Delay = 0 })
	e.uploadedHook = func(it Item) {
		if it.Name == "a.png" {
			<-release
		}
	}
	q := e.open()
	e.write(q, "a.png", []byte("a"))
	e.write(q, "b.png", []byte("b"))
	for deadline := time.Now().Add(5 * time.Second); len(e.srv.byName("b.png")) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("b.png not sent while a.png's landing was held up (a.png sent %d times)", len(e.srv.byName("a.png")))
		}
	}
}
