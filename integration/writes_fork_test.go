//go:build linux

package integration

// A program that starts another program while it writes a file into
// assets/: the child's copy of the descriptor closes at its exec, and FUSE
// reports that close like any other. It is not the writer's close
// (docs/writes.md): the file is neither checked nor removed then.

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestAWriterThatStartsAProgramMidFileStillUploadsItsFile(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "python3")
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	data := makeWAV(5, 256<<10)
	src := writeTemp(t, "sound.wav", data)
	p := m.Path("assets", "sound.wav")
	// The first bytes are zeros, which no accepted type starts with: a
	// content check at the child's close would refuse the file.
	run(t, "python3", "-c", `import os, subprocess, sys
data = open(sys.argv[1], "rb").read()
fd = os.open(sys.argv[2], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
os.write(fd, bytes(4096))
subprocess.run(["true"], check=True, close_fds=False)
subprocess.run(["true"], check=True)
os.pwrite(fd, data, 0)
os.close(fd)`, src, p)
	run(t, "sync", p)
	if err := eventually(10*time.Second, func() error {
		got := emu.assetsNamed("sound.wav")
		if len(got) != 1 || !bytes.Equal(httpGet(t, got[0].ImageURL), data) {
			return fmt.Errorf("%d assets named sound.wav, or not the bytes written", len(got))
		}
		return nil
	}); err != nil {
		t.Errorf("%v\n%s", err, m.Logs())
	}
}
