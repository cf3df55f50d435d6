package fs

// Mount tests: the real file system, mounted in-process into t.TempDir()
// against the emulator, a real api.Client and a real cache.Store, driven
// with os calls and with ls/cat/stat. Named after what a user does.

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"go.uber.org/goleak"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/integration/kreafstest"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// testClock is an injectable clock for listing TTLs.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type testMount struct {
	dir    string
	emu    *emulator.Server
	client *api.Client
	store  *cache.Store
	root   *Root
	srv    *fuse.Server
	clock  *testClock
	queue  *queue.Queue // the default upload queue (nil when the setup gave one, or none)
}

type mountSetup struct {
	emu      emulator.Options
	cfg      func(*Config)  // adjusts the fs config
	store    *cache.Options // nil: a fresh store in a temp dir
	remote   func(*api.Client) Remote
	stateDir string
}

// mountFS mounts a kreafs tree for one test and unmounts it in cleanup.
func mountFS(t *testing.T, s mountSetup) *testMount {
	t.Helper()
	requireFUSE(t)
	m := &testMount{dir: t.TempDir(), clock: &testClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
	m.emu = kreafstest.StartEmulator(t, s.emu).Server
	var err error
	if m.client, err = api.New(api.Config{BaseURL: m.emu.URL(), Token: m.emu.Token(), MaxRetries: -1}); err != nil {
		t.Fatal(err)
	}
	so := cache.Options{Dir: t.TempDir(), MaxBytes: 1 << 30, StallTimeout: 2 * time.Second}
	if s.store != nil {
		so = *s.store
	}
	so.Fetcher = m.client
	if m.store, err = cache.Open(so); err != nil {
		t.Fatal(err)
	}
	var remote Remote = m.client
	if s.remote != nil {
		remote = s.remote(m.client)
	}
	cfg := Config{
		Remote: remote, Content: m.store, DirCacheTTL: time.Hour, Clock: m.clock.Now,
		UID: 1234, GID: 5678, StateDir: s.stateDir, Scope: "test",
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	if cfg.Uploads == nil && !cfg.ReadOnly { // writable, as a mount is
		if m.queue, err = queue.Open(queue.Options{Dir: t.TempDir(), Uploader: m.client, Log: quietLog()}); err != nil {
			t.Fatal(err)
		}
		cfg.Uploads = m.queue
	}
	if m.root, err = NewRoot(cfg); err != nil {
		t.Fatal(err)
	}
	if m.srv, err = Mount(m.dir, m.root, MountOptions{}); err != nil {
		m.store.Close()
		t.Fatal(err)
	}
	t.Cleanup(m.unmount)
	return m
}

func (m *testMount) unmount() {
	if m.srv != nil {
		if err := m.srv.Unmount(); err != nil {
			// Leave nothing mounted, whatever the test left open.
			kreafstest.Detach(m.dir)
		}
		m.srv.Wait()
		m.srv = nil
	}
	if m.queue != nil {
		m.queue.Close(context.Background())
		m.queue = nil
	}
	m.root.Close()
	m.store.Close()
}

func (m *testMount) path(elem ...string) string {
	return filepath.Join(append([]string{m.dir}, elem...)...)
}

// names returns the expected name of each emulator asset, by id.
func (m *testMount) names() map[string]string {
	return view.NewAssetTree(0, m.emu.Assets(), nil).NameOf.Map()
}

// httpGet is a plain GET of url, the way curl would fetch it.
var httpGet = kreafstest.HTTPGet

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := kreafstest.RunCombined(kreafstest.RunTimeout, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func TestRootHasAssetsJobsStyles(t *testing.T) {
	m := mountFS(t, mountSetup{})
	ents, err := os.ReadDir(m.dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		if !e.IsDir() {
			t.Errorf("%s is not a directory", e.Name())
		}
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != ".Trash-1234 .kreafs assets jobs models styles" { // .kreafs: status files (status_dir.go); .Trash-<uid>: the trash
		t.Errorf("root lists %v", got)
	}
	fi, err := os.Stat(m.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o755 || st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("assets/: mode %v uid %d gid %d", fi.Mode(), st.Uid, st.Gid)
	}
	if err := os.Remove(m.path("assets")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("rmdir assets: %v, want EPERM", err)
	}
}

func TestLsShowsEveryAssetWithSizeMtimeAndMode(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 30}, cfg: func(c *Config) { c.Umask = 0o027 }})
	want := m.names()
	ents, err := os.ReadDir(m.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(want) {
		t.Errorf("ls shows %d entries, the account has %d assets", len(ents), len(want))
	}
	for _, a := range m.emu.Assets() {
		fi, err := os.Stat(m.path("assets", want[a.ID]))
		if err != nil {
			t.Errorf("stat %q: %v", want[a.ID], err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		switch {
		case fi.Size() != m.emu.AssetFileSize(a.ID): // size_bytes, or the real size where it is null
			t.Errorf("%s: size %d, size_bytes %d, file %d", want[a.ID], fi.Size(), a.Size(), m.emu.AssetFileSize(a.ID))
		case !fi.ModTime().Equal(a.UploadedAt.Truncate(time.Second)) && !fi.ModTime().Equal(a.UploadedAt):
			t.Errorf("%s: mtime %v, uploaded_at %v", want[a.ID], fi.ModTime(), a.UploadedAt)
		case fi.Mode() != 0o640:
			t.Errorf("%s: mode %v, want -rw-r----- (umask 027)", want[a.ID], fi.Mode())
		case st.Uid != 1234 || st.Gid != 5678:
			t.Errorf("%s: owner %d:%d", want[a.ID], st.Uid, st.Gid)
		case st.Ino != node.AssetIno(a.ID):
			t.Errorf("%s: inode %d, want the hash of its id", want[a.ID], st.Ino)
		}
	}
	// ls -l as a user runs it.
	out := run(t, "ls", "-l", m.path("assets"))
	if n := strings.Count(out, "\n-rw-r-----"); n != len(want) {
		t.Errorf("ls -l shows %d files:\n%s", n, out)
	}
}

func TestCatOfEachAssetEqualsItsImageURL(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 12}})
	names := m.names()
	for _, a := range m.emu.Assets() {
		want := httpGet(t, a.ImageURL)
		got, err := os.ReadFile(m.path("assets", names[a.ID]))
		if err != nil {
			t.Errorf("read %s: %v", names[a.ID], err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes differ from the %d of image_url", names[a.ID], len(got), len(want))
		}
		// The second read is served by the page cache or the cache file.
		if out := run(t, "cat", m.path("assets", ".by-id", a.ID)); out != string(want) {
			t.Errorf("cat .by-id/%s differs", a.ID)
		}
	}
}

func TestReadsAtRandomOffsets(t *testing.T) {
	m := mountFS(t, mountSetup{})
	data := wavBytes(3 << 20)
	a, err := m.emu.AddAsset(data, "take.wav")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(m.path("assets", ".by-id", a.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	offs := []int64{2 << 20, 17, int64(len(data)) - 10, 1 << 20, 0, int64(len(data)) - 1}
	for _, off := range offs {
		buf := make([]byte, 4096)
		n, err := f.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			t.Fatalf("pread at %d: %v", off, err)
		}
		if !bytes.Equal(buf[:n], data[off:min(off+4096, int64(len(data)))]) {
			t.Errorf("pread at %d: wrong bytes", off)
		}
	}
	if out := run(t, "tail", "-c", "5", f.Name()); out != string(data[len(data)-5:]) {
		t.Errorf("tail -c 5 differs")
	}
}

func TestHostileDescriptionsNeverEscapeOrBreakTheListing(t *testing.T) {
	m := mountFS(t, mountSetup{})
	png := pngBytes()
	hostile := []string{"../x", "../../etc/passwd", "a/b.png", "line\nbreak.png", "tab\there", "\x1b[2J",
		strings.Repeat("long ", 2000), "caf\xe9.png", ".", "..", ".by-id", ".kreafs", "", "ok.png", "ok.png", "ok"}
	for _, d := range hostile {
		if _, err := m.emu.AddAsset(png, d); err != nil {
			t.Fatal(err)
		}
	}
	want := m.names()
	ents, err := os.ReadDir(m.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
		if _, err := os.Stat(m.path("assets", e.Name())); err != nil {
			t.Errorf("listed %q cannot be stat'ed: %v", e.Name(), err)
		}
		if strings.ContainsAny(e.Name(), "/\n\t\x1b") || e.Name() == ".by-id" {
			t.Errorf("listed unsafe name %q", e.Name())
		}
	}
	// A description that is a path ("a/b.png") shows as its folder.
	var wantNames []string
	for _, n := range want {
		top, _, inFolder := strings.Cut(n, "/")
		wantNames = append(wantNames, top)
		if inFolder {
			if fi, err := os.Stat(m.path("assets", n)); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("assets/%s: %v", n, err)
			}
		}
	}
	sort.Strings(wantNames)
	if strings.Join(got, "|") != strings.Join(wantNames, "|") {
		t.Errorf("listing\n%q\nwant\n%q", got, wantNames)
	}
	if len(got) != len(hostile) {
		t.Errorf("%d names for %d assets", len(got), len(hostile))
	}
	// Nothing was created outside the mount.
	if _, err := os.Stat(filepath.Join(filepath.Dir(m.dir), "x")); err == nil {
		t.Errorf("../x escaped the mount")
	}
}

func TestByIDIsHiddenAndReachesAssetsNotYetListed(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 3}})
	ents, _ := os.ReadDir(m.path("assets"))
	for _, e := range ents {
		if e.Name() == ".by-id" {
			t.Errorf("ls shows .by-id")
		}
	}
	// Added after the listing, with a listing TTL of an hour: reachable by
	// id at once (GET /assets/{id}).
	a, err := m.emu.AddAsset(pngBytes(), "late.png")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(m.path("assets", ".by-id", a.ID))
	if err != nil || !bytes.Equal(got, pngBytes()) {
		t.Errorf("read .by-id/%s: %v", a.ID, err)
	}
	if _, err := os.Stat(m.path("assets", ".by-id", "no-such-id")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of an unknown id: %v", err)
	}
	ids, err := os.ReadDir(m.path("assets", ".by-id"))
	if err != nil || len(ids) < 3 {
		t.Errorf("ls .by-id: %d entries, %v", len(ids), err)
	}
}

