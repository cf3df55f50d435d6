//go:build linux

package integration

// styles/ as a user meets it (docs/jobs-and-styles.md, "styles/"): styles
// as folders named by title with their JSON, cover and previews, .by-id,
// renames with mv, and a training job whose style link resolves.

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// styleView is the part of style.json (and GET /styles/{id}) the stories
// check.
type styleView struct {
	ID        string   `json:"id"`
	Title     *string  `json:"title"`
	URLs      []string `json:"urls"`
	CoverURL  *string  `json:"cover_url"`
	CreatedAt string   `json:"created_at"`
	Owner     *struct {
		Name string `json:"name"`
	} `json:"owner"`
}

// libraryStyles is the user's library as curl GET /styles shows it (own
// and shared; the emulator holds fewer than a page).
func libraryStyles(t testing.TB, emu *Emulator) []styleView {
	t.Helper()
	var page struct {
		Items      []styleView `json:"items"`
		NextCursor *string     `json:"next_cursor"`
	}
	apiJSON(t, emu, "GET", "/styles?limit=1000", "", &page)
	if page.NextCursor != nil {
		t.Fatalf("GET /styles has more than one page")
	}
	return page.Items
}

// expectedStyleNames applies the naming rules of docs/jobs-and-styles.md
// that the seed exercises: a title names its style, the oldest of styles
// sharing a title keeps it and the others go by id, no title means the id.
func expectedStyleNames(styles []styleView) map[string]string {
	oldest := map[string]styleView{}
	for _, s := range styles {
		if s.Title == nil {
			continue
		}
		o, ok := oldest[*s.Title]
		if !ok || s.CreatedAt < o.CreatedAt || (s.CreatedAt == o.CreatedAt && s.ID < o.ID) {
			oldest[*s.Title] = s
		}
	}
	names := map[string]string{} // name -> id
	for _, s := range styles {
		if s.Title != nil && oldest[*s.Title].ID == s.ID {
			names[*s.Title] = s.ID
		} else {
			names[s.ID] = s.ID
		}
	}
	return names
}

// checkStyleFolder checks one style's folder against curl: style.json is
// the API's object, cover and previews are the bytes of their URLs.
func checkStyleFolder(t testing.TB, emu *Emulator, dir, id string) {
	t.Helper()
	api, code := apiCurl(t, emu, "GET", "/styles/"+id, "")
	if code != 200 {
		t.Fatalf("curl GET /styles/%s: HTTP %d %s", id, code, api)
	}
	var s styleView
	mounted := catJSON(t, dir+"/style.json", &s)
	if same, err := sameJSON([]byte(mounted), api); err != nil || !same {
		t.Errorf("%s/style.json differs from curl GET /styles/%s (%v):\n%s\nAPI: %s", dir, id, err, mounted, api)
	}
	want := []string{"style.json"}
	if s.CoverURL != nil {
		want = append(want, "cover.png")
		cmpWithCurl(t, *s.CoverURL, dir+"/cover.png")
	}
	for i, u := range s.URLs {
		name := fmt.Sprintf("preview-%d.png", i)
		want = append(want, name)
		cmpWithCurl(t, u, dir+"/"+name)
	}
	slices.Sort(want)
	if got := lsNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("ls %s: %q, want %q", dir, got, want)
	}
}

