package view

import (
	"net/url"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestFileLikeTellsNamesFromProse(t *testing.T) {
	for _, tc := range []struct {
		desc string
		name bool
	}{
		{"IMG_0001", true},
		{"movie.m4v", true},
		{"scan.jpeg.bak", true},
		{"holiday.png", true},
		{"café-写真", true},
		{".hidden", true},
		{"my holiday.jpeg.bak", true},
		{"notes v2.TXT", true},
		{"Screenshot 2024-01-01 at 10.30.45.png", true},
		{"a cat on a mat", false},
		{"Krea 1.5", false},
		{"sample 0002", false},
		{"v1.0 final draft", false},
		{"a photo.", false},
		{"tab\tseparated", false},
		{"no\u00a0break", false}, // U+00A0 is whitespace too
	} {
		if got := fileLike(tc.desc); got != tc.name {
			t.Errorf("fileLike(%q) = %v, want %v", tc.desc, got, tc.name)
		}
	}
}

// hostedURL is a hosted URL of the documented shape for name.
func hostedURL(name string) string {
	return "https://app-uploads.krea.ai/3f0c8a1e-2b4d-4c6e-8f00-112233445566/1733370000123-" + url.PathEscape(name)
}

func TestWantedNameOrder(t *testing.T) {
	for _, tc := range []struct {
		story  string
		desc   string
		hosted string // original name in the hosted URL ("" : an id-named URL)
		kept   string
		want   string
	}{
		{"the name kept on this machine wins over everything", "other.png", "x.png", "holiday.png", "holiday.png"},
		{"a kept name wins when the description is not echoed", "", "", "holiday.png", "holiday.png"},
		{"an unusable kept name is ignored", "d.png", "", "a/b", "d.png"},
		{"no description: the hosted original name", "", "holiday.png", "", "holiday.png"},
		{"no description: a hosted name without extension stays", "", "IMG_0001", "", "IMG_0001"},
		{"no description and no hosted name: the id", "", "", "", "id1.png"},
		{"prose equal to the hosted name is a file name", "my photo", "my photo", "", "my photo"},
		{"prose that differs from the hosted name gets the extension", "a cat on a mat", "upload.png", "", "a cat on a mat.png"},
		{"a file-like description wins over the hosted name", "IMG_0001", "IMG_0001.jpg", "", "IMG_0001"},
		{"a hostile description falls back to the hosted name", "../x", "x.png", "", "x.png"},
		{"an unusable hosted name falls back to the id", "", "a/b.png", "", "id1.png"},
		{"a reserved hosted name falls back to the id", "", ".by-id", "", "id1.png"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			a := asset("id1", tc.desc, "image/png", 0)
			a.ImageURL = "https://files.example/a/id1.png"
			if tc.hosted != "" {
				a.ImageURL = hostedURL(tc.hosted)
			}
			if got := WantedName(&a, tc.kept); got != tc.want {
				t.Errorf("WantedName(desc %q, hosted %q, kept %q) = %q, want %q", tc.desc, tc.hosted, tc.kept, got, tc.want)
			}
		})
	}
}

func TestKeptNamesCollideLikeDescriptions(t *testing.T) {
	// A kept name equal to an older asset's description: the older keeps it.
	as := []api.Asset{asset("old", "photo.png", "image/png", 1), asset("new", "", "image/png", 2)}
	got := assetNames(as, func(id string) string {
		if id == "new" {
			return "photo.png"
		}
		return ""
	})
	if got[0] != "photo.png" || got[1] != "photo (new).png" {
		t.Fatalf("names = %q, want photo.png and photo (new).png", got)
	}
	checkNames(t, got)
}
