package arrived

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kreafs/kreafs/api"
)

// hosted serves the bytes of each URL, or an error.
type hosted struct {
	body map[string][]byte
	err  error
}

func (h hosted) Fetch(_ context.Context, url string, _, _ int64) (*api.Download, error) {
	if h.err != nil {
		return nil, h.err
	}
	b, ok := h.body[url]
	if !ok {
		return nil, &api.Error{Status: 404, Message: "not found"}
	}
	return &api.Download{Body: io.NopCloser(bytes.NewReader(b)), Length: int64(len(b)), Size: int64(len(b))}, nil
}

func TestSameContentTakesOnlyTheSameBytes(t *testing.T) {
	spool := filepath.Join(t.TempDir(), "spool")
	data := bytes.Repeat([]byte("0123456789abcdef"), 10<<10) // 160 KiB: more than one buffer
	if err := os.WriteFile(spool, data, 0o600); err != nil {
		t.Fatal(err)
	}
	other := append([]byte(nil), data...)
	other[100<<10] ^= 1
	h := hosted{body: map[string][]byte{
		"same": data, "other": other, "shorter": data[:len(data)-1], "longer": append(append([]byte(nil), data...), 'x'),
	}}
	ctx := context.Background()
	for url, want := range map[string]bool{"same": true, "other": false, "shorter": false, "longer": false, "gone": false} {
		if got, err := SameContent(ctx, h, url, spool); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", url, got, err, want)
		}
	}
	if got, err := SameContent(ctx, h, "same", spool+".missing"); err != nil || got {
		t.Errorf("a spool that is gone: %v, %v; want false", got, err)
	}
	if _, err := SameContent(ctx, hosted{err: &api.Error{Status: 503, Message: "busy"}}, "same", spool); err == nil {
		t.Error("a host that is busy: no error; want one (ask again later)")
	}
}
