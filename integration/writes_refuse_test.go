//go:build linux

package integration

// Refusals of writes into MOUNT/assets/ where the program sees them
// (docs/writes.md, "Type and size checks"): every way of growing a file
// past Krea's 75 MB limit, and names Krea will not take.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kreafs/kreafs/api/emulator"
)

// sizeOver is a size past Krea's 75 MB upload limit.
const sizeOver = 100 * 1000 * 1000

// logLines waits, at most 3s (kreafs' log reaches the test through a
// pipe), until the mount's log has want lines containing every one of
// subs, and returns how many it has.
func logLines(m *Mount, want int, subs ...string) int {
	n := 0
	_ = eventually(3*time.Second, func() error {
		if n = logCount(m.Stderr(), subs...); n < want {
			return fmt.Errorf("%d log lines", n)
		}
		return nil
	})
	return n
}

func TestGrowingAFilePast75MBAnyWayFailsClearlyAndUploadsNothing(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")

	// cp of a 100 MB file whose end is a hole: cp writes the data, then
	// extends the file with ftruncate, which is refused.
	sparse := writeTemp(t, "sparse.wav", makeWAV(1, 24576))
	if err := os.Truncate(sparse, sizeOver); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runErr(t, "cp", "--sparse=always", sparse, m.Path("assets", "sparse.wav")); err == nil || !strings.Contains(stderr, "File too large") {
		t.Errorf("cp --sparse=always of a 100 MB sparse file: %v %q, want File too large", err, stderr)
	}
	if _, stderr, err := runErr(t, "truncate", "-s", "100M", m.Path("assets", "truncated.wav")); err == nil || !strings.Contains(stderr, "File too large") {
		t.Errorf("truncate -s 100M: %v %q, want File too large", err, stderr)
	}
	if _, stderr, err := runErr(t, "fallocate", "-l", "100M", m.Path("assets", "allocated.wav")); err == nil || !strings.Contains(stderr, "File too large") {
		t.Errorf("fallocate -l 100M: %v %q, want File too large", err, stderr)
	}

	// copy_file_range within the mount (the kernel falls back to writing
	// through kreafs): a copy landing past 75 MB.
	src := m.Path("assets", "src.wav")
	if err := os.WriteFile(src, makeWAV(2, 8192), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "sync", src)
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(m.Path("assets", "ranged.wav"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.CopyFileRange(int(in.Fd()), nil, int(out.Fd()), nil, 8192, 0); err != nil {
		t.Fatalf("copy_file_range of 8 KiB within the mount: %v", err)
	}
	offIn, offOut := int64(0), int64(sizeOver)
	if _, err := unix.CopyFileRange(int(in.Fd()), &offIn, int(out.Fd()), &offOut, 8192, 0); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("copy_file_range to 100 MB: %v, want EFBIG", err)
	}
	if err := out.Close(); !errors.Is(err, syscall.EFBIG) {
		t.Errorf("close after the refused copy_file_range: %v, want EFBIG", err)
	}

	if n := emu.UploadCount(); n != 1 {
		t.Fatalf("%d uploads, want only src.wav", n)
	}
	run(t, "sync", m.Path("assets"))
	time.Sleep(300 * time.Millisecond)
	if n := emu.UploadCount(); n != 1 {
		t.Errorf("%d uploads, want only src.wav (descriptions %v)", n, emu.descriptions())
	}
	ls := listNames(t, m.Path("assets"))
	for _, n := range []string{"sparse.wav", "truncated.wav", "allocated.wav", "ranged.wav"} {
		if contains(ls, n) {
			t.Errorf("ls still shows %s: %v", n, ls)
		}
		if logLines(m, 1, "75 MB", n) == 0 {
			t.Errorf("no log line names %s and the 75 MB limit", n)
		}
	}
	// Within the limit fallocate works: the file grows.
	f, err := os.OpenFile(m.Path("assets", "room.wav"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, 1<<20); err != nil {
		t.Errorf("fallocate of 1 MiB: %v", err)
	}
	if st, err := f.Stat(); err != nil || st.Size() != 1<<20 {
		t.Errorf("after fallocate of 1 MiB: %v %v", st, err)
	}
	if _, err := f.WriteAt(makeWAV(3, 1<<20), 0); err != nil {
		t.Error(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	run(t, "sync", m.Path("assets", "room.wav"))
	if got := emu.assetsNamed("room.wav"); len(got) != 1 || got[0].Size() != 1<<20 {
		t.Errorf("room.wav: %+v", got)
	}
}

// A name whose extension is not a Krea type is refused when it is made,
// where the program (and the shell) sees it; temp names stay local and
// upload once renamed to a good name.
func TestANameKreaWillNotTakeIsRefusedWhereTheProgramSeesIt(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	// Shells ignore a failed close: the refusal must come at the open.
	_, stderr, err := runErr(t, "sh", "-c", `echo hi > "$1"`, "sh", m.Path("assets", "x.txt"))
	if err == nil || !strings.Contains(stderr, "Operation not supported") {
		t.Errorf("echo hi > assets/x.txt: %v %q, want a failure with Operation not supported", err, stderr)
	}
	for _, name := range []string{"report.pdf", "movie.mkv", "letter.doc"} {
		_, stderr, err := runErr(t, "cp", writeTemp(t, name, []byte("%PDF-1.4 not media\n")), m.Path("assets", name))
		if err == nil || !strings.Contains(stderr, "Operation not supported") {
			t.Errorf("cp %s: %v %q, want Operation not supported", name, err, stderr)
		}
	}
	// rsync writes a temp name (kept local), then its rename to a refused
	// name fails; a good name uploads.
	dir := t.TempDir()
	png := makePNG(5, 8, 8)
	for _, n := range []string{"good.png", "bad.gif"} {
		if err := os.WriteFile(filepath.Join(dir, n), png, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, stderr, err = runErr(t, "rsync", "-a", dir+"/", m.Path("assets")+"/")
	if err == nil || !strings.Contains(stderr, "Operation not supported") {
		t.Errorf("rsync of good.png and bad.gif: %v %q, want bad.gif refused with Operation not supported", err, stderr)
	}
	// A temp name renamed to a refused name fails the same way.
	tmp := m.Path("assets", "shot.png.part")
	run(t, "cp", writeTemp(t, "shot", png), tmp)
	if _, stderr, err := runErr(t, "mv", tmp, m.Path("assets", "shot.bmp")); err == nil || !strings.Contains(stderr, "Operation not supported") {
		t.Errorf("mv shot.png.part shot.bmp: %v %q, want Operation not supported", err, stderr)
	}
	run(t, "mv", tmp, m.Path("assets", "shot.png"))
	run(t, "sync", m.Path("assets"))
	if d := emu.descriptions(); len(d) != 2 || d["good.png"] != 1 || d["shot.png"] != 1 {
		t.Errorf("assets on the account: %v, want good.png and shot.png once each", d)
	}
	ls := listNames(t, m.Path("assets"))
	for _, n := range []string{"x.txt", "report.pdf", "movie.mkv", "letter.doc", "bad.gif", "shot.bmp"} {
		if contains(ls, n) {
			t.Errorf("ls shows the refused %s: %v", n, ls)
		}
	}
	for _, ext := range []string{".txt", ".pdf", ".mkv", ".doc", ".gif", ".bmp"} {
		if logLines(m, 1, ext+" files are not a type Krea accepts") == 0 {
			t.Errorf("no log line saying why %s was refused", ext)
		}
	}
}
