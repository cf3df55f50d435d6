package emulator

import (
	"bytes"
	"encoding/binary"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func TestCursorWireForm(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   cursor
		hasCur bool
		bad    bool
		plain  bool // read as a plain Krea cursor (no TieBreakCursor)
	}{
		{name: "empty is the start", in: ""},
		{name: "plain RFC 3339", in: "2025-01-02T03:04:05Z", want: cursor{t: t0.Truncate(time.Second)}, hasCur: true},
		{name: "nanoseconds", in: "2025-01-02T03:04:05.123456789Z", want: cursor{t: t0}, hasCur: true},
		{name: "offset zone", in: "2025-01-02T04:04:05.123456789+01:00", want: cursor{t: t0}, hasCur: true},
		{name: "tie-breaker digits", in: "2025-01-02T03:04:05.12345678942Z", want: cursor{t: t0, seq: 42, hasSeq: true}, hasCur: true},
		{name: "tie-breaker digits ignored by a plain cursor", in: "2025-01-02T03:04:05.12345678942Z", want: cursor{t: t0}, hasCur: true, plain: true},
		{name: "milliseconds", in: "2025-01-02T03:04:05.123Z", want: cursor{t: t0.Truncate(time.Millisecond)}, hasCur: true, plain: true},
		{name: "trailing zeros are no tie-breaker", in: "2025-01-02T03:04:05.1234567890000Z", want: cursor{t: t0}, hasCur: true},
		{name: "garbage", in: "yesterday", bad: true},
		{name: "date only", in: "2025-01-02", bad: true},
		{name: "month 13", in: "2025-13-02T03:04:05Z", bad: true},
		{name: "unix seconds", in: "1735787045", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, has, err := parseCursor(tc.in, !tc.plain)
			if tc.bad {
				if err == nil {
					t.Fatalf("parseCursor(%q) = %+v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || has != tc.hasCur || !got.t.Equal(tc.want.t) || got.seq != tc.want.seq || got.hasSeq != tc.want.hasSeq {
				t.Fatalf("parseCursor(%q) = %+v, %v, %v; want %+v, %v", tc.in, got, has, err, tc.want, tc.hasCur)
			}
			if !has {
				return
			}
			// The wire form reads back to the same cursor (a plain one is
			// written to the millisecond, as every emulator timestamp is)
			// and is an instant Go's time.Parse agrees with.
			want := got
			if !got.hasSeq {
				want.t = got.t.Truncate(time.Millisecond)
				if w := got.String(); len(w) != len("2025-01-02T03:04:05.123Z") {
					t.Fatalf("plain cursor %q is not written with exactly milliseconds", w)
				}
			}
			back, _, err := parseCursor(got.String(), true)
			if err != nil || !back.t.Equal(want.t) || back.seq != want.seq || back.hasSeq != want.hasSeq {
				t.Fatalf("round trip of %q via %q = %+v, %v", tc.in, got.String(), back, err)
			}
			pt, err := time.Parse(time.RFC3339Nano, got.String())
			if err != nil || !pt.Equal(want.t) {
				t.Fatalf("time.Parse(%q) = %v, %v; want %v", got.String(), pt, err, want.t)
			}
		})
	}
}

type item struct {
	id  int
	key orderKey
}

func TestTieBreakPaginateNeitherSkipsNorRepeatsTies(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := []time.Duration{0, 0, 0, time.Second, time.Second, 2 * time.Second, 0, 0, 3 * time.Second, 3 * time.Second}
	var items []item
	for i, d := range at {
		x := item{id: i, key: orderKey{t: base.Add(d), seq: uint64(i + 1)}}
		items = insertSorted(items, x, func(x item) orderKey { return x.key })
	}
	for i := 1; i < len(items); i++ {
		if !items[i-1].key.before(items[i].key) {
			t.Fatalf("items not in list order at %d: %+v", i, items)
		}
	}
	keyOf := func(x item) orderKey { return x.key }
	filters := map[string]func(item) bool{
		"all":  nil,
		"even": func(x item) bool { return x.id%2 == 0 },
	}
	for fname, keep := range filters {
		var want []int
		for _, x := range items {
			if keep == nil || keep(x) {
				want = append(want, x.id)
			}
		}
		for limit := 1; limit <= len(items)+1; limit++ {
			var got []int
			cur, has := cursor{}, false
			for pages := 0; ; pages++ {
				if pages > len(items)+1 {
					t.Fatalf("%s/limit %d: pagination does not end", fname, limit)
				}
				page, next := paginate(items, keyOf, keep, cur, has, limit, true)
				if len(page) > limit {
					t.Fatalf("%s/limit %d: page of %d", fname, limit, len(page))
				}
				for _, x := range page {
					got = append(got, x.id)
				}
				if next == "" {
					break
				}
				var err error
				if cur, has, err = parseCursor(next, true); err != nil {
					t.Fatalf("next_cursor %q does not parse: %v", next, err)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s/limit %d: paged %v, want %v", fname, limit, got, want)
			}
		}
	}
}

// A plain cursor is "older than T": a page that ends inside a run of equal
// timestamps loses the rest of the run, and nothing is ever repeated.
func TestPlainCursorSkipsTheRestOfATieRun(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var items []item
	// Newest first: 1 at +3ms, 4 at +2ms, 2 at +1ms, 1 at +0ms.
	for i, ms := range []int{0, 1, 1, 2, 2, 2, 2, 3} {
		x := item{id: i, key: orderKey{t: base.Add(time.Duration(ms) * time.Millisecond), seq: uint64(i + 1)}}
		items = insertSorted(items, x, func(x item) orderKey { return x.key })
	}
	keyOf := func(x item) orderKey { return x.key }
	page := func(cur string, limit int) ([]int, string) {
		c, has, err := parseCursor(cur, false)
		if err != nil {
			t.Fatal(err)
		}
		p, next := paginate(items, keyOf, nil, c, has, limit, false)
		var ids []int
		for _, x := range p {
			ids = append(ids, x.id)
		}
		return ids, next
	}
	ids, next := page("", 3)
	if !slices.Equal(ids, []int{7, 6, 5}) || next != "2025-01-01T00:00:00.002Z" {
		t.Fatalf("first page %v, cursor %q", ids, next)
	}
	// Items 4 and 3 share +2ms with the cursor: a plain cursor skips them.
	ids, next = page(next, 3)
	if !slices.Equal(ids, []int{2, 1, 0}) || next != "" {
		t.Fatalf("second page %v, cursor %q; want the +1ms and +0ms items and no cursor", ids, next)
	}
	// A page holding a whole run moves on normally.
	ids, next = page("", 5)
	if !slices.Equal(ids, []int{7, 6, 5, 4, 3}) || next != "2025-01-01T00:00:00.002Z" {
		t.Fatalf("page of 5: %v, cursor %q", ids, next)
	}
	if ids, _ = page(next, 5); !slices.Equal(ids, []int{2, 1, 0}) {
		t.Fatalf("after a whole run: %v", ids)
	}
}

func TestSeededAssetsComeInMillisecondRunsOfOneToSeven(t *testing.T) {
	base := time.Date(2026, 2, 13, 2, 20, 58, 0, time.UTC)
	times := seedAssetTimes(2500, base)
	runs := map[int]int{}
	for i := 0; i < len(times); {
		j := i
		for j < len(times) && times[j].Equal(times[i]) {
			j++
		}
		if j < len(times) && !times[j].Before(times[i]) {
			t.Fatalf("times not newest first at %d", j)
		}
		if times[i].Truncate(time.Millisecond) != times[i] {
			t.Fatalf("time %v has more than milliseconds", times[i])
		}
		if j < len(times) { // the last run may be cut short by n
			runs[j-i]++
		}
		i = j
	}
	for k := range runs {
		if k < 1 || k > 7 {
			t.Fatalf("run of %d", k)
		}
	}
	if runs[1] == 0 || runs[7] == 0 || len(runs) != 7 {
		t.Fatalf("run lengths %v: want every length from 1 to 7", runs)
	}
}

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
		w, h := requestedSize(tc.body)
		if w != tc.w || h != tc.h {
			t.Errorf("requestedSize(%v) = %dx%d, want %dx%d", tc.body, w, h, tc.w, tc.h)
		}
	}
}

