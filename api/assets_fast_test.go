package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/internal/pages"
)

// onePassJSON is what encoding/json makes of a page: the definition
// fastAssetPage must meet.
func onePassJSON(data []byte) ([]Asset, string, error) {
	var p struct {
		Items           []Asset         `json:"items"`
		NextCursor      json.RawMessage `json:"next_cursor"`
		NextCursorCamel json.RawMessage `json:"nextCursor"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "", err
	}
	raw := pages.RawPage{NextCursor: p.NextCursor, NextCursorCamel: p.NextCursorCamel}
	return p.Items, raw.Cursor(), nil
}

// checkFast fails t when fastAssetPage decodes data differently from
// encoding/json, and returns whether it decoded it at all.
func checkFast(t *testing.T, data []byte) bool {
	t.Helper()
	items, next, ok := fastAssetPage(data)
	if !ok {
		return false
	}
	want, wantNext, err := onePassJSON(data)
	if err != nil {
		t.Fatalf("fastAssetPage decoded %q, encoding/json refuses it: %v", data, err)
	}
	if next != wantNext {
		t.Fatalf("%q: next %q, encoding/json %q", data, next, wantNext)
	}
	if len(items) == 0 && len(want) == 0 {
		return true
	}
	if !reflect.DeepEqual(items, want) {
		t.Fatalf("%q:\nfast %+v\njson %+v", data, items, want)
	}
	return true
}

func TestFastAssetPageDecodesWhatTheAPISendsLikeEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
	}{
		{"emulator page", wellFormedPage(50, `"2026-11-26T21:06:00Z"`)},
		{"last page", wellFormedPage(3, `null`)},
		{"empty", `{"items":[],"next_cursor":null}`},
		{"no items key", `{"next_cursor":"c"}`},
		{"items null", `{"items":null}`},
		{"empty object", ` { } `},
		{"camel cursor", `{"items":[],"nextCursor":"c"}`},
		{"numeric cursor", `{"items":[{"id":"a","uploaded_at":"2025-01-01T00:00:00Z"}],"next_cursor":17}`},
		{"whitespace everywhere", " {\n \"items\" : [ { \"id\" : \"a\" , \"width\" : 1.5e3 , \"mime_type\" : null } ] ,\t\"next_cursor\" : \"x\" }\r\n"},
		{"escapes and unicode", `{"items":[{"id":"a","description":"tab\there \"q\" \u00e9 é 日本 \ud83d\ude00"}]}`},
		{"invalid utf-8 in a string", "{\"items\":[{\"id\":\"a\",\"description\":\"bad \xff\xfe\"}]}"},
		{"unknown fields", `{"items":[{"id":"a","extra":{"x":[1,{"y":"}"}]},"n":null,"t":true}],"total":3}`},
		{"metadata kinds", `{"items":[{"id":"a","metadata":{"k":[1, 2]}},{"id":"b","metadata":null},{"id":"c","metadata":"s"},{"id":"d","metadata":-0.5}]}`},
		{"null numbers and type", `{"items":[{"id":"a","width":null,"height":0,"size_bytes":-0,"mime_type":null,"uploaded_at":null}]}`},
		{"time with offset", `{"items":[{"id":"a","uploaded_at":"2025-02-03T04:05:06.123+02:00"}]}`},
		{"empty item", `{"items":[{}]}`},
		{"null description (Krea may send one)", `{"items":[{"id":"a","description":null,"size_bytes":null}]}`},
		{"null strings", `{"items":[{"id":null,"image_url":null,"description":null}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !checkFast(t, []byte(tc.body)) {
				t.Errorf("fastAssetPage gave up on %s", tc.body)
			}
		})
	}
}

func TestFastAssetPageLeavesTheUnusualToEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`null`,
		`[1]`,
		`{"items":[null]}`,
		`{"items":[42]}`,
		`{"items":{}}`,
		`{"items":[{"ID":"a"}]}`,
		`{"items":[{"\u0069d":"a"}]}`,
		`{"Items":[]}`,
		`{"items":[{"id":"a","id":"b"}]}`,
		`{"items":[],"items":[]}`,
		`{"items":[{"id":1}]}`,
		`{"items":[{"width":"640"}]}`,
		`{"items":[{"width":01}]}`,
		`{"items":[{"width":1e400}]}`,
		`{"items":[{"width":+1}]}`,
		`{"items":[{"uploaded_at":"2025-02-03 04:05:06"}]}`,
		`{"items":[{"uploaded_at":1738555506}]}`,
		`{"items":[{"id":"a"}]} x`,
		`{"items":[{"id":"a"}]`,
		`{"items":[{"id":"a",}]}`,
		`{"items":[{"id":"a\x"}]}`,
		"{\"items\":[{\"id\":\"a\x01\"}]}",
		`{"items":[{"metadata":{"a":}}]}`,
		`{"items":[{"metadata":nul}]}`,
		`{"items":[{"metadata":[1,2}]}`,
	} {
		if items, next, ok := fastAssetPage([]byte(body)); ok {
			t.Errorf("fastAssetPage decoded %s as %+v, %q; it should leave it to encoding/json", body, items, next)
		}
	}
}

func TestFastAssetPageSharesStringsAndBlocks(t *testing.T) {
	// As the emulator sends them: descriptions without escapes, no metadata.
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"%08d-56ee","image_url":"http://h/%08d.png","uploaded_at":"2026-11-26T21:06:%02dZ","width":64,"height":64,"size_bytes":%d,"mime_type":"image/png","description":"sample %d"}`, i, i, i%60, 100+i, i)
	}
	b.WriteString(`],"next_cursor":"c"}`)
	data := []byte(b.String())
	items, _, ok := fastAssetPage(data)
	if !ok || len(items) != 1000 {
		t.Fatalf("ok %v, %d items", ok, len(items))
	}
	if allocs := testing.AllocsPerRun(5, func() { fastAssetPage(data) }); allocs > 50 {
		t.Errorf("%.0f allocations for a page of 1000 assets; want a few blocks, not one per asset", allocs)
	}
}

// fastAssetPage agrees with encoding/json on anything it decodes.
func FuzzFastAssetPage(f *testing.F) {
	f.Add([]byte(wellFormedPage(3, `"2026-11-26T21:06:00Z"`)))
	f.Add([]byte(`{"items":[{"id":"a","metadata":{"k":[1,"x\"y"]},"width":1.5,"mime_type":null}],"nextCursor":5}`))
	f.Add([]byte(`{"items":[{"id":"a\u00e9","description":"\ud83d","uploaded_at":"2025-02-03T04:05:06+02:00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, data)
	})
}
