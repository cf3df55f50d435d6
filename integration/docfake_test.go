//go:build linux

package integration

// Tests against integration/docfake, a second fake Krea API written from
// Krea's documented examples alone: the real binary mounts it through
// KREA_API_URL like a real account, and real programs check what a user
// sees. Unlike api/emulator, the fake was not written together with the
// client, so these tests catch the two agreeing on something Krea does not
// document.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/integration/docfake"
)

const docFakeToken = "krea-docfake-token-7f3a9c"

// startDocFake starts a fake Krea API that the test closes at its end
// (after any mount of it, since cleanups run last-in first-out).
func startDocFake(t testing.TB) *docfake.Server {
	t.Helper()
	requireFUSE(t)
	f := docfake.New(docFakeToken)
	t.Cleanup(f.Close)
	return f
}

// mountDocFake mounts the real binary on f as on a real account
// (KREA_API_URL and KREA_API_TOKEN). o.Flags, o.CacheDir are honoured.
func mountDocFake(t testing.TB, f *docfake.Server, o mountOpts) *Mount {
	t.Helper()
	o.Token = docFakeToken
	o.Env = append(o.Env, "KREA_API_URL="+f.URL())
	return mountWith(t, nil, o)
}

func TestAgainstDocumentedKreaLsAndCatShowEveryAssetWithItsBytes(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	tie := base.Add(time.Minute) // three assets share this millisecond
	sunset := f.AddAsset(docfake.AssetSeed{
		Data: makePNG(1, 16, 9), MimeType: "image/png", Description: docfake.Str("sunset.png"),
		UploadedAt: tie, Metadata: json.RawMessage(`{"prompt":"a sunset","seed":7}`),
		HostedName: "IMG_0001.png",
	})
	// No description, null width and height, metadata null: the hosted
	// URL carries the name it was uploaded under.
	beach := f.AddAsset(docfake.AssetSeed{
		Data: makePNG(2, 8, 8), MimeType: "image/png", HostedName: "beach.png",
		UploadedAt: tie, NullDims: true,
	})
	// description null, mime_type and size_bytes null, metadata a string,
	// hosted under a job-result URL (no original name in it).
	bare := f.AddAsset(docfake.AssetSeed{
		Data: makePNG(3, 5, 7), DescriptionNull: true, NullSize: true,
		UploadedAt: tie, Metadata: json.RawMessage(`"imported"`),
	})
	wav := f.AddAsset(docfake.AssetSeed{
		Data: makeWAV(4, 3000), MimeType: "audio/wav", Description: docfake.Str("bird song"), // prose: gets the extension of its type
		UploadedAt: base, Metadata: json.RawMessage(`[1,2,3]`),
	})
	m := mountDocFake(t, f, mountOpts{})

	names := lsNames(t, m.Path("assets"))
	if len(names) != 4 {
		t.Fatalf("ls assets/: %q, want 4 names (one per asset on the server)", names)
	}
	want := map[string]docfake.Asset{"sunset.png": sunset, "beach.png": beach, "bird song.wav": wav}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("ls assets/: %q lacks %q", names, name)
		}
	}
	// The asset with neither description nor MIME type nor an original
	// name is still listed, under its id.
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, bare.ID) }) {
		t.Errorf("ls assets/: %q has no name for asset %s (null description, type and size)", names, bare.ID)
	}
	for name, a := range want {
		if got := run(t, "cat", m.Path("assets", name)); got != string(a.Data) {
			t.Errorf("cat assets/%s: %d bytes differ from the %d bytes the server hosts", name, len(got), len(a.Data))
		}
	}
	for _, a := range []docfake.Asset{sunset, beach, bare, wav} {
		if got := run(t, "cat", m.Path("assets", ".by-id", a.ID)); got != string(a.Data) {
			t.Errorf("cat assets/.by-id/%s: %d bytes, want the %d hosted bytes", a.ID, len(got), len(a.Data))
		}
	}
	// A null size_bytes is no excuse for a wrong size once read.
	if out := strings.TrimSpace(run(t, "stat", "-c", "%s", m.Path("assets", ".by-id", bare.ID))); out != fmt.Sprint(len(bare.Data)) {
		t.Errorf("stat size of the asset with size_bytes null after reading it: %s, want %d", out, len(bare.Data))
	}
	if n := f.FileRequestsWithAuth(); n != 0 {
		t.Errorf("%d requests to the file host carried an Authorization header", n)
	}
}

