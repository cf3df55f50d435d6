package seedmix

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// Kinds is the cycle of seeded asset types (asset i gets
// Kinds[i%len(Kinds)]).
var Kinds = []string{"png", "jpeg", "png", "wav", "mp4", "jpeg", "webm", "mp3", "png", "glb", "mov", "webp"}

// WAVSizes is the cycle of seeded WAV sizes: computed on the fly, so
// large ones cost nothing.
var WAVSizes = []int64{16 << 10, 256 << 10, 2 << 20, 100_000}

// Dims are the sizes of seeded images (asset i of an image kind gets
// Dims[i%len(Dims)]).
var Dims = [][2]int{{64, 64}, {128, 96}, {96, 128}, {256, 256}, {320, 180}, {180, 320}, {48, 200}, {512, 384}}

// AssetTimes gives n seeded assets their upload times, newest first:
// runs of 1 to 7 assets share one millisecond (as a batch upload or a job
// with several results would), run r (0 = newest) r+1 minutes before base
// plus a few hundred milliseconds, so that timestamps show milliseconds.
// The run lengths come from their own fixed seed.
func AssetTimes(n int, base time.Time) []time.Time {
	rng := rand.New(rand.NewPCG(3, 4))
	out := make([]time.Time, 0, n)
	for r := 0; len(out) < n; r++ {
		t := base.Add(-time.Duration(r+1)*time.Minute + time.Duration((r*7919)%1000)*time.Millisecond)
		for k := 1 + rng.IntN(7); k > 0 && len(out) < n; k-- {
			out = append(out, t)
		}
	}
	return out
}

// Metadata is the cycle of seeded metadata: Krea documents the field as
// any JSON.
var Metadata = []json.RawMessage{
	json.RawMessage(`{"source":"upload"}`),
	nil, // null
	json.RawMessage(`"imported"`),
	json.RawMessage(`{}`),
	json.RawMessage(`{"tags":["a","b"],"origin":{"app":"krea","v":2}}`),
	json.RawMessage(`42`),
	json.RawMessage(`[1,"two",null]`),
}

// Description cycles through the naming cases the mount cares about:
// none (named by id), a file name with extension, one without, a sentence,
// and a name many assets share.
func Description(i int, ext string) string {
	switch i % 5 {
	case 1:
		return fmt.Sprintf("sample-%04d.%s", i, ext)
	case 2:
		return fmt.Sprintf("sample %04d", i)
	case 3:
		return fmt.Sprintf("Seeded asset %d: a synthetic %s", i, ext)
	case 4:
		return "duplicate." + ext
	}
	return ""
}

// Paths are the generate endpoints seeded jobs pretend to come from.
var Paths = []string{
	"/generate/image/bfl/flux-1-dev",
	"/generate/image/google/imagen-4",
	"/generate/video/kling/kling-2.1",
	"/generate/enhance/topaz/standard-enhance",
	"/generate/image/openai/gpt-image",
}
