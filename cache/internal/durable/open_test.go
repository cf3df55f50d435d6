package durable

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestOpenFileGivesAFileThatWritesReadsAndSyncsLikeOsOpenFile(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "spool")
	f, err := OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FilePerm)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Name() != path {
		t.Errorf("Name %q, want %q", f.Name(), path)
	}
	if _, err := f.WriteString("hello world"); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := f.ReadAt(buf, 6); err != nil || string(buf) != "world" {
		t.Errorf("ReadAt: %q %v", buf, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if all, err := io.ReadAll(f); err != nil || string(all) != "hello world" {
		t.Errorf("Read: %q %v", all, err)
	}
	if st, err := f.Stat(); err != nil || st.Size() != 11 || st.Mode().Perm() != FilePerm {
		t.Errorf("Stat: %v %v, want 11 bytes, 0600", st, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after Close: %v, want ErrClosed", err)
	}

	_, err = OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FilePerm)
	var pe *fs.PathError
	if !errors.Is(err, os.ErrExist) || !errors.As(err, &pe) || pe.Op != "open" || pe.Path != path {
		t.Errorf("O_EXCL on an existing file: %v, want an open PathError that is ErrExist", err)
	}
	if _, err := Open(filepath.Join(filepath.Dir(path), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v, want ErrNotExist", err)
	}

	a, err := OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteString("!"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteAt([]byte("x"), 0); err == nil {
		t.Error("WriteAt on an O_APPEND file succeeded (os.OpenFile refuses it)")
	}
	a.Close()
	if got, _ := os.ReadFile(path); string(got) != "hello world!" {
		t.Errorf("after an append: %q", got)
	}

	d, err := Open(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if names, err := d.Readdirnames(-1); err != nil || len(names) != 1 || names[0] != "spool" {
		t.Errorf("directory read: %q %v", names, err)
	}
}
