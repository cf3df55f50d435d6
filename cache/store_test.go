package cache

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/cache/internal/durable"
	"github.com/kreafs/kreafs/cache/internal/index"
)

// The first bytes of a big cold object are served while the rest is still
// on its way: the body is held back by a gate, and only a few reads of it
// are allowed before ReadAt must return.
func TestColdReadStreamsFirstBytes(t *testing.T) {
	f := newFake()
	src, data := f.add("big", 8<<20)
	f.gate = make(chan struct{})
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ReadAhead = 0 })
	r := s.Open(src)
	defer r.Close()

	done := make(chan []byte)
	go func() {
		buf := make([]byte, 4096)
		n, err := r.ReadAt(context.Background(), buf, 0)
		if err != nil {
			t.Errorf("ReadAt: %v", err)
		}
		done <- buf[:n]
	}()
	var got []byte
	for got == nil {
		select {
		case f.gate <- struct{}{}: // let one more body read through
		case got = <-done:
		}
	}
	mustEqual(t, "first 4 KiB", got, data[:4096])
	if r.Complete() || f.bytesServed() >= int64(len(data)) {
		t.Fatalf("read returned only after the whole object (served %d)", f.bytesServed())
	}
	close(f.gate) // let the rest flow
	mustEqual(t, "whole object", readAll(t, r, 1<<20), data)
}

// Random reads fetch only the chunks they touch, chunk-aligned.
func TestRandomReadsFetchOnlyNeededChunks(t *testing.T) {
	f := newFake()
	src, data := f.add("video", 4<<20)
	const chunk = 64 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ChunkSize = chunk; o.ReadAhead = 8 << 20 })
	r := s.Open(src)
	defer r.Close()

	reads := []struct {
		off int64
		n   int
	}{
		{3<<20 + 100, 200},       // tail: inside one chunk
		{1<<20 + chunk - 10, 20}, // straddles two chunks
		{0, 1},
		{3<<20 + 150, 10}, // already present: no fetch
	}
	for _, rd := range reads {
		mustEqual(t, "range", readRange(t, r, rd.off, rd.n), data[rd.off:rd.off+int64(rd.n)])
	}
	calls := f.callList()
	if len(calls) != 3 {
		t.Fatalf("calls = %v, want 3 (one per new chunk run)", calls)
	}
	for _, c := range calls {
		if c.Off%chunk != 0 || c.Length <= 0 || c.Length%chunk != 0 {
			t.Errorf("call %+v not chunk-aligned", c)
		}
	}
	// The downloads finish their chunks in the background.
	waitFor(t, "chunks", func() bool { return s.Usage() >= 4*chunk })
	if got, want := f.bytesServed(), int64(4*chunk); got != want {
		t.Errorf("served %d bytes, want %d", got, want)
	}
}

// Many readers of the same cold range share one download.
func TestConcurrentReadersShareOneDownload(t *testing.T) {
	f := newFake()
	src, data := f.add("shared", 1<<20)
	f.gate = make(chan struct{})
	s := testStore(t, t.TempDir(), f, nil)

	const n = 16
	var started, wg sync.WaitGroup
	started.Add(n)
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			r := s.Open(src)
			defer r.Close()
			started.Done()
			mustEqual(t, "reader", readRange(t, r, 100<<10, 300<<10), data[100<<10:400<<10])
		}()
	}
	started.Wait()
	close(f.gate)
	wg.Wait()
	if c := f.callList(); len(c) != 1 {
		t.Fatalf("%d readers caused %d fetches: %v", n, len(c), c)
	}
}

