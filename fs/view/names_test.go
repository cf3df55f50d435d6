package view

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// asset builds a test asset; age orders uploaded_at (smaller is older).
func asset(id, desc, mime string, age int) api.Asset {
	a := api.Asset{ID: id, Description: desc, UploadedAt: t0.Add(time.Duration(age) * time.Minute)}
	if mime != "" {
		a.MIMEType = &mime
	}
	return a
}

func TestPreferredName(t *testing.T) {
	long := strings.Repeat("x", 250)
	for _, tc := range []struct {
		story string
		desc  string
		mime  string
		want  string
	}{
		{"a description with the right extension is the name", "photo.png", "image/png", "photo.png"},
		{"prose gets the extension its MIME type implies", "a sunset", "image/png", "a sunset.png"},
		{"a name without whitespace is kept as given", "photo", "image/png", "photo"},
		{"a camera name is kept as given", "IMG_0001", "image/jpeg", "IMG_0001"},
		{"a non-media extension of a name is kept", "movie.m4v", "video/mp4", "movie.m4v"},
		{"a backup suffix is kept", "scan.jpeg.bak", "image/png", "scan.jpeg.bak"},
		{"a name with spaces and a lettered extension is kept", "my holiday.jpeg.bak", "image/jpeg", "my holiday.jpeg.bak"},
		{"jpeg counts as the jpg extension", "holiday.jpeg", "image/jpeg", "holiday.jpeg"},
		{"extensions match case-insensitively", "IMG_1.JPG", "image/jpeg", "IMG_1.JPG"},
		{"any media extension is kept even if the type disagrees", "clip.mov", "video/mp4", "clip.mov"},
		{"prose whose extension is digits gets the implied one", "Krea 1.5", "image/png", "Krea 1.5.png"},
		{"a dotted name that is not an extension gets one", "v1.0 final draft", "video/mp4", "v1.0 final draft.mp4"},
		{"a dot file name is kept", ".hidden", "image/webp", ".hidden"},
		{"prose with a leading dot is not an extension", ".hidden file", "image/webp", ".hidden file.webp"},
		{"prose with a trailing dot is not an extension", "a photo.", "image/png", "a photo..png"},
		{"unknown type: an existing extension is kept", "data.xyz", "application/octet-stream", "data.xyz"},
		{"unknown type: prose without extension gets bin", "some data", "", "some data.bin"},
		{"unknown type: a name is kept", "data", "", "data"},
		{"heif counts as a heic extension", "p.heif", "image/heic", "p.heif"},
		{"glb", "a model", "model/gltf-binary", "a model.glb"},
		{"empty description: id name", "", "image/png", "id1.png"},
		{"dot: id name", ".", "image/png", "id1.png"},
		{"dot dot: id name", "..", "image/png", "id1.png"},
		{"a slash never makes a path", "../x", "image/png", "id1.png"},
		{"a slash anywhere", "a/b.png", "image/png", "id1.png"},
		{"newline", "a\nb.png", "image/png", "id1.png"},
		{"tab (a control character)", "a\tb.png", "image/png", "id1.png"},
		{"escape sequence", "\x1b[31mred.png", "image/png", "id1.png"},
		{"DEL", "a\x7f.png", "image/png", "id1.png"},
		{"C1 control", "a\u0085.png", "image/png", "id1.png"},
		{"right-to-left override", "gnp.\u202eexe.png", "image/png", "id1.png"},
		{"NUL", "a\x00b.png", "image/png", "id1.png"},
		{"invalid UTF-8", "caf\xe9.png", "image/png", "id1.png"},
		{"replacement character", "caf\ufffd.png", "image/png", "id1.png"},
		{"10 KB of text", strings.Repeat("lorem ipsum ", 900), "image/png", "id1.png"},
		{"a long name is kept", long, "", long},
		{"long prose gets bin", "a " + long[2:], "", "a " + long[2:] + ".bin"},
		{"prose too long once the extension is added", strings.Repeat("y ", 126), "image/png", "id1.png"},
		{"unicode is fine", "café ☕ 写真", "image/jpeg", "café ☕ 写真.jpg"},
		{"spaces are kept", " a b ", "image/png", " a b .png"},
		{"reserved .by-id", ".by-id", "image/png", "id1.png"},
		{"reserved .kreafs prefix", ".kreafs-status", "image/png", "id1.png"},
		{"reserved .kreafs prefix with media extension", ".kreafs.png", "image/png", "id1.png"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			a := asset("id1", tc.desc, tc.mime, 0)
			if got := preferredName(&a); got != tc.want {
				t.Errorf("preferredName(%q, %q) = %q, want %q", tc.desc, tc.mime, got, tc.want)
			}
		})
	}
}

