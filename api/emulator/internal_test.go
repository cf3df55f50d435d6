package emulator

import (
	"bytes"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator/internal/media"
	"github.com/kreafs/kreafs/api/emulator/internal/seedmix"
)

func TestSyntheticMediaIsWhatItClaims(t *testing.T) {
	for _, jpg := range []bool{false, true} {
		for _, d := range seedmix.Dims {
			a, b := media.StampedImage(jpg, d[0], d[1], 1), media.StampedImage(jpg, d[0], d[1], 2)
			if bytes.Equal(a, b) {
				t.Errorf("stamped images of different seeds are equal")
			}
			if int64(len(a)) != media.StampedSize(jpg, d[0], d[1]) {
				t.Errorf("stampedSize = %d, image is %d bytes", media.StampedSize(jpg, d[0], d[1]), len(a))
			}
			img, format, err := image.Decode(bytes.NewReader(a))
			if err != nil {
				t.Fatalf("stamped %v %v does not decode: %v", jpg, d, err)
			}
			if img.Bounds().Dx() != d[0] || img.Bounds().Dy() != d[1] {
				t.Errorf("%s is %v, want %v", format, img.Bounds(), d)
			}
		}
	}
	if m, ok := api.SniffMedia(media.GLB(3)); !ok || m != "model/gltf-binary" {
		t.Errorf("glb sniffs as %s", m)
	}
	if len(media.GLB(1)) != len(media.GLB(1234567)) {
		t.Errorf("glb size depends on the seed")
	}
	for _, name := range []string{"sample.mp4", "sample.mov", "sample.webm", "sample.mp3", "sample.webp"} {
		if m, ok := api.SniffMedia(sample(name)); !ok || m != media.MIMEForExt(name) {
			t.Errorf("%s sniffs as %s, %v", name, m, ok)
		}
	}
}

func TestFormatUUID(t *testing.T) {
	got := formatUUID(0xffffffffffffffff, 0xffffffffffffffff)
	if got != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Errorf("formatUUID = %s", got)
	}
}

// The embedded samples are real media: ffprobe finds a stream in each.
func TestSamplesArePlayable(t *testing.T) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not installed")
	}
	dir := t.TempDir()
	for _, name := range []string{"sample.mp4", "sample.mov", "sample.webm", "sample.mp3", "sample.webp"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, sample(name), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", p).CombinedOutput()
		kind := strings.TrimSpace(string(out))
		if err != nil || (kind != "video" && kind != "audio") {
			t.Errorf("ffprobe %s: %v: %q", name, err, out)
		}
	}
}
