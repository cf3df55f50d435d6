//go:build linux

package integration

// File names in assets/ (docs/semantics.md, "File names in assets/"):
// descriptions as names, extensions from the MIME type, hostile
// descriptions, duplicates, .by-id/<id>.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// nameCase is one asset of the naming test: its description and the name
// docs/semantics.md says it gets. want "ID" stands for "<id>.png".
type nameCase struct {
	what string
	desc string
	want string
}

const idPNG = "ID"

var nameCases = []nameCase{
	{"usable description", "plain.png", "plain.png"},
	{"a name without whitespace is kept as given", "noext", "noext"},
	{"prose gets the MIME type's extension", "a red square", "a red square.png"},
	{"another media extension is kept", "clip.mov", "clip.mov"},
	{"a name's non-media extension is kept", "notes.txt", "notes.txt"},
	{"prose with a digit extension gets the MIME type's appended", "Krea 1.5", "Krea 1.5.png"},
	{"spaces, unicode, dots", "v1.0 final draft — été", "v1.0 final draft — été.png"},
	{"255 bytes exactly", strings.Repeat("a", 251) + ".png", strings.Repeat("a", 251) + ".png"},
	{"a 252-byte name is kept", strings.Repeat("b", 252), strings.Repeat("b", 252)},
	{"prose too long once the extension is added", strings.Repeat("b ", 126), idPNG},
	{"10 KB of text", strings.Repeat("long description ", 640), idPNG},
	{"parent traversal", "../x", idPNG},
	{"deep traversal", "../../../../etc/passwd", idPNG},
	{"slash", "a/b", idPNG},
	{"newline", "line1\nline2.png", idPNG},
	{"control characters", "ctl\x01\x1b[31m\x7f.png", idPNG},
	{"NUL", "nul\x00byte.png", idPNG},
	{"invalid UTF-8", "\xff\xfe\xfd.png", idPNG},
	{"bidi override", "\u202egnp.exe", idPNG},
	{"empty", "", idPNG},
	{"the .by-id directory's name", ".by-id", idPNG},
	{"a reserved .kreafs name", ".kreafs", idPNG},
	{"dot", ".", idPNG},
	{"dot dot", "..", idPNG},
	{"a name starting with a dot", ".hidden", ".hidden"},
}

func TestNamesFollowTheDocumentedRules(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})

	assets := make([]api.Asset, len(nameCases))
	content := map[string][]byte{} // id -> bytes
	for i, c := range nameCases {
		data := makePNG(uint64(1000+i), 3, 3)
		assets[i] = emu.add(data, c.desc)
		content[assets[i].ID] = data
	}
	m := mount(t, emu)

	names := listNames(t, m.Path("assets"))
	if len(names) != len(nameCases) {
		t.Errorf("assets/ has %d entries, want %d: %q", len(names), len(nameCases), names)
	}
	checkNamesAreSane(t, names)
	checkNothingEscaped(t, m)

	for i, c := range nameCases {
		want := c.want
		if want == idPNG {
			want = assets[i].ID + ".png"
		}
		got, err := os.ReadFile(m.Path("assets", want))
		if err != nil {
			t.Errorf("%s: description %q: want the name %q: %v", c.what, trunc(c.desc), want, err)
			continue
		}
		if !bytes.Equal(got, content[assets[i].ID]) {
			t.Errorf("%s: %q holds another asset's bytes", c.what, want)
		}
	}
	if t.Failed() {
		t.Logf("assets/ lists %q", names)
	}
	checkByID(t, m, assets, content)

	// A real ls of the whole directory works (ls -b would escape odd bytes):
	// one line per asset.
	out := run(t, "ls", "-1Ab", m.Path("assets"))
	if lines := strings.Count(out, "\n"); lines != len(nameCases) {
		t.Errorf("ls -1Ab prints %d lines, want %d:\n%s", lines, len(nameCases), out)
	}
}