func TestPreferredNameExactLimit(t *testing.T) {
	d := strings.Repeat("z ", 125) + "z" // prose; + ".png" = 255 bytes
	a := asset("id1", d, "image/png", 0)
	if got := preferredName(&a); got != d+".png" {
		t.Errorf("255-byte name rejected: got %q", got)
	}
	a = asset("id1", d+"z", "image/png", 0) // 256 bytes
	if got := preferredName(&a); got != "id1.png" {
		t.Errorf("256-byte name accepted: got %q", got)
	}
}

func TestIDNameOfHostileID(t *testing.T) {
	for _, id := range []string{"", "a/b", "..", "x\ny", strings.Repeat("i", 300)} {
		n := idName(id, "png")
		if !UsableName(n) || !strings.HasPrefix(n, "id-") {
			t.Errorf("idName(%q) = %q, want a usable id- name", id, n)
		}
		if ByIDEntry(id) != "" {
			t.Errorf("ByIDEntry(%q) = %q, want none", id, ByIDEntry(id))
		}
	}
	if got := ByIDEntry("abc-123"); got != "abc-123" {
		t.Errorf("ByIDEntry(abc-123) = %q", got)
	}
}

func TestAssetNames(t *testing.T) {
	for _, tc := range []struct {
		story  string
		assets []api.Asset
		want   []string
	}{
		{
			"distinct names are kept",
			[]api.Asset{asset("a1", "one", "image/png", 0), asset("a2", "two words", "image/png", 1)},
			[]string{"one", "two words.png"},
		},
		{
			"duplicates: the oldest keeps the plain name, others get 8 id chars",
			[]api.Asset{
				asset("bbbbbbbbXX", "cat.png", "image/png", 2),
				asset("aaaaaaaaXX", "cat.png", "image/png", 1),
				asset("ccccccccXX", "cat.png", "image/png", 3),
			},
			[]string{"cat (bbbbbbbb).png", "cat.png", "cat (cccccccc).png"},
		},
		{
			"same upload time: the smaller id is older",
			[]api.Asset{asset("b", "x.png", "image/png", 0), asset("a", "x.png", "image/png", 0)},
			[]string{"x (b).png", "x.png"},
		},
		{
			"a description equal to another asset's id name",
			[]api.Asset{asset("abc", "", "image/png", 5), asset("zzz", "abc.png", "image/png", 1)},
			[]string{"abc (abc).png", "abc.png"},
		},
		{
			"a description equal to another asset's suffixed name loses to the plain owner",
			[]api.Asset{
				asset("11111111a", "dup.png", "image/png", 1),
				asset("22222222b", "dup.png", "image/png", 2),
				asset("33333333c", "dup (22222222).png", "image/png", 3),
			},
			[]string{"dup.png", "22222222b.png", "dup (22222222).png"},
		},
		{
			"ids sharing 8 characters",
			[]api.Asset{
				asset("samestart-1", "p.png", "image/png", 1),
				asset("samestart-2", "p.png", "image/png", 2),
				asset("samestart-3", "p.png", "image/png", 3),
			},
			[]string{"p.png", "p (samestar).png", "samestart-3.png"},
		},
		{
			"a duplicate of a 255-byte name falls back to its id",
			[]api.Asset{
				asset("l1", strings.Repeat("n", 251)+".png", "image/png", 1),
				asset("l2", strings.Repeat("n", 251)+".png", "image/png", 2),
			},
			[]string{strings.Repeat("n", 251) + ".png", "l2.png"},
		},
		{
			"hostile descriptions all become id names",
			[]api.Asset{
				asset("h1", "../x", "image/png", 1),
				asset("h2", "a\nb", "image/png", 2),
				asset("h3", "\xff\xfe", "video/mp4", 3),
				asset("h4", "", "", 4),
			},
			[]string{"h1.png", "h2.png", "h3.mp4", "h4.bin"},
		},
	} {
		t.Run(tc.story, func(t *testing.T) {
			got := AssetNames(tc.assets)
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Errorf("asset %s (%q): name %q, want %q", tc.assets[i].ID, tc.assets[i].Description, got[i], tc.want[i])
				}
			}
			checkNames(t, got)
		})
	}
}

