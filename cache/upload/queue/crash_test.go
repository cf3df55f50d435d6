package queue

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// copyTree copies dir to a new directory: taken while the queue is
// blocked inside a request, it is exactly what kill -9 at that moment
// leaves on disk (every journal write is fsynced before the request).
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "crash-image")
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// intentJournaled waits until the journal write of the intent of item
// id's running attempt has ended: it runs beside the start of the
// request (beginAttempt), so a crash image taken when the server has the
// request may lack it otherwise.
func intentJournaled(q *Queue, id string) {
	q.mu.Lock()
	it := q.items[id]
	q.mu.Unlock()
	it.pmu.Lock()
	it.pmu.Unlock()
}

func abort(q *Queue) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q.Close(ctx)
}

func TestPendingUploadSurvivesRestartAndIsUploadedOnce(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	abort(q)

	q = e.open() // resumes at once, without the delay
	e.srv.waitCreated(t, 1)
	e.waitIdle(q)
	q.Close(context.Background())
	q = e.open()
	e.clk.Advance(2 * time.Hour)
	if posts, _ := e.srv.counts(); posts != 1 || len(e.srv.byName("a.png")) != 1 {
		t.Fatalf("posts = %d", posts)
	}
	if _, ok := q.Get(id); ok {
		t.Fatal("item still queued after upload and restart")
	}
	e.assertEmptyDirs()
}

func TestKilledDuringUpload(t *testing.T) {
	for _, tc := range []struct {
		name           string
		received       bool // the server had stored the asset when kreafs died
		noEcho, hosted bool // the server's answers (fakeServer)
		wantPosts      int
	}{
		{"server got it, answer lost", true, false, false, 1},
		{"server never got it", false, false, false, 2},
		{"no description echoed: server got it", true, true, false, 1},
		{"no description echoed: server never got it", false, true, false, 2},
		{"no description echoed, hosted names: server got it", true, true, true, 1},
		{"no description echoed, hosted names: server never got it", false, true, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Delay = 0 })
			e.srv.noEcho, e.srv.hosted = tc.noEcho, tc.hosted
			gate := make(chan struct{})
			if tc.received {
				e.srv.blockAfter = gate
			} else {
				e.srv.blockBefore = gate
			}
			q := e.open()
			id := e.write(q, "a.png", []byte("payload"))
			<-e.srv.inUpload
			intentJournaled(q, id)
			image := copyTree(t, e.dir)
			abort(q) // the blocked request dies with the process
			e.srv.mu.Lock()
			e.srv.blockAfter, e.srv.blockBefore = nil, nil
			e.srv.mu.Unlock()

			e.dir = image
			q = e.open()
			if err := e.waitDriven(q, id); err != nil {
				t.Fatal(err)
			}
			e.waitIdle(q)
			as := e.srv.byName("a.png")
			if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("payload")) {
				t.Fatalf("assets = %+v", as)
			}
			if posts, _ := e.srv.counts(); posts != tc.wantPosts {
				t.Fatalf("posts = %d, want %d", posts, tc.wantPosts)
			}
			if up := e.onUploaded(); len(up) != 1 || up[0].Asset.ID != as[0].ID {
				t.Fatalf("OnUploaded = %+v", up)
			}
			e.assertEmptyDirs()
		})
	}
}