// A sequential reader whose first window is already the ceiling gets
// read-ahead of that size at once, and a whole sequential read is one
// request (readahead_test.go has windows that grow).
func TestSequentialReadAhead(t *testing.T) {
	f := newFake()
	src, data := f.add("seq", 2<<20)
	const ahead = 512 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ReadAhead = ahead; o.ReadAheadMin = ahead })
	r := s.Open(src)
	defer r.Close()

	mustEqual(t, "first block", readRange(t, r, 0, 128<<10), data[:128<<10])
	// Without reading further, the read-ahead window fills in.
	waitFor(t, "read-ahead", func() bool { return s.Usage() >= 128<<10+ahead })
	if u := s.Usage(); u >= int64(len(data)) {
		t.Errorf("read-ahead fetched the whole object (%d bytes), want about %d", u, 128<<10+ahead)
	}
	mustEqual(t, "rest", readAll(t, r, 128<<10), data)
	if c := f.callList(); len(c) != 1 || c[0].Length >= 0 {
		t.Fatalf("a sequential read made calls %v, want one open-ended", c)
	}
}

// Eviction keeps usage under MaxBytes; the least recently used goes first.
func TestEvictionKeepsUsageBounded(t *testing.T) {
	f := newFake()
	const size, max = 100 << 10, 350 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.MaxBytes = max })
	var srcs []Source
	for i := 0; i < 10; i++ {
		src, data := f.add("obj"+string(rune('a'+i)), size)
		srcs = append(srcs, src)
		r := s.Open(src)
		mustEqual(t, src.Key, readAll(t, r, 64<<10), data)
		r.Close()
		if u := s.Usage(); u > max {
			t.Fatalf("after %d objects usage %d > %d", i+1, u, max)
		}
	}
	for i, src := range srcs {
		_, complete := s.Has(src.Key)
		if want := i >= 7; complete != want {
			t.Errorf("object %d cached = %v, want %v", i, complete, want)
		}
	}
	if files := dataFiles(t, s.dir); len(files) != 3 {
		t.Errorf("%d data files on disk, want 3: %v", len(files), files)
	}
	// Reading an old object again touches it: it survives the next round.
	r := s.Open(srcs[7])
	r.Close()
	src, _ := f.add("new", size)
	r = s.Open(src)
	readAll(t, r, 64<<10)
	r.Close()
	if _, ok := s.Has(srcs[7].Key); !ok {
		t.Error("recently used object evicted")
	}
	if _, ok := s.Has(srcs[8].Key); ok {
		t.Error("least recently used object kept")
	}
}

// Pinned objects are never evicted; usage may exceed the bound by them and
// comes back under it when they are released.
func TestPinnedObjectsNotEvicted(t *testing.T) {
	f := newFake()
	const size, max = 100 << 10, 250 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.MaxBytes = max })
	var readers []*Reader
	for i := 0; i < 4; i++ {
		src, data := f.add("pin"+string(rune('a'+i)), size)
		r := s.Open(src)
		readers = append(readers, r)
		mustEqual(t, src.Key, readAll(t, r, 64<<10), data)
	}
	if u := s.Usage(); u != 4*size {
		t.Fatalf("usage %d with 4 pinned objects, want %d", u, 4*size)
	}
	for _, r := range readers {
		if !r.Complete() {
			t.Fatal("pinned object lost bytes")
		}
		if fi, err := r.File().Stat(); err != nil || fi.Size() != size {
			t.Fatalf("pinned data file: %v %v", fi, err)
		}
	}
	for _, r := range readers {
		r.Close()
	}
	if u := s.Usage(); u > max {
		t.Fatalf("usage %d > %d after release", u, max)
	}
}

// A second store on the same directory serves cached content with no fetch.
func TestPersistenceAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	whole, wdata := f.add("whole", 300<<10)
	part, pdata := f.add("part", 1<<20)
	s := testStore(t, dir, f, nil)
	r := s.Open(whole)
	readAll(t, r, 64<<10)
	r.Close()
	r = s.Open(part)
	readRange(t, r, 200<<10, 10<<10)
	r.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	offline := newFake()
	offline.failAll = errors.New("network is down")
	s2 := testStore(t, dir, offline, func(o *Options) { o.Retries = -1 })
	if size, complete := s2.Has("whole"); size != 300<<10 || !complete {
		t.Fatalf("Has(whole) = %d, %v", size, complete)
	}
	r = s2.Open(Source{Key: "whole", URL: whole.URL, Size: -1})
	mustEqual(t, "whole after reopen", readAll(t, r, 64<<10), wdata)
	r.Close()
	r = s2.Open(part)
	mustEqual(t, "part after reopen", readRange(t, r, 200<<10, 10<<10), pdata[200<<10:210<<10])
	if _, err := r.ReadAt(context.Background(), make([]byte, 10), 900<<10); err == nil {
		t.Error("read of an uncached range succeeded offline")
	}
	r.Close()
	if n := offline.numCalls(); n != 1 {
		t.Errorf("%d fetches offline, want only the one for the uncached range", n)
	}
}