func TestStyleFoldersHoldJSONCoverAndPreviews(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	// 14 seeds: own and shared styles, two titled "Duplicate style", one
	// untitled; plus public and private styles outside the library.
	emu := startEmulator(t, emulator.Options{SeedStyles: 14})
	m := mount(t, emu)
	lib := libraryStyles(t, emu)
	want := expectedStyleNames(lib)

	got := lsNames(t, m.Path("styles"))
	var wantNames []string
	for name := range want {
		wantNames = append(wantNames, name)
	}
	slices.Sort(wantNames)
	if !slices.Equal(got, wantNames) {
		t.Errorf("ls styles/:\n%q\nwant:\n%q", got, wantNames)
	}
	for _, name := range got {
		id, ok := want[name]
		if !ok {
			continue
		}
		checkStyleFolder(t, emu, m.Path("styles", name), id)
	}
	if all := lsNames(t, m.Path("styles"), "-a"); slices.Contains(all, ".by-id") {
		t.Errorf("ls -a styles/ shows .by-id: %q", all)
	}
	if _, ok := want["Duplicate style"]; !ok {
		t.Errorf("no style is named \"Duplicate style\": %q", got)
	}

	// Styles outside the library: public ones by id only, a stranger's
	// private one not at all.
	var public, private []styleView
	for _, s := range emu.Styles() {
		if _, listed := want[s.ID]; listed || s.Title != nil && want[*s.Title] == s.ID {
			continue
		}
		if s.Public {
			public = append(public, styleView{ID: s.ID, Title: s.Title})
		} else {
			private = append(private, styleView{ID: s.ID, Title: s.Title})
		}
	}
	if len(public) != 3 || len(private) != 1 {
		t.Fatalf("unexpected seed: %d public and %d private styles outside the library", len(public), len(private))
	}
	for _, s := range public {
		if slices.Contains(got, *s.Title) || slices.Contains(got, s.ID) {
			t.Errorf("ls styles/ lists the public style %q", *s.Title)
		}
		checkStyleFolder(t, emu, m.Path("styles", ".by-id", s.ID), s.ID)
		var v styleView
		catJSON(t, m.Path("styles", s.ID, "style.json"), &v) // straight under styles/ too
		if v.ID != s.ID {
			t.Errorf("styles/%s/style.json is style %s", s.ID, v.ID)
		}
	}
	_, stderr, err := runErr(t, "ls", m.Path("styles", ".by-id", private[0].ID))
	if err == nil || !strings.Contains(stderr, "No such file or directory") {
		t.Errorf("ls styles/.by-id/<a stranger's private style>: %v %q, want ENOENT", err, stderr)
	}
}

// A Krea that takes a new title (--style-title accept); Krea's documented
// refusal and the ignoring variant are in jobs_styles_krea_test.go.
func TestMvRenamesAStyleAndRefusesOthersStyles(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	// Seeds 0, 1, 3, 4 are the user's; 2 and 5 are shared by "Ada".
	emu := startEmulator(t, emulator.Options{SeedStyles: 6, StyleTitle: emulator.StyleTitleAccept})
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	ids := map[string]string{}
	for _, s := range libraryStyles(t, emu) {
		ids[*s.Title] = s.ID
	}
	styles := m.Path("styles")
	if got, want := lsNames(t, styles), []string{"Style 0", "Style 1", "Style 2", "Style 3", "Style 4", "Style 5"}; !slices.Equal(got, want) {
		t.Fatalf("ls styles/: %q, want %q", got, want)
	}
	title := func(id string) string {
		var s styleView
		apiJSON(t, emu, "GET", "/styles/"+id, "", &s)
		if s.Title == nil {
			return "<null>"
		}
		return *s.Title
	}

	// One's own style: renamed in the API, and listed under the new name at
	// once (the listing TTL is an hour).
	run(t, "mv", m.Path("styles", "Style 0"), m.Path("styles", "Ink and rust"))
	if got := title(ids["Style 0"]); got != "Ink and rust" {
		t.Errorf("curl GET /styles/{id} after mv: title %q, want \"Ink and rust\"", got)
	}
	got := lsNames(t, styles)
	if !slices.Contains(got, "Ink and rust") || slices.Contains(got, "Style 0") {
		t.Errorf("ls styles/ after mv: %q, want \"Ink and rust\" and no \"Style 0\"", got)
	}
	var s styleView
	catJSON(t, m.Path("styles", "Ink and rust", "style.json"), &s)
	if s.ID != ids["Style 0"] || s.Title == nil || *s.Title != "Ink and rust" {
		t.Errorf("style.json of the renamed style: id %s title %v", s.ID, s.Title)
	}

	// A style shared by someone else: refused with a clear message.
	_, stderr, err := runErr(t, "mv", m.Path("styles", "Style 2"), m.Path("styles", "Mine now"))
	if err == nil || !strings.Contains(stderr, "Operation not permitted") {
		t.Errorf("mv of a shared style: %v %q, want \"Operation not permitted\"", err, strings.TrimSpace(stderr))
	}
	if !slices.ContainsFunc(strings.Split(m.Stderr(), "\n"), func(l string) bool {
		return strings.Contains(l, "level=warning") && strings.Contains(l, "id="+ids["Style 2"])
	}) {
		t.Errorf("the refused rename of style %s logged no warning naming it", ids["Style 2"])
	}
	if got := title(ids["Style 2"]); got != "Style 2" {
		t.Errorf("the refused mv changed the shared style's title to %q", got)
	}

	// Onto another style's name: refused, nothing changes.
	_, stderr, err = runErr(t, "mv", "-T", m.Path("styles", "Style 1"), m.Path("styles", "Style 3"))
	if err == nil || !strings.Contains(stderr, "File exists") {
		t.Errorf("mv -T onto another style's name: %v %q, want \"File exists\"", err, strings.TrimSpace(stderr))
	}
	// And with a control character in the new name: EPERM, which mv words
	// clearly (EINVAL would read as "a subdirectory of itself").
	_, stderr, err = runErr(t, "mv", m.Path("styles", "Style 4"), m.Path("styles", "bad\x01name"))
	if err == nil || !strings.Contains(stderr, "Operation not permitted") {
		t.Errorf("mv to a name with a control character: %v %q, want \"Operation not permitted\"", err, strings.TrimSpace(stderr))
	}
	for _, name := range []string{"Style 1", "Style 3", "Style 4"} {
		if got := title(ids[name]); got != name {
			t.Errorf("a refused mv changed %q to %q", name, got)
		}
	}

	want := []string{"Ink and rust", "Style 1", "Style 2", "Style 3", "Style 4", "Style 5"}
	if got := lsNames(t, styles); !slices.Equal(got, want) {
		t.Errorf("ls styles/ at the end: %q, want %q", got, want)
	}
}

