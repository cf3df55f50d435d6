//go:build linux

package integration

// Editors saving into MOUNT/assets/ (docs/writes.md, "Type and size
// checks"): a save kreafs refuses is reported truly, the original stays
// intact, and the log says why in one line.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// vim with its defaults (writebackup, backupcopy=auto) renames the
// original to pic.png~, writes a new pic.png and, when its close fails,
// renames the backup back: it reports only the close that failed, which is
// true, and the original is intact: the same asset, nothing uploaded or
// deleted. (backupskip is cleared: vim skips
// backups under /tmp, where the test's mount is; a user's files are not
// there.)
func TestVimSaveThatKreafsRefusesKeepsTheOriginalAndSaysWhy(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "vim")
	emu := startEmulator(t, emulator.Options{})
	old := makePNG(91, 16, 16)
	orig := emu.add(old, "pic.png")
	m := mount(t, emu, "--upload-delay", "0")
	p := m.Path("assets", "pic.png")
	msgs := filepath.Join(t.TempDir(), "messages")
	// Insert text at the top: the file is no longer a PNG. vim -es shows
	// no messages; :redir keeps them.
	_, _, err := runErr(t, "vim", "-es", "-N", "-u", "NONE", "-i", "NONE", "-c", "set backupskip=", "-c", "1s/^/text /",
		"-c", "w", "-c", "redir! > "+msgs, "-c", "messages", "-c", "redir END", "-c", "qa!", p)
	said, rerr := os.ReadFile(msgs)
	if err == nil || rerr != nil || !strings.Contains(string(said), "E512: Close failed") {
		t.Errorf("vim's save of a PNG turned into text: %v, messages %q (%v); want E512: Close failed", err, said, rerr)
	}
	if strings.Contains(string(said), "Original file may be lost") {
		t.Errorf("vim says the original may be lost, but kreafs keeps it: %q", said)
	}
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, old) {
		t.Errorf("after the refused save: %d bytes (%v), want the original", len(got), err)
	}
	run(t, "sync", m.Path("assets"))
	time.Sleep(300 * time.Millisecond) // an upload or delete that would wrongly follow
	if got := emu.assetsNamed("pic.png"); len(got) != 1 || got[0].ID != orig.ID || emu.UploadCount() != 0 {
		t.Errorf("after vim: %d assets named pic.png (want the original %s), %d uploads", len(got), orig.ID, emu.UploadCount())
	}
	if ls := listNames(t, m.Path("assets")); len(ls) != 1 || ls[0] != "pic.png" {
		t.Errorf("ls after vim: %v, want only pic.png (no backup or swap file left)", ls)
	}
	if logLines(m, 1, "save refused at close", "the content is", "path=assets/pic.png") != 1 {
		t.Errorf("want one log line saying why the save was refused:\n%s", notable(m.Stderr(), 20))
	}
}

// A save in place (nano, cp over the file) of content Krea does not take
// fails with Invalid argument; the log says why in one line, and that the
// asset under the name is unchanged.
func TestSavingTextOverAnAssetInPlaceFailsAndTheLogSaysTheAssetIsUnchanged(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := makePNG(92, 16, 16)
	emu.add(old, "pic.png")
	m := mount(t, emu, "--upload-delay", "0")
	p := m.Path("assets", "pic.png")
	_, stderr, err := runErr(t, "cp", writeTemp(t, "text", []byte("hello, not an image\n")), p)
	if err == nil || !strings.Contains(stderr, "Invalid argument") {
		t.Errorf("cp of text over pic.png: %v %q, want Invalid argument", err, stderr)
	}
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, old) {
		t.Errorf("after the refused save: %d bytes (%v), want the original", len(got), err)
	}
	if n := logLines(m, 1, "save refused at close", "text/plain", "the asset already under this name is unchanged", "path=assets/pic.png"); n != 1 {
		t.Errorf("%d log lines saying why the save was refused, want 1:\n%s", n, notable(m.Stderr(), 20))
	}
	run(t, "sync", m.Path("assets"))
	if emu.UploadCount() != 0 || len(emu.assetsNamed("pic.png")) != 1 {
		t.Errorf("%d uploads, %d assets named pic.png; want 0 and 1", emu.UploadCount(), len(emu.assetsNamed("pic.png")))
	}
}