// journalState writes a record and its spool as a crash would leave them.
func journalState(t *testing.T, dir string, r record, content []byte) {
	t.Helper()
	l, err := journal.NewLayout(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" {
		r.ID = journal.NewID()
	}
	if err := l.WriteRecord(r); err != nil {
		t.Fatal(err)
	}
	if content != nil {
		if err := os.WriteFile(l.SpoolPath(r.ID, r.Gen), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecoveryFromJournalStates(t *testing.T) {
	content := []byte("0123456789")
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	in := func(gen int, name string, size int64) *intent {
		return &intent{Marker: "m", Started: t0, Gen: gen, Name: name, Size: size}
	}
	type serverAsset struct {
		name string
		size int64
		at   time.Time
	}
	for _, tc := range []struct {
		name      string
		rec       record
		spool     []byte
		server    []serverAsset
		wantPosts int
		wantState State    // if the item stays
		gone      bool     // item finished and forgotten
		wantNames []string // names of assets on the server at the end
	}{
		{
			name: "uploading intent, asset arrived", rec: record{Name: "a.png", State: stPending, Size: 10, Intent: in(0, "a.png", 10)},
			spool: content, server: []serverAsset{{"a.png", 10, t0.Add(time.Second)}},
			wantPosts: 0, gone: true, wantNames: []string{"a.png"},
		},
		{
			name: "uploading intent, arrived slightly before the local start (clock skew)", rec: record{Name: "a.png", State: stPending, Size: 10, Intent: in(0, "a.png", 10)},
			spool: content, server: []serverAsset{{"a.png", 10, t0.Add(-30 * time.Second)}},
			wantPosts: 0, gone: true, wantNames: []string{"a.png"},
		},
		{
			name: "uploading intent, only an older same-named asset", rec: record{Name: "a.png", State: stPending, Size: 10, Intent: in(0, "a.png", 10)},
			spool: content, server: []serverAsset{{"a.png", 10, t0.Add(-time.Hour)}},
			wantPosts: 1, gone: true, wantNames: []string{"a.png", "a.png"},
		},
		{
			name: "uploading intent, same name but other size", rec: record{Name: "a.png", State: stPending, Size: 10, Intent: in(0, "a.png", 10)},
			spool: content, server: []serverAsset{{"a.png", 11, t0.Add(time.Second)}},
			wantPosts: 1, gone: true, wantNames: []string{"a.png", "a.png"},
		},
		{
			name: "uploading intent of an older version: it is replaced", rec: record{Name: "a.png", State: stPending, Gen: 1, Size: 10, Intent: in(0, "a.png", 4)},
			spool: content, server: []serverAsset{{"a.png", 4, t0.Add(time.Second)}},
			wantPosts: 1, gone: true, wantNames: []string{"a.png"},
		},
		{
			name: "pending, never started", rec: record{Name: "a.png", State: stPending, Size: 10},
			spool: content, wantPosts: 1, gone: true, wantNames: []string{"a.png"},
		},
		{
			name: "pending, spool lost", rec: record{Name: "a.png", State: stPending, Size: 10},
			wantState: Failed,
		},
		{
			name: "open for writing at the crash", rec: record{Name: "a.png", State: stWriting},
			spool: content, wantState: Failed,
		},
		{
			name: "open for writing, nothing written", rec: record{Name: "a.png", State: stWriting},
			spool: []byte{}, gone: true,
		},
		{
			name: "cancelled while uploading, asset arrived", rec: record{Name: "a.png", State: stCanceled, Intent: in(0, "a.png", 10)},
			server: []serverAsset{{"a.png", 10, t0.Add(time.Second)}}, gone: true,
		},
		{
			name: "refused with 400 stays failed", rec: record{Name: "a.png", State: stFailed, Err: "bad", ErrCode: 400},
			spool: content, wantState: Failed,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.clk.now = t0.Add(time.Minute)
			tc.rec.ID = journal.NewID()
			tc.rec.Created, tc.rec.Modified = t0, t0
			journalState(t, e.dir, tc.rec, tc.spool)
			for _, a := range tc.server {
				e.srv.put(a.name, a.size, a.at)
			}
			q := e.open()
			if tc.gone {
				e.waitIdle(q)
			} else {
				it := mustItem(t, q, tc.rec.ID)
				if it.State != tc.wantState {
					t.Fatalf("state = %v (%s), want %v", it.State, it.Err, tc.wantState)
				}
				if tc.wantState == Failed {
					if err := q.Wait(context.Background(), tc.rec.ID); err == nil {
						t.Fatal("Wait on a failed item = nil")
					}
				}
			}
			if posts, _ := e.srv.counts(); posts != tc.wantPosts {
				t.Fatalf("posts = %d, want %d", posts, tc.wantPosts)
			}
			var names []string
			for _, a := range e.srv.assets {
				names = append(names, a.Description)
			}
			if len(names) != len(tc.wantNames) {
				t.Fatalf("server has %v, want %v", names, tc.wantNames)
			}
			if tc.gone {
				e.assertEmptyDirs()
			}
		})
	}
}

func TestRecoveryOfFinishedUploadDeletesReplacedAndCallsBack(t *testing.T) {
	e := newEnv(t, nil)
	old := e.srv.put("a.png", 3, e.clk.Now())
	newA := e.srv.put("a.png", 10, e.clk.Now())
	id := journal.NewID()
	journalState(t, e.dir, record{ID: id, Name: "a.png", State: stUploaded, Size: 10, Replaces: []string{old},
		Asset: &api.Asset{ID: newA, Description: "a.png"}}, []byte("0123456789"))
	q := e.open()
	e.waitIdle(q)
	if e.srv.has(old) || !e.srv.has(newA) {
		t.Fatalf("old %v new %v", e.srv.has(old), e.srv.has(newA))
	}
	if posts, _ := e.srv.counts(); posts != 0 {
		t.Fatalf("posts = %d", posts)
	}
	if up := e.onUploaded(); len(up) != 1 || up[0].Asset.ID != newA || !e.spoolSeen[0] {
		t.Fatalf("OnUploaded = %+v, spool seen %v", up, e.spoolSeen)
	}
	e.assertEmptyDirs()
}

func TestDamagedJournalIsSetAsideAndOthersResume(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	l, err := journal.NewLayout(e.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := journal.NewID()
	os.WriteFile(filepath.Join(l.Journal, bad+".0"), []byte(`{"v":1,"id":"`+bad+`","na`), 0o600) // torn by hand
	os.WriteFile(l.SpoolPath(bad, 0), []byte("precious"), 0o600)
	orphan := journal.NewID()
	os.WriteFile(l.SpoolPath(orphan, 0), []byte("finished item's leftover"), 0o600)
	good := journal.NewID()
	journalState(t, e.dir, record{ID: good, Name: "g.png", State: stPending, Gen: 1, Size: 1}, []byte("g"))
	os.WriteFile(l.SpoolPath(good, 0), []byte("stale generation"), 0o600)
	os.WriteFile(filepath.Join(l.Journal, "."+good+".tmp123"), []byte("half a write"), 0o600)

	q := e.open()
	e.waitIdle(q)
	if len(e.srv.byName("g.png")) != 1 {
		t.Fatal("good item not uploaded")
	}
	if _, err := os.Stat(filepath.Join(l.Journal, bad+".0.corrupt")); err != nil {
		t.Fatalf("damaged record not set aside: %v", err)
	}
	if b, err := os.ReadFile(l.SpoolPath(bad, 0)); err != nil || string(b) != "precious" {
		t.Fatalf("spool of the damaged record: %q %v", b, err)
	}
	want := map[string]bool{bad + ".0": true}
	for _, f := range spoolFiles(t, l.Spool) {
		if !want[f] {
			t.Errorf("left in spool: %s", f)
		}
	}
	if f := files(t, l.Journal); len(f) != 2 || f[0] != bad+".0.corrupt" || f[1] != "records.log" {
		t.Errorf("journal: %v, want the damaged record set aside and the log", f)
	}
}

func TestDeleteAssetsIsDurable(t *testing.T) {
	e := newEnv(t, nil)
	a := e.srv.put("a.png", 1, e.clk.Now())
	b := e.srv.put("b.png", 1, e.clk.Now())
	e.srv.deleteFail = 100
	q := e.open()
	id, err := q.DeleteAssets("a.png", a, b)
	if err != nil {
		t.Fatal(err)
	}
	if sh := q.Shadowed(); !sh[a] || !sh[b] {
		t.Fatalf("Shadowed = %v", sh)
	}
	abort(q)
	e.srv.mu.Lock()
	e.srv.deleteFail = 1
	e.srv.mu.Unlock()
	q = e.open()
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if e.srv.has(a) || e.srv.has(b) {
		t.Fatal("not deleted")
	}
}

func TestListingFailureDuringCheckIsRetried(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.failAfter = 1
	e.srv.listFail = 2
	q := e.open()
	id := e.write(q, "a.png", []byte("x"))
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if posts, _ := e.srv.counts(); posts != 1 || len(e.srv.byName("a.png")) != 1 {
		t.Fatalf("posts = %d, assets = %+v", posts, e.srv.byName("a.png"))
	}
}

// Without an echoed description, an interrupted upload is matched by size
// and time. An asset this queue made before the crash, of another file of
// the same size, must not be taken for it.
func TestKilledDuringUploadNeverTakesTheQueuesEarlierAssetOfTheSameSize(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = 0 })
	e.srv.noEcho = true
	q := e.open()
	idA := e.write(q, "a.png", []byte("payload-A"))
	if err := e.waitDriven(q, idA); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	gate := make(chan struct{})
	e.srv.mu.Lock()
	e.srv.blockBefore = gate // b's request never reaches the server
	e.srv.mu.Unlock()
	idB := e.write(q, "b.png", []byte("payload-B")) // the same size as a.png
	<-e.srv.inUpload
	intentJournaled(q, idB)
	image := copyTree(t, e.dir)
	abort(q)
	e.srv.mu.Lock()
	e.srv.blockBefore = nil
	e.srv.mu.Unlock()

	e.dir = image
	q = e.open()
	if err := e.waitDriven(q, idB); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(q)
	as := e.srv.byName("b.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("payload-B")) {
		t.Fatalf("b.png assets = %+v; want one holding its bytes", as)
	}
	if up := e.onUploaded(); len(up) != 2 || up[1].Asset.ID != as[0].ID {
		t.Fatalf("OnUploaded = %+v", up)
	}
	e.assertEmptyDirs()
}

// Without an echoed description or hosted name, an asset of the same size
// uploaded by another client in the window is not taken for the
// interrupted upload: its bytes differ.
func TestKilledDuringUploadComparesBytesWhenNothingNamesTheAsset(t *testing.T) {
	for _, tc := range []struct {
		name      string
		received  bool
		wantPosts int
	}{
		{"server got it, answer lost", true, 1},
		{"server never got it", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Delay = 0 })
			e.srv.noEcho = true
			gate := make(chan struct{})
			if tc.received {
				e.srv.blockAfter = gate
			} else {
				e.srv.blockBefore = gate
			}
			q := e.open()
			id := e.write(q, "a.png", []byte("payload"))
			<-e.srv.inUpload
			intentJournaled(q, id)
			// Another client uploads other bytes of the same size, in
			// the window, at the same moment (listed before ours).
			other := e.srv.putFrom("x.png", []byte("PAYLOAD"), e.clk.Now())
			image := copyTree(t, e.dir)
			abort(q)
			e.srv.mu.Lock()
			e.srv.blockAfter, e.srv.blockBefore = nil, nil
			e.srv.mu.Unlock()

			e.dir = image
			q = e.open()
			if err := e.waitDriven(q, id); err != nil {
				t.Fatal(err)
			}
			e.waitIdle(q)
			as := e.srv.byName("a.png")
			if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha([]byte("payload")) {
				t.Fatalf("a.png assets = %+v", as)
			}
			if posts, _ := e.srv.counts(); posts != tc.wantPosts {
				t.Fatalf("posts = %d, want %d", posts, tc.wantPosts)
			}
			if up := e.onUploaded(); len(up) != 1 || up[0].Asset.ID != as[0].ID || up[0].Asset.ID == other {
				t.Fatalf("OnUploaded = %+v (the other client's asset is %s)", up, other)
			}
			e.srv.mu.Lock()
			fetches := e.srv.fetches
			e.srv.mu.Unlock()
			if fetches == 0 {
				t.Fatal("no bytes were compared")
			}
		})
	}
}

