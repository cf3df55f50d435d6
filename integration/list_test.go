//go:build linux

package integration

// Listings of assets/ as ls shows them: every asset across API pages,
// sizes, mtimes, modes, owners.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// lsEntry is one line of `ls -ln --time-style=+%s`.
type lsEntry struct {
	mode     string
	links    int
	uid, gid int
	size     int64
	mtime    int64
	name     string
}

// lsLong runs `ls -ln --time-style=+%s` (plus extra flags) on dir and
// parses it. Names must not contain newlines.
func lsLong(t testing.TB, dir string, extra ...string) []lsEntry {
	t.Helper()
	args := append([]string{"-ln", "--time-style=+%s"}, extra...)
	out := run(t, "ls", append(args, dir)...)
	var ents []lsEntry
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "total ") {
			continue
		}
		// -rw-r--r-- 1 0 0 1234 1700000000 name with spaces
		f := strings.SplitN(line, " ", 2)
		fields := []string{f[0]}
		rest := strings.TrimLeft(f[1], " ")
		for len(fields) < 6 {
			p := strings.SplitN(rest, " ", 2)
			fields = append(fields, p[0])
			if len(p) < 2 {
				t.Fatalf("cannot parse ls line %q", line)
			}
			rest = strings.TrimLeft(p[1], " ")
		}
		links, err0 := strconv.Atoi(fields[1])
		uid, err1 := strconv.Atoi(fields[2])
		gid, err2 := strconv.Atoi(fields[3])
		size, err3 := strconv.ParseInt(fields[4], 10, 64)
		mtime, err4 := strconv.ParseInt(fields[5], 10, 64)
		if err0 != nil || err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatalf("cannot parse ls line %q", line)
		}
		ents = append(ents, lsEntry{mode: fields[0], links: links, uid: uid, gid: gid, size: size, mtime: mtime, name: rest})
	}
	return ents
}

func TestLsListsEveryAssetAcrossPages(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	// More than one page even at the API's largest page size (1000).
	const n = 1100
	want := make(map[string]api.Asset, n)
	for i := 0; i < n; i++ {
		var a api.Asset
		var name string
		if i%2 == 0 {
			name = fmt.Sprintf("image %04d.png", i)
			a = emu.add(makePNG(uint64(i), 2, 2), name)
		} else {
			name = fmt.Sprintf("sound-%04d.wav", i)
			a = emu.add(makeWAV(uint64(i), 100+i), name)
		}
		want[name] = a
	}
	m := mount(t, emu)

	ents := lsLong(t, m.Path("assets"))
	if len(ents) != n {
		t.Errorf("ls -l lists %d assets, want %d", len(ents), n)
	}
	uid, gid := os.Getuid(), os.Getgid()
	seen := map[string]bool{}
	bad := 0
	for _, e := range ents {
		a, ok := want[e.name]
		switch {
		case !ok:
			t.Errorf("ls lists %q, which is no asset's name", e.name)
		case seen[e.name]:
			t.Errorf("ls lists %q twice", e.name)
		case e.mode != "-rw-r--r--" || e.links != 1 || e.uid != uid || e.gid != gid ||
			e.size != a.Size() || e.mtime != a.UploadedAt.Unix():
			if bad++; bad <= 5 {
				t.Errorf("ls -l %q: mode %s links %d owner %d:%d size %d mtime %d; want -rw-r--r-- 1 %d:%d size %d mtime %d (uploaded_at %s)",
					e.name, e.mode, e.links, e.uid, e.gid, e.size, e.mtime, uid, gid, a.Size(), a.UploadedAt.Unix(), a.UploadedAt)
			}
		}
		seen[e.name] = true
	}
	if bad > 5 {
		t.Errorf("... and %d more entries with wrong attributes", bad-5)
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("asset %q is missing from ls", name)
			break
		}
	}

	// The three top-level directories, 0755, owned by the mounting user.
	for _, e := range lsLong(t, m.Dir) {
		if e.mode != "drwxr-xr-x" || e.links != 2 || e.uid != uid || e.gid != gid {
			t.Errorf("ls -l MOUNT: %q is %s %d %d:%d, want drwxr-xr-x 2 %d:%d", e.name, e.mode, e.links, e.uid, e.gid, uid, gid)
		}
	}
	for _, d := range []string{"assets", "jobs", "styles"} {
		if fi, err := os.Stat(m.Path(d)); err != nil || !fi.IsDir() {
			t.Errorf("MOUNT/%s: %v, want a directory", d, err)
		}
	}

	// A second listing (cached or not) is the same.
	if again := lsLong(t, m.Path("assets")); len(again) != len(ents) {
		t.Errorf("second ls lists %d assets, first %d", len(again), len(ents))
	}
}

func TestUIDGIDAndUmaskFlagsSetOwnerAndModes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1, 4, 4), "owned.png")
	m := mount(t, emu, "--uid", "4321", "--gid", "8765", "--umask", "027")

	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{
		{m.Path("assets", "owned.png"), 0o640},
		{m.Path("assets"), os.ModeDir | 0o750},
		{m.Dir, os.ModeDir | 0o750},
	} {
		fi, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 4321 || st.Gid != 8765 || fi.Mode() != tc.mode {
			t.Errorf("stat %s: %v %d:%d, want %v 4321:8765", tc.path, fi.Mode(), st.Uid, st.Gid, tc.mode)
		}
	}
}
