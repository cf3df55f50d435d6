//go:build linux

package integration

// Saving over a file that another program has open (docs/writes.md,
// "Overwrite and modify"): the writer gets a new version, the reader keeps
// the bytes it opened, as on a local file system after a rename over it.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// overwriteWhileRead saves newData over name (with cp, or as Pillow opens
// a file, in python3) and checks the end state:
// one asset under the name, holding newData, which a fresh cat reads.
func overwriteWhileRead(t *testing.T, emu *Emulator, m *Mount, name string, newData []byte, how string) {
	t.Helper()
	p := m.Path("assets", name)
	src := writeTemp(t, "new-"+name, newData)
	switch how {
	case "cp":
		run(t, "cp", src, p)
	case "python3":
		needProgram(t, "python3")
		run(t, "python3", "-c", `import sys
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w+b") as f:
    f.write(data)`, src, p)
	default:
		t.Fatalf("unknown writer %q", how)
	}
	run(t, "sync", p)
	if err := eventually(10*time.Second, func() error {
		got := emu.assetsNamed(name)
		if len(got) != 1 || !bytes.Equal(httpGet(t, got[0].ImageURL), newData) {
			return fmt.Errorf("%d assets named %s, or not the new bytes", len(got), name)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if got := run(t, "cat", p); got != string(newData) {
		t.Errorf("a fresh cat of %s after the upload: %d bytes, not the new ones", name, len(got))
	}
}

func TestSavingOverAFileAPassthroughReaderHoldsGivesANewVersionAndTheReaderTheOldBytes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := makePNG(71, 16, 16)
	emu.add(old, "held.png")
	m := mount(t, emu, "--upload-delay", "0")
	p := m.Path("assets", "held.png")
	run(t, "cmp", writeTemp(t, "held.png", old), p) // now fully cached
	r := openPassthrough(t, m, p)
	defer r.Close()
	overwriteWhileRead(t, emu, m, "held.png", makePNG(72, 16, 16), "cp")
	// The reader still reads the bytes it opened, all of them.
	got, err := readAllAt(r)
	if err != nil || !bytes.Equal(got, old) {
		t.Errorf("the reader after the overwrite: %d bytes, %v; want the old %d bytes", len(got), err, len(old))
	}
	// The same with the new version held and saved over the way Pillow's
	// Image.save opens a file (open(path, "w+b"): O_RDWR|O_CREAT|O_TRUNC).
	second := makePNG(72, 16, 16)
	r2 := openPassthrough(t, m, p)
	defer r2.Close()
	overwriteWhileRead(t, emu, m, "held.png", makePNG(73, 16, 16), "python3")
	if got, err := readAllAt(r2); err != nil || !bytes.Equal(got, second) {
		t.Errorf("the second reader after the overwrite: %d bytes, %v; want the %d bytes it opened", len(got), err, len(second))
	}
}

// openPassthrough opens p for reading once kreafs gives the open FUSE
// passthrough (the kernel refuses it while an ordinary open of the inode,
// such as one of cmp's or cat's not yet released, exists).
func openPassthrough(t *testing.T, m *Mount, p string) *os.File {
	t.Helper()
	var r *os.File
	if err := eventually(5*time.Second, func() error {
		before := logCount(m.Stderr(), "FUSE passthrough")
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		if _, err := f.Read(make([]byte, 1)); err != nil {
			f.Close()
			return err
		}
		if logLines(m, before+1, "FUSE passthrough") == before {
			f.Close()
			return fmt.Errorf("no passthrough")
		}
		r = f
		return nil
	}); err != nil {
		t.Fatalf("the reader did not get FUSE passthrough (kernel before 6.9, or not root?): %v", err)
	}
	return r
}

// shellHolding starts a shell that opens p (nothing read yet) and waits;
// the returned function lets it read the file to its end and returns the
// bytes it read.
func shellHolding(t *testing.T, p string) (readNow func() []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "read")
	sh := exec.Command("bash", "-c", `exec 3<"$1" || exit 1; echo opened; read -r _; cat <&3 > "$2"`, "bash", p, out)
	stdin, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Process.Kill() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "opened\n" {
		t.Fatalf("the shell did not open the file: %q %v", line, err)
	}
	return func() []byte {
		fmt.Fprintln(stdin, "go")
		stdin.Close()
		if err := sh.Wait(); err != nil {
			t.Fatalf("the shell's read: %v", err)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
}

// A reader that opened the file before anything was cached (an ordinary
// open, e.g. a viewer) and reads only after the overwrite and its upload:
// it still gets all of the old bytes, though the old asset is deleted.
func TestCpOverAFileAShellHoldsOpenLetsTheShellReadTheOldBytes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := makeWAV(81, 3<<20)
	emu.add(old, "tone.wav")
	m := mount(t, emu, "--upload-delay", "0")
	readNow := shellHolding(t, m.Path("assets", "tone.wav"))
	overwriteWhileRead(t, emu, m, "tone.wav", makeWAV(82, 4096), "cp")
	if got := readNow(); !bytes.Equal(got, old) {
		t.Errorf("the shell read %d bytes, want the old %d bytes", len(got), len(old))
	}
}

// rm of a file a program has open, of which nothing is cached yet: as on
// a local file system, the program still reads all of it, though the
// asset is deleted (kreafs fetches the rest before the DELETE).
func TestRmOfAFileAShellHoldsOpenLetsTheShellReadItAll(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := makeWAV(83, 3<<20)
	emu.add(old, "held.wav")
	m := mount(t, emu)
	p := m.Path("assets", "held.wav")
	readNow := shellHolding(t, p)
	run(t, "rm", p)
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("stat after rm: %v, want ENOENT", err)
	}
	if err := eventually(10*time.Second, func() error {
		if n := len(emu.assetsNamed("held.wav")); n != 0 {
			return fmt.Errorf("%d assets named held.wav on the account", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := readNow(); !bytes.Equal(got, old) {
		t.Errorf("the shell read %d bytes, want the %d bytes it opened", len(got), len(old))
	}
}

// readAllAt reads f from its start to its end.
func readAllAt(f *os.File) ([]byte, error) {
	return io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
}
