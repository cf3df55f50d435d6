package upload

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

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
	it := queue.Item{ID: "item1", Name: "photo.png", Spool: spool}
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
			importUploaded(store, it, a, log)
			n, complete := store.Has(cache.AssetKey(id))
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

// pngBytes is a small valid PNG.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
