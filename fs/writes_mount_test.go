package fs

// Mount tests of the write path (docs/writes.md): the file system mounted
// in-process with a real upload queue over the emulator, driven with os
// calls. Named after what a user does.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

type writeEnv struct {
	*testMount
	q      *queue.Queue
	log    *logBuffer
	up     *uploaderSwitch
	remote *remoteSwitch
}

// remoteSwitch is the mount's Remote: the real client, or a failure of
// every DeleteAsset with a given error.
type remoteSwitch struct {
	Remote
	deleteErr atomic.Pointer[error]
}

func (r *remoteSwitch) DeleteAsset(ctx context.Context, id string) error {
	if e := r.deleteErr.Load(); e != nil {
		return *e
	}
	return r.Remote.DeleteAsset(ctx, id)
}

type writeSetup struct {
	emu   emulator.Options
	delay time.Duration
	cfg   func(*Config)
}

// uploaderSwitch is the queue's Uploader: the real client, or a refusal
// of every upload with a given error (as the API's 402 would).
type uploaderSwitch struct {
	queue.Uploader
	refuse atomic.Pointer[error]
}

func (u *uploaderSwitch) UploadAsset(ctx context.Context, file io.Reader, filename, description string) (*api.Asset, error) {
	if e := u.refuse.Load(); e != nil {
		return nil, *e
	}
	return u.Uploader.UploadAsset(ctx, file, filename, description)
}

// mountWrites mounts kreafs with an upload queue (retries fast, the given
// delay) over an emulator, on the real clock with a long listing TTL.
func mountWrites(t *testing.T, s writeSetup) *writeEnv {
	t.Helper()
	logs := &logBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	l.SetLevel(logrus.DebugLevel)
	e := &writeEnv{log: logs, up: &uploaderSwitch{}, remote: &remoteSwitch{}}
	e.testMount = mountFS(t, mountSetup{emu: s.emu, remote: func(c *api.Client) Remote {
		e.remote.Remote = c
		e.up.Uploader = c
		return e.remote
	}, cfg: func(c *Config) {
		c.Clock = time.Now
		c.DirCacheTTL = time.Minute
		c.Log = l
		q, err := queue.Open(queue.Options{
			Dir: t.TempDir(), Uploader: e.up, Delay: s.delay, Hold: view.HoldName,
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxAttempts: 3,
			Log: l,
		})
		if err != nil {
			t.Fatal(err)
		}
		e.q = q
		c.Uploads = q
		// Registered before mountFS's unmount: runs after it.
		t.Cleanup(func() { q.Close(context.Background()) })
		if s.cfg != nil {
			s.cfg(c)
		}
	}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mount log:\n%s", logs.String())
		}
	})
	return e
}

func (e *writeEnv) asset(rel string) string { return e.path("assets", rel) }

// seen waits until an asset added through the emulator shows in assets/
// (a lookup re-lists at most once a second).
func (e *writeEnv) seen(t *testing.T, name string) {
	t.Helper()
	waitFor(t, 5*time.Second, name+" shows", func() error {
		_, err := os.Stat(e.asset(name))
		return err
	})
}

// assetsNamed lists the emulator's assets whose description is desc.
func (e *writeEnv) assetsNamed(desc string) []api.Asset {
	var out []api.Asset
	for _, a := range e.emu.Assets() {
		if a.Description == desc {
			out = append(out, a)
		}
	}
	return out
}

