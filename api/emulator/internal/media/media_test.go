package media

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestRequestedSize(t *testing.T) {
	tests := []struct {
		body map[string]any
		w, h int
	}{
		{map[string]any{}, 1024, 1024},
		{map[string]any{"width": 600.0, "height": 520.0}, 600, 520},
		{map[string]any{"aspect_ratio": "16:9"}, 1024, 576},
		{map[string]any{"aspect_ratio": "9:16", "resolution": "2K"}, 1152, 2048},
		{map[string]any{"aspect_ratio": "1:1", "resolution": "4K"}, 4096, 4096},
		{map[string]any{"aspect_ratio": "1280:720"}, 1024, 576},
		{map[string]any{"aspect_ratio": "nonsense"}, 1024, 1024},
		{map[string]any{"width": 10000.0, "height": 10000.0}, 4096, 4096},
	}
	for _, tc := range tests {
		w, h := RequestedSize(tc.body)
		if w != tc.w || h != tc.h {
			t.Errorf("RequestedSize(%v) = %dx%d, want %dx%d", tc.body, w, h, tc.w, tc.h)
		}
	}
}

func TestWAVReadsConsistently(t *testing.T) {
	for _, size := range []int64{minWAV, 1001, 100_000, 3 << 20} {
		w := NewWAV(size, 9)
		whole, err := io.ReadAll(io.NewSectionReader(w, 0, w.size))
		if err != nil || int64(len(whole)) != w.size || w.size%2 != 0 || w.size < size-1 {
			t.Fatalf("size %d: read %d bytes (size %d), %v", size, len(whole), w.size, err)
		}
		if string(whole[:4]) != "RIFF" || string(whole[8:16]) != "WAVEfmt " ||
			int64(binary.LittleEndian.Uint32(whole[40:44])) != w.size-wavHeaderLen {
			t.Fatalf("size %d: bad header % x", size, whole[:44])
		}
		if m, ok := api.SniffMedia(whole[:min(len(whole), api.SniffLen)]); !ok || m != "audio/wav" {
			t.Fatalf("sniffs as %s", m)
		}
		// Any range reads the same bytes as the whole.
		for _, r := range [][2]int64{{0, 10}, {40, 10}, {43, 300}, {w.size - 3, 3}, {w.size / 2, w.size / 3}} {
			if r[0]+r[1] > w.size {
				continue
			}
			buf := make([]byte, r[1])
			n, err := w.ReadAt(buf, r[0])
			if int64(n) != r[1] || (err != nil && err != io.EOF) || !bytes.Equal(buf, whole[r[0]:r[0]+r[1]]) {
				t.Fatalf("size %d: ReadAt(%d, %d) = %d, %v; differs from the whole", size, r[0], r[1], n, err)
			}
		}
	}
}
