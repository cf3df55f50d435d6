package fs

// styles/ on a real FUSE mount over the emulator, told as user stories
// (docs/jobs-and-styles.md).

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"

	"github.com/kreafs/kreafs/fs/view"
)

// styleByTitle finds a seeded style by title.
func styleByTitle(t *testing.T, emu *emulator.Server, title string) api.Style {
	t.Helper()
	for _, s := range emu.Styles() {
		if s.Title != nil && *s.Title == title {
			return s
		}
	}
	t.Fatalf("emulator has no style titled %q", title)
	return api.Style{}
}

func TestStylesListsOwnAndSharedStylesByTitle(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedStyles: 12}, nil)
	names, err := readDirNames(filepath.Join(e.mnt, "styles"))
	if err != nil {
		t.Fatal(err)
	}
	// Seeds (see the emulator's seed.go): "Style <i>" owned (i%3 != 2) or
	// shared (i%3 == 2); i=6 is "Duplicate style"; i=10 has no title;
	// "Krea Film" and friends are public styles outside the library.
	for _, want := range []string{"Style 0", "Style 1", "Style 2", "Duplicate style"} {
		if !slices.Contains(names, want) {
			t.Errorf("styles/ lacks %q: %q", want, names)
		}
	}
	for _, notWant := range []string{"Krea Film", "Community Neon", "Private Elsewhere", view.ByIDName} {
		if slices.Contains(names, notWant) {
			t.Errorf("styles/ lists %q, which is not the user's nor shared with them", notWant)
		}
	}
	untitled := ""
	for _, s := range e.emu.Styles() {
		if s.Title == nil && s.Owner != nil {
			untitled = s.ID
		}
	}
	if untitled == "" || !slices.Contains(names, untitled) {
		t.Errorf("the untitled style %q is not listed under its id: %q", untitled, names)
	}
}

func TestStyleFolderHoldsJSONCoverAndPreviews(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedStyles: 3}, nil)
	s := styleByTitle(t, e.emu, "Style 1")
	dir := filepath.Join(e.mnt, "styles", "Style 1")
	names, err := readDirNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if want := []string{"cover.png", "preview-0.png", "preview-1.png", "style.json"}; !slices.Equal(names, want) {
		t.Errorf("style folder holds %q, want %q", names, want)
	}
	for name, url := range map[string]string{"cover.png": *s.CoverURL, "preview-0.png": s.URLs[0], "preview-1.png": s.URLs[1]} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if want := e.download(t, url); !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes differ from the %d downloaded", name, len(got), len(want))
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "style.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), s.ID) || !strings.Contains(string(b), `"title": "Style 1"`) {
		t.Errorf("style.json:\n%s", b)
	}
	if st, err := os.Stat(filepath.Join(dir, "style.json")); err != nil || st.Size() != int64(len(b)) {
		t.Errorf("style.json: stat size %d (err %v), cat gives %d", st.Size(), err, len(b))
	}
}

func TestStylesByIDReachesPublicStylesHiddenFromLs(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedStyles: 3}, nil)
	film := styleByTitle(t, e.emu, "Krea Film")
	byID := filepath.Join(e.mnt, "styles", view.ByIDName, film.ID)
	b, err := os.ReadFile(filepath.Join(byID, "style.json"))
	if err != nil {
		t.Fatalf("styles/.by-id/<public style>: %v", err)
	}
	if !strings.Contains(string(b), "Krea Film") {
		t.Errorf("style.json of Krea Film:\n%s", b)
	}
	// The bare id works in styles/ too (what a job's style link uses), and
	// neither shows in ls.
	if _, err := os.Stat(filepath.Join(e.mnt, "styles", film.ID)); err != nil {
		t.Errorf("styles/<id>: %v", err)
	}
	names, _ := readDirNames(filepath.Join(e.mnt, "styles"))
	if slices.Contains(names, film.ID) || slices.Contains(names, view.ByIDName) {
		t.Errorf("ls styles/ shows hidden entries: %q", names)
	}
	stranger := styleByTitle(t, e.emu, "Private Elsewhere")
	if _, err := os.Stat(filepath.Join(e.mnt, "styles", view.ByIDName, stranger.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("someone else's private style by id: %v, want ENOENT", err)
	}
}