func TestLookupOfANewNameRechecksBeforeENOENT(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 2}})
	if _, err := os.ReadDir(m.path("assets")); err != nil { // listing cached for an hour
		t.Fatal(err)
	}
	if _, err := m.emu.AddAsset(pngBytes(), "fresh.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.path("assets", "fresh.png")); err != nil {
		t.Errorf("stat of an asset uploaded elsewhere: %v", err)
	}
	if _, err := os.Stat(m.path("assets", "never.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of a missing name: %v", err)
	}
}

func TestAssetDeletedElsewhereVanishesAfterTheTTL(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 2}})
	a, err := m.emu.AddAsset(pngBytes(), "doomed.png")
	if err != nil {
		t.Fatal(err)
	}
	p := m.path("assets", "doomed.png")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	m.emu.RemoveAsset(a.ID)
	if _, err := os.Stat(p); err != nil {
		t.Errorf("within the TTL the name is still shown: %v", err)
	}
	m.clock.Add(2 * time.Hour)
	if _, err := os.ReadDir(m.path("assets")); err != nil { // refreshes the listing
		t.Fatal(err)
	}
	// The kernel's entry is dropped by an asynchronous notification.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deleted asset still visible after the TTL: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRmDeletesTheAsset(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 2}})
	a, err := m.emu.AddAsset(pngBytes(), "bye.png")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(m.path("assets", "bye.png")); err != nil {
		t.Fatal(err)
	}
	for _, b := range m.emu.Assets() {
		if b.ID == a.ID {
			t.Errorf("asset still in the API after rm")
		}
	}
	if _, err := os.Stat(m.path("assets", "bye.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("name still there after rm: %v", err)
	}
	if _, err := os.Stat(m.path("assets", ".by-id", a.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".by-id entry still there after rm: %v", err)
	}

	// rm by id: the name in assets/ goes at once too.
	b, err := m.emu.AddAsset(wavBytes(1000), "by id.wav")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.path("assets", "by id.wav")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(m.path("assets", ".by-id", b.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.path("assets", "by id.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("name still there after rm of its .by-id entry: %v", err)
	}
}

func TestReadOnlyAndImmutableAssets(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 1}, cfg: func(c *Config) { c.ReadOnly = true }})
	name := m.names()[m.emu.Assets()[0].ID]
	if err := os.Remove(m.path("assets", name)); !errors.Is(err, syscall.EROFS) {
		t.Errorf("rm with --read-only: %v, want EROFS", err)
	}
	if _, err := os.OpenFile(m.path("assets", name), os.O_WRONLY, 0); !errors.Is(err, syscall.EROFS) {
		t.Errorf("open for writing: %v, want EROFS", err)
	}
}

