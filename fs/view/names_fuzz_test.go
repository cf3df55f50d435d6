package view

import (
	"slices"
	"testing"

	"github.com/kreafs/kreafs/api"
)

// FuzzStyleNames: whatever titles, ids and times the API sends, every
// style gets one usable, unique name, no title shadows another style's id
// (styles/<id> must keep meaning that style), and the names do not depend
// on the order of the listing.
func FuzzStyleNames(f *testing.F) {
	f.Add("Portrait", "Portrait", "", "s-1", "s-2", "s-3", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", true)
	f.Add("s-2", "../x", "a\nb", "s-1", "s-2", "s-2", "garbage", "", false)
	f.Add(".by-id", ".", "..", "", "..", ".by-id", "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z", true)
	f.Fuzz(func(t *testing.T, t1, t2, t3, id1, id2, id3, c1, c2 string, nilTitle bool) {
		str := func(s string) *string { return &s }
		styles := []api.Style{
			{ID: id1, Title: str(t1), CreatedAt: c1},
			{ID: id2, Title: str(t2), CreatedAt: c2},
			{ID: id3, Title: str(t3), CreatedAt: c1},
			{ID: id1 + id2, Title: str(t1), CreatedAt: c2},
		}
		if nilTitle {
			styles[2].Title = nil
		}
		names := StyleNames(styles)
		checkNames(t, names)
		ids := map[string]bool{}
		for _, s := range styles {
			ids[s.ID] = true
		}
		for i, n := range names {
			if ids[n] && n != styles[i].ID {
				t.Errorf("style %q is named %q, the id of another style", styles[i].ID, n)
			}
		}
		// The same styles in reverse order get the same names.
		rev := slices.Clone(styles)
		slices.Reverse(rev)
		revNames := StyleNames(rev)
		slices.Reverse(revNames)
		if !slices.Equal(names, revNames) && distinctIDs(styles) {
			t.Errorf("names depend on the listing order: %q vs %q", names, revNames)
		}
	})
}

func distinctIDs(styles []api.Style) bool {
	seen := map[string]bool{}
	for _, s := range styles {
		if seen[s.ID] {
			return false
		}
		seen[s.ID] = true
	}
	return true
}

// FuzzMediaExt: the extension of a downloaded file (job result, style
// image) is 1 to 10 lowercase ASCII letters or digits whatever the URL and
// Content-Type, so "result-<n>.<ext>" is always a usable name.
func FuzzMediaExt(f *testing.F) {
	f.Add("https://h/x/img.PNG?sig=1", "")
	f.Add("https://h/x/noext", "image/webp; charset=x")
	f.Add("::bad url::", "../../etc")
	f.Add("https://h/a.b/c.", "")
	f.Fuzz(func(t *testing.T, u, ct string) {
		ext := MediaExt(u, ct)
		if ext == "" || len(ext) > 10 {
			t.Fatalf("MediaExt(%q, %q) = %q", u, ct, ext)
		}
		for _, c := range ext {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				t.Fatalf("MediaExt(%q, %q) = %q: not lowercase alphanumeric", u, ct, ext)
			}
		}
		if n := ResultName(7, ext); !UsableName(n) {
			t.Fatalf("result name %q is not usable", n)
		}
	})
}

// FuzzClassifyName: the temp/junk classification of a name never panics
// and HoldName agrees with it.
func FuzzClassifyName(f *testing.F) {
	for _, s := range []string{"photo.png", ".photo.png.XXXXXX", "a.part", "x.crdownload", ".DS_Store", "._x", "#a#", "a~", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		k := ClassifyName(name)
		if HoldName(name) != (k != FinalName) {
			t.Fatalf("HoldName(%q) disagrees with ClassifyName = %v", name, k)
		}
		_ = k.String()
	})
}
