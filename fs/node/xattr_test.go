package node

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func TestAssetXattrsFollowTheKernelsSizeAndRangeConvention(t *testing.T) {
	w, mt := 180.0, "image/png"
	a := api.Asset{ID: "a1", ImageURL: "https://f/a1.png", Width: &w, MIMEType: &mt, UploadedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	attrs := AssetXattrs(&a)
	if n, en := GetXattr(attrs, "user.krea.url", nil); en != 0 || n != uint32(len(a.ImageURL)) {
		t.Fatalf("size query: %d %v", n, en)
	}
	if _, en := GetXattr(attrs, "user.krea.url", make([]byte, 3)); en != syscall.ERANGE {
		t.Fatalf("small buffer: %v, want ERANGE", en)
	}
	buf := make([]byte, 64)
	n, en := GetXattr(attrs, "user.krea.width", buf)
	if en != 0 || string(buf[:n]) != "180" {
		t.Fatalf("width %q %v", buf[:n], en)
	}
	if _, en := GetXattr(attrs, "user.krea.height", buf); en != syscall.ENODATA {
		t.Fatalf("a height the API did not give: %v, want ENODATA", en)
	}
	n, _ = ListXattr(attrs, buf[:0])
	list := make([]byte, n)
	if m, en := ListXattr(attrs, list); en != 0 || m != n ||
		!bytes.Equal(list, []byte("user.krea.id\x00user.krea.url\x00user.krea.mime_type\x00user.krea.width\x00user.krea.uploaded_at\x00")) {
		t.Fatalf("list %q %v", list, en)
	}
}
