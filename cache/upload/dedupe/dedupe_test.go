package dedupe

import (
	"net/url"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func TestMatchUpload(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	size := func(n float64) *float64 { return &n }
	asset := func(id, name string, sz *float64, at time.Time) api.Asset {
		return api.Asset{ID: id, Description: name, SizeBytes: sz, UploadedAt: at}
	}
	hosted := func(id, name string, sz *float64, at time.Time) api.Asset {
		a := asset(id, "", sz, at)
		a.ImageURL = "https://app-uploads.krea.ai/3f0c8a1e-2b4d-4c6e-8f00-112233445566/1733370000123-" + url.PathEscape(name)
		return a
	}
	in := Attempt{Started: t0, Name: "a.png", Size: 10}
	for _, tc := range []struct {
		name    string
		assets  []api.Asset
		exclude map[string]bool
		want    string
	}{
		{"none", nil, nil, ""},
		{"exact", []api.Asset{asset("1", "a.png", size(10), t0.Add(time.Second))}, nil, "1"},
		{"other name", []api.Asset{asset("1", "b.png", size(10), t0.Add(time.Second))}, nil, ""},
		{"other size", []api.Asset{asset("1", "a.png", size(11), t0.Add(time.Second))}, nil, ""},
		{"size unknown", []api.Asset{asset("1", "a.png", nil, t0.Add(time.Second))}, nil, "1"},
		{"within skew before start", []api.Asset{asset("1", "a.png", size(10), t0.Add(-time.Minute))}, nil, "1"},
		{"older than skew", []api.Asset{asset("1", "a.png", size(10), t0.Add(-3*time.Minute))}, nil, ""},
		{"excluded (replaced or claimed)", []api.Asset{asset("1", "a.png", size(10), t0.Add(time.Second))}, map[string]bool{"1": true}, ""},
		{"earliest at/after start wins", []api.Asset{
			asset("late", "a.png", size(10), t0.Add(time.Hour)),
			asset("early", "a.png", size(10), t0.Add(time.Second)),
			asset("before", "a.png", size(10), t0.Add(-time.Second)),
		}, nil, "early"},
		{"latest before start if none after", []api.Asset{
			asset("b1", "a.png", size(10), t0.Add(-90*time.Second)),
			asset("b2", "a.png", size(10), t0.Add(-10*time.Second)),
		}, nil, "b2"},
		// Krea may not echo the description.
		{"no description: hosted URL carries the name", []api.Asset{hosted("1", "a.png", size(10), t0.Add(time.Second))}, nil, "1"},
		{"no description: hosted name and size unknown", []api.Asset{hosted("1", "a.png", nil, t0.Add(time.Second))}, nil, "1"},
		{"no description: hosted URL carries another name", []api.Asset{hosted("1", "b.png", size(10), t0.Add(time.Second))}, nil, ""},
		{"no description: hosted name, other size", []api.Asset{hosted("1", "a.png", size(11), t0.Add(time.Second))}, nil, ""},
		{"no name at all: the size ties it", []api.Asset{asset("1", "", size(10), t0.Add(time.Second))}, nil, "1"},
		{"no name at all: other size", []api.Asset{asset("1", "", size(11), t0.Add(time.Second))}, nil, ""},
		{"no name and no size: nothing ties it", []api.Asset{asset("1", "", nil, t0.Add(time.Second))}, nil, ""},
		{"no name at all: older than skew", []api.Asset{asset("1", "", size(10), t0.Add(-3*time.Minute))}, nil, ""},
		{"a named asset beats a closer unnamed one", []api.Asset{
			asset("unnamed", "", size(10), t0.Add(time.Second)),
			hosted("named", "a.png", size(10), t0.Add(time.Minute)),
		}, nil, "named"},
		{"another description is not ours even without a size", []api.Asset{asset("1", "b.png", nil, t0.Add(time.Second))}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := Match(tc.assets, in, tc.exclude, 2*time.Minute)
			id := ""
			if got != nil {
				id = got.ID
			}
			if id != tc.want {
				t.Fatalf("match = %q, want %q", id, tc.want)
			}
		})
	}
}

func TestHostedName(t *testing.T) {
	const dir = "https://app-uploads.krea.ai/3f0c8a1e-2b4d-4c6e-8f00-112233445566/"
	for _, tc := range []struct{ url, want string }{
		{dir + "1733370000123-holiday.png", "holiday.png"},
		{dir + "1733370000123-my%20holiday.jpeg.bak", "my holiday.jpeg.bak"},
		{dir + "1733370000123-a-b-c.png", "a-b-c.png"},
		{dir + "1733370000123-IMG_0001?x=1#y", "IMG_0001"},
		{dir + "1733370000123-a%2Fb.png", "a/b.png"}, // callers check usability
		{dir + "1733370000123-", ""},
		{dir + "holiday.png", ""},                   // no time prefix
		{dir + "17333x0000123-holiday.png", ""},     // not a number
		{dir + "12345678901234567-holiday.png", ""}, // too many digits
		{dir + "1733370000123-bad%zzescape", ""},
		{"https://files.example/a/3f0c8a1e-2b4d-4c6e-8f00-112233445566.png", ""}, // id-named file
		{"https://files.example/a/1733370000123-holiday.png", ""},                // no uuid before it
		{"https://app-uploads.krea.ai/public/1733370000123-image.png", ""},
		{"", ""},
		{"1733370000123-holiday.png", ""},
	} {
		if got := HostedName(tc.url); got != tc.want {
			t.Errorf("HostedName(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}