// A kill -9 after the queue noted an upload's asset as its own (the
// claimed log) but before the record says it landed: the next Open takes
// that asset for the upload instead of sending the file again.
func TestKilledBetweenClaimingAnAssetAndJournalingItSendsNothingAgain(t *testing.T) {
	var image string
	var e *env
	e = newEnv(t, func(o *Options) {
		o.Delay = 0
		o.afterClaim = func() {
			if image == "" {
				image = copyTree(t, e.dir)
			}
		}
	})
	q := e.open()
	id := e.write(q, "a.png", []byte("payload"))
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	abort(q)
	if image == "" {
		t.Fatal("no claim was made")
	}

	e2 := newEnv(t, nil)
	e2.dir, e2.clk, e2.srv = image, e.clk, e.srv
	q2 := e2.open()
	e2.waitIdle(q2)
	if posts, _ := e.srv.counts(); posts != 1 || len(e.srv.byName("a.png")) != 1 {
		t.Fatalf("posts = %d, assets %+v: want the one upload", posts, e.srv.byName("a.png"))
	}
	if up := e2.onUploaded(); len(up) != 1 || up[0].Asset.ID != e.srv.byName("a.png")[0].ID {
		t.Fatalf("OnUploaded after the crash = %+v", up)
	}
	e2.assertEmptyDirs()
}
