package durable

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Callers that ask for an fsync while one runs share the next one, and
// each returns only after an fsync that began after its call.
func TestGroupSyncSharesOneFsyncAmongCallersAtTheSameTime(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var starts []time.Time
	slow := Syncer(func(f *os.File) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return f.Sync()
	})
	g := NewGroupSync(t.TempDir(), slow)
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("two calls one after the other made %d fsyncs, want 2", n)
	}
	calls.Store(0)
	var wg sync.WaitGroup
	late := make([]time.Duration, 10)
	for i := range late {
		wg.Add(1)
		go func() {
			defer wg.Done()
			asked := time.Now()
			if err := g.Sync(); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			// the last fsync that began before this call returned
			var last time.Time
			for _, s := range starts {
				if !s.After(time.Now()) {
					last = s
				}
			}
			late[i] = last.Sub(asked)
		}()
	}
	wg.Wait()
	if n := calls.Load(); n < 1 || n > 5 {
		t.Fatalf("10 callers at the same time made %d fsyncs, want 1 to 5 (each caller alone: 10)", n)
	}
	for i, d := range late {
		if d < 0 {
			t.Fatalf("caller %d returned with no fsync begun after its call (last began %v before)", i, -d)
		}
	}
}

// filesSeen is a Syncer that records the *os.File of each fsync.
type filesSeen struct {
	mu    sync.Mutex
	files []*os.File
	fail  error // returned once by the next fsync
}

func (s *filesSeen) sync(f *os.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = append(s.files, f)
	if err := s.fail; err != nil {
		s.fail = nil
		return err
	}
	return f.Sync()
}

func (s *filesSeen) last() *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[len(s.files)-1]
}

// sameFile reports whether the open f is the file now at path.
func sameFile(t *testing.T, f *os.File, path string) bool {
	t.Helper()
	a, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(a, b)
}

func TestGroupSyncKeepsOneDescriptorUntilResetOrClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "names.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := &filesSeen{}
	g := NewGroupSync(path, seen.sync)
	for range 3 {
		if err := g.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	kept := seen.files[0]
	for i, f := range seen.files {
		if f != kept {
			t.Fatalf("fsync %d went through another descriptor: each Sync opened the path", i)
		}
	}

	// The path is replaced (a compaction): the kept descriptor is of the
	// old file until Reset.
	if err := WriteFile(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if sameFile(t, seen.last(), path) {
		t.Fatal("without Reset the kept descriptor is of the new file: the test does not replace the file")
	}
	g.Reset()
	if _, err := kept.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the replaced file's descriptor is still open after Reset (%v)", err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if !sameFile(t, seen.last(), path) {
		t.Error("after Reset, Sync fsynced another file than the one at the path")
	}

	// A failed fsync drops the descriptor: the next one opens the path.
	failed := seen.last()
	seen.fail = syscall.EIO
	if err := g.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("failed fsync: %v, want EIO", err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if seen.last() == failed {
		t.Error("the descriptor of a failed fsync was kept")
	}

	// Close releases the descriptor; later Syncs open and close their own.
	open := seen.last()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := open.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("kept descriptor open after Close (%v)", err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if after := seen.last(); after == open || !errors.Is(func() error { _, err := after.Stat(); return err }(), os.ErrClosed) {
		t.Error("a Sync after Close kept a descriptor")
	}
}

// Reset while an fsync runs: that fsync ends with the old file, the next
// one is of the new file.
func TestGroupSyncResetDuringAnFsyncTakesEffectAtTheNext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "claimed.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	running, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var files []*os.File
	var block atomic.Bool
	block.Store(true)
	g := NewGroupSync(path, func(f *os.File) error {
		mu.Lock()
		files = append(files, f)
		mu.Unlock()
		if block.CompareAndSwap(true, false) {
			close(running)
			<-release
		}
		return f.Sync()
	})
	done := make(chan error)
	go func() { done <- g.Sync() }()
	<-running
	if err := WriteFile(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	g.Reset()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(files) != 2 || files[0] == files[1] || !sameFile(t, files[1], path) {
		t.Errorf("the fsync after Reset was not of the file now at the path (%d fsyncs)", len(files))
	}
	if _, err := files[0].Stat(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the replaced file's descriptor is still open (%v)", err)
	}
	g.Close()
}
