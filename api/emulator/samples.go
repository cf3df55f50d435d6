package emulator

import (
	"embed"

	"github.com/kreafs/kreafs/api/emulator/internal/media"
)

// Small real media files made with ffmpeg (see testdata/README.md): served
// as video results and used as seeded assets.
//
//go:embed testdata/sample.mp4 testdata/sample.mov testdata/sample.webm testdata/sample.mp3 testdata/sample.webp
var samples embed.FS

func sample(name string) []byte {
	b, err := samples.ReadFile("testdata/" + name)
	if err != nil {
		panic("emulator: missing embedded sample " + name) // a build error, not a runtime one
	}
	return b
}

// SampleGLB is a minimal valid glTF 2.0 binary (an empty scene), as the
// emulator serves: for tests that need a 3D model file.
func SampleGLB(seed uint64) []byte { return media.GLB(seed) }
