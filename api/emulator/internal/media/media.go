package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"sync"
)

// maxPixels caps generated images (an enhance request may ask for
// 10000x10000); larger requests are scaled down keeping the aspect ratio.
const maxPixels = 4096 * 4096

func ClampDims(w, h int) (int, int) {
	if w < 1 {
		w = 1
	}
	if h < 1 {
		h = 1
	}
	if px := float64(w) * float64(h); px > maxPixels {
		f := math.Sqrt(maxPixels / px)
		w, h = max(1, int(float64(w)*f)), max(1, int(float64(h)*f))
	}
	return w, h
}

// gradient draws a cheap, seed-tinted gradient of w x h.
func gradient(w, h int, seed uint64) *image.RGBA {
	w, h = ClampDims(w, h)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	b := uint8(seed * 97)
	rowR := make([]uint8, w)
	for x := range w {
		rowR[x] = uint8(x * 255 / max(1, w-1))
	}
	for y := range h {
		g := uint8(y * 255 / max(1, h-1))
		p := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			p[4*x] = rowR[x]
			p[4*x+1] = g
			p[4*x+2] = b
			p[4*x+3] = 0xff
		}
	}
	return img
}

// PNG is a w x h PNG.
func PNG(w, h int, seed uint64) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, gradient(w, h, seed)); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return buf.Bytes()
}

// JPEG is a w x h JPEG.
func JPEG(w, h int, seed uint64) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gradient(w, h, seed), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Stamped images: seeded assets are a gradient template of one of a few
// sizes plus a fixed-length, seed-specific comment (a PNG tEXt chunk, a
// JPEG COM segment). Every seeded image thus has distinct bytes, its size is
// known without encoding it again, and nothing is written to disk: seeding
// thousands of assets costs a few template encodes.

// stampLen is the length of the seed stamp text.
const stampLen = 28

func stampText(seed uint64) []byte {
	return fmt.Appendf(nil, "kreafs-emulator-seed-%07d", seed%10_000_000)
}

var (
	tmplMu    sync.Mutex
	templates = map[[3]int][]byte{} // {kind 0 png / 1 jpeg, w, h} -> encoded gradient
)

func template(jpg bool, w, h int) []byte {
	k := [3]int{0, w, h}
	if jpg {
		k[0] = 1
	}
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if b, ok := templates[k]; ok {
		return b
	}
	var b []byte
	if jpg {
		b = JPEG(w, h, 7)
	} else {
		b = PNG(w, h, 7)
	}
	templates[k] = b
	return b
}

// StampedSize is the size of StampedImage(jpg, w, h, any seed).
func StampedSize(jpg bool, w, h int) int64 {
	n := int64(len(template(jpg, w, h)))
	if jpg {
		return n + 4 + stampLen // FF FE, length, text
	}
	return n + 12 + int64(len("Comment")+1) + stampLen // length, type, keyword NUL text, crc
}

// StampedImage is the template with the seed's stamp inserted after the PNG
// IHDR chunk or the JPEG SOI marker.
func StampedImage(jpg bool, w, h int, seed uint64) []byte {
	t := template(jpg, w, h)
	text := stampText(seed)
	var out []byte
	if jpg {
		out = make([]byte, 0, len(t)+4+stampLen)
		out = append(out, t[:2]...) // SOI
		out = append(out, 0xff, 0xfe)
		out = binary.BigEndian.AppendUint16(out, uint16(2+len(text)))
		out = append(out, text...)
		return append(out, t[2:]...)
	}
	const ihdrEnd = 8 + 8 + 13 + 4 // signature, IHDR length+type, data, crc
	data := append([]byte("Comment\x00"), text...)
	out = make([]byte, 0, len(t)+12+len(data))
	out = append(out, t[:ihdrEnd]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	chunk := append([]byte("tEXt"), data...)
	out = append(out, chunk...)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
	return append(out, t[ihdrEnd:]...)
}

// GLB is a minimal valid glTF 2.0 binary (an empty scene); its size
// does not depend on seed.
func GLB(seed uint64) []byte {
	js := []byte(`{"asset":{"version":"2.0","generator":"` + string(stampText(seed)) + `"},"scenes":[{"nodes":[]}],"scene":0}`)
	for len(js)%4 != 0 {
		js = append(js, ' ')
	}
	total := 12 + 8 + len(js)
	out := make([]byte, 0, total)
	out = append(out, "glTF"...)
	out = binary.LittleEndian.AppendUint32(out, 2)
	out = binary.LittleEndian.AppendUint32(out, uint32(total))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(js)))
	out = append(out, "JSON"...)
	return append(out, js...)
}

