//go:build linux

package integration

// Writing into MOUNT/assets/ with the programs a user would use (cp, mv,
// rm, rsync, dd, sync, truncate), as docs/writes.md describes: the issue
// "Uploads, deletes and renames in assets/".

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

var plain struct {
	once sync.Once
	bin  string
	err  error
}

// plainKreafs is kreafs built without -race (once), next to kreafsBin.
func plainKreafs(t testing.TB) string {
	t.Helper()
	if !raceEnabled {
		return kreafsBin
	}
	plain.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			plain.err = err
			return
		}
		plain.bin = filepath.Join(filepath.Dir(kreafsBin), "kreafs-norace")
		plain.err = kreafstest.Build(root, plain.bin, false)
	})
	if plain.err != nil {
		t.Fatal(plain.err)
	}
	return plain.bin
}

// waitUploads waits until the emulator counts want successful uploads.
func waitUploads(t testing.TB, emu *Emulator, want int) {
	t.Helper()
	if err := eventually(30*time.Second, func() error {
		if n := emu.UploadCount(); n != want {
			return fmt.Errorf("%d uploads, want %d", n, want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCpOfEachAcceptedTypeUploadsItUnderItsName(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	samples := acceptedSamples(t)
	for _, s := range samples {
		src := writeTemp(t, s.name, s.data)
		run(t, "cp", src, m.Path("assets"))
		// Visible at once, with its size and bytes from the local copy.
		run(t, "cmp", src, m.Path("assets", s.name))
		// A strict upload: sync FILE waits for it.
		run(t, "sync", m.Path("assets", s.name))
		got := emu.assetsNamed(s.name)
		if len(got) != 1 {
			t.Fatalf("%s: %d assets with that description after sync", s.name, len(got))
		}
		if mime := got[0].MIME(); mime != s.mime {
			t.Errorf("%s: uploaded as %s, want %s", s.name, mime, s.mime)
		}
		if !bytes.Equal(httpGet(t, got[0].ImageURL), s.data) {
			t.Errorf("%s: the API serves other bytes than were copied in", s.name)
		}
	}
	if n := emu.UploadCount(); n != len(samples) {
		t.Errorf("%d uploads for %d files", n, len(samples))
	}
	// Names stay put across the upload and later listings (the TTL is 1s).
	for i := 0; i < 3; i++ {
		names := listNames(t, m.Path("assets"))
		for _, s := range samples {
			if !contains(names, s.name) {
				t.Errorf("%s is not listed after its upload (listing %d): %v", s.name, i, names)
			}
			run(t, "cmp", writeTemp(t, s.name, s.data), m.Path("assets", s.name))
		}
		time.Sleep(700 * time.Millisecond)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCpOf100SmallFilesUploadsEachExactlyOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu)
	src := t.TempDir()
	var want []string
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("img-%03d.png", i)
		want = append(want, name)
		if err := os.WriteFile(filepath.Join(src, name), makePNG(uint64(100+i), 8, 8), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := append([]string{}, want...)
	for i := range args {
		args[i] = filepath.Join(src, args[i])
	}
	run(t, "cp", append(args, m.Path("assets"))...)
	if names := listNames(t, m.Path("assets")); len(names) != 100 {
		t.Errorf("right after cp, ls shows %d files", len(names))
	}
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, 100)
	descs := emu.descriptions()
	for _, name := range want {
		if descs[name] != 1 {
			t.Errorf("%s: %d assets", name, descs[name])
		}
	}
	if len(descs) != 100 {
		t.Errorf("the account has %d distinct descriptions, want 100", len(descs))
	}
	names := listNames(t, m.Path("assets"))
	sort.Strings(names)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("ls after the uploads: %d names", len(names))
	}
	time.Sleep(time.Second) // nothing more arrives later
	if n := emu.UploadCount(); n != 100 {
		t.Errorf("%d uploads for 100 files", n)
	}
}

func TestA70MBFileUploadsWithResidentMemoryFarBelowItsSize(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	// Measured without the race detector, whose shadow memory and
	// pool-dropping would hide what kreafs itself keeps.
	m := mountWith(t, emu, mountOpts{Bin: plainKreafs(t)})
	const size = 70 * 1000 * 1000
	src := writeWAVFile(t, "big.wav", size)
	before := vmHWM(t, m.Pid())
	run(t, "cp", src, m.Path("assets"))
	run(t, "sync", m.Path("assets", "big.wav"))
	peak := vmHWM(t, m.Pid())
	got := emu.assetsNamed("big.wav")
	if len(got) != 1 || got[0].Size() != size {
		t.Fatalf("after sync: %+v", got)
	}
	t.Logf("kreafs peak resident memory (VmHWM): %s after mounting, %s after cp + sync of a %s file",
		mib(before), mib(peak), mib(size))
	// The spool is on disk and the upload streams from it.
	if limit := int64(size / 2); peak > limit {
		t.Errorf("peak resident memory %s, want far below the file's %s (limit %s)", mib(peak), mib(size), mib(limit))
	}
	run(t, "cmp", src, m.Path("assets", "big.wav"))
}

func TestRsyncIntoAssetsGivesOneAssetUnderTheFinalName(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu)
	src := t.TempDir()
	for i, name := range []string{"a.png", "b.png", "c.wav"} {
		data := makePNG(uint64(i), 16, 16)
		if strings.HasSuffix(name, ".wav") {
			data = makeWAV(uint64(i), 4096)
		}
		if err := os.WriteFile(filepath.Join(src, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// rsync writes .a.png.XXXXXX and renames it to a.png.
	run(t, "rsync", "-rt", src+"/", m.Path("assets")+"/")
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, 3)
	descs := emu.descriptions()
	for _, name := range []string{"a.png", "b.png", "c.wav"} {
		if descs[name] != 1 {
			t.Errorf("%s: %d assets", name, descs[name])
		}
		run(t, "cmp", filepath.Join(src, name), m.Path("assets", name))
	}
	for d := range descs {
		if strings.HasPrefix(d, ".") {
			t.Errorf("an asset has rsync's temp name %q", d)
		}
	}
	if names := listNames(t, m.Path("assets")); len(names) != 3 {
		t.Errorf("ls: %v", names)
	}
}

func TestPartFileThenRenameGivesOneAssetUnderTheFinalName(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	data := makePNG(4, 20, 20)
	src := writeTemp(t, "download.png", data)
	run(t, "cp", src, m.Path("assets", "download.png.part"))
	run(t, "sync", m.Path("assets"))
	if !strings.Contains(m.statusFile(t), "held\t") {
		t.Errorf("the .part file is not held:\n%s", m.statusFile(t))
	}
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("the .part file was uploaded (%d)", n)
	}
	run(t, "mv", m.Path("assets", "download.png.part"), m.Path("assets", "download.png"))
	run(t, "sync", m.Path("assets", "download.png"))
	if got := emu.assetsNamed("download.png"); len(got) != 1 || emu.UploadCount() != 1 {
		t.Errorf("after the rename: %d assets, %d uploads", len(got), emu.UploadCount())
	}
	run(t, "cmp", src, m.Path("assets", "download.png"))
}

func TestMvWithinAssetsLeavesOneAssetWithTheNewNameAndTheSameBytes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makePNG(5, 24, 24)
	old := emu.add(data, "a.png")
	m := mount(t, emu)
	run(t, "mv", m.Path("assets", "a.png"), m.Path("assets", "b.png"))
	names := listNames(t, m.Path("assets"))
	if contains(names, "a.png") || !contains(names, "b.png") {
		t.Errorf("right after mv: %v", names)
	}
	run(t, "sync", m.Path("assets", "b.png"))
	if err := eventually(10*time.Second, func() error {
		as := emu.Assets()
		if len(as) != 1 || as[0].Description != "b.png" || as[0].ID == old.ID {
			return fmt.Errorf("assets: %+v", as)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(httpGet(t, emu.Assets()[0].ImageURL), data) {
		t.Errorf("b.png does not hold a.png's bytes")
	}
	run(t, "cmp", writeTemp(t, "a.png", data), m.Path("assets", "b.png"))
}

func TestCpOverAnExistingAssetReplacesIt(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := emu.add(makePNG(6, 10, 10), "a.png")
	m := mount(t, emu)
	run(t, "cmp", writeTemp(t, "old.png", makePNG(6, 10, 10)), m.Path("assets", "a.png"))
	fresh := makePNG(7, 30, 30)
	src := writeTemp(t, "new.png", fresh)
	run(t, "cp", src, m.Path("assets", "a.png"))
	run(t, "cmp", src, m.Path("assets", "a.png"))
	run(t, "sync", m.Path("assets", "a.png"))
	if err := eventually(10*time.Second, func() error {
		as := emu.Assets()
		if len(as) != 1 || as[0].ID == old.ID || as[0].Description != "a.png" {
			return fmt.Errorf("assets: %+v", as)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if names := listNames(t, m.Path("assets")); strings.Join(names, ",") != "a.png" {
		t.Errorf("ls after the overwrite: %v", names)
	}
	run(t, "cmp", src, m.Path("assets", "a.png"))
}

func TestRmDeletesTheAssetAndTheNameIsGoneAtOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	a := emu.add(makePNG(8, 10, 10), "bye.png")
	emu.add(makePNG(9, 10, 10), "stay.png")
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "ls", m.Path("assets", "bye.png"))
	run(t, "rm", m.Path("assets", "bye.png"))
	for i := 0; i < 4; i++ { // gone at once, and stays gone across listings
		if names := listNames(t, m.Path("assets")); contains(names, "bye.png") || !contains(names, "stay.png") {
			t.Fatalf("after rm: %v", names)
		}
		time.Sleep(400 * time.Millisecond)
	}
	run(t, "sync", m.Path("assets"))
	for _, b := range emu.Assets() {
		if b.ID == a.ID {
			t.Errorf("the asset still exists after rm and sync")
		}
	}
	// rm of a file still queued cancels its upload.
	m2 := emu.UploadCount()
	run(t, "cp", writeTemp(t, "late.png", makePNG(10, 4, 4)), m.Path("assets"))
	run(t, "rm", m.Path("assets", "late.png"))
	run(t, "sync", m.Path("assets"))
	time.Sleep(1500 * time.Millisecond) // past the upload delay
	if n := emu.UploadCount(); n != m2 {
		t.Errorf("a removed queued file was uploaded")
	}
}

func TestA76MBFileFailsWithEFBIGAndUploadsNothing(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	src := writeWAVFile(t, "huge.wav", 76*1000*1000)
	for _, cmd := range [][]string{
		{"cp", src, m.Path("assets", "huge.wav")},
		{"dd", "if=" + src, "of=" + m.Path("assets", "huge-dd.wav"), "bs=1M"},
	} {
		_, stderr, err := runErr(t, cmd[0], cmd[1:]...)
		if err == nil || !strings.Contains(stderr, "File too large") {
			t.Errorf("%s: %v, stderr %q; want a failure with \"File too large\"", cmd[0], err, stderr)
		}
	}
	run(t, "sync", m.Path("assets"))
	time.Sleep(500 * time.Millisecond)
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("%d uploads, want none", n)
	}
	if names := listNames(t, m.Path("assets")); len(names) != 0 {
		t.Errorf("ls shows %v", names)
	}
	if !strings.Contains(m.Stderr(), "75 MB") {
		t.Errorf("no log line about the 75 MB limit")
	}
}

// A name that does not tell the type (no extension) is judged by its
// content at close.
func TestATextFileWithoutExtensionFailsAtCloseAndUploadsNothing(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	src := writeTemp(t, "notes", []byte("remember the milk\n"))
	_, stderr, err := runErr(t, "cp", src, m.Path("assets"))
	if err == nil || !strings.Contains(stderr, "Invalid argument") {
		t.Errorf("cp of a text file: %v, stderr %q; want a failure with \"Invalid argument\"", err, stderr)
	}
	run(t, "sync", m.Path("assets"))
	time.Sleep(500 * time.Millisecond)
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("%d uploads, want none", n)
	}
	if names := listNames(t, m.Path("assets")); len(names) != 0 {
		t.Errorf("ls shows %v", names)
	}
	if logLines(m, 1, "assets/notes", "text/plain") == 0 {
		t.Errorf("no log line naming the file and the reason")
	}
}

func TestKill9WithAnUploadPendingThenRemountUploadsItExactlyOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m1 := mount(t, emu, "--upload-delay", "1h")
	data := makePNG(11, 40, 40)
	src := writeTemp(t, "pending.png", data)
	run(t, "cp", src, m1.Path("assets"))
	if err := eventually(5*time.Second, func() error {
		if st := m1.statusFile(t); !strings.Contains(st, "pending\t") {
			return fmt.Errorf("status:\n%s", st)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m1.Kill()
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("uploaded before the kill: %d", n)
	}
	m2 := mountWith(t, emu, mountOpts{Dir: m1.Dir, CacheDir: m1.CacheDir})
	run(t, "sync", m2.Path("assets"))
	waitUploads(t, emu, 1)
	if got := emu.assetsNamed("pending.png"); len(got) != 1 {
		t.Fatalf("%d assets named pending.png", len(got))
	}
	run(t, "cmp", src, m2.Path("assets", "pending.png"))
	m2.Stop()
	// A third mount finds nothing left to do.
	m3 := mountWith(t, emu, mountOpts{CacheDir: m1.CacheDir})
	run(t, "sync", m3.Path("assets"))
	time.Sleep(500 * time.Millisecond)
	if n := emu.UploadCount(); n != 1 {
		t.Errorf("%d uploads in all, want exactly 1", n)
	}
}

func TestWith20PercentAPIFaultsEveryFileIsUploadedExactlyOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{RandSeed: 42})
	m := mount(t, emu)
	// Faults after the write: the server creates the asset, the answer is
	// lost; the queue must find it rather than send it again.
	emu.SetFaultAfterWrite(true)
	emu.SetFaultRate(0.2)
	src := t.TempDir()
	var paths []string
	for i := 0; i < 30; i++ {
		p := filepath.Join(src, fmt.Sprintf("f-%02d.png", i))
		if err := os.WriteFile(p, makePNG(uint64(200+i), 12, 12), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	run(t, "cp", append(paths, m.Path("assets"))...)
	// sync reports failures after a few attempts; the queue keeps trying.
	if err := eventually(90*time.Second, func() error {
		if _, _, err := runErr(t, "sync", m.Path("assets")); err != nil {
			return err
		}
		if n := len(emu.descriptions()); n != 30 {
			return fmt.Errorf("%d of 30 files on the account", n)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\nstatus:\n%s", err, m.statusFile(t))
	}
	emu.SetFaultRate(0)
	for d, n := range emu.descriptions() {
		if n != 1 {
			t.Errorf("%s: %d assets, want exactly 1", d, n)
		}
	}
	if n := emu.UploadCount(); n != 30 {
		t.Errorf("%d assets created for 30 files", n)
	}
	for _, p := range paths {
		run(t, "cmp", p, m.Path("assets", filepath.Base(p)))
	}
}

func TestCpThenSyncFileFailsWhenTheAPIRejectsTheUpload(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	proxy := startRefusingProxy(t, emu)
	m := mountWith(t, emu, mountOpts{Env: []string{"KREA_API_URL=" + proxy.URL}})
	proxy.refuse(402, "insufficient credits")
	src := writeTemp(t, "paid.png", makePNG(12, 10, 10))
	run(t, "cp", src, m.Path("assets"))
	_, stderr, err := runErr(t, "sync", m.Path("assets", "paid.png"))
	if err == nil || !strings.Contains(stderr, "Disk quota exceeded") {
		t.Errorf("sync of a refused upload: %v, stderr %q; want a failure (EDQUOT for 402)", err, stderr)
	}
	// The file stays, with its bytes, and the status file says why.
	run(t, "cmp", src, m.Path("assets", "paid.png"))
	if st := m.statusFile(t); !strings.Contains(st, "failed\t") || !strings.Contains(st, "insufficient credits") {
		t.Errorf("status file:\n%s", st)
	}
	if !strings.Contains(m.Stderr(), "paid.png") {
		t.Errorf("no log line names the refused file")
	}
	if ev, err := os.ReadFile(m.Path(".kreafs", "events")); err != nil || !strings.Contains(string(ev), " upload-refused assets/paid.png\n") {
		t.Errorf("the events file does not show the refusal (%v):\n%s", err, ev)
	}
	// A bad request (400) is refused for good too.
	proxy.refuse(400, "invalid file")
	src2 := writeTemp(t, "bad.png", makePNG(13, 10, 10))
	run(t, "cp", src2, m.Path("assets"))
	if _, stderr, err := runErr(t, "sync", m.Path("assets", "bad.png")); err == nil || !strings.Contains(stderr, "Invalid argument") {
		t.Errorf("sync after a 400: %v, %q", err, stderr)
	}
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("%d uploads went through", n)
	}
}

func TestReadOnlyMountRefusesWritesWithEROFS(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(14, 4, 4), "keep.png")
	m := mount(t, emu, "--read-only")
	src := writeTemp(t, "new.png", makePNG(15, 4, 4))
	for _, cmd := range [][]string{
		{"cp", src, m.Path("assets")},
		{"rm", m.Path("assets", "keep.png")},
		{"mv", m.Path("assets", "keep.png"), m.Path("assets", "moved.png")},
		{"truncate", "-s", "0", m.Path("assets", "keep.png")},
		{"mkdir", m.Path("assets", "dir")},
	} {
		_, stderr, err := runErr(t, cmd[0], cmd[1:]...)
		if err == nil || !strings.Contains(stderr, "Read-only file system") {
			t.Errorf("%s on a read-only mount: %v, %q", strings.Join(cmd, " "), err, stderr)
		}
	}
	if n := emu.UploadCount(); n != 0 || len(emu.Assets()) != 1 {
		t.Errorf("the account changed")
	}
}

func TestFileManagerJunkStaysLocalAndATrashInAssetsIsRefused(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	png := writeTemp(t, "x.png", makePNG(16, 4, 4))
	for _, name := range []string{"._x.png", ".DS_Store", ".directory", ".hidden", "Thumbs.db"} {
		run(t, "cp", png, m.Path("assets", name))
	}
	run(t, "sync", m.Path("assets"))
	time.Sleep(300 * time.Millisecond)
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("%d junk files uploaded", n)
	}
	run(t, "cmp", png, m.Path("assets", "._x.png"))
	for _, cmd := range [][]string{
		{"mkdir", m.Path("assets", ".Trash-1000")},
		{"ln", "-s", "x.png", m.Path("assets", "link.png")},
		{"ln", m.Path("assets", "._x.png"), m.Path("assets", "hard.png")},
	} {
		_, stderr, err := runErr(t, cmd[0], cmd[1:]...)
		if err == nil || !strings.Contains(stderr, "Operation not permitted") {
			t.Errorf("%s: %v, %q; want EPERM", strings.Join(cmd, " "), err, stderr)
		}
	}
	// Plenty of free space for a file manager's check.
	out := run(t, "stat", "-f", "-c", "%a %S", m.Path("assets"))
	var blocks, bsize int64
	if _, err := fmt.Sscanf(out, "%d %d", &blocks, &bsize); err != nil || blocks*bsize < 1<<39 {
		t.Errorf("stat -f assets: %q (%v)", out, err)
	}
}

func TestOpeningAnAssetForWritingModifiesItsBytes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	orig := makeWAV(17, 8192)
	old := emu.add(orig, "tone.wav")
	m := mount(t, emu)
	// dd conv=notrunc writes 4 bytes in the middle of the existing file.
	patch := writeTemp(t, "patch", []byte{1, 2, 3, 4})
	run(t, "dd", "if="+patch, "of="+m.Path("assets", "tone.wav"), "bs=1", "seek=1000", "conv=notrunc", "status=none")
	want := append([]byte(nil), orig...)
	copy(want[1000:], []byte{1, 2, 3, 4})
	run(t, "cmp", writeTemp(t, "want.wav", want), m.Path("assets", "tone.wav"))
	run(t, "sync", m.Path("assets", "tone.wav"))
	if err := eventually(10*time.Second, func() error {
		as := emu.Assets()
		if len(as) != 1 || as[0].ID == old.ID {
			return fmt.Errorf("assets: %+v", as)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(httpGet(t, emu.Assets()[0].ImageURL), want) {
		t.Errorf("the replacement does not hold the modified bytes")
	}
}

func TestSigtermWaitsForARunningUploadBeforeExiting(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	emu.SetLatency(2 * time.Second) // every API call, the upload included, takes 2s
	run(t, "cp", writeTemp(t, "slow.png", makePNG(18, 8, 8)), m.Path("assets"))
	if err := eventually(5*time.Second, func() error {
		if st := m.statusFile(t); !strings.Contains(st, "uploading\t") {
			return fmt.Errorf("status:\n%s", st)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m.Stop() // SIGTERM: unmount, wait for the running upload (bounded), exit 0
	if got := emu.assetsNamed("slow.png"); len(got) != 1 {
		t.Errorf("after SIGTERM: %d assets named slow.png, want the running upload finished", len(got))
	}
	if !strings.Contains(m.Stderr(), "sending them now before exiting") {
		t.Errorf("no log line about waiting for the upload")
	}
}

func TestShellRedirectionIntoAssetsUploadsTheFile(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu)
	data := makePNG(19, 16, 16)
	src := writeTemp(t, "in.png", data)
	// The shell opens, dup2s and closes before cat writes a byte.
	run(t, "sh", "-c", `cat "$1" > "$2" && sync "$2"`, "sh", src, m.Path("assets", "redirected.png"))
	if got := emu.assetsNamed("redirected.png"); len(got) != 1 || !bytes.Equal(httpGet(t, got[0].ImageURL), data) {
		t.Fatalf("after cat > file && sync: %+v", got)
	}
	// >> appends to the uploaded asset: a replacement with both parts.
	wav := makeWAV(20, 4096)
	run(t, "sh", "-c", `cat "$1" > "$2"`, "sh", writeTemp(t, "a.wav", wav), m.Path("assets", "tone.wav"))
	run(t, "sync", m.Path("assets", "tone.wav"))
	run(t, "sh", "-c", `printf 'ABCD' >> "$1" && sync "$1"`, "sh", m.Path("assets", "tone.wav"))
	want := append(append([]byte(nil), wav...), "ABCD"...)
	if err := eventually(10*time.Second, func() error {
		got := emu.assetsNamed("tone.wav")
		if len(got) != 1 || !bytes.Equal(httpGet(t, got[0].ImageURL), want) {
			return fmt.Errorf("%d assets named tone.wav, or not the appended bytes", len(got))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
