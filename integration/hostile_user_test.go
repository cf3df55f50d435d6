//go:build linux

package integration

// Hostile (or just unusual) input from the user (docs/reliability.md,
// "Hostile input"): long and odd names, empty files, writes at huge
// offsets, truncate, chmod/chown/utimes. Each is accepted or refused as
// docs/semantics.md and docs/writes.md say, never EIO.

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// noEIO fails the test when a program's failure is an I/O error.
func noEIO(t *testing.T, what, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "Input/output error") {
		t.Errorf("%s gave EIO: %q", what, stderr)
	}
}

func TestLongAndUnicodeNamesAreKeptExactlyOrRefusedClearly(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	// An asset made elsewhere with a 255-byte name is listed and read.
	long255 := strings.Repeat("l", 251) + ".png"
	remote := makePNG(1201, 4, 4)
	emu.add(remote, long255)
	m := mount(t, emu, "--upload-delay", "0")

	if got, err := os.ReadFile(m.Path("assets", long255)); err != nil || !bytes.Equal(got, remote) {
		t.Errorf("reading a 255-byte name: %v", err)
	}
	// Lookups of names at and past the limit: ENOENT and ENAMETOOLONG.
	if _, err := os.Stat(m.Path("assets", strings.Repeat("n", 255))); !os.IsNotExist(err) {
		t.Errorf("stat of an unknown 255-byte name: %v, want ENOENT", err)
	}
	if _, err := os.Stat(m.Path("assets", strings.Repeat("n", 256))); !errorIs(err, syscall.ENAMETOOLONG) {
		t.Errorf("stat of a 256-byte name: %v, want ENAMETOOLONG", err)
	}

	// Names copied in keep their exact bytes as the description.
	kept := []string{
		strings.Repeat("w", 251) + ".png", // 255 bytes
		"  leading spaces.png",
		"trailing space .png",
		"日本語の写真.png",
		"emoji 😀 face.png",
		"café (NFC).png",
		"cafe\u0301 (NFD).png",
		"quotes 'single' \"double\".png",
		"semi;colon&amp$dollar.png",
		"-starts-with-dash.png",
		"many.dots.in.name.png",
	}
	for i, name := range kept {
		data := makePNG(uint64(1210+i), 3, 3)
		src := writeTemp(t, "src.png", data)
		if _, stderr, err := runErr(t, "cp", "--", src, m.Path("assets", name)); err != nil {
			t.Errorf("cp to %q: %v %q", name, err, stderr)
			continue
		}
		run(t, "sync", "--", m.Path("assets", name))
		if got := emu.assetsNamed(name); len(got) != 1 {
			t.Errorf("%q: %d assets with that exact description, want 1", name, len(got))
		}
		if got, err := os.ReadFile(m.Path("assets", name)); err != nil || !bytes.Equal(got, data) {
			t.Errorf("reading back %q: %v", name, err)
		}
	}
	// Names kreafs cannot keep: refused at create, with EINVAL (or the
	// kernel's own ENAMETOOLONG), never EIO.
	for _, tc := range []struct {
		name, want string
	}{
		{strings.Repeat("x", 252) + ".png", "File name too long"},
		{"tab\tname.png", "Invalid argument"},
		{"new\nline.png", "Invalid argument"},
		{"esc\x1b[31mred.png", "Invalid argument"},
		{"bidi \u202egnp.png", "Invalid argument"},
		{"bad\xffutf8.png", "Invalid argument"},
		{".kreafs-mine.png", "Invalid argument"},
	} {
		src := writeTemp(t, "src.png", makePNG(1230, 3, 3))
		_, stderr, err := runErr(t, "cp", "--", src, m.Path("assets", tc.name))
		if err == nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("cp to %q: %v %q, want %q", trunc(tc.name), err, stderr, tc.want)
		}
		noEIO(t, "cp to "+trunc(tc.name), stderr)
	}
	if n := emu.UploadCount(); n != len(kept) {
		t.Errorf("%d uploads, want %d (one per kept name)", n, len(kept))
	}
}

// errorIs reports whether err wraps errno.
func errorIs(err error, errno syscall.Errno) bool {
	var pe *os.PathError
	if e, ok := err.(*os.PathError); ok {
		pe = e
	}
	return pe != nil && pe.Err == errno
}