// wavHeaderLen is the size of the canonical 44-byte PCM WAV header.
const wavHeaderLen = 44

// minWAV is the smallest synthetic WAV (header plus one sample).
const minWAV = wavHeaderLen + 2

// WAV is a synthetic 16-bit mono 44.1 kHz PCM WAV of an exact (even)
// size, computed on the fly: any size costs no disk and no memory. Its
// samples are a tone whose period depends on the seed, so content is
// deterministic.
type WAV struct {
	size   int64
	header [wavHeaderLen]byte
	period []byte // one period of samples, little endian
}

func NewWAV(size int64, seed uint64) *WAV {
	size = max(size, minWAV) &^ 1
	f := &WAV{size: size}
	h := f.header[:0]
	data := uint32(size - wavHeaderLen)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(size-8))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, 1) // mono
	h = binary.LittleEndian.AppendUint32(h, 44100)
	h = binary.LittleEndian.AppendUint32(h, 44100*2)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	binary.LittleEndian.AppendUint32(h, data)
	n := 50 + int(seed%200) // samples per period: 220..882 Hz
	f.period = make([]byte, 2*n)
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*float64(i)/float64(n)))
		binary.LittleEndian.PutUint16(f.period[2*i:], uint16(v))
	}
	return f
}

// Size is the WAV's size in bytes.
func (f *WAV) Size() int64 { return f.size }

// ReadAt implements io.ReaderAt.
func (f *WAV) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < f.size {
		if off < wavHeaderLen {
			c := copy(p[n:], f.header[off:])
			n += c
			off += int64(c)
			continue
		}
		i := (off - wavHeaderLen) % int64(len(f.period))
		c := copy(p[n:], f.period[i:])
		if rem := f.size - off; int64(c) > rem {
			c = int(rem)
		}
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// MIMEForExt gives the Content-Type the files origin sends for a key.
func MIMEForExt(key string) string {
	switch strings.ToLower(strings.TrimPrefix(path.Ext(key), ".")) {
	case "png":
		return "image/png"
	case "jpg", "jpeg":
		return "image/jpeg"
	case "webp":
		return "image/webp"
	case "heic":
		return "image/heic"
	case "mp4":
		return "video/mp4"
	case "mov":
		return "video/quicktime"
	case "webm":
		return "video/webm"
	case "wav":
		return "audio/wav"
	case "mp3":
		return "audio/mpeg"
	case "glb":
		return "model/gltf-binary"
	}
	return "application/octet-stream"
}

// ImageDims reads width and height of a PNG or JPEG (nil when unknown).
func ImageDims(head io.Reader) (w, h *float64) {
	cfg, _, err := image.DecodeConfig(head)
	if err != nil {
		return nil, nil
	}
	fw, fh := float64(cfg.Width), float64(cfg.Height)
	return &fw, &fh
}

// RequestedSize reads width/height, else aspect_ratio and resolution
// ("1K", "2K", "4K": the long side), else 1024x1024.
func RequestedSize(body map[string]any) (int, int) {
	w, wok := body["width"].(float64)
	h, hok := body["height"].(float64)
	if wok && hok && w >= 1 && h >= 1 {
		return ClampDims(int(math.Round(w)), int(math.Round(h)))
	}
	long := 1024
	switch body["resolution"] {
	case "2K":
		long = 2048
	case "4K":
		long = 4096
	}
	ar, _ := body["aspect_ratio"].(string)
	a, b, ok := strings.Cut(ar, ":")
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if !ok || err1 != nil || err2 != nil || x <= 0 || y <= 0 {
		if wok && w >= 1 {
			return ClampDims(int(w), int(w))
		}
		return long, long
	}
	if x >= y {
		return ClampDims(long, int(math.Round(float64(long)*y/x)))
	}
	return ClampDims(int(math.Round(float64(long)*x/y)), long)
}