func TestMvRenamesAStyleWhenKreaTakesTheTitle(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedStyles: 3, StyleTitle: emulator.StyleTitleAccept}, nil)
	styles := filepath.Join(e.mnt, "styles")
	s := styleByTitle(t, e.emu, "Style 0")
	if err := os.Rename(filepath.Join(styles, "Style 0"), filepath.Join(styles, "Sunset Ink")); err != nil {
		t.Fatalf("mv: %v", err)
	}
	var title string
	for _, x := range e.emu.Styles() {
		if x.ID == s.ID && x.Title != nil {
			title = *x.Title
		}
	}
	if title != "Sunset Ink" {
		t.Errorf("title in the API after mv = %q, want %q", title, "Sunset Ink")
	}
	names, _ := readDirNames(styles)
	if !slices.Contains(names, "Sunset Ink") || slices.Contains(names, "Style 0") {
		t.Errorf("after mv, styles/ holds %q", names)
	}
	b, err := os.ReadFile(filepath.Join(styles, "Sunset Ink", "style.json"))
	if err != nil || !strings.Contains(string(b), `"title": "Sunset Ink"`) {
		t.Errorf("style.json after mv: %v\n%s", err, b)
	}
}

func TestMvOfAStyleIsEPERMWhenKreaRefusesOrIgnoresTheTitle(t *testing.T) {
	for _, mode := range []string{emulator.StyleTitleRefuse, emulator.StyleTitleIgnore} {
		e := mountJobs(t, emulator.Options{SeedStyles: 3, StyleTitle: mode}, nil)
		styles := filepath.Join(e.mnt, "styles")
		s := styleByTitle(t, e.emu, "Style 0")
		if err := os.Rename(filepath.Join(styles, "Style 0"), filepath.Join(styles, "Sunset Ink")); !errors.Is(err, syscall.EPERM) {
			t.Errorf("%s: mv: %v, want EPERM", mode, err)
		}
		if x := styleByTitle(t, e.emu, "Style 0"); x.ID != s.ID {
			t.Errorf("%s: the style's title changed in the API", mode)
		}
		names, _ := readDirNames(styles)
		if !slices.Contains(names, "Style 0") || slices.Contains(names, "Sunset Ink") {
			t.Errorf("%s: after a refused mv, styles/ holds %q", mode, names)
		}
		if log := e.log.String(); !strings.Contains(log, "Krea does not rename styles through its API") {
			t.Errorf("%s: no log line saying Krea does not rename styles", mode)
		}
	}
}

func TestMvOfAStyleRefused(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedStyles: 6}, nil)
	styles := filepath.Join(e.mnt, "styles")
	for _, tc := range []struct {
		what     string
		from, to string
		want     syscall.Errno
	}{
		{"shared with the user, not theirs", filepath.Join(styles, "Style 2"), filepath.Join(styles, "Mine now"), syscall.EPERM},
		{"onto another style's name", filepath.Join(styles, "Style 0"), filepath.Join(styles, "Style 1"), syscall.EEXIST},
		{"out of styles/", filepath.Join(styles, "Style 0"), filepath.Join(e.mnt, "assets", "Style 0"), syscall.EPERM},
		{"into .by-id", filepath.Join(styles, "Style 0"), filepath.Join(styles, view.ByIDName, "x"), syscall.EPERM},
	} {
		err := syscall.Rename(tc.from, tc.to)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.what, err, tc.want)
		}
	}
	if s := styleByTitle(t, e.emu, "Style 2"); s.Title == nil {
		t.Error("refused rename changed the style")
	}
	if !strings.Contains(e.log.String(), "refused to rename") {
		t.Error("no log line for the API's refusal")
	}
}

func TestStylesRefuseChanges(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedStyles: 3}, nil)
	styles := filepath.Join(e.mnt, "styles")
	dir := filepath.Join(styles, "Style 0")
	for _, tc := range []struct {
		what string
		op   func() error
	}{
		{"rmdir a style", func() error { return syscall.Rmdir(dir) }},
		{"rm style.json", func() error { return os.Remove(filepath.Join(dir, "style.json")) }},
		{"write style.json", func() error { return os.WriteFile(filepath.Join(dir, "style.json"), []byte("{}"), 0o644) }},
		{"create in a style", func() error { return os.WriteFile(filepath.Join(dir, "x.png"), []byte("x"), 0o644) }},
		{"write the cover", func() error {
			f, err := os.OpenFile(filepath.Join(dir, "cover.png"), os.O_WRONLY, 0)
			if err == nil {
				f.Close()
			}
			return err
		}},
	} {
		if err := tc.op(); !errors.Is(err, syscall.EPERM) {
			t.Errorf("%s: %v, want EPERM", tc.what, err)
		}
	}
}