func TestTrainingJobLinksToItsNewStyle(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	emu := startEmulator(t, emulator.Options{JobDuration: time.Second, SeedStyles: 2})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "ls", m.Path("styles"), m.Path("jobs")) // listings without the new style and job

	body := fmt.Sprintf(`{"name":"Ink wash","trigger_word":"inkwash","urls":[%q,%q]}`,
		emu.FilesURL()+"/ref/1.png", "https://example.com/ref/"+url.PathEscape("2 b.png"))
	id := submitJob(t, emu, "/styles/train", body)
	waitStatus(t, m, id, "completed", 20*time.Second)

	var j jobView
	catJSON(t, m.Path("jobs", id, "job.json"), &j)
	if j.Result == nil || j.Result.StyleID == "" {
		t.Fatalf("job.json of a finished training job has no result.style_id: %+v", j)
	}
	styleID := j.Result.StyleID
	if got, want := strings.TrimSpace(run(t, "readlink", m.Path("jobs", id, "style"))), "../../styles/"+styleID; got != want {
		t.Errorf("readlink jobs/%s/style = %q, want %q", id, got, want)
	}
	if got := lsNames(t, m.Path("jobs", id)); !slices.Equal(got, []string{"job.json", "status", "style"}) {
		t.Errorf("ls of a finished training job: %q", got)
	}
	// The link resolves: ls through it shows the style's folder.
	if got := lsNames(t, m.Path("jobs", id, "style")+"/"); !slices.Equal(got, []string{"cover.png", "preview-0.png", "preview-1.png", "style.json"}) {
		t.Errorf("ls jobs/%s/style/: %q", id, got)
	}
	checkStyleFolder(t, emu, m.Path("jobs", id, "style"), styleID)
	var s styleView
	catJSON(t, m.Path("jobs", id, "style", "style.json"), &s)
	if s.ID != styleID || s.Title == nil || *s.Title != "Ink wash" {
		t.Errorf("style.json through the link: id %s title %v, want %s \"Ink wash\"", s.ID, s.Title, styleID)
	}
	// And the new style is listed by its title once the listing is renewed.
	if err := listedWithin(t, m.Path("styles"), "Ink wash", 5*time.Second); err != nil {
		t.Error(err)
	}
}