// A data file truncated behind the index is detected at Open: only the
// bytes it still has are kept, and the rest is fetched again.
func TestTornDataFileRefetched(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	src, data := f.add("torn", 500<<10)
	s := testStore(t, dir, f, nil)
	r := s.Open(src)
	readAll(t, r, 64<<10)
	r.Close()
	s.Close()

	files := dataFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("data files %v", files)
	}
	const cut = 123457
	if err := os.Truncate(files[0], cut); err != nil {
		t.Fatal(err)
	}
	f2 := newFake()
	f2.add("torn", 500<<10)
	s2 := testStore(t, dir, f2, nil)
	if _, complete := s2.Has("torn"); complete {
		t.Fatal("truncated object reported complete")
	}
	if u := s2.Usage(); u != cut {
		t.Errorf("usage %d, want %d", u, cut)
	}
	r = s2.Open(src)
	defer r.Close()
	mustEqual(t, "re-fetched", readAll(t, r, 64<<10), data)
	for _, c := range f2.callList() {
		if c.Off < cut {
			t.Errorf("fetch %+v re-fetched bytes the file still had", c)
		}
	}
}

// A data file truncated while the store runs (not pinned at the time) is
// noticed when it is opened again.
func TestDataFileTruncatedWhileRunning(t *testing.T) {
	f := newFake()
	src, data := f.add("shrunk", 200<<10)
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(src)
	readAll(t, r, 64<<10)
	r.Close()
	if err := os.Truncate(dataFiles(t, s.dir)[0], 1000); err != nil {
		t.Fatal(err)
	}
	r = s.Open(src)
	defer r.Close()
	mustEqual(t, "after truncation", readAll(t, r, 64<<10), data)
	// Everything but the 1000 bytes the file kept is fetched once more.
	if got, want := f.bytesServed(), int64(2*len(data)-1000); got != want {
		t.Errorf("served %d bytes, want %d", got, want)
	}
}

// A garbage index is detected: the store starts empty, orphan files go.
func TestGarbageIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"garbage", func([]byte) []byte { return []byte("\x00\x01 not an index at all") }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"bit flip in a range", func(b []byte) []byte {
			i := strings.LastIndex(string(b), "]]")
			c := append([]byte(nil), b...)
			c[i-1] ^= 1
			return c
		}},
		{"valid JSON, no header", func(b []byte) []byte { _, body, _ := strings.Cut(string(b), "\n"); return []byte(body) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := newFake()
			src, data := f.add("x", 100<<10)
			s := testStore(t, dir, f, nil)
			r := s.Open(src)
			readAll(t, r, 64<<10)
			r.Close()
			s.Close()
			p := filepath.Join(dir, index.Name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tc.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			s2 := testStore(t, dir, f, nil)
			if u := s2.Usage(); u != 0 {
				t.Errorf("usage %d after a damaged index", u)
			}
			if files := dataFiles(t, dir); len(files) != 0 {
				t.Errorf("orphan files kept: %v", files)
			}
			r = s2.Open(src)
			mustEqual(t, "re-fetched", readAll(t, r, 64<<10), data)
			r.Close()
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
			s3 := testStore(t, dir, nil, nil)
			if _, ok := s3.Has("x"); !ok {
				t.Error("index not rewritten after recovery")
			}
		})
	}
}