func TestEmptyFilesHugeOffsetsTruncateAndAttributeChangesAreNeverEIO(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	uploaded := makePNG(1240, 6, 6)
	emu.add(uploaded, "uploaded.png")
	m := mount(t, emu, "--upload-delay", "1h")

	// 0-byte files: created and listed, not uploaded while empty.
	run(t, "touch", m.Path("assets", "empty.png"))
	if fi, err := os.Stat(m.Path("assets", "empty.png")); err != nil || fi.Size() != 0 {
		t.Errorf("stat of a touched file: %v", err)
	}
	_, stderr, err := runErr(t, "sync", m.Path("assets", "empty.png"))
	if err != nil {
		t.Errorf("sync of an empty file: %v %q", err, stderr)
	}
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("an empty file was uploaded (%d uploads)", n)
	}

	// A pending (queued, not uploaded) file.
	pending := makeWAV(1241, 64<<10)
	run(t, "cp", writeTemp(t, "pending.wav", pending), m.Path("assets", "pending.wav"))

	// Writes at huge offsets: past 75 MB is EFBIG (or EINVAL for offsets
	// no file can have), never EIO. The refused write, the first of its
	// open, changes nothing: the file stays as it was (never removed,
	// extended or torn). The other queued files are untouched.
	for i, seek := range []string{"75000000", "100000000", "4611686018427387903"} {
		victim := m.Path("assets", "victim-"+seek+".wav")
		before := makeWAV(uint64(1250+i), 64<<10)
		run(t, "cp", writeTemp(t, "victim.wav", before), victim)
		_, stderr, err := runErr(t, "dd", "if=/dev/zero", "of="+victim, "bs=1", "count=1",
			"seek="+seek, "conv=notrunc", "status=none")
		if err == nil {
			t.Errorf("a write at offset %s succeeded", seek)
		}
		if !strings.Contains(stderr, "File too large") && !strings.Contains(stderr, "Invalid argument") {
			t.Errorf("a write at offset %s: %q, want File too large (or Invalid argument)", seek, stderr)
		}
		noEIO(t, "a write at offset "+seek, stderr)
		if got, err := os.ReadFile(victim); err != nil {
			t.Errorf("after a refused write at %s: %v", seek, err)
		} else if !bytes.Equal(got, before) {
			t.Errorf("after a refused write at %s the file holds %d bytes, not its %d before", seek, len(got), len(before))
		}
	}
	// The same by a program that writes past the limit through the open
	// it was given (no close before): the file stays, with its bytes.
	{
		victim := m.Path("assets", "victim-pwrite.wav")
		before := makeWAV(1255, 64<<10)
		run(t, "cp", writeTemp(t, "victim.wav", before), victim)
		f, err := os.OpenFile(victim, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte{1}, 80_000_000); !errors.Is(err, syscall.EFBIG) {
			t.Errorf("pwrite at 80000000: %v, want EFBIG", err)
		}
		// A write before the far one, through the same open, stays too.
		before[100] ^= 0xff
		if _, err := f.WriteAt(before[100:101], 100); err != nil {
			t.Errorf("pwrite at 100: %v", err)
		}
		if _, err := f.WriteAt([]byte{1}, 90_000_000); !errors.Is(err, syscall.EFBIG) {
			t.Errorf("pwrite at 90000000: %v, want EFBIG", err)
		}
		if err := f.Close(); err != nil {
			t.Errorf("close after refused far writes: %v", err)
		}
		if got, err := os.ReadFile(victim); err != nil || !bytes.Equal(got, before) {
			t.Errorf("after a refused pwrite past the limit: %v (or %d bytes, not its %d)", err, len(got), len(before))
		}
	}
	// A write just below the limit is fine (sparse).
	run(t, "cp", writeTemp(t, "sparse.wav", makeWAV(1260, 64<<10)), m.Path("assets", "sparse.wav"))
	_, stderr, err = runErr(t, "dd", "if=/dev/zero", "of="+m.Path("assets", "sparse.wav"), "bs=1", "count=1",
		"seek=74999999", "conv=notrunc", "status=none")
	noEIO(t, "a write at 74999999", stderr)
	if err != nil {
		t.Errorf("a write at offset 74999999: %v %q", err, stderr)
	}
	if fi, err := os.Stat(m.Path("assets", "sparse.wav")); err != nil || fi.Size() != 75000000 {
		t.Errorf("after a write at 74999999: %v, want 75000000 bytes", err)
	}
	run(t, "rm", "-f", m.Path("assets", "sparse.wav"))
	if got, err := os.ReadFile(m.Path("assets", "pending.wav")); err != nil || !bytes.Equal(got, pending) {
		t.Errorf("pending.wav after the refused writes elsewhere: %v (or other bytes)", err)
	}

	// truncate: of a pending file, of an uploaded asset (queues a
	// replacement), past the limit (EFBIG).
	for _, tc := range []struct {
		file, size string
		ok         bool
	}{
		{"pending.wav", "100", true},
		{"uploaded.png", "10", true},
		{"pending.wav", "80000000", false},
	} {
		_, stderr, err := runErr(t, "truncate", "-s", tc.size, m.Path("assets", tc.file))
		noEIO(t, "truncate -s "+tc.size+" "+tc.file, stderr)
		if tc.ok && err != nil {
			t.Errorf("truncate -s %s %s: %v %q", tc.size, tc.file, err, stderr)
		}
		if !tc.ok && (err == nil || !strings.Contains(stderr, "File too large")) {
			t.Errorf("truncate -s %s %s: %v %q, want File too large", tc.size, tc.file, err, stderr)
		}
		if tc.ok {
			if fi, err := os.Stat(m.Path("assets", tc.file)); err != nil || fi.Size() != mustAtoi(tc.size) {
				t.Errorf("after truncate -s %s %s: %v, size %d", tc.size, tc.file, err, fi.Size())
			}
		}
	}

	// chmod, chown, utimes: accepted (not kept), on every kind of file.
	for _, f := range []string{"empty.png", "pending.wav", "uploaded.png"} {
		for _, args := range [][]string{
			{"chmod", "600", m.Path("assets", f)},
			{"chown", "0:0", m.Path("assets", f)},
			{"touch", "-d", "2001-02-03 04:05:06", m.Path("assets", f)},
			{"touch", m.Path("assets", f)},
		} {
			_, stderr, err := runErr(t, args[0], args[1:]...)
			if err != nil {
				t.Errorf("%s on %s: %v %q, want it accepted", args[0], f, err, stderr)
			}
			noEIO(t, args[0]+" "+f, stderr)
		}
	}
	// Nothing of this was uploaded yet (delay 1h), nothing was lost.
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("%d uploads before sync", n)
	}
	time.Sleep(100 * time.Millisecond)
	if st := m.statusFile(t); !strings.Contains(st, "pending.wav") {
		t.Errorf("pending.wav is not queued any more:\n%s", st)
	}
}

func mustAtoi(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}