func TestDuplicateNamesGetTheDocumentedSuffix(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})

	// Four assets want "dup.png", in upload order; one asset's
	// description is another asset's id name.
	var assets []api.Asset
	content := map[string][]byte{}
	add := func(desc string, seed uint64) api.Asset {
		data := makePNG(seed, 2, 3)
		a := emu.add(data, desc)
		assets = append(assets, a)
		content[a.ID] = data
		return a
	}
	add("dup.png", 1)
	add("dup.png", 2)
	add("dup.png", 3)
	add("dup.png", 4)
	hostile := add("../escape", 5) // named <id>.png
	add(hostile.ID+".png", 6)      // wants the same name, is newer
	m := mount(t, emu)

	// The oldest (uploaded_at, then id) keeps the plain name; each other
	// gets " (<first 8 chars of its id>)" before the extension.
	dups := append([]api.Asset(nil), assets[:4]...)
	sort.Slice(dups, func(i, j int) bool {
		if !dups[i].UploadedAt.Equal(dups[j].UploadedAt) {
			return dups[i].UploadedAt.Before(dups[j].UploadedAt)
		}
		return dups[i].ID < dups[j].ID
	})
	want := map[string]string{"dup.png": dups[0].ID} // name -> id
	for _, a := range dups[1:] {
		want["dup ("+a.ID[:8]+").png"] = a.ID
	}
	// The asset named by its id keeps that name: the newer one that asked
	// for it by description gets the suffix.
	want[hostile.ID+".png"] = hostile.ID
	want[hostile.ID+" ("+assets[5].ID[:8]+").png"] = assets[5].ID

	names := listNames(t, m.Path("assets"))
	checkNamesAreSane(t, names)
	if len(names) != len(want) {
		t.Errorf("assets/ lists %q, want %d names", names, len(want))
	}
	for name, id := range want {
		got, err := os.ReadFile(m.Path("assets", name))
		if err != nil {
			t.Errorf("want %q (asset %s): %v; listed: %q", name, id, err, names)
			continue
		}
		if !bytes.Equal(got, content[id]) {
			t.Errorf("%q does not hold asset %s", name, id)
		}
	}

	// Deterministic: a second mount of the same account names them alike,
	// with the same inode numbers.
	m2 := mount(t, emu)
	if again := listNames(t, m2.Path("assets")); strings.Join(again, "\n") != strings.Join(names, "\n") {
		t.Errorf("a second mount names the assets %q, the first %q", again, names)
	}
	for _, n := range names {
		if i1, i2 := inode(t, m.Path("assets", n)), inode(t, m2.Path("assets", n)); i1 != i2 {
			t.Errorf("%q has inode %d in one mount, %d in another", n, i1, i2)
		}
	}
	checkByID(t, m, assets, content)
	m2.Stop()

	// When the oldest duplicate is deleted, the next oldest takes the
	// plain name (within the TTL); the others keep theirs.
	m.Stop()
	m3 := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "ls", m3.Path("assets"))
	if !emu.RemoveAsset(dups[0].ID) {
		t.Fatalf("RemoveAsset(%s) found nothing", dups[0].ID)
	}
	if err := eventually(3*time.Second, func() error {
		got, err := os.ReadFile(m3.Path("assets", "dup.png"))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, content[dups[1].ID]) {
			return fmt.Errorf("dup.png does not hold the next oldest duplicate")
		}
		return nil
	}); err != nil {
		t.Errorf("after deleting the oldest dup.png: %v; listed: %q", err, listNames(t, m3.Path("assets")))
	}
	for _, a := range dups[2:] {
		if _, err := os.Stat(m3.Path("assets", "dup ("+a.ID[:8]+").png")); err != nil {
			t.Errorf("a younger duplicate lost its name: %v", err)
		}
	}
}