// An index entry that points outside the cache or names the wrong file is
// dropped, not followed.
func TestIndexEntryValidation(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, nil, nil)
	s.Close()
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("secret"), 0o600)
	idx := index.File{Next: 5, Objects: []index.Entry{
		{Key: "a", File: "../../" + outside, Size: 6, Ranges: [][2]int64{{0, 6}}},
		{Key: "b", File: "objects/00/" + strings.Repeat("0", 64) + "-1", Size: 6, Ranges: [][2]int64{{0, 6}}},
		{Key: "c", File: "objects/" + index.KeyHash("c")[:2] + "/" + index.KeyHash("c") + "-2", Size: 6, Ranges: [][2]int64{{0, 3}, {2, 6}}},
	}}
	writeIndex(t, dir, idx)
	s2 := testStore(t, dir, nil, nil)
	for _, k := range []string{"a", "b", "c"} {
		if _, ok := s2.Has(k); ok {
			t.Errorf("bad entry %q accepted", k)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("file outside the cache touched: %v", err)
	}
}

func writeIndex(t *testing.T, dir string, idx index.File) {
	t.Helper()
	data, err := index.Encode(&idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := durable.WriteFile(filepath.Join(dir, index.Name), data); err != nil {
		t.Fatal(err)
	}
}

// A reader whose context ends returns at once; the download goes on for
// the others.
func TestCancelledReaderDoesNotStopDownload(t *testing.T) {
	f := newFake()
	src, data := f.add("slow", 512<<10)
	f.gate = make(chan struct{})
	s := testStore(t, t.TempDir(), f, nil)
	r1, r2 := s.Open(src), s.Open(src)
	defer r1.Close()
	defer r2.Close()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := r1.ReadAt(ctx, make([]byte, 256<<10), 0)
		errc <- err
	}()
	second := make(chan []byte)
	go func() { second <- readRange(t, r2, 0, 256<<10) }()
	f.gate <- struct{}{} // the download is running
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
	close(f.gate)
	mustEqual(t, "other reader", <-second, data[:256<<10])
	if n := f.numCalls(); n != 1 {
		t.Errorf("fetches = %d, want 1 (the download was not restarted)", n)
	}
}

// A stalled fetch fails the reads waiting on it; a later read retries.
func TestStallTimeout(t *testing.T) {
	f := newFake()
	src, data := f.add("stalled", 200<<10)
	f.stall = true
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.StallTimeout = 50 * time.Millisecond })
	r := s.Open(src)
	defer r.Close()
	_, err := r.ReadAt(context.Background(), make([]byte, 1000), 0)
	if !errors.Is(err, ErrStalled) || !errors.Is(err, api.ErrStalled) {
		t.Fatalf("stalled read: %v", err)
	}
	// The stalled request is not retried, but the waiting read asks again
	// once per StallTimeout/6 while nothing arrives (stall_restart_test.go).
	if n := f.numCalls(); n > 7 {
		t.Errorf("a stall was retried: %d fetches, want at most 7", n)
	}
	f.set(func(f *fakeFetcher) { f.stall = false })
	mustEqual(t, "after stall", readAll(t, r, 64<<10), data)
}

// A body cut mid-way keeps its bytes; the download resumes at the cut.
func TestResumeAfterCut(t *testing.T) {
	f := newFake()
	src, data := f.add("cut", 350<<10)
	f.cutAfter = 100 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ChunkSize = 1 << 20 })
	r := s.Open(src)
	defer r.Close()
	mustEqual(t, "cut object", readRange(t, r, 0, 350<<10), data)
	var offs []int64
	for _, c := range f.callList() {
		offs = append(offs, c.Off>>10)
	}
	if want := []int64{0, 100, 200, 300}; !equalInts(offs, want) {
		t.Errorf("fetch offsets (KiB) %v, want %v", offs, want)
	}
}

