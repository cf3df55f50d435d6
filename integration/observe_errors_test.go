//go:build linux

package integration

// MOUNT/.kreafs/errors: why a program's call failed, where `cat` shows it.

import (
	"os"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestTheErrorsFileSaysWhyACopyOfATextFileWasRefused(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	if _, _, err := runErr(t, "cp", writeTemp(t, "notes.txt", []byte("hello\n")), m.Path("assets", "notes.txt")); err == nil {
		t.Fatal("cp of a .txt into assets/ succeeded")
	}
	b, err := os.ReadFile(m.Path(".kreafs", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.SplitSeq(string(b), "\n") {
		if strings.Contains(l, `"assets/notes.txt"`) {
			line = l
		}
	}
	f := strings.Split(line, "\t")
	if len(f) != 5 || f[1] != "create" || f[2] != "ENOTSUP" || !strings.Contains(f[4], "not a type Krea accepts") {
		t.Fatalf("no line for notes.txt with op, errno and reason in .kreafs/errors:\n%s", b)
	}
	if strings.Contains(string(b), m.Token) {
		t.Fatalf("the token shows in .kreafs/errors:\n%s", b)
	}
}

// An API whose refusal quotes the request's Authorization header: the
// token shows neither in .kreafs/errors nor in .kreafs/uploads.
func TestAnAPIErrorQuotingTheTokenShowsItNowhereInKreafs(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	proxy := startRefusingProxy(t, emu)
	proxy.refuse(400, "bad request from Authorization: Bearer "+emu.Token()+" (token "+emu.Token()+")")
	m := mountWith(t, emu, mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--upload-delay", "0"}})
	dst := m.Path("assets", "echo.png")
	run(t, "cp", writeTemp(t, "echo.png", makePNG(9, 8, 8)), dst)
	if _, _, err := runErr(t, "sync", dst); err == nil { // fsync returns the refusal
		t.Fatal("sync of a refused upload succeeded")
	}
	for _, f := range []string{"errors", "uploads"} {
		b, err := os.ReadFile(m.Path(".kreafs", f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), emu.Token()) || !strings.Contains(string(b), "[redacted]") {
			t.Errorf(".kreafs/%s shows the token or lost the reason:\n%s", f, b)
		}
	}
}
