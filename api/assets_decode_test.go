package api

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

// wellFormedPage is a page of n assets as the emulator sends them.
func wellFormedPage(n int, cursor string) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"%08d-56ee-4510-9dce-c3ad077dec6c","image_url":"http://127.0.0.1:1/files/a/%08d.png",`+
			`"uploaded_at":"2026-11-26T21:06:%02dZ","width":64,"height":64,"size_bytes":%d,"mime_type":"image/png"`, i, i, i%60, 100+i)
		if i%3 == 0 {
			fmt.Fprintf(&b, `,"description":"sample %04d \"quoted\" \u00e9","metadata":{"k":[%d]}`, i, i)
		}
		b.WriteString("}")
	}
	b.WriteString(`],"next_cursor":` + cursor + `}`)
	return b.String()
}

func TestDecodeAssetPageAgreesWithItemByItemDecoding(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1", nil)
	for _, tc := range []struct {
		name, body string
	}{
		{"well formed", wellFormedPage(50, `"2026-11-26T21:06:00Z"`)},
		{"last page", wellFormedPage(3, `null`)},
		{"camel cursor", `{"items":[],"nextCursor":"c"}`},
		{"numeric cursor", `{"items":[{"id":"a","uploaded_at":"2025-01-01T00:00:00Z"}],"next_cursor":17}`},
		{"null item", `{"items":[null,{"id":"b"}]}`},
		{"lenient fields", `{"items":[{"id":"pg","uploaded_at":"2025-02-03 04:05:06.5+00","width":"640","size_bytes":"12"},{"id":"ok"}]}`},
		{"an item that is not an asset", `{"items":[42,{"id":"ok"},{"id":["x"]}],"next_cursor":"n"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantItems, wantNext, wantErr := decodePage(h.log, "GET /assets", []byte(tc.body), decodeAsset)
			items, next, err := decodeAssetPage(h.log, "GET /assets", []byte(tc.body))
			if (err == nil) != (wantErr == nil) || next != wantNext {
				t.Fatalf("decodeAssetPage: next %q err %v; decodePage: next %q err %v", next, err, wantNext, wantErr)
			}
			if len(items) == 0 && len(wantItems) == 0 {
				return
			}
			if !reflect.DeepEqual(items, wantItems) {
				t.Errorf("decodeAssetPage:\n%+v\ndecodePage:\n%+v", items, wantItems)
			}
		})
	}
	for _, bad := range []string{`[1,2]`, `{"items":[`, `{"items":{}}`} {
		if _, _, err := decodeAssetPage(h.log, "GET /assets", []byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func BenchmarkDecodeAssetPage(b *testing.B) {
	data := []byte(wellFormedPage(1000, `"2026-11-26T21:06:00Z"`))
	log := logrus.New()
	log.SetOutput(io.Discard)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if items, _, err := decodeAssetPage(log, "GET /assets", data); err != nil || len(items) != 1000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if items, _, err := decodeAssetPageJSON(log, "GET /assets", data); err != nil || len(items) != 1000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("item-by-item", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if items, _, err := decodePage(log, "GET /assets", data, decodeAsset); err != nil || len(items) != 1000 {
				b.Fatal(err)
			}
		}
	})
}