// With no retries, a cut fails the read but keeps the bytes; the next read
// fetches only the rest.
func TestCutWithoutRetryKeepsBytes(t *testing.T) {
	f := newFake()
	src, data := f.add("cut", 300<<10)
	f.cutAfter = 100 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.Retries = -1 })
	r := s.Open(src)
	defer r.Close()
	if _, err := r.ReadAt(context.Background(), make([]byte, 300<<10), 0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut read: %v", err)
	}
	if u := s.Usage(); u != 100<<10 {
		t.Fatalf("kept %d bytes, want %d", u, 100<<10)
	}
	f.set(func(f *fakeFetcher) { f.cutAfter = 0 })
	mustEqual(t, "resumed", readRange(t, r, 0, 300<<10), data)
	if c := f.callList(); c[len(c)-1].Off != 100<<10 {
		t.Errorf("resume fetched from %d", c[len(c)-1].Off)
	}
}

func TestTransientErrorsRetried(t *testing.T) {
	tests := []struct {
		name      string
		failN     int
		failErr   error
		retries   int
		wantErr   error
		wantCalls int
	}{
		{"two 503s then success", 2, nil, 3, nil, 3},
		{"429 then success", 1, &api.Error{Status: 429}, 3, nil, 2},
		{"more failures than retries", 5, nil, 2, api.ErrServer, 3},
		{"404 is not retried", 1, &api.Error{Status: 404}, 3, api.ErrNotFound, 1},
		{"403 is not retried", 1, &api.Error{Status: 403}, 3, api.ErrForbidden, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			src, data := f.add("flaky", 10<<10)
			f.failN, f.failErr = tt.failN, tt.failErr
			s := testStore(t, t.TempDir(), f, func(o *Options) { o.Retries = tt.retries })
			r := s.Open(src)
			defer r.Close()
			buf := make([]byte, 10<<10)
			n, err := r.ReadAt(context.Background(), buf, 0)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				mustEqual(t, "data", buf[:n], data)
			} else if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n := f.numCalls(); n != tt.wantCalls {
				t.Errorf("calls = %d, want %d", n, tt.wantCalls)
			}
		})
	}
}

// The size the server reports wins over the Source's hint.
func TestSizeFromServerWins(t *testing.T) {
	tests := []struct {
		name     string
		hint     int64
		real     int
		hideSize bool
	}{
		{"hint too small", 100, 5000, false},
		{"hint too large", 200000, 5000, false},
		{"no hint", -1, 5000, false},
		{"no hint, chunked answer", -1, 5000, true},
		{"hint too large, chunked answer", 1 << 20, 70000, true},
		{"empty object", -1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			src, data := f.add("sized", tt.real)
			f.hideSize = tt.hideSize
			src.Size = tt.hint
			s := testStore(t, t.TempDir(), f, nil)
			r := s.Open(src)
			defer r.Close()
			buf := make([]byte, 300000)
			n, err := r.ReadAt(context.Background(), buf, 0)
			if err != io.EOF {
				t.Fatalf("ReadAt = %d, %v; want io.EOF", n, err)
			}
			mustEqual(t, "data", buf[:n], data)
			if got := r.Size(); got != int64(tt.real) {
				t.Errorf("Size() = %d, want %d", got, tt.real)
			}
			if !r.Complete() {
				t.Error("not complete after reading to EOF")
			}
			if k, err := r.Ensure(context.Background(), int64(tt.real), 10); k != 0 || err != nil {
				t.Errorf("Ensure at EOF = %d, %v", k, err)
			}
		})
	}
}

