package fs

// Mount tests of uploads streamed while the file is written
// (upload_stream.go): the bytes may go ahead, the asset is created only
// after the last close, once; anything unexpected falls back to the
// ordinary upload with the file's final content.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/kreafs/kreafs/api/emulator"
)

const (
	logStreamStarted = "speculative upload started"
	logStreamCommit  = "committing the speculative upload"
	logStreamGivenUp = "speculative upload given up"
	streamTestSize   = 3 << 20
	streamTestChunk  = 1 << 20
)

// writeChunks writes data to f in 1 MiB writes, as cp does.
func writeChunks(t *testing.T, f *os.File, data []byte) {
	t.Helper()
	for off := 0; off < len(data); off += streamTestChunk {
		if _, err := f.Write(data[off:min(off+streamTestChunk, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCpOfALargeFileStreamsItsUploadButCreatesTheAssetOnlyAfterTheClose(t *testing.T) {
	requireFUSE(t)
	e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 1}, delay: time.Hour})
	data := wavBytes(streamTestSize)
	f, err := os.Create(e.asset("song.wav"))
	if err != nil {
		t.Fatal(err)
	}
	writeChunks(t, f, data)
	if !strings.Contains(e.log.String(), logStreamStarted) {
		t.Fatal("no speculative upload started while writing")
	}
	if n := len(e.assetsNamed("song.wav")); n != 0 {
		t.Fatalf("%d asset(s) while the file is open", n)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(e.assetsNamed("song.wav")); n != 0 || e.emu.UploadCount() != 0 {
		t.Fatalf("%d asset(s) after close, within the upload delay", n)
	}
	if err := e.syncFile("song.wav"); err != nil {
		t.Fatal(err)
	}
	as := e.assetsNamed("song.wav")
	if len(as) != 1 || e.emu.UploadCount() != 1 {
		t.Fatalf("assets %+v, %d uploads", as, e.emu.UploadCount())
	}
	if b := httpGet(t, as[0].ImageURL); !bytes.Equal(b, data) {
		t.Fatalf("uploaded %d bytes differ from the %d written", len(b), len(data))
	}
	if !strings.Contains(e.log.String(), logStreamCommit) {
		t.Error("the upload was not the streamed request")
	}
}

// A server that will not take a body of unknown length (411, as some
// proxies answer) gets every file once, the ordinary way; streaming is
// turned off after the first refusal.
func TestAServerRequiringALengthGetsEachFileOnceTheOrdinaryWay(t *testing.T) {
	requireFUSE(t)
	e := mountWrites(t, writeSetup{emu: emulator.Options{RequireLength: true}, delay: time.Hour})
	want := map[string][]byte{"one.wav": wavBytes(streamTestSize), "two.wav": wavBytes(streamTestSize + 17)}
	for _, name := range []string{"one.wav", "two.wav"} {
		f, err := os.Create(e.asset(name))
		if err != nil {
			t.Fatal(err)
		}
		writeChunks(t, f, want[name])
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := e.syncFile(name); err != nil {
			t.Fatalf("sync %s: %v", name, err)
		}
	}
	for name, data := range want {
		as := e.assetsNamed(name)
		if len(as) != 1 {
			t.Fatalf("%d assets named %s, want 1", len(as), name)
		}
		if b := httpGet(t, as[0].ImageURL); !bytes.Equal(b, data) {
			t.Errorf("%s: uploaded %d bytes differ from the %d written", name, len(b), len(data))
		}
	}
	if n := e.emu.UploadCount(); n != 2 {
		t.Errorf("%d uploads, want 2", n)
	}
	log := e.log.String()
	if n := strings.Count(log, logStreamStarted); n != 1 {
		t.Errorf("%d speculative uploads started, want 1 (none after the refusal)", n)
	}
	if !strings.Contains(log, "not sending files early any more") {
		t.Error("no log line saying streaming is off")
	}
}

func TestAStreamedUploadThatIsGivenUpUploadsTheFinalContentOnce(t *testing.T) {
	requireFUSE(t)
	for _, tc := range []struct {
		name string
		// change acts on the open file after 2 MiB were written, and
		// returns the content the file ends with and the name it ends
		// under ("" = removed).
		change func(t *testing.T, e *writeEnv, f *os.File, data []byte) (want []byte, name string)
	}{
		{"a write not at the end", func(t *testing.T, e *writeEnv, f *os.File, data []byte) ([]byte, string) {
			if _, err := f.WriteAt(data[:4], 0); err != nil { // same bytes, but not at the end
				t.Fatal(err)
			}
			return data, "clip.wav"
		}},
		{"truncate", func(t *testing.T, e *writeEnv, f *os.File, data []byte) ([]byte, string) {
			if err := f.Truncate(1 << 20); err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(data[1<<20:2<<20], 1<<20); err != nil {
				t.Fatal(err)
			}
			return data, "clip.wav"
		}},
		{"rename while open", func(t *testing.T, e *writeEnv, f *os.File, data []byte) ([]byte, string) {
			if err := os.Rename(e.asset("clip.wav"), e.asset("moved.wav")); err != nil {
				t.Fatal(err)
			}
			return data, "moved.wav"
		}},
		{"rm while open", func(t *testing.T, e *writeEnv, f *os.File, data []byte) ([]byte, string) {
			if err := os.Remove(e.asset("clip.wav")); err != nil {
				t.Fatal(err)
			}
			return nil, ""
		}},
		{"a second writer", func(t *testing.T, e *writeEnv, f *os.File, data []byte) ([]byte, string) {
			g, err := os.OpenFile(e.asset("clip.wav"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			g.Close()
			return data, "clip.wav"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 1}, delay: time.Hour})
			data := wavBytes(streamTestSize)
			f, err := os.Create(e.asset("clip.wav"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			writeChunks(t, f, data[:2<<20])
			if !strings.Contains(e.log.String(), logStreamStarted) {
				t.Fatal("no speculative upload started while writing")
			}
			want, name := tc.change(t, e, f, data)
			writeChunks(t, f, data[2<<20:])
			if err := f.Close(); err != nil && name != "" {
				t.Fatal(err)
			}
			if !strings.Contains(e.log.String(), logStreamGivenUp) {
				t.Error("the stream was not given up")
			}
			if name == "" {
				if err := e.syncDir(t); err != nil {
					t.Fatal(err)
				}
				if e.emu.UploadCount() != 0 {
					t.Fatalf("%d uploads of a removed file", e.emu.UploadCount())
				}
				return
			}
			// The kernel sends a handle's RELEASE after its close has
			// returned, and sync FILE of a file that a writer still holds
			// (a second writer's RELEASE on its way) returns once the bytes
			// are local, by design: wait for the releases first.
			for deadline := time.Now().Add(5 * time.Second); strings.Contains(e.status(t), "writing\t"); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("still open for writing 5 s after the last close:\n%s", e.status(t))
				}
			}
			if err := e.syncFile(name); err != nil {
				t.Fatal(err)
			}
			as := e.assetsNamed(name)
			if len(as) != 1 || e.emu.UploadCount() != 1 {
				t.Fatalf("assets %+v, %d uploads", as, e.emu.UploadCount())
			}
			if b := httpGet(t, as[0].ImageURL); !bytes.Equal(b, want) {
				t.Fatalf("uploaded %d bytes differ from the %d written", len(b), len(want))
			}
		})
	}
}

// A file that grows past the limit while streamed: EFBIG, nothing uploaded.
func TestAStreamedFileGrowingPastTheLimitUploadsNothing(t *testing.T) {
	requireFUSE(t)
	e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 1}, delay: 0})
	f, err := os.Create(e.asset("big.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	writeChunks(t, f, wavBytes(2<<20))
	if _, err := f.WriteAt([]byte("x"), 75_000_000); err == nil || !strings.Contains(err.Error(), syscall.EFBIG.Error()) {
		t.Fatalf("write past the limit: %v", err)
	}
	f.Close()
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if e.emu.UploadCount() != 0 {
		t.Fatalf("%d uploads", e.emu.UploadCount())
	}
}

// Files open for writing are FOPEN_DIRECT_IO: a program that maps the
// file it writes (MAP_SHARED) still works, and what it wrote through the
// mapping is what is uploaded. The program is a child process: a page
// fault on a FUSE mapping inside the process that serves the mount can
// deadlock with Go's garbage collector (the faulting thread cannot stop
// for it, and the stopped server cannot answer the fault).
func TestSharedMmapOfAFileBeingWrittenIsUploaded(t *testing.T) {
	requireFUSE(t)
	e := mountWrites(t, writeSetup{emu: emulator.Options{SeedAssets: 1}, delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMmapWriterProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), mmapWriterEnv+"="+e.asset("mapped.wav"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("writer process: %v\n%s", err, out)
	}
	if err := e.syncFile("mapped.wav"); err != nil {
		t.Fatal(err)
	}
	as := e.assetsNamed("mapped.wav")
	if len(as) != 1 || e.emu.UploadCount() != 1 {
		t.Fatalf("assets %+v, %d uploads", as, e.emu.UploadCount())
	}
	if b := httpGet(t, as[0].ImageURL); !bytes.Equal(b, mmapWriterWant()) {
		t.Fatal("the upload lacks what was written through the mapping")
	}
}

const mmapWriterEnv = "KREAFS_TEST_MMAP_WRITER"

func mmapWriterWant() []byte {
	want := wavBytes(streamTestSize)
	copy(want[2<<20:], "mapped!")
	return want
}

// TestMmapWriterProcess is the child of
// TestSharedMmapOfAFileBeingWrittenIsUploaded: it writes the file named
// by $KREAFS_TEST_MMAP_WRITER, changes it through a shared mapping, and
// checks what it reads back.
func TestMmapWriterProcess(t *testing.T) {
	path := os.Getenv(mmapWriterEnv)
	if path == "" {
		t.Skip("run by TestSharedMmapOfAFileBeingWrittenIsUploaded")
	}
	data := wavBytes(streamTestSize)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	writeChunks(t, f, data)
	m, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		t.Fatalf("mmap of a file open for writing: %v", err)
	}
	if !bytes.Equal(m[:len(data)], data) {
		t.Fatal("the mapping does not show the written bytes")
	}
	copy(m[2<<20:], "mapped!")
	if err := unixMsync(m); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Munmap(m); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 7)
	if _, err := f.ReadAt(got, 2<<20); err != nil || string(got) != "mapped!" {
		t.Fatalf("read through the same descriptor: %q, %v", got, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// unixMsync is msync(MS_SYNC) of a mapping.
func unixMsync(b []byte) error {
	_, _, errno := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MS_SYNC)
	if errno != 0 {
		return errno
	}
	return nil
}