func TestAssetWithoutSizeBytesShowsItsRealSize(t *testing.T) {
	m := mountFS(t, mountSetup{remote: func(c *api.Client) Remote { return noSizes{c} }})
	data := wavBytes(100000)
	if _, err := m.emu.AddAsset(data, "nosize.wav"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(m.path("assets", "nosize.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != int64(len(data)) {
		t.Errorf("size %d, want %d learned from the content", fi.Size(), len(data))
	}
	got, err := os.ReadFile(m.path("assets", "nosize.wav"))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read: %d bytes, %v", len(got), err)
	}
}

// noSizes is the API with size_bytes null everywhere.
type noSizes struct{ *api.Client }

func (n noSizes) AllAssets(ctx context.Context) ([]api.Asset, error) {
	as, err := n.Client.AllAssets(ctx)
	for i := range as {
		as[i].SizeBytes = nil
	}
	return as, err
}

func TestStalledDownloadFailsWithEIOAndCtrlCInterrupts(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 1}})
	a := m.emu.Assets()[0]
	p := m.path("assets", m.names()[a.ID])
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	m.emu.SetStall(true)
	defer m.emu.SetStall(false)

	// The cache's stall timeout (2s here) ends the read with EIO.
	done := make(chan error, 1)
	go func() { _, err := os.ReadFile(p); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, syscall.EIO) {
			t.Errorf("stalled read: %v, want EIO", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("stalled read did not end")
	}

	// Ctrl-C on a blocked cat ends it.
	cmd := exec.Command("cat", m.path("assets", ".by-id", a.ID))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let cat block in read(2)
	cmd.Process.Signal(os.Interrupt)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("cat blocked on a stalled download ignored Ctrl-C")
	}
}