func TestImportAndRemove(t *testing.T) {
	s := testStore(t, t.TempDir(), nil, nil)
	spool, err := os.CreateTemp(t.TempDir(), "spool")
	if err != nil {
		t.Fatal(err)
	}
	content := []byte(strings.Repeat("uploaded bytes ", 1000))
	spool.Write(content)
	if err := s.Import("asset-1", spool); err != nil {
		t.Fatal(err)
	}
	if pos, _ := spool.Seek(0, io.SeekCurrent); pos != int64(len(content)) {
		t.Errorf("Import moved the caller's file offset to %d", pos)
	}
	spool.Close()
	os.Remove(spool.Name())
	if size, complete := s.Has("asset-1"); size != int64(len(content)) || !complete {
		t.Fatalf("Has = %d, %v", size, complete)
	}
	r := s.Open(Source{Key: "asset-1", Size: -1})
	mustEqual(t, "imported", readAll(t, r, 4096), content)
	if !r.Complete() || r.File() == nil {
		t.Fatal("imported reader not complete")
	}
	fi, _ := r.File().Stat()
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("data file mode %v", fi.Mode())
	}

	s.Remove("asset-1")
	if _, ok := s.Has("asset-1"); ok {
		t.Error("removed key still cached")
	}
	if s.Usage() != 0 {
		t.Errorf("usage %d after remove", s.Usage())
	}
	// The open reader keeps its (unlinked) file.
	mustEqual(t, "reader after remove", readAll(t, r, 4096), content)
	r.Close()
	if files := dataFiles(t, s.dir); len(files) != 0 {
		t.Errorf("files left after remove: %v", files)
	}
}

func TestImportReplacesAndPersists(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, nil, nil)
	for _, content := range []string{"first version", "second"} {
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, []byte(content), 0o644)
		fh, _ := os.Open(p)
		if err := s.Import("k", fh); err != nil {
			t.Fatal(err)
		}
		fh.Close()
	}
	s.Close()
	s2 := testStore(t, dir, nil, nil)
	r := s2.Open(Source{Key: "k", Size: -1})
	defer r.Close()
	if got := string(readAll(t, r, 100)); got != "second" {
		t.Errorf("got %q", got)
	}
	if files := dataFiles(t, dir); len(files) != 1 {
		t.Errorf("data files %v", files)
	}
}

func TestPermissionsAndLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "cache")
	f := newFake()
	src, _ := f.add("p", 1000)
	s := testStore(t, dir, f, nil)
	r := s.Open(src)
	readAll(t, r, 4096)
	r.Close()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	check := func(p string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	check(dir, 0o700)
	check(filepath.Join(dir, index.ObjectsDir), 0o700)
	check(filepath.Join(dir, index.Name), 0o600)
	for _, p := range dataFiles(t, dir) {
		check(p, 0o600)
		check(filepath.Dir(p), 0o700)
	}
	if _, err := Open(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second store on the same dir: %v", err)
	}
	open := t.TempDir()
	os.Chmod(open, 0o777)
	if _, err := Open(Options{Dir: open}); err == nil {
		t.Error("world-writable cache dir accepted")
	}
}

// Reads after Close fail cleanly, and Close wakes blocked readers.
func TestCloseWakesReaders(t *testing.T) {
	f := newFake()
	src, _ := f.add("c", 1<<20)
	f.stall = true
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(src)
	defer r.Close()
	errc := make(chan error)
	go func() {
		_, err := r.ReadAt(context.Background(), make([]byte, 10), 0)
		errc <- err
	}()
	waitFor(t, "fetch", func() bool { return f.numCalls() > 0 })
	s.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("blocked read after Close: %v", err)
	}
	if _, err := s.Open(src).ReadAt(context.Background(), make([]byte, 10), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("read after Close: %v", err)
	}
}

func TestNoFetcher(t *testing.T) {
	s := testStore(t, t.TempDir(), nil, nil)
	r := s.Open(Source{Key: "k", URL: "u", Size: 10})
	defer r.Close()
	if _, err := r.ReadAt(context.Background(), make([]byte, 5), 0); !errors.Is(err, ErrNoFetcher) {
		t.Errorf("err = %v", err)
	}
}

