//go:build linux

package integration

// Test data and helpers of the write tests (writes_test.go): a small real
// file of every type Krea accepts, a proxy that refuses uploads like the
// API does, and the upload queue's status file.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// sample is one accepted type: a file name and real content.
type sample struct {
	name string
	mime string // what the API reports
	data []byte
}

// acceptedSamples is a small real file of each type Krea accepts: PNG,
// JPEG, WAV and GLB made here; MP4, MOV, WebM, MP3 and WebP are the
// emulator's ffmpeg-made samples (api/emulator/testdata); HEIC is
// testdata/sample.heic (made with heif-enc from libheif-examples:
// `heif-enc -q 30 -o sample.heic gradient.png` of a 64x64 gradient).
func acceptedSamples(t testing.TB) []sample {
	t.Helper()
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("sample %s: %v", path, err)
		}
		return b
	}
	emuData := filepath.Join("..", "api", "emulator", "testdata")
	return []sample{
		{"photo.png", "image/png", makePNG(1, 32, 24)},
		{"photo.jpg", "image/jpeg", makeJPEG(2, 32, 24)},
		{"voice.wav", "audio/wav", makeWAV(3, 20000)},
		{"model.glb", "model/gltf-binary", emulator.SampleGLB(1)},
		{"clip.mp4", "video/mp4", read(filepath.Join(emuData, "sample.mp4"))},
		{"clip.mov", "video/quicktime", read(filepath.Join(emuData, "sample.mov"))},
		{"clip.webm", "video/webm", read(filepath.Join(emuData, "sample.webm"))},
		{"tone.mp3", "audio/mpeg", read(filepath.Join(emuData, "sample.mp3"))},
		{"still.webp", "image/webp", read(filepath.Join(emuData, "sample.webp"))},
		{"phone.heic", "image/heic", read(filepath.Join("testdata", "sample.heic"))},
	}
}

// makeJPEG is a small valid JPEG whose pixels depend on seed.
func makeJPEG(seed uint64, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x*8) ^ uint8(seed), uint8(y * 8), uint8(seed * 40), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// writeWAVFile writes a WAV of exactly size bytes to a temp file without
// holding it in memory.
func writeWAVFile(t testing.TB, name string, size int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := makeWAV(5, 1<<20)
	binary.LittleEndian.PutUint32(head[4:], uint32(size-8))
	binary.LittleEndian.PutUint32(head[40:], uint32(size-44))
	if _, err := f.Write(head); err != nil {
		t.Fatal(err)
	}
	chunk := head[44:]
	for written := len(head); written < size; {
		n := min(len(chunk), size-written)
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatal(err)
		}
		written += n
	}
	return p
}

// assetsNamed lists the account's assets whose description is desc.
func (e *Emulator) assetsNamed(desc string) []api.Asset {
	var out []api.Asset
	for _, a := range e.Assets() {
		if a.Description == desc {
			out = append(out, a)
		}
	}
	return out
}

// descriptions counts the account's assets by description.
func (e *Emulator) descriptions() map[string]int {
	out := map[string]int{}
	for _, a := range e.Assets() {
		out[a.Description]++
	}
	return out
}

// statusFile is MOUNT/.kreafs/uploads.
func (m *Mount) statusFile(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(m.Path(".kreafs", "uploads"))
	if err != nil {
		t.Fatalf("reading the status file: %v", err)
	}
	return string(b)
}

// refusingProxy stands between kreafs and the emulator's API and, while
// refusing, answers POST /assets with the given status and error, as
// Krea does for a refused upload (402 insufficient credits, 400 ...),
// after reading the body.
type refusingProxy struct {
	*httptest.Server
	status  atomic.Int32 // 0: pass everything through
	message atomic.Pointer[string]
	refused atomic.Int32 // uploads refused so far
}

func startRefusingProxy(t testing.TB, emu *Emulator) *refusingProxy {
	t.Helper()
	target, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := &refusingProxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := p.status.Load(); st != 0 && r.Method == http.MethodPost && r.URL.Path == "/assets" {
			_, _ = io.Copy(io.Discard, r.Body)
			p.refused.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(int(st))
			fmt.Fprintf(w, `{"error":%q}`, *p.message.Load())
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *refusingProxy) refuse(status int, message string) {
	p.message.Store(&message)
	p.status.Store(int32(status))
}

// vmHWM is the peak resident memory of process pid, in bytes.
func vmHWM(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				t.Fatalf("parsing %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