func TestSavedListingServesCachedAssetsWhenTheAPIIsDown(t *testing.T) {
	stateDir, cacheDir := t.TempDir(), t.TempDir()
	so := &cache.Options{Dir: cacheDir, MaxBytes: 1 << 30}
	m1 := mountFS(t, mountSetup{stateDir: stateDir, store: so})
	data := pngBytes()
	if _, err := m1.emu.AddAsset(data, "keep.png"); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(m1.path("assets", "keep.png")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("first read: %v", err)
	}
	m1.unmount()
	m1.srv = nil

	m2 := mountFS(t, mountSetup{stateDir: stateDir, store: so, cfg: func(c *Config) { c.Offline = true }})
	m2.emu.Close() // the API is gone
	got, err := os.ReadFile(m2.path("assets", "keep.png"))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("reading a cached asset with the API down: %v", err)
	}
}

// pngBytes is a small valid PNG.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// wavBytes is a valid 16-bit mono WAV of n bytes in all (n >= 44), with
// position-dependent samples so misplaced bytes show.
func wavBytes(n int) []byte {
	b := make([]byte, n)
	kreafstest.PutWAVHeader(b)
	for i := 44; i < n; i++ {
		b[i] = byte(i*31 + i>>8)
	}
	return b
}

func TestMkdirMakesAFolderLinksAreRefusedAndSyncSucceeds(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 1}})
	name := m.names()[m.emu.Assets()[0].ID]
	p := m.path("assets", name)
	if err := os.Mkdir(m.path("assets", "folder"), 0o755); err != nil {
		t.Errorf("mkdir in assets/: %v", err)
	}
	if err := os.Symlink(p, m.path("assets", "link.png")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("symlink in assets/: %v, want EPERM", err)
	}
	if err := os.Link(p, m.path("assets", "hard.png")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("link in assets/: %v, want EPERM", err)
	}
	run(t, "sync", p)
	run(t, "sync", m.path("assets"))
}