// A reader that seeks far ahead of a running sequential download does not
// wait for it to get there.
func TestFarSeekStartsOwnDownload(t *testing.T) {
	f := newFake()
	src, data := f.add("far", 8<<20)
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.ReadAhead = 1 << 20 })
	f.gate = make(chan struct{})
	seq := s.Open(src)
	defer seq.Close()
	sent := letThrough(f, 2)
	mustEqual(t, "head", readRange(t, seq, 0, 16<<10), data[:16<<10])
	<-sent
	// The sequential download is now parked at ~32 KiB with an end far ahead.
	far := s.Open(src)
	defer far.Close()
	done := make(chan []byte)
	go func() { done <- readRange(t, far, 6<<20, 1000) }()
	call := waitCall(t, f, 2)
	if call.Off != 6<<20 {
		t.Errorf("far read fetched from %d", call.Off)
	}
	close(f.gate)
	mustEqual(t, "far", <-done, data[6<<20:6<<20+1000])
	mustEqual(t, "all", readAll(t, seq, 1<<20), data)
}

func waitCall(t *testing.T, f *fakeFetcher, n int) fetchCall {
	t.Helper()
	waitFor(t, "fetch call", func() bool { return f.numCalls() >= n })
	return f.callList()[n-1]
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An open object larger than the cache is read through with usage staying
// near the bound: bytes behind the reader are dropped (holes punched),
// bytes it was just given are not.
func TestOpenObjectLargerThanCache(t *testing.T) {
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("hole punching is Linux-only")
	}
	f := newFake()
	src, data := f.add("huge", 2<<20)
	const max, chunk = 256 << 10, 64 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.MaxBytes = max; o.ChunkSize = chunk })
	clk := &fakeClock{now: time.Unix(0, 0)}
	s.now = clk.Now
	r := s.Open(src)
	defer r.Close()
	var got []byte
	buf := make([]byte, chunk)
	for off := int64(0); off < int64(len(data)); off += chunk {
		clk.Advance(time.Minute) // earlier reads are long done
		n, err := r.ReadAt(context.Background(), buf, off)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
		if u := s.Usage(); u > max+2*chunk {
			t.Fatalf("at %d usage %d, bound %d plus what is in flight", off, u, max)
		}
	}
	mustEqual(t, "content", got, data)
	fi, err := r.File().Stat()
	if err != nil {
		t.Fatal(err)
	}
	if blocks := statBlocks(fi) * 512; blocks > max+4*chunk {
		t.Errorf("data file holds %d bytes on disk: holes not punched", blocks)
	}
	// What was dropped is fetched again when read again.
	mustEqual(t, "head again", readRange(t, r, 0, 1000), data[:1000])
}

