package fs

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/writeback"
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
			if got := wantedName(&a, tc.kept); got != tc.want {
				t.Errorf("wantedName(desc %q, hosted %q, kept %q) = %q, want %q", tc.desc, tc.hosted, tc.kept, got, tc.want)
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

func TestUploadDiffFields(t *testing.T) {
	f := func(n float64) *float64 { return &n }
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		story    string
		sentSize int64
		sentMIME string
		size     *float64
		mime     *string
		differs  bool
	}{
		{"same size and type", 10, "image/png", f(10), s("image/png"), false},
		{"server says nothing", 10, "image/png", nil, nil, false},
		{"other size", 10, "image/png", f(9), s("image/png"), true},
		{"converted to another type", 10, "image/heic", f(10), s("image/jpeg"), true},
		{"heic and heif are one type", 10, "image/heic", f(10), s("image/heif"), false},
		{"a sent type kreafs does not know is not compared", 10, "application/octet-stream", f(10), s("image/png"), false},
	} {
		a := api.Asset{ID: "x", SizeBytes: tc.size, MIMEType: tc.mime}
		if got := diffFields(tc.sentSize, tc.sentMIME, &a); (got != nil) != tc.differs {
			t.Errorf("%s: diff = %v, want differs=%v", tc.story, got, tc.differs)
		}
	}
}

func TestAnUploadTheServerChangedIsNotServedFromTheLocalCopy(t *testing.T) {
	store, err := cache.Open(cache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	spool := filepath.Join(t.TempDir(), "spool")
	data := pngBytes()
	if err := os.WriteFile(spool, data, 0o600); err != nil {
		t.Fatal(err)
	}
	it := writeback.Item{ID: "item1", Name: "photo.png", Spool: spool}
	f := func(n int) *float64 { v := float64(n); return &v }
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		story string
		size  *float64
		mime  *string
		kept  bool
		warn  string
	}{
		{"as sent: the upload's bytes are the asset's", f(len(data)), s("image/png"), true, ""},
		{"the server says nothing: kept", nil, nil, true, ""},
		{"another size: the server's bytes", f(len(data) - 1), s("image/png"), false, "got_size"},
		{"another type: the server's bytes", f(len(data)), s("image/jpeg"), false, "got_type"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			id := strings.ReplaceAll(tc.story, " ", "-")
			var buf bytes.Buffer
			log := logrus.New()
			log.SetOutput(&buf)
			a := &api.Asset{ID: id, SizeBytes: tc.size, MIMEType: tc.mime}
			ImportUploaded(store, it, a, log)
			n, complete := store.Has(contentKey(id))
			if got := n == int64(len(data)) && complete; got != tc.kept {
				t.Errorf("content cached: %v (%d bytes), want %v", got, n, tc.kept)
			}
			warns := strings.Count(buf.String(), "level=warning")
			switch {
			case tc.warn == "" && warns != 0:
				t.Errorf("warned for an upload as sent:\n%s", buf.String())
			case tc.warn != "" && (warns != 1 || !strings.Contains(buf.String(), tc.warn) || !strings.Contains(buf.String(), id) || !strings.Contains(buf.String(), "photo.png")):
				t.Errorf("want one warning with %s, the id and the name:\n%s", tc.warn, buf.String())
			}
		})
	}
}
