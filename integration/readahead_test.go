//go:build linux

package integration

// Read-ahead as the file host sees it: a small read of a cold asset costs a
// small range, a seek starts small again, and a whole sequential read still
// gets every byte, each fetched once.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// smallReadBound is the most a read of a few bytes may cost on the wire:
// the default first read-ahead window (128 KiB) and the kernel's own first
// read, rounded to whole chunks (128 KiB), with room to spare.
const smallReadBound = 512 << 10

// settledFileBytes waits until the emulator's files origin has sent nothing
// new for a while (downloads started by a read finish in the background)
// and returns its byte count.
func settledFileBytes(t *testing.T, emu *Emulator) int64 {
	t.Helper()
	last, since := emu.FileBytes(), time.Now()
	deadline := time.Now().Add(20 * time.Second)
	for time.Since(since) < 700*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("the files origin kept sending for 20s (%d bytes so far)", last)
		}
		time.Sleep(50 * time.Millisecond)
		if n := emu.FileBytes(); n != last {
			last, since = n, time.Now()
		}
	}
	return last
}

func TestHeadOfAColdLargeAssetFetchesASmallRangeAndCatStillGetsEveryByteOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makeWAV(12, 24<<20)
	emu.add(data, "long take.wav")
	m := mount(t, emu)
	p := m.Path("assets", "long take.wav")
	run(t, "ls", "-l", m.Path("assets"))

	before := settledFileBytes(t, emu)
	out := run(t, "head", "-c", "100", p)
	if !bytes.Equal([]byte(out), data[:100]) {
		t.Fatalf("head -c 100 printed %d bytes that differ from the asset's first 100\n%s", len(out), m.Logs())
	}
	headCost := settledFileBytes(t, emu) - before
	t.Logf("head -c 100 of a cold %d-byte asset: %d bytes fetched", len(data), headCost)
	if headCost <= 0 || headCost > smallReadBound {
		t.Fatalf("head -c 100 made the file host send %d bytes, want at most %d\n%s", headCost, smallReadBound, m.Logs())
	}

	// The whole file, read sequentially by cat: every byte, and none of
	// them fetched twice (the bytes head fetched are reused).
	copyPath := filepath.Join(t.TempDir(), "copy.wav")
	run(t, "sh", "-c", `cat "$1" > "$2"`, "sh", p, copyPath)
	got, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("cat gave %d bytes that differ from the asset's %d\n%s", len(got), len(data), m.Logs())
	}
	total := settledFileBytes(t, emu) - before
	t.Logf("head, then cat of the whole asset: %d bytes fetched for %d", total, len(data))
	if total > int64(len(data))+smallReadBound {
		t.Errorf("head and cat made the file host send %d bytes for a %d-byte asset", total, len(data))
	}
}

func TestASeekAfterALongSequentialReadFetchesASmallRangeAgain(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makeWAV(13, 48<<20)
	emu.add(data, "interview.wav")
	m := mount(t, emu)
	p := m.Path("assets", "interview.wav")
	run(t, "ls", "-l", m.Path("assets"))

	// One open file description shared by three dd runs (the shell's
	// redirection): 8 MiB read in order, a pause for the read-ahead to come
	// to rest, then a seek 32 MiB further and a 100-byte read. The marker
	// file tells the test when the first dd is done.
	dir := t.TempDir()
	first, out := filepath.Join(dir, "first-done"), filepath.Join(dir, "tail")
	script := `exec 3< "$1"
dd bs=1M count=8 <&3 >/dev/null 2>&1 && touch "$2"
while [ ! -e "$2.go" ]; do sleep 0.05; done
dd bs=100 count=1 skip=33554432 iflag=skip_bytes <&3 > "$3" 2>/dev/null`
	done := make(chan error, 1)
	go func() {
		_, stderr, err := runErr(t, "sh", "-c", script, "sh", p, first, out)
		if err != nil {
			err = fmt.Errorf("%v: %s", err, stderr)
		}
		done <- err
	}()
	if err := eventually(runTimeout, func() error {
		if _, err := os.Stat(first); err != nil {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("the sequential read did not finish: %v\n%s", err, m.Logs())
	}
	sequential := settledFileBytes(t, emu)
	t.Logf("8 MiB read in order: %d bytes fetched", sequential)
	if err := os.WriteFile(first+".go", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the reading script failed: %v\n%s", err, m.Logs())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := data[40<<20 : 40<<20+100]; !bytes.Equal(got, want) {
		t.Fatalf("the read after the seek gave %d bytes that differ from the asset's at 40 MiB\n%s", len(got), m.Logs())
	}
	seekCost := settledFileBytes(t, emu) - sequential
	t.Logf("a 100-byte read 32 MiB further on the same open file: %d bytes fetched", seekCost)
	if seekCost > smallReadBound {
		t.Fatalf("the read after the seek made the file host send %d bytes, want at most %d\n%s", seekCost, smallReadBound, m.Logs())
	}
}

func TestReadAheadFlagsSetWhatAHeadOfAColdAssetCosts(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makeWAV(14, 16<<20)
	emu.add(data, "ambience.wav")
	for _, tc := range []struct {
		flags    []string
		lo, hi   int64
		describe string
	}{
		{[]string{"--read-ahead-max", "0"}, 1, 256 << 10, "no read-ahead: the chunks of the kernel's first read"},
		{[]string{"--read-ahead-min", "2MiB"}, 2 << 20, 2<<20 + 128<<10, "a first window of 2 MiB"},
	} {
		m := mount(t, emu, tc.flags...)
		p := m.Path("assets", "ambience.wav")
		run(t, "ls", "-l", m.Path("assets"))
		before := settledFileBytes(t, emu)
		if out := run(t, "head", "-c", "100", p); out != string(data[:100]) {
			t.Fatalf("%v: head -c 100 printed other bytes\n%s", tc.flags, m.Logs())
		}
		cost := settledFileBytes(t, emu) - before
		t.Logf("%v: head -c 100 fetched %d bytes", tc.flags, cost)
		if cost < tc.lo || cost > tc.hi {
			t.Errorf("%v (%s): head -c 100 made the file host send %d bytes, want %d..%d", tc.flags, tc.describe, cost, tc.lo, tc.hi)
		}
		m.Stop()
	}
}
