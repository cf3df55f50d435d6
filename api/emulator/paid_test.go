package emulator_test

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	apispec "github.com/kreafs/kreafs/api/spec"
)

// hostedExample is a model's example.json with its mount-path placeholders
// replaced by URLs, as kreafs sends it.
func hostedExample(t *testing.T, m apispec.Model) map[string]any {
	t.Helper()
	raw := strings.NewReplacer(`"assets/example.png"`, `"https://example.com/a.png"`,
		`"assets/example.mp4"`, `"https://example.com/a.mp4"`).Replace(string(m.Example))
	var body map[string]any
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatal(err)
	}
	return body
}

func TestEveryModelsExampleStartsAJobWhoseResultIsOfTheModelsKind(t *testing.T) {
	s := start(t, emulator.Options{JobDuration: -1})
	models, err := apispec.Models()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		a := postJSON(t, s, m.Path, hostedExample(t, m))
		var j api.Job
		a.json(t, &j)
		if a.status != 200 || j.JobID == "" {
			t.Errorf("%s: example refused: %d %s", m.Name, a.status, a.body)
			continue
		}
		done, _ := jobAt(t, s, j.JobID)
		if done.Status != "completed" || len(done.Result.URLs) == 0 {
			t.Errorf("%s: %s %v", m.Name, done.Status, done.Result.URLs)
			continue
		}
		ext := path.Ext(done.Result.URLs[0])
		if (m.Kind == "video") != (ext == ".mp4") {
			t.Errorf("%s (%s): result %s", m.Name, m.Kind, done.Result.URLs[0])
		}
	}
}

func TestEveryPaidPostIsRecordedWithItsBodyAndAnswer(t *testing.T) {
	s := start(t, emulator.Options{JobDuration: time.Hour})
	const flux = "/generate/image/bfl/flux-1-dev"
	postJSON(t, s, flux, map[string]any{"prompt": "a lighthouse", "image_url": "https://example.com/cat.png"})
	if a := postJSON(t, s, flux, map[string]any{"width": 1024}); a.status != 400 || !bytes.Contains(a.body, []byte("prompt")) {
		t.Fatalf("invalid body: %d %s", a.status, a.body)
	}
	postJSON(t, s, "/styles/train", map[string]any{"name": "Ink", "urls": []string{"https://example.com/a.png"}})
	call(t, s, "GET", "/jobs", nil, "")

	got := s.PaidRequests()
	if len(got) != 3 {
		t.Fatalf("%d recorded: %+v", len(got), got)
	}
	want := []struct {
		path, inBody string
		status       int
	}{{flux, `"image_url":"https://example.com/cat.png"`, 200}, {flux, `"width":1024`, 400}, {"/styles/train", `"name":"Ink"`, 200}}
	for i, w := range want {
		if got[i].Path != w.path || got[i].Status != w.status || !strings.Contains(string(got[i].Body), w.inBody) {
			t.Errorf("request %d: %s %d %s, want %s %d with %s", i, got[i].Path, got[i].Status, got[i].Body, w.path, w.status, w.inBody)
		}
	}
}

func TestWithoutCreditsAPaidPostIs402AndStartsNothing(t *testing.T) {
	s := start(t, emulator.Options{NoCredits: true})
	before := len(s.JobIDs())
	for _, p := range []string{"/generate/video/kling/kling-2.6", "/styles/train"} {
		a := postJSON(t, s, p, map[string]any{"prompt": "a fox", "name": "Ink", "urls": []string{"https://example.com/a.png"}})
		var e struct{ Error string }
		a.json(t, &e)
		if a.status != 402 || e.Error == "" {
			t.Errorf("%s: %d %s", p, a.status, a.body)
		}
	}
	if n := len(s.JobIDs()); n != before {
		t.Errorf("%d jobs after 402s, had %d", n, before)
	}
	s.SetNoCredits(false)
	if a := postJSON(t, s, "/generate/video/kling/kling-2.6", map[string]any{"prompt": "a fox"}); a.status != 200 {
		t.Errorf("credits back: %d %s", a.status, a.body)
	}
	if rs := s.PaidRequests(); len(rs) != 3 || rs[0].Status != 402 || rs[2].Status != 200 {
		t.Errorf("recorded %+v", rs)
	}
}