// syncDir is `sync MOUNT/assets`: fsync of the directory.
func (e *writeEnv) syncDir(t *testing.T) error {
	t.Helper()
	d, err := os.Open(e.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return d.Sync()
}

// syncFile is `sync MOUNT/assets/name`: open read-only, fsync.
func (e *writeEnv) syncFile(name string) error {
	f, err := os.Open(e.asset(name))
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (e *writeEnv) ls(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(e.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, en := range ents {
		names = append(names, en.Name())
	}
	return names
}

func has(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

func (e *writeEnv) status(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.path(".kreafs", "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCpShowsTheFileAtOnceAndUploadsItOnceUnderItsName(t *testing.T) {
	e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 2}, delay: time.Hour})
	data := pngBytes()
	if err := os.WriteFile(e.asset("photo.png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(e.asset("photo.png"))
	if err != nil || fi.Size() != int64(len(data)) {
		t.Fatalf("stat right after cp: %v, %v", fi, err)
	}
	if got, _ := os.ReadFile(e.asset("photo.png")); !bytes.Equal(got, data) {
		t.Errorf("content while pending differs")
	}
	if !has(e.ls(t), "photo.png") {
		t.Errorf("ls does not show the pending file: %v", e.ls(t))
	}
	if st := e.status(t); !strings.Contains(st, "pending\t") || !strings.Contains(st, `"photo.png"`) {
		t.Errorf("status file does not show it pending:\n%s", st)
	}
	if n := e.emu.UploadCount(); n != 0 {
		t.Fatalf("uploaded %d before the delay / fsync", n)
	}
	files := e.emu.Requests("/files")
	if err := e.syncFile("photo.png"); err != nil {
		t.Fatalf("fsync: %v", err)
	}
	got := e.assetsNamed("photo.png")
	if len(got) != 1 || e.emu.UploadCount() != 1 {
		t.Fatalf("after fsync: %d assets named photo.png, %d uploads", len(got), e.emu.UploadCount())
	}
	// Same name, same bytes, read from the imported cache (no download).
	for i := 0; i < 3; i++ {
		b, err := os.ReadFile(e.asset("photo.png"))
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("read after upload: %v (equal %v)", err, bytes.Equal(b, data))
		}
		if !has(e.ls(t), "photo.png") {
			t.Fatalf("name gone after upload: %v", e.ls(t))
		}
	}
	if n := e.emu.Requests("/files"); n != files {
		t.Errorf("reading the just-uploaded file downloaded it (%d requests)", n-files)
	}
	if _, err := os.Stat(e.path("assets", ".by-id", got[0].ID)); err != nil {
		t.Errorf(".by-id of the new asset: %v", err)
	}
	if st := e.status(t); !strings.Contains(st, "0 item(s)") {
		t.Errorf("status after upload:\n%s", st)
	}
}

func TestNameWithoutMediaExtensionIsKeptAfterUpload(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	if err := os.WriteFile(e.asset("notes"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.syncFile("notes"); err != nil {
		t.Fatal(err)
	}
	names := e.ls(t)
	if !has(names, "notes") || has(names, "notes.png") {
		t.Errorf("after upload ls shows %v, want notes exactly (docs/semantics.md)", names)
	}
	if len(e.assetsNamed("notes")) != 1 {
		t.Errorf("the description is not the name written")
	}
}

func TestTempNameIsHeldUntilRenamedThenUploadedOnceUnderTheFinalName(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	uploads := 0
	for _, c := range []struct{ temp, final string }{
		{".clip.png.Gx3k9A", "clip.png"}, // rsync
		{"photo.png.part", "photo.png"},  // KDE
		{"dl.png.crdownload", "dl.png"},  // Chrome
	} {
		if err := os.WriteFile(e.asset(c.temp), pngBytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := e.syncDir(t); err != nil {
			t.Fatal(err)
		}
		if e.emu.UploadCount() != uploads {
			t.Fatalf("%s uploaded under its temp name", c.temp)
		}
		if st := e.status(t); !strings.Contains(st, "held\t") {
			t.Errorf("status does not show %s held:\n%s", c.temp, st)
		}
		if err := os.Rename(e.asset(c.temp), e.asset(c.final)); err != nil {
			t.Fatal(err)
		}
		if err := e.syncFile(c.final); err != nil {
			t.Fatal(err)
		}
		uploads++
		if n := len(e.assetsNamed(c.final)); n != 1 || e.emu.UploadCount() != uploads {
			t.Fatalf("%s: %d assets, %d uploads", c.final, n, e.emu.UploadCount())
		}
		if len(e.assetsNamed(c.temp)) != 0 {
			t.Errorf("an asset has the temp name %s", c.temp)
		}
	}
}

func TestJunkFilesStayLocalAndAreNeverUploaded(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	for _, name := range []string{"._photo.png", ".DS_Store", ".directory", ".hidden"} {
		if err := os.WriteFile(e.asset(name), pngBytes(), 0o644); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.UploadCount(); n != 0 {
		t.Errorf("%d junk files uploaded", n)
	}
	for _, name := range []string{"._photo.png", ".DS_Store"} {
		if b, err := os.ReadFile(e.asset(name)); err != nil || !bytes.Equal(b, pngBytes()) {
			t.Errorf("%s not kept locally: %v", name, err)
		}
	}
}

// A name that does not tell its type (no extension) is judged by content
// at the last close.
func TestTextFileWithoutExtensionFailsAtCloseAndUploadsNothing(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	f, err := os.Create(e.asset("notes"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("just some text\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("close of a text file: %v, want EINVAL", err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if e.emu.UploadCount() != 0 || has(e.ls(t), "notes") {
		t.Errorf("text file uploaded (%d) or still listed (%v)", e.emu.UploadCount(), e.ls(t))
	}
	if !strings.Contains(e.log.String(), "notes") || !strings.Contains(e.log.String(), "text/plain") {
		t.Errorf("no log line naming the file and the reason")
	}
	// A temp name is exempt until it is renamed to a final name.
	if err := os.WriteFile(e.asset("notes.part"), []byte("text"), 0o644); err != nil {
		t.Errorf("temp-named text file: %v", err)
	}
	if err := os.Rename(e.asset("notes.part"), e.asset("notes")); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("rename of text to a final name: %v, want EINVAL", err)
	}
}

func TestWritePastTheLimitFailsWithEFBIGAndUploadsNothing(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	f, err := os.Create(e.asset("big.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(wavBytes(4096)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{1, 2}, api.MaxUploadBytes-1); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("write past 75 MB: %v, want EFBIG", err)
	}
	if err := f.Close(); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("close after EFBIG: %v, want EFBIG", err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if e.emu.UploadCount() != 0 || has(e.ls(t), "big.wav") {
		t.Errorf("file uploaded (%d) or still listed", e.emu.UploadCount())
	}
	// Exactly at the limit is fine.
	f, err = os.Create(e.asset("edge.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(wavBytes(4096)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{1}, api.MaxUploadBytes-1); err != nil {
		t.Errorf("write ending at 75 MB: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("close of a 75 MB file: %v", err)
	}
	if err := os.Truncate(e.asset("edge.wav"), api.MaxUploadBytes+1); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("truncate past 75 MB: %v, want EFBIG", err)
	}
	os.Remove(e.asset("edge.wav"))
}

func TestEmptyFileIsKeptLocallyUntilItHasContent(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	if err := os.WriteFile(e.asset("later.png"), nil, 0o644); err != nil {
		t.Fatalf("creating an empty file: %v", err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(e.asset("later.png")); err != nil || fi.Size() != 0 || e.emu.UploadCount() != 0 {
		t.Fatalf("empty file: %v %v, %d uploads", fi, err, e.emu.UploadCount())
	}
	if err := os.WriteFile(e.asset("later.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.syncFile("later.png"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.assetsNamed("later.png")); n != 1 {
		t.Errorf("%d assets after writing the empty file", n)
	}
}

func TestRmOfAQueuedFileCancelsItAndRmOfAnAssetDeletesIt(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	if err := os.WriteFile(e.asset("gone.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(e.asset("gone.png")); err != nil {
		t.Fatal(err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if e.emu.UploadCount() != 0 || has(e.ls(t), "gone.png") {
		t.Errorf("cancelled file uploaded or listed")
	}
	a, err := e.emu.AddAsset(pngBytes(), "old.png")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "old.png")
	if err := os.Remove(e.asset("old.png")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.asset("old.png")); !errors.Is(err, os.ErrNotExist) || has(e.ls(t), "old.png") {
		t.Errorf("name still there right after rm: %v", err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	for _, b := range e.emu.Assets() {
		if b.ID == a.ID {
			t.Errorf("asset not deleted after rm and sync")
		}
	}
	// Already gone on the API (404) counts as done.
	b, _ := e.emu.AddAsset(pngBytes(), "twice.png")
	e.seen(t, "twice.png")
	e.emu.RemoveAsset(b.ID)
	if err := os.Remove(e.asset("twice.png")); err != nil {
		t.Errorf("rm of an asset deleted elsewhere: %v", err)
	}
	if err := e.syncDir(t); err != nil {
		t.Errorf("sync after deleting an already deleted asset: %v", err)
	}
}

func TestMvOfAnUploadedAssetUploadsUnderTheNewNameThenDeletesTheOld(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	a, err := e.emu.AddAsset(pngBytes(), "a.png")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "a.png")
	if err := os.Rename(e.asset("a.png"), e.asset("b.png")); err != nil {
		t.Fatal(err)
	}
	names := e.ls(t)
	if has(names, "a.png") || !has(names, "b.png") {
		t.Errorf("right after mv: %v", names)
	}
	if err := e.syncFile("b.png"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "old asset deleted", func() error {
		if as := e.emu.Assets(); len(as) != 1 || as[0].Description != "b.png" || as[0].ID == a.ID {
			return fmt.Errorf("assets: %+v", as)
		}
		return nil
	})
	if b, _ := os.ReadFile(e.asset("b.png")); !bytes.Equal(b, pngBytes()) {
		t.Errorf("bytes changed by mv")
	}
	// mv of a queued file re-targets it: one upload.
	if err := os.WriteFile(e.asset("c.png"), wavBytes(100), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(e.asset("c.png"), e.asset("d.wav")); err != nil {
		t.Fatal(err)
	}
	if err := e.syncFile("d.wav"); err != nil {
		t.Fatal(err)
	}
	if len(e.assetsNamed("d.wav")) != 1 || len(e.assetsNamed("c.png")) != 0 || e.emu.UploadCount() != 2 {
		t.Errorf("mv of a queued file: %+v, %d uploads", e.emu.Assets(), e.emu.UploadCount())
	}
}

func TestOverwriteReplacesTheAssetOnlyAfterTheNewUpload(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	old, err := e.emu.AddAsset(pngBytes(), "a.png")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "a.png")
	if _, err := os.Stat(e.asset("a.png")); err != nil {
		t.Fatal(err)
	}
	data := wavBytes(5000)
	if err := os.WriteFile(e.asset("a.png"), data, 0o644); err != nil { // cp new over a.png
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(e.asset("a.png")); !bytes.Equal(b, data) {
		t.Errorf("a.png does not show the new bytes while pending")
	}
	if len(e.emu.Assets()) != 1 || e.emu.Assets()[0].ID != old.ID {
		t.Errorf("old asset touched before the new upload")
	}
	if err := e.syncFile("a.png"); err != nil {
		t.Fatal(err)
	}
	// The old asset is deleted right after the new upload succeeded.
	waitFor(t, 5*time.Second, "old asset deleted", func() error {
		if as := e.emu.Assets(); len(as) != 1 || as[0].ID == old.ID || as[0].Description != "a.png" {
			return fmt.Errorf("assets: %+v", as)
		}
		return nil
	})
	names := e.ls(t)
	if len(names) != 1 || names[0] != "a.png" {
		t.Errorf("ls after overwrite: %v", names)
	}
	if b, _ := os.ReadFile(e.asset("a.png")); !bytes.Equal(b, data) {
		t.Errorf("a.png content after overwrite differs")
	}
}

func TestOpeningAnAssetForWritingGivesItsBytesAndUploadsAReplacement(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	orig := wavBytes(3000)
	old, err := e.emu.AddAsset(orig, "s.wav")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "s.wav")
	f, err := os.OpenFile(e.asset("s.wav"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(orig))
	if _, err := io.ReadFull(f, got); err != nil || !bytes.Equal(got, orig) {
		t.Fatalf("reading the opened asset: %v (equal %v)", err, bytes.Equal(got, orig))
	}
	if _, err := f.WriteAt([]byte{9, 9, 9, 9}, 100); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != int64(len(orig)) {
		t.Errorf("fstat while writing: %v %v", fi, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := append([]byte(nil), orig...)
	copy(want[100:], []byte{9, 9, 9, 9})
	if err := e.syncFile("s.wav"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "old asset deleted", func() error {
		if as := e.emu.Assets(); len(as) != 1 || as[0].ID == old.ID {
			return fmt.Errorf("assets: %+v", as)
		}
		return nil
	})
	as := e.emu.Assets()
	if b := httpGet(t, as[0].ImageURL); !bytes.Equal(b, want) {
		t.Errorf("uploaded replacement is not the modified bytes")
	}
}

func TestFsyncReturnsTheUploadErrorAndTheFileStaysFailed(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	refusal := error(&api.Error{Status: 402, Message: "insufficient credits", Op: "POST /assets"})
	e.up.refuse.Store(&refusal)
	if err := os.WriteFile(e.asset("x.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.syncFile("x.png"); !errors.Is(err, syscall.EDQUOT) {
		t.Errorf("fsync of a refused upload: %v, want EDQUOT (402)", err)
	}
	if err := os.WriteFile(e.asset("y.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.syncDir(t); !errors.Is(err, syscall.EDQUOT) {
		t.Errorf("fsync of assets/ with a refused upload queued: %v, want EDQUOT", err)
	}
	if !has(e.ls(t), "x.png") {
		t.Errorf("failed file not kept visible")
	}
	if st := e.status(t); !strings.Contains(st, "failed\t") || !strings.Contains(st, "insufficient credits") {
		t.Errorf("status file:\n%s", st)
	}
	// Rewriting it tries again.
	e.up.refuse.Store(nil)
	if err := os.WriteFile(e.asset("x.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.syncFile("x.png"); err != nil {
		t.Errorf("fsync after rewrite: %v", err)
	}
}

func TestLinksAndNodesArePermissionDeniedAndMkdirMakesAFolder(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	if err := os.WriteFile(e.asset("a.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(e.asset("dir"), 0o755); err != nil { // a folder (folder_dir.go)
		t.Errorf("mkdir: %v", err)
	}
	if err := os.Link(e.asset("a.png"), e.asset("b.png")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("link: %v", err)
	}
	if err := os.Symlink("a.png", e.asset("c.png")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("symlink: %v", err)
	}
	if err := syscall.Mkfifo(e.asset("fifo"), 0o644); !errors.Is(err, syscall.EPERM) {
		t.Errorf("mkfifo: %v", err)
	}
	if err := os.WriteFile(e.asset("bad\nname.png"), pngBytes(), 0o644); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("name with a newline: %v, want EINVAL", err)
	}
	if err := os.WriteFile(e.path("assets", ".by-id", "x.png"), pngBytes(), 0o644); !errors.Is(err, syscall.EPERM) {
		t.Errorf("create in .by-id: %v", err)
	}
	if err := os.Rename(e.asset("a.png"), e.path("jobs", "a.png")); !errors.Is(err, syscall.EXDEV) {
		t.Errorf("mv to jobs/: %v, want EXDEV", err)
	}
}

func TestReadOnlyRefusesEveryWriteWithEROFS(t *testing.T) {
	e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 1}, cfg: func(c *Config) { c.ReadOnly = true }})
	name := e.ls(t)[0]
	checks := map[string]error{
		"create": os.WriteFile(e.asset("new.png"), pngBytes(), 0o644),
		"rm":     os.Remove(e.asset(name)),
		"mv":     os.Rename(e.asset(name), e.asset("other.png")),
		"mkdir":  os.Mkdir(e.asset("d"), 0o755),
		"trunc":  os.Truncate(e.asset(name), 0),
	}
	if f, err := os.OpenFile(e.asset(name), os.O_WRONLY, 0); err == nil {
		f.Close()
		checks["open"] = nil
	} else {
		checks["open"] = err
	}
	for op, err := range checks {
		if !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s on a read-only mount: %v, want EROFS", op, err)
		}
	}
	if st := e.status(t); !strings.Contains(st, "read-only") {
		t.Errorf("status file of a read-only mount:\n%s", st)
	}
}

func TestStatfsReportsPlentyOfFreeSpaceEverywhere(t *testing.T) {
	e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 1}, delay: time.Hour})
	if err := os.WriteFile(e.asset("q.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{e.dir, e.path("assets"), e.asset("q.png"), e.asset(e.ls(t)[0]), e.path("assets", ".by-id")} {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err != nil {
			t.Fatalf("statfs %s: %v", p, err)
		}
		if free := st.Bavail * uint64(st.Bsize); free < 1<<39 {
			t.Errorf("statfs %s: %d bytes free", p, free)
		}
	}
}

func TestManyFilesAtOnceAreEachUploadedOnce(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := os.WriteFile(e.asset(fmt.Sprintf("f%03d.wav", i)), wavBytes(100+i), 0o644); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "40 uploads", func() error {
		if n := e.emu.UploadCount(); n != 40 {
			return fmt.Errorf("%d uploads", n)
		}
		return nil
	})
	var descs []string
	for _, a := range e.emu.Assets() {
		descs = append(descs, a.Description)
	}
	sort.Strings(descs)
	for i, d := range descs {
		if want := fmt.Sprintf("f%03d.wav", i); d != want {
			t.Fatalf("asset %d is %q, want %q (all: %v)", i, d, want, descs)
		}
	}
	if names := e.ls(t); len(names) != 40 {
		t.Errorf("ls shows %d names: %v", len(names), names)
	}
}

func TestOpeningAnAssetForWritingWithoutChangingItUploadsNothing(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	old, err := e.emu.AddAsset(pngBytes(), "same.png")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "same.png")
	f, err := os.OpenFile(e.asset("same.png"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(f); err != nil || !bytes.Equal(b, pngBytes()) {
		t.Errorf("read: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if as := e.emu.Assets(); e.emu.UploadCount() != 0 || len(as) != 1 || as[0].ID != old.ID {
		t.Errorf("an unchanged asset was replaced: %+v", as)
	}
	if b, err := os.ReadFile(e.asset("same.png")); err != nil || !bytes.Equal(b, pngBytes()) {
		t.Errorf("after close: %v", err)
	}
	// The kernel sends RELEASE after close(2) returns; until it arrives the
	// status may still show the handle as writing.
	waitFor(t, 5*time.Second, "an empty upload queue", func() error {
		if st := e.status(t); !strings.Contains(st, "0 item(s)") {
			return fmt.Errorf("status:\n%s", st)
		}
		return nil
	})
	if e.emu.UploadCount() != 0 {
		t.Errorf("an unchanged asset was uploaded")
	}
}

func TestSettingTimesAndModesIsAcceptedAndAModeShowsOnlyWhileQueued(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	if err := os.WriteFile(e.asset("t.png"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, p := range []string{e.path("assets"), e.asset("t.png")} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Errorf("utimes %s: %v", p, err)
		}
		if err := os.Chmod(p, 0o600); err != nil {
			t.Errorf("chmod %s: %v", p, err)
		}
	}
	if fi, err := os.Stat(e.path("assets")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("assets/ after chmod: %v %v (a directory's mode is not kept)", fi.Mode(), err)
	}
	if fi, err := os.Stat(e.asset("t.png")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("queued file after chmod: %v %v, want 0600 until uploaded", fi.Mode(), err)
	}
	if err := e.syncFile("t.png"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second) // the kernel keeps a queued file's attributes for 1 s
	for {
		fi, err := os.Stat(e.asset("t.png"))
		if err == nil && fi.Mode().Perm() == 0o644 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("uploaded file: %v %v, want 0644 (Krea stores no mode)", fi.Mode(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRmWhenTheAPIIsDownIsRecordedAndDoneLaterAndARefusalFailsIt(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: time.Hour})
	a, err := e.emu.AddAsset(pngBytes(), "later.png")
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.emu.AddAsset(wavBytes(100), "kept.wav")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "later.png")
	e.seen(t, "kept.wav")

	// A refusal fails rm and leaves the file.
	forbidden := error(&api.Error{Status: 403, Message: "forbidden", Op: "DELETE /assets/{id}"})
	e.remote.deleteErr.Store(&forbidden)
	if err := os.Remove(e.asset("kept.wav")); !errors.Is(err, syscall.EACCES) {
		t.Errorf("rm refused by the API: %v, want EACCES", err)
	}
	if !has(e.ls(t), "kept.wav") {
		t.Errorf("a refused rm removed the name")
	}

	// The API does not answer: rm succeeds, the delete is done later.
	down := error(&api.Error{Status: 503, Message: "unavailable", Op: "DELETE /assets/{id}"})
	e.remote.deleteErr.Store(&down)
	if err := os.Remove(e.asset("later.png")); err != nil {
		t.Fatalf("rm while the API is down: %v", err)
	}
	if has(e.ls(t), "later.png") {
		t.Errorf("name still listed after rm")
	}
	if err := e.syncDir(t); err != nil { // the queue's own client works
		t.Fatal(err)
	}
	for _, x := range e.emu.Assets() {
		if x.ID == a.ID {
			t.Errorf("the recorded delete was not done")
		}
		if x.ID != b.ID {
			t.Errorf("unexpected asset %+v", x)
		}
	}
}
