package node

// Mount tests of passthrough and the RELEASE accounting (file_handle.go,
// release_barrier.go): one File, mounted in-process through the same
// go-fuse bridge and release barrier as kreafs, read through a real
// cache.Store from the emulator.

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// oneFile is a root directory holding one File, named "a".
type oneFile struct {
	gofs.Inode
	f *File
}

func (r *oneFile) OnAdd(ctx context.Context) {
	ch := r.NewPersistentInode(ctx, r.f, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: r.f.Ino})
	r.AddChild("a", ch, false)
}

type fileMount struct {
	m    *Mount
	path string // the file
	want []byte // its content
	log  *kreafstest.SyncBuffer

	mu   sync.Mutex
	hook func() // runs at the end of each read handle's Release
}

// onRelease makes fn run at the end of each read handle's Release.
func (fm *fileMount) onRelease(fn func()) {
	fm.mu.Lock()
	fm.hook = fn
	fm.mu.Unlock()
}

// mountOneFile mounts one emulator asset as dir/a, with passthrough
// (skipped where the kernel or our privileges do not allow it).
func mountOneFile(t *testing.T) *fileMount {
	t.Helper()
	kreafstest.RequireFUSE(t)
	if os.Geteuid() != 0 {
		t.Skip("FUSE passthrough needs root")
	}
	emu := kreafstest.StartEmulator(t, emulator.Options{SeedAssets: 1}).Server
	client, err := api.New(api.Config{BaseURL: emu.URL(), Token: emu.Token(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	store, err := cache.Open(cache.Options{Dir: t.TempDir(), Fetcher: client, StallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logBuf := &kreafstest.SyncBuffer{}
	l := logrus.New()
	l.SetOutput(logBuf)
	l.SetLevel(logrus.DebugLevel)
	m, err := NewMount(Config{Remote: client, Content: store, Log: l})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	a := emu.Assets()[0]
	want := kreafstest.HTTPGet(t, a.ImageURL)
	fm := &fileMount{m: m, want: want, log: logBuf}
	m.releaseHook = func() {
		fm.mu.Lock()
		fn := fm.hook
		fm.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
	root := &oneFile{f: NewFile(m, AssetIno(a.ID), a)}
	dir := t.TempDir()
	opts := &gofs.Options{MountOptions: fuse.MountOptions{Name: "kreafs-test", DirectMount: true}}
	srv, err := fuse.NewServer(m.ReleaseBarrier(gofs.NewNodeFS(root, opts)), dir, &opts.MountOptions)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			kreafstest.Detach(dir)
		}
		srv.Wait()
	})
	fm.path = filepath.Join(dir, "a")
	return fm
}

const passthroughLine = "FUSE passthrough"

// openRead opens the file and checks that the open and a read of all of
// it succeed; it returns the open file and whether the open got
// passthrough.
func (fm *fileMount) openRead(t *testing.T, who string) (*os.File, bool) {
	t.Helper()
	before := strings.Count(fm.log.String(), passthroughLine)
	f, err := os.Open(fm.path)
	if err != nil {
		t.Fatalf("%s: open: %v\nlog:\n%s", who, err, fm.log.String())
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, fm.want) {
		f.Close()
		t.Fatalf("%s: read %d bytes, %v; want the asset's %d\nlog:\n%s", who, len(got), err, len(fm.want), fm.log.String())
	}
	return f, strings.Count(fm.log.String(), passthroughLine) > before
}

// releasesEnded waits until no RELEASE is in progress.
func (fm *fileMount) releasesEnded(t *testing.T) {
	t.Helper()
	r := &fm.m.releases
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		r.mu.Lock()
		n := len(r.running)
		r.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a RELEASE did not end within 10s")
		}
	}
}

// go-fuse drops a reference of the node's backing file at the end of
// every RELEASE, after the handle's Release returned. A program that
// opened the file while the first reader's RELEASE was between those two
// points got passthrough with a backing file go-fuse then unregistered,
// and every open by a third program while it read failed with EIO, with
// nothing in kreafs' log (the load test's "cmp: ...: Input/output error").
func TestOpeningAFileWhileItsFirstReaderClosesItNeverFailsWithEIO(t *testing.T) {
	fm := mountOneFile(t)

	// The first reader fetches the file: an ordinary open (not cached yet).
	first, pt := fm.openRead(t, "first reader")
	if pt {
		t.Fatal("the first open of an uncached file got passthrough")
	}

	// Its RELEASE stops right after the handle's Release returned.
	inRelease, goOn := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fm.onRelease(func() {
		once.Do(func() {
			close(inRelease)
			<-goOn
		})
	})
	first.Close()
	select {
	case <-inRelease:
	case <-time.After(10 * time.Second):
		t.Fatal("no RELEASE of the first reader within 10s")
	}
	// A second reader opens the file meanwhile, and keeps it open.
	second, _ := fm.openRead(t, "second reader, opened during the first's RELEASE")
	defer second.Close()
	close(goOn)
	fm.releasesEnded(t)

	// A third reader opens it while the second still has it open.
	third, _ := fm.openRead(t, "third reader, opened while the second reads")
	third.Close()
	second.Close()

	// Once everybody closed, the next open gets passthrough again: the
	// counts that kept it off came back down.
	deadline := time.Now().Add(5 * time.Second)
	for {
		fm.releasesEnded(t)
		f, pt := fm.openRead(t, "a reader after all closed")
		f.Close()
		if pt {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no open got passthrough after every reader closed\nlog:\n%s", fm.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
