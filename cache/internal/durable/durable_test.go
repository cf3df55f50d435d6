package durable

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// temps lists the WriteFile temporary files left in dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func TestWriteFileReplacesTheFileWholeAndPrivately(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "index.json")
	for _, data := range [][]byte{[]byte("first, longer content\n"), []byte("second\n")} {
		if err := WriteFile(path, data); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("content %q (%v), want %q", got, err, data)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != FilePerm {
		t.Errorf("mode %v (%v), want 0600 whatever the umask", fi.Mode().Perm(), err)
	}
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestAFailedWriteFileKeepsWhatWasThere(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "busy")
	if err := os.Mkdir(path, 0o700); err != nil { // a rename over a directory fails
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new")); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("what was there is gone: %v %v", fi, err)
	}
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestRemoveTempsClearsOnlyInterruptedWritesOfThatFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.json")
	for _, n := range []string{".index.json.123.tmp", ".index.json.9.tmp", ".other.json.1.tmp", "index.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveTemps(path)
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != ".other.json.1.tmp" || names[1] != "index.json" {
		t.Errorf("left %q, want .other.json.1.tmp and index.json", names)
	}
}

func TestLockDirLetsOneHolderInAtATime(t *testing.T) {
	dir := t.TempDir()
	first, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	first.Close()
	again, err := LockDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.Close()
	if fi, err := os.Stat(filepath.Join(dir, "lock")); err != nil || fi.Mode().Perm() != FilePerm {
		t.Errorf("lock file: %v %v", fi, err)
	}
}

func TestCopyFileMakesADurableNewFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	data := bytes.Repeat([]byte("0123456789"), 300000) // larger than one buffer
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CopyFile(dst, src); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("copy differs (%d bytes, %v)", len(got), err)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != FilePerm {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if err := CopyFile(dst, src); !errors.Is(err, os.ErrExist) {
		t.Errorf("copy over an existing file: %v, want ErrExist", err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Error("a refused copy changed the existing file")
	}
	if err := CopyFile(filepath.Join(dir, "none"), filepath.Join(dir, "missing")); err == nil {
		t.Error("copy of a missing file succeeded")
	}
}

func TestCopyRangeKeepsTheSourceOffsetAndRefusesAShortSource(t *testing.T) {
	dir := t.TempDir()
	src, err := os.Create(filepath.Join(dir, "src"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.WriteString("hello world") // offset now 11
	dst, err := os.Create(filepath.Join(dir, "dst"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := CopyRange(dst, src, 5); err != nil {
		t.Fatal(err)
	}
	if off, _ := src.Seek(0, io.SeekCurrent); off != 11 {
		t.Errorf("source offset %d, want 11", off)
	}
	if got, _ := os.ReadFile(dst.Name()); string(got) != "hello" {
		t.Errorf("copied %q, want hello", got)
	}
	if err := CopyRange(dst, src, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short source: %v, want ErrUnexpectedEOF", err)
	}
}

func TestMkdirPrivateMakesParentsAndFixesTheMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != DirPerm {
		t.Errorf("mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
}

func TestSyncOfAMissingPathFails(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
	if err := SyncDir(filepath.Join(dir, "none")); err == nil {
		t.Error("SyncDir of a missing directory succeeded")
	}
	if err := SyncFile(filepath.Join(dir, "none")); err == nil {
		t.Error("SyncFile of a missing file succeeded")
	}
}