func TestSyntheticMediaIsWhatItClaims(t *testing.T) {
	for _, jpg := range []bool{false, true} {
		for _, d := range seedDims {
			a, b := stampedImage(jpg, d[0], d[1], 1), stampedImage(jpg, d[0], d[1], 2)
			if bytes.Equal(a, b) {
				t.Errorf("stamped images of different seeds are equal")
			}
			if int64(len(a)) != stampedSize(jpg, d[0], d[1]) {
				t.Errorf("stampedSize = %d, image is %d bytes", stampedSize(jpg, d[0], d[1]), len(a))
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
	if m, ok := api.SniffMedia(glbBytes(3)); !ok || m != "model/gltf-binary" {
		t.Errorf("glb sniffs as %s", m)
	}
	if len(glbBytes(1)) != len(glbBytes(1234567)) {
		t.Errorf("glb size depends on the seed")
	}
	for _, name := range []string{"sample.mp4", "sample.mov", "sample.webm", "sample.mp3", "sample.webp"} {
		if m, ok := api.SniffMedia(sample(name)); !ok || m != mimeForExt(name) {
			t.Errorf("%s sniffs as %s, %v", name, m, ok)
		}
	}
}

func TestWAVReadsConsistently(t *testing.T) {
	for _, size := range []int64{minWAV, 1001, 100_000, 3 << 20} {
		w := newWAV(size, 9)
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