// An API that still lists an asset after deleting it (eventual
// consistency) must not bring the name back.
func TestRmStaysGoneWhenTheListingLags(t *testing.T) {
	lag := &laggingList{}
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 1}, remote: func(c *api.Client) Remote { lag.Client = c; return lag }})
	a, err := m.emu.AddAsset(pngBytes(), "ghost.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadDir(m.path("assets")); err != nil {
		t.Fatal(err)
	}
	lag.freeze() // from now on the listing is the old one, ghost included
	if err := os.Remove(m.path("assets", "ghost.png")); err != nil {
		t.Fatal(err)
	}
	m.clock.Add(2 * time.Hour)
	for _, dir := range []string{m.path("assets"), m.path("assets", ".by-id")} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Name() == "ghost.png" || e.Name() == a.ID {
				t.Errorf("deleted asset back in %s", dir)
			}
		}
	}
	if _, err := os.Stat(m.path("assets", ".by-id", a.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat .by-id of a deleted asset: %v", err)
	}
}

// laggingList serves the last listing it fetched, forever, once frozen.
type laggingList struct {
	*api.Client
	mu     sync.Mutex
	frozen bool
	last   []api.Asset
}

func (l *laggingList) freeze() {
	l.mu.Lock()
	l.frozen = true
	l.mu.Unlock()
}

func (l *laggingList) AllAssets(ctx context.Context) ([]api.Asset, error) {
	l.mu.Lock()
	if l.frozen {
		defer l.mu.Unlock()
		return append([]api.Asset(nil), l.last...), nil
	}
	l.mu.Unlock()
	as, err := l.Client.AllAssets(ctx)
	if err == nil {
		l.mu.Lock()
		l.last = append([]api.Asset(nil), as...)
		l.mu.Unlock()
	}
	return as, err
}

// A mount that was used and unmounted leaves no goroutine of ours and no
// mount behind.
func TestUnmountLeavesNoGoroutinesOrMounts(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 5}})
	names := m.names()
	for _, a := range m.emu.Assets() {
		if _, err := os.ReadFile(m.path("assets", names[a.ID])); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(m.path("assets", names[m.emu.Assets()[0].ID])); err != nil {
		t.Fatal(err)
	}
	_, _ = os.Stat(m.path("assets", "missing.png")) // a re-check
	m.unmount()
	m.emu.Close()
	if kreafstest.Mounted(m.dir) {
		t.Errorf("%s is still mounted", m.dir)
	}
	goleak.VerifyNone(t, ignore,
		// Idle keep-alive connections of the HTTP client, not ours.
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("internal/poll.runtime_pollWait"))
}