// Names of assets do not change when unrelated assets come and go, or when
// the listing comes in another order.
func TestAssetNamesStable(t *testing.T) {
	base := []api.Asset{
		asset("a1", "cat.png", "image/png", 1),
		asset("a2", "cat.png", "image/png", 2),
		asset("a3", "", "image/jpeg", 3),
		asset("a4", "dog", "video/mp4", 4),
	}
	want := map[string]string{}
	for i, n := range AssetNames(base) {
		want[base[i].ID] = n
	}
	more := append([]api.Asset{
		asset("z9", "bird.png", "image/png", 0),
		asset("z8", "", "image/png", 9),
		asset("z7", "cat.png", "image/png", 7),
	}, base...)
	// reverse order
	for i, j := 0, len(more)-1; i < j; i, j = i+1, j-1 {
		more[i], more[j] = more[j], more[i]
	}
	for i, n := range AssetNames(more) {
		if w, ok := want[more[i].ID]; ok && w != n {
			t.Errorf("asset %s renamed from %q to %q by unrelated assets", more[i].ID, w, n)
		}
	}
}

// checkNames asserts the invariants every listing's names keep.
func checkNames(t *testing.T, names []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range names {
		switch {
		case n == "", n == ".", n == "..":
			t.Errorf("name %q is not a file name", n)
		case len(n) > MaxNameLen:
			t.Errorf("name of %d bytes", len(n))
		case strings.ContainsAny(n, "/\x00"):
			t.Errorf("name %q contains / or NUL", n)
		case !utf8.ValidString(n):
			t.Errorf("name %q is not UTF-8", n)
		case reservedName(n):
			t.Errorf("name %q is reserved", n)
		case seen[n]:
			t.Errorf("name %q given twice", n)
		}
		seen[n] = true
	}
}

func FuzzAssetNames(f *testing.F) {
	f.Add("photo.png", "photo.png", "photo", "image/png", "id-1", "id-2", "id-3", int64(0))
	f.Add("../x", "a\nb", "", "", "x", "x", "y", int64(5))
	f.Add("a (id-2).png", "a.png", "a.png", "image/png", "id-1", "id-2xxxxxx", "id-2xxxxxy", int64(-3))
	f.Add(strings.Repeat("é", 200), "id-1.png", ".by-id", "video/quicktime", "id-1", "", "..", int64(1))
	f.Fuzz(func(t *testing.T, d1, d2, d3, mime, id1, id2, id3 string, skew int64) {
		as := []api.Asset{
			asset(id1, d1, mime, 0),
			asset(id2, d2, "image/png", int(skew%7)),
			asset(id3, d3, mime, int(skew%3)),
			asset(id1+"x", d1, "", 1),
		}
		checkNames(t, AssetNames(as))
		// The same descriptions as hosted names and as names kept on
		// this machine.
		as[1].ImageURL, as[2].Description = hostedURL(d3), ""
		checkNames(t, assetNames(as, func(id string) string {
			if id == id1 {
				return d2
			}
			return ""
		}))
	})
}
