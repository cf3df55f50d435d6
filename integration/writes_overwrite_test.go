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

// overwriteWhileRead checks the end state after cp of newData over name:
// one asset under the name, holding newData, which a fresh cat reads.
func overwriteWhileRead(t *testing.T, emu *Emulator, m *Mount, name string, newData []byte) {
	t.Helper()
	p := m.Path("assets", name)
	run(t, "cp", writeTemp(t, "new-"+name, newData), p)
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

func TestCpOverAFileAPassthroughReaderHoldsGivesANewVersionAndTheReaderTheOldBytes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := makePNG(71, 16, 16)
	emu.add(old, "held.png")
	m := mount(t, emu, "--upload-delay", "0")
	p := m.Path("assets", "held.png")
	run(t, "cmp", writeTemp(t, "held.png", old), p) // now fully cached
	// An open gets passthrough once cmp's ordinary open is released (the
	// kernel sends that release a moment after cmp exits).
	var r *os.File
	if err := eventually(5*time.Second, func() error {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		if _, err := f.Read(make([]byte, 1)); err != nil {
			f.Close()
			return err
		}
		if logCount(m.Stderr(), "FUSE passthrough") == 0 {
			f.Close()
			return fmt.Errorf("no passthrough")
		}
		r = f
		return nil
	}); err != nil {
		t.Fatalf("the reader did not get FUSE passthrough (kernel before 6.9, or not root?): %v", err)
	}
	defer r.Close()
	overwriteWhileRead(t, emu, m, "held.png", makePNG(72, 16, 16))
	// The reader still reads the bytes it opened, all of them.
	got, err := readAllAt(r)
	if err != nil || !bytes.Equal(got, old) {
		t.Errorf("the reader after the overwrite: %d bytes, %v; want the old %d bytes", len(got), err, len(old))
	}
	// dd conv=notrunc (an edit in place) while a reader holds the new
	// version works the same way.
	var r2 *os.File
	if err := eventually(5*time.Second, func() error {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		if logCount(m.Stderr(), "FUSE passthrough") < 2 {
			f.Close()
			return fmt.Errorf("no passthrough")
		}
		r2 = f
		return nil
	}); err == nil {
		defer r2.Close()
		dd := []string{"if=/dev/zero", "of=" + p, "bs=1", "count=1", "seek=10", "conv=notrunc", "status=none"}
		if _, stderr, err := runErr(t, "dd", dd...); err != nil {
			t.Errorf("dd conv=notrunc while a passthrough reader holds the file: %v %q", err, stderr)
		}
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
	p := m.Path("assets", "tone.wav")
	out := filepath.Join(t.TempDir(), "read.wav")
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
	defer sh.Process.Kill()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "opened\n" {
		t.Fatalf("the shell did not open the file: %q %v", line, err)
	}
	overwriteWhileRead(t, emu, m, "tone.wav", makeWAV(82, 4096))
	fmt.Fprintln(stdin, "go")
	stdin.Close()
	if err := sh.Wait(); err != nil {
		t.Fatalf("the shell's read after the overwrite: %v", err)
	}
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, old) {
		t.Errorf("the shell read %d bytes (%v), want the old %d bytes", len(got), err, len(old))
	}
}

// readAllAt reads f from its start to its end.
func readAllAt(f *os.File) ([]byte, error) {
	return io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
}