// inode is the inode number of path.
func inode(t testing.TB, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestByIDReachesEveryAssetAndIsHidden(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	var assets []api.Asset
	content := map[string][]byte{}
	for i, d := range []string{"one.png", "one.png", "", "a/b"} {
		data := makePNG(uint64(50+i), 2, 2)
		a := emu.add(data, d)
		assets = append(assets, a)
		content[a.ID] = data
	}
	m := mount(t, emu)

	for _, args := range [][]string{{"-1"}, {"-1a"}, {"-1A"}} {
		out := run(t, "ls", append(args, m.Path("assets"))...)
		if strings.Contains(out, ".by-id") {
			t.Errorf("ls %s assets/ shows .by-id:\n%s", args[0], out)
		}
	}
	checkByID(t, m, assets, content)

	// ls assets/.by-id/ lists every id; both names are one file.
	if got, want := listNames(t, m.Path("assets", ".by-id")), sortedIDs(assets); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ls assets/.by-id lists %q, want %q", got, want)
	}
	for _, n := range listNames(t, m.Path("assets")) {
		ino := inode(t, m.Path("assets", n))
		found := false
		for _, a := range assets {
			found = found || inode(t, m.Path("assets", ".by-id", a.ID)) == ino
		}
		if !found {
			t.Errorf("assets/%s has inode %d, which no .by-id entry has", n, ino)
		}
	}

	// Unknown ids are ENOENT, and .by-id cannot be used to climb out.
	for _, p := range []string{
		m.Path("assets", ".by-id", "00000000-0000-4000-8000-000000000000"),
		m.Path("assets", ".by-id", "no-such-id"),
	} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("stat %s: %v, want ENOENT", p, err)
		}
	}
	if fi, err := os.Stat(m.Path("assets", ".by-id")); err != nil || !fi.IsDir() {
		t.Errorf("stat assets/.by-id: %v, want a directory", err)
	}
}

// listNames lists dir's entries the way ls -a does, without . and ..
func listNames(t testing.TB, dir string) []string {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		t.Fatalf("readdir %s: %v", dir, err)
	}
	sort.Strings(names)
	return names
}

// checkNamesAreSane: every listed name is one usable path element, valid
// UTF-8 without control characters, and unique.
func checkNamesAreSane(t testing.TB, names []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("name %q listed twice", n)
		}
		seen[n] = true
		if n == "" || n == "." || n == ".." || n == ".by-id" || len(n) > 255 ||
			strings.ContainsAny(n, "/\x00") || !utf8.ValidString(n) {
			t.Errorf("unusable name listed: %q", n)
		}
		for _, r := range n {
			if r < 0x20 || r == 0x7f {
				t.Errorf("name with a control character listed: %q", n)
				break
			}
		}
	}
}

// checkNothingEscaped: the mount's root holds only its directories, and
// nothing appeared beside the mount point.
func checkNothingEscaped(t testing.TB, m *Mount) {
	t.Helper()
	for _, n := range listNames(t, m.Dir) {
		switch n {
		case "assets", "jobs", "styles", "models", ".kreafs":
		default:
			t.Errorf("unexpected entry %q at the mount's root", n)
		}
	}
	if sib := listNames(t, filepath.Dir(m.Dir)); len(sib) != 1 {
		t.Errorf("entries beside the mount point: %q", sib)
	}
}

// checkByID: .by-id/<id> holds each asset's bytes.
func checkByID(t testing.TB, m *Mount, assets []api.Asset, content map[string][]byte) {
	t.Helper()
	for _, a := range assets {
		got, err := os.ReadFile(m.Path("assets", ".by-id", a.ID))
		if err != nil {
			t.Errorf(".by-id/%s: %v", a.ID, err)
			continue
		}
		if !bytes.Equal(got, content[a.ID]) {
			t.Errorf(".by-id/%s holds other bytes than the asset", a.ID)
		}
	}
}

func sortedIDs(assets []api.Asset) []string {
	var ids []string
	for _, a := range assets {
		ids = append(ids, a.ID)
	}
	sort.Strings(ids)
	return ids
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