func TestAgainstDocumentedKreaAssetsSharingAMillisecondAtAPageBoundaryAreEachListedOnce(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	// 1,010 assets, newest first: 995 with their own millisecond, then 15
	// sharing one. Pages of 1,000 end in the middle of the shared
	// millisecond, and a plain "created before T" cursor cannot resume
	// inside it.
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Millisecond)
	shared := base
	wantNames := map[string]bool{}
	png := makePNG(1, 2, 2) // the same bytes for all: the names tell them apart
	for i := 0; i < 1010; i++ {
		at := shared
		if i < 995 {
			at = base.Add(time.Duration(1010-i) * time.Second)
		}
		name := fmt.Sprintf("a-%04d.png", i)
		wantNames[name] = true
		f.AddAsset(docfake.AssetSeed{
			Data: png, MimeType: "image/png", Description: docfake.Str(name), UploadedAt: at,
		})
	}
	m := mountDocFake(t, f, mountOpts{})
	names := lsNames(t, m.Path("assets"))
	seen := map[string]int{}
	for _, n := range names {
		seen[n]++
	}
	var missing, repeated []string
	for n := range wantNames {
		switch seen[n] {
		case 0:
			missing = append(missing, n)
		case 1:
		default:
			repeated = append(repeated, n)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 || len(repeated) > 0 || len(names) != len(wantNames) {
		t.Errorf("ls assets/: %d names for %d assets; missing %q; repeated %q", len(names), len(wantNames), missing, repeated)
	}
}

func TestAgainstDocumentedKreaCpKeepsTheFileNameThoughTheDescriptionIsNotEchoed(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--dir-cache-ttl", "1s", "--upload-delay", "0"}})
	data := makePNG(42, 32, 24)
	src := writeTemp(t, "holiday.png", data)
	run(t, "cp", src, m.Path("assets"))
	if _, stderr, err := runErr(t, "sync", m.Path("assets", "holiday.png")); err != nil {
		t.Errorf("sync assets/holiday.png right after cp (the upload starts at close): %v %s", err, stderr)
	}

	var up docfake.Asset
	if err := eventually(20*time.Second, func() error {
		as := f.Assets()
		if len(as) != 1 {
			return fmt.Errorf("%d assets on the server, want 1", len(as))
		}
		up = as[0]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if up.FileName != "holiday.png" {
		t.Errorf("the upload's file part is named %q, want \"holiday.png\"", up.FileName)
	}
	if !bytes.Equal(up.Data, data) || up.MimeType == nil || *up.MimeType != "image/png" {
		t.Errorf("the server holds %d bytes of type %v, want the %d PNG bytes copied in", len(up.Data), up.MimeType, len(data))
	}
	if !strings.HasSuffix(up.ImageURL, "-holiday.png") {
		t.Errorf("hosted URL %q is not of the documented shape", up.ImageURL)
	}

	// After the upload and listings that no longer carry the description
	// (the TTL is 1 s), the name stays.
	for i := 0; i < 3; i++ {
		time.Sleep(1200 * time.Millisecond)
		names := lsNames(t, m.Path("assets"))
		if !slices.Equal(names, []string{"holiday.png"}) {
			t.Fatalf("ls assets/ %d s after the upload: %q, want [holiday.png]", i+1, names)
		}
	}
	run(t, "cmp", src, m.Path("assets", "holiday.png"))

	// Remounted on the same cache dir: the same name.
	m.Stop()
	m2 := mountDocFake(t, f, mountOpts{CacheDir: m.CacheDir})
	if names := lsNames(t, m2.Path("assets")); !slices.Equal(names, []string{"holiday.png"}) {
		t.Errorf("ls assets/ after a remount on the same cache dir: %q, want [holiday.png]", names)
	}
	m2.Stop()
	// On a fresh cache dir (another machine): the name in the hosted URL.
	m3 := mountDocFake(t, f, mountOpts{})
	if names := lsNames(t, m3.Path("assets")); !slices.Equal(names, []string{"holiday.png"}) {
		t.Errorf("ls assets/ on a fresh cache dir: %q, want [holiday.png] from the hosted URL", names)
	}
	run(t, "cmp", src, m3.Path("assets", "holiday.png"))
}

func TestAgainstDocumentedKreaRmDeletesTheAssetOnTheServer(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	gone := f.AddAsset(docfake.AssetSeed{Data: makePNG(5, 4, 4), MimeType: "image/png", Description: docfake.Str("old.png")})
	kept := f.AddAsset(docfake.AssetSeed{Data: makePNG(6, 4, 4), MimeType: "image/png", Description: docfake.Str("keep.png")})
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--dir-cache-ttl", "1h"}})
	run(t, "rm", m.Path("assets", "old.png"))
	if _, ok := f.Asset(gone.ID); ok {
		t.Errorf("rm assets/old.png left asset %s on the server", gone.ID)
	}
	if _, ok := f.Asset(kept.ID); !ok {
		t.Errorf("rm assets/old.png deleted another asset")
	}
	if names := lsNames(t, m.Path("assets")); !slices.Equal(names, []string{"keep.png"}) {
		t.Errorf("ls assets/ after rm: %q, want [keep.png]", names)
	}
	if n := f.CountRequests("DELETE /assets/" + gone.ID); n != 1 {
		t.Errorf("%d DELETE requests for the removed asset, want 1", n)
	}
}

func TestAgainstDocumentedKreaARefusedUploadSaysWhyInEveryDocumentedErrorShape(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--upload-delay", "0"}})
	for i, tc := range []struct {
		status      int
		body, why   string
		errnoText   string
		description string
	}{
		{402, `{"error":"Insufficient credits"}`, "Insufficient credits", "Disk quota exceeded", "402 {error}"},
		{402, `{"message":"You have run out of credits, 3 needed"}`, "You have run out of credits, 3 needed", "Disk quota exceeded", "402 {message}"},
		{400, `{"detail":"Unsupported image dimensions"}`, "Unsupported image dimensions", "Invalid argument", "400 {detail: s}"},
		{422, `{"detail":[{"loc":["body","file"],"msg":"image is too small","type":"value_error"}]}`, "image is too small", "Invalid argument", "422 {detail: [...]}"},
	} {
		f.RefuseUploads(tc.status, tc.body)
		name := fmt.Sprintf("refused-%d.png", i)
		src := writeTemp(t, name, makePNG(uint64(100+i), 6, 6))
		run(t, "cp", src, m.Path("assets"))
		_, stderr, err := runErr(t, "sync", m.Path("assets", name))
		if err == nil || !strings.Contains(stderr, tc.errnoText) {
			t.Errorf("%s: sync of the refused upload: %v %q, want %q", tc.description, err, strings.TrimSpace(stderr), tc.errnoText)
		}
		if !slices.ContainsFunc(strings.Split(m.Stderr(), "\n"), func(l string) bool {
			return strings.Contains(l, name) && strings.Contains(l, tc.why)
		}) {
			t.Errorf("%s: no log line names %s with the server's reason %q", tc.description, name, tc.why)
		}
		// The file stays, with its bytes.
		run(t, "cmp", src, m.Path("assets", name))
	}
	if n := len(f.Assets()); n != 0 {
		t.Errorf("%d assets were created by refused uploads", n)
	}
}
