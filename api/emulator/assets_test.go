package emulator_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// Seeded assets carry what Krea's upload-an-asset page allows: metadata of
// any JSON type, null width/height/size_bytes/mime_type, and a description
// that is absent, null or a string.
func TestSeededAssetsHaveMetadataNullsAndMissingDescriptions(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 40})
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	getJSON(t, s, "/assets?limit=1000", &raw)
	if len(raw.Items) != 40 {
		t.Fatalf("%d items", len(raw.Items))
	}
	kinds := map[string]int{}
	for _, it := range raw.Items {
		md, ok := it["metadata"]
		if !ok {
			t.Fatalf("asset without metadata: %v", it)
		}
		switch strings.TrimSpace(string(md))[0] {
		case '{':
			kinds["metadata object"]++
		case 'n':
			kinds["metadata null"]++
		case '"':
			kinds["metadata string"]++
		case '[':
			kinds["metadata array"]++
		default:
			kinds["metadata number"]++
		}
		for _, k := range []string{"width", "height", "size_bytes", "mime_type"} {
			v, ok := it[k]
			if !ok {
				t.Fatalf("%s missing (want a value or null): %v", k, it)
			}
			if string(v) == "null" {
				kinds[k+" null"]++
			}
		}
		switch d, ok := it["description"]; {
		case !ok:
			kinds["description absent"]++
		case string(d) == "null":
			kinds["description null"]++
		default:
			kinds["description string"]++
		}
	}
	for _, k := range []string{"metadata object", "metadata null", "metadata string", "metadata array", "metadata number",
		"width null", "height null", "size_bytes null", "mime_type null",
		"description absent", "description null", "description string"} {
		if kinds[k] == 0 {
			t.Errorf("no seeded asset with %s (%v)", k, kinds)
		}
	}
}

func TestNoEchoDescriptionLeavesDescriptionsOut(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 10, NoEchoDescription: true})
	a := upload(t, s, pngOf(t, 4, 4), "holiday.png", "holiday.png")
	var m map[string]json.RawMessage
	a.json(t, &m)
	if _, ok := m["description"]; ok || a.status != 200 {
		t.Fatalf("POST /assets answer: %d %s", a.status, a.body)
	}
	var id string
	json.Unmarshal(m["id"], &id)
	getJSON(t, s, "/assets/"+id, &m)
	if _, ok := m["description"]; ok {
		t.Fatalf("GET carries a description: %v", m)
	}
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	getJSON(t, s, "/assets", &raw)
	for _, it := range raw.Items {
		if _, ok := it["description"]; ok {
			t.Fatalf("list carries a description: %v", it)
		}
	}
	// Without the switch the description comes back.
	e := start(t, emulator.Options{})
	var echoed struct{ Description string }
	upload(t, e, pngOf(t, 4, 4), "holiday.png", "holiday.png").json(t, &echoed)
	if echoed.Description != "holiday.png" {
		t.Fatalf("default: description %q", echoed.Description)
	}
}

func TestHostedNamesPutTheOriginalNameInTheURL(t *testing.T) {
	s := start(t, emulator.Options{HostedNames: true})
	before := time.Now().UnixMilli()
	data := pngOf(t, 6, 6)
	for _, name := range []string{"holiday.png", "my photo (1).png", "dir/odd%name.png", "no-extension"} {
		var a struct {
			ImageURL string `json:"image_url"`
		}
		up := upload(t, s, data, name, "")
		up.json(t, &a)
		prefix := s.FilesURL() + "/"
		rest, ok := strings.CutPrefix(a.ImageURL, prefix)
		re := regexp.MustCompile(`^([0-9a-f-]{36})/([0-9]{13})-(.+)$`)
		mm := re.FindStringSubmatch(rest)
		if !ok || mm == nil {
			t.Fatalf("%q: image_url %s, want %s<uuid>/<ms>-<name>", name, a.ImageURL, prefix)
		}
		if mm[3] != url.PathEscape(name) {
			t.Errorf("%q: name part %q, want %q", name, mm[3], url.PathEscape(name))
		}
		if ms, err := strconv.ParseInt(mm[2], 10, 64); err != nil || ms < before || ms > time.Now().UnixMilli() {
			t.Errorf("%q: ms %s is not the upload's time (after %d)", name, mm[2], before)
		}
		f := fetch(t, a.ImageURL)
		if f.status != 200 || string(f.body) != string(data) || f.header.Get("Content-Type") != "image/png" {
			t.Fatalf("%q: GET %s: %d %s, %d bytes", name, a.ImageURL, f.status, f.header.Get("Content-Type"), len(f.body))
		}
	}
	// Deleting the asset removes the hosted file.
	as := s.Assets()
	if !s.RemoveAsset(as[0].ID) {
		t.Fatal("remove")
	}
	if f := fetch(t, as[0].ImageURL); f.status != 404 {
		t.Errorf("hosted file after delete: %d", f.status)
	}
}
