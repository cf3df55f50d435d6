package state

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func TestSnapshotEncodingIsJSONMarshal(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	odd := []api.Asset{
		{},
		{ID: "a", ImageURL: "http://h/a.png?x=1&y=<2>", UploadedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
			Width: f(64), Height: f(1.5), SizeBytes: f(-0.0), MIMEType: s("image/png"), Description: "cat \"x\" \\ é\u2028\x01\x7f", Metadata: json.RawMessage(`{ "k" : [1, "<b>"] }`)},
		{ID: "b", UploadedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Width: f(1e21), Height: f(1e-7), SizeBytes: f(12345678901234567), MIMEType: s("")},
		{ID: "c\xff", Description: "\xfe", Metadata: json.RawMessage(`null`), Width: f(-3), Height: f(0.1)},
	}
	for _, items := range [][]api.Asset{nil, {}, benchAssets(50), odd} {
		doc := snapshotDoc[api.Asset]{Scope: "http://127.0.0.1:1 <&>", SavedAt: time.Unix(1700000000, 5).UTC(), Items: items}
		got, err := marshalSnapshot(doc)
		want, werr := json.Marshal(doc)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Fatalf("marshalSnapshot:\n%s (%v)\njson.Marshal:\n%s (%v)", got, err, want, werr)
		}
	}
	bad := snapshotDoc[api.Asset]{Items: []api.Asset{{Width: f(math.NaN())}}}
	if _, err := marshalSnapshot(bad); err == nil {
		t.Error("NaN width encoded; json.Marshal refuses it")
	}
}

func FuzzSnapshotEncoding(f *testing.F) {
	f.Add("id", "desc", "image/png", 64.0, `{"a":1}`, int64(1700000000))
	f.Add("\xff<", "a\u2028b", "", -0.5, ``, int64(-1))
	f.Fuzz(func(t *testing.T, id, desc, mime string, num float64, meta string, sec int64) {
		a := api.Asset{ID: id, Description: desc, MIMEType: &mime, Width: &num, UploadedAt: time.Unix(sec, 0).UTC()}
		if meta != "" {
			a.Metadata = json.RawMessage(meta)
		}
		doc := snapshotDoc[api.Asset]{Scope: desc, Items: []api.Asset{a}}
		got, err := marshalSnapshot(doc)
		want, werr := json.Marshal(doc)
		if (err == nil) != (werr == nil) || err == nil && !bytes.Equal(got, want) {
			t.Fatalf("marshalSnapshot %s (%v), json.Marshal %s (%v)", got, err, want, werr)
		}
	})
}

func BenchmarkSnapshotEncoding(b *testing.B) {
	doc := snapshotDoc[api.Asset]{Scope: "http://127.0.0.1:1", Items: benchAssets(10000)}
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := marshalSnapshot(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := json.Marshal(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
