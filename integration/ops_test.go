//go:build linux

package integration

// POSIX calls on assets/ besides reading (docs/semantics.md, "POSIX calls
// on assets/", "Errors"): rm deletes, --read-only refuses, a stalled
// download fails with EIO instead of hanging.

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// hasAsset reports whether the emulator still holds an asset with id.
func hasAsset(emu *Emulator, id string) bool {
	for _, a := range emu.Assets() {
		if a.ID == id {
			return true
		}
	}
	return false
}

func TestRmDeletesTheAssetInTheAPI(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	a := emu.add(makePNG(1, 2, 2), "a.png")
	b := emu.add(makePNG(2, 2, 2), "b.png")
	c := emu.add(makePNG(3, 2, 2), "c.png")
	keep := emu.add(makePNG(4, 2, 2), "keep.png")
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	run(t, "ls", m.Path("assets"))

	// By name: gone from the API and from the directory at once.
	run(t, "rm", m.Path("assets", "a.png"))
	if hasAsset(emu, a.ID) {
		t.Errorf("rm assets/a.png left the asset in the API")
	}
	if _, err := os.Stat(m.Path("assets", "a.png")); !os.IsNotExist(err) {
		t.Errorf("stat a.png after rm: %v, want ENOENT", err)
	}
	if out := run(t, "ls", m.Path("assets")); strings.Contains(out, "a.png") {
		t.Errorf("ls after rm still shows a.png:\n%s", out)
	}

	// By id.
	run(t, "rm", m.Path("assets", ".by-id", b.ID))
	if hasAsset(emu, b.ID) {
		t.Errorf("rm assets/.by-id/<id> left the asset in the API")
	}
	if _, err := os.Stat(m.Path("assets", "b.png")); !os.IsNotExist(err) {
		t.Errorf("stat b.png after rm of its .by-id entry: %v, want ENOENT", err)
	}

	// Deleted elsewhere meanwhile (the listing still has it): rm succeeds.
	emu.RemoveAsset(c.ID)
	run(t, "rm", m.Path("assets", "c.png"))

	if !hasAsset(emu, keep.ID) {
		t.Errorf("an asset nobody removed is gone")
	}
}

func TestReadOnlyMountRefusesRm(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makePNG(1, 2, 2)
	a := emu.add(data, "precious.png")
	m := mount(t, emu, "--read-only")

	_, stderr, err := runErr(t, "rm", "-f", m.Path("assets", "precious.png"))
	if err == nil || !strings.Contains(stderr, "Read-only file system") {
		t.Errorf("rm on a --read-only mount: %v %q, want \"Read-only file system\"", err, stderr)
	}
	if !hasAsset(emu, a.ID) {
		t.Errorf("rm on a --read-only mount deleted the asset")
	}
	if got, err := os.ReadFile(m.Path("assets", "precious.png")); err != nil || !bytes.Equal(got, data) {
		t.Errorf("reading on a --read-only mount: %v (or other bytes)", err)
	}
}

// stallTimeout is the cache's documented stall timeout (docs/semantics.md,
// "Nothing blocks forever").
const stallTimeout = 30 * time.Second

func TestStalledDownloadFailsWithEIOInsteadOfHanging(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makeWAV(21, 1<<20)
	emu.add(data, "silence.wav")
	m := mount(t, emu)
	run(t, "ls", m.Path("assets"))

	emu.SetStallAfter(1000) // a few bytes, then nothing
	// One stall timeout: the kernel retries a failed read-ahead with a
	// one-page read, which fails at once (fs/node/file_handle.go, failFastWindow).
	bound := stallTimeout + 15*time.Second
	start := time.Now()
	_, stderr, err := runErrTimeout(t, bound+30*time.Second, "cat", m.Path("assets", "silence.wav"))
	took := time.Since(start)
	t.Logf("cat of a stalled download ended after %v: %v %q", took.Round(time.Millisecond), err, strings.TrimSpace(stderr))
	if err == nil || !strings.Contains(stderr, "Input/output error") {
		t.Errorf("cat of a stalled download: %v %q, want \"Input/output error\"", err, stderr)
	}
	if took > bound {
		t.Errorf("cat of a stalled download took %v, more than %v (stall timeout %v)", took, bound, stallTimeout)
	}

	// Once the server sends again, reads succeed: a download that started
	// while the server stalled is replaced after 5 s of silence (cache,
	// stuck downloads).
	emu.SetStallAfter(-1)
	lifted := time.Now()
	err = eventually(15*time.Second, func() error {
		got, err := os.ReadFile(m.Path("assets", "silence.wav"))
		if err == nil && !bytes.Equal(got, data) {
			t.Fatalf("reading after the stall was lifted gives other bytes")
		}
		return err
	})
	if err != nil {
		t.Errorf("reading after the stall was lifted: %v", err)
	} else {
		t.Logf("read succeeded %v after the stall was lifted", time.Since(lifted).Round(time.Millisecond))
	}
}