// A read with a context that is already done serves present bytes and
// starts no download for missing ones.
func TestDoneContextStartsNothing(t *testing.T) {
	f := newFake()
	src, data := f.add("k", 200<<10)
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(src)
	defer r.Close()
	readRange(t, r, 0, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := r.Ensure(ctx, 10, 100); n != 100 || err != nil {
		t.Errorf("present bytes with a done ctx: %d, %v", n, err)
	}
	before := f.numCalls()
	if _, err := r.Ensure(ctx, 150<<10, 100); !errors.Is(err, context.Canceled) {
		t.Errorf("missing bytes with a done ctx: %v", err)
	}
	if f.numCalls() != before {
		t.Error("a done ctx started a download")
	}
	mustEqual(t, "later", readRange(t, r, 150<<10, 100), data[150<<10:150<<10+100])
}

// A read that fails before any byte arrives leaves no file behind.
func TestFailedReadLeavesNoFile(t *testing.T) {
	f := newFake()
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(Source{Key: "gone", URL: "u/gone", Size: 100})
	if _, err := r.ReadAt(context.Background(), make([]byte, 10), 0); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	r.Close()
	if files := dataFiles(t, s.dir); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}

// Retries stop once RetryWindow has passed without progress, whatever the
// retry count left (the client below may have retried for long already).
func TestRetryWindowBoundsRetries(t *testing.T) {
	f := newFake()
	src, _ := f.add("k", 1000)
	f.failN = 100
	s := testStore(t, t.TempDir(), f, func(o *Options) {
		o.Retries = 50
		o.RetryBackoff = 5 * time.Millisecond
		o.RetryWindow = time.Millisecond
	})
	r := s.Open(src)
	defer r.Close()
	if _, err := r.ReadAt(context.Background(), make([]byte, 10), 0); !errors.Is(err, api.ErrServer) {
		t.Fatalf("err = %v", err)
	}
	if n := f.numCalls(); n != 1 {
		t.Errorf("%d calls, want 1 (window already spent)", n)
	}
}

// A crash (simulated: the directory is copied while the store runs, with
// downloads half done, and the copy opened) loses at most what came after
// the last index write, and never serves a partial object as whole.
func TestCrashMidDownload(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	src, data := f.add("big", 1<<20)
	late, _ := f.add("late", 100<<10)
	f.gate = make(chan struct{})
	s := testStore(t, dir, f, nil)
	r := s.Open(src)
	defer r.Close()
	sent := letThrough(f, 8) // 8 body reads of 16 KiB: up to the chunk end
	mustEqual(t, "head", readRange(t, r, 0, 100<<10), data[:100<<10])
	<-sent
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	close(f.gate)
	rl := s.Open(late) // downloaded after the last index write
	readAll(t, rl, 64<<10)
	rl.Close()
	readRange(t, r, 100<<10, 500<<10) // bytes written after the last index write

	crashed := t.TempDir()
	copyTree(t, dir, crashed)
	offline := newFake()
	offline.failAll = errors.New("offline")
	s2 := testStore(t, crashed, offline, func(o *Options) { o.Retries = -1 })
	if _, complete := s2.Has("big"); complete {
		t.Fatal("object half downloaded at the crash is reported complete")
	}
	if _, ok := s2.Has("late"); ok {
		t.Error("object the index never recorded is served")
	}
	r2 := s2.Open(src)
	defer r2.Close()
	mustEqual(t, "head after crash", readRange(t, r2, 0, 100<<10), data[:100<<10])
	for _, off := range []int64{300 << 10, 900 << 10} {
		if _, err := r2.ReadAt(context.Background(), make([]byte, 10), off); err == nil {
			t.Errorf("bytes at %d the index did not record were served", off)
		}
	}
	if files := dataFiles(t, crashed); len(files) != 1 {
		t.Errorf("data files after recovery: %v (the orphan should be gone)", files)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// letThrough lets n body reads of f through its gate; the channel closes
// when they have all been taken.
func letThrough(f *fakeFetcher, n int) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			f.gate <- struct{}{}
		}
	}()
	return done
}

// A data file truncated under an open Reader: ReadAt notices the short
// read, drops what is gone and fetches it again.
func TestDataFileTruncatedUnderOpenReader(t *testing.T) {
	f := newFake()
	src, data := f.add("shrunk", 200<<10)
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(src)
	defer r.Close()
	readAll(t, r, 64<<10)
	if err := r.File().Truncate(1000); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "after truncation", readRange(t, r, 500, 100<<10), data[500:500+100<<10])
	if r.Complete() {
		t.Error("complete although the tail is gone")
	}
}

// A full disk: the store evicts unused objects and writes again.
func TestDiskFullEvictsAndRetries(t *testing.T) {
	f := newFake()
	old, _ := f.add("old", 100<<10)
	src, data := f.add("new", 100<<10)
	s := testStore(t, t.TempDir(), f, nil)
	r := s.Open(old)
	readAll(t, r, 64<<10)
	r.Close()
	waitFor(t, "download of old to end", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		o, _ := s.lru.Peek("old")
		return !o.busyLocked()
	})
	var mu sync.Mutex
	full := true
	s.writeAt = func(fh *os.File, p []byte, off int64) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if full {
			full = false // one failure, then the eviction made room
			return 0, &os.PathError{Op: "write", Path: fh.Name(), Err: syscall.ENOSPC}
		}
		return fh.WriteAt(p, off)
	}
	r = s.Open(src)
	defer r.Close()
	mustEqual(t, "read on a full disk", readAll(t, r, 64<<10), data)
	if _, ok := s.Has("old"); ok {
		t.Error("nothing evicted on a full disk")
	}
}
