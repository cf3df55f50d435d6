package fs

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestANameOfATypeKreaRefusesFailsAtCreateWithENOTSUP(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	if err := os.WriteFile(e.asset("notes.txt"), []byte("hi\n"), 0o644); !errors.Is(err, syscall.ENOTSUP) {
		t.Errorf("creating notes.txt: %v, want ENOTSUP", err)
	}
	if err := syscall.Mknod(e.asset("doc.pdf"), syscall.S_IFREG|0o644, 0); !errors.Is(err, syscall.ENOTSUP) {
		t.Errorf("mknod doc.pdf: %v, want ENOTSUP", err)
	}
	// A temp name stays local; renamed to a good name it uploads; renamed
	// to a refused name it fails the same way.
	if err := os.WriteFile(e.asset("shot.png.part"), pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(e.asset("shot.png.part"), e.asset("shot.gif")); !errors.Is(err, syscall.ENOTSUP) {
		t.Errorf("rename to shot.gif: %v, want ENOTSUP", err)
	}
	if err := os.Rename(e.asset("shot.png.part"), e.asset("shot.png")); err != nil {
		t.Errorf("rename to shot.png: %v", err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	if n := len(e.assetsNamed("shot.png")); n != 1 || e.emu.UploadCount() != 1 {
		t.Errorf("%d assets named shot.png, %d uploads; want 1 and 1", n, e.emu.UploadCount())
	}
	if has(e.ls(t), "notes.txt") || has(e.ls(t), "doc.pdf") {
		t.Errorf("a refused name is listed: %v", e.ls(t))
	}
	for _, ext := range []string{".txt files", ".pdf files", ".gif files"} {
		if !strings.Contains(e.log.String(), ext+" are not a type Krea accepts") {
			t.Errorf("no log line saying why %s are refused", ext)
		}
	}
}
