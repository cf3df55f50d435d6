package generate

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/cache/state"
)

type submitRig struct {
	srv *emulator.Server
	sub *Submitter
	res *mapResolver
}

type mapResolver map[string]string

func (m mapResolver) FileURL(p string) (string, error) {
	if u, ok := m[p]; ok {
		return u, nil
	}
	return "", errors.New("no such file in the mount")
}
func (m mapResolver) StyleID(p string) (string, error) { return m.FileURL(p) }

func newSubmitRig(t *testing.T, o emulator.Options) *submitRig {
	t.Helper()
	srv, err := emulator.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := api.New(api.Config{BaseURL: srv.URL(), Token: srv.Token(), RetryBaseDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "requests.json")
	reqs, err := state.OpenJobRequests(path)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := srv.AddAsset(pngStub, "cat.png")
	if err != nil {
		t.Fatal(err)
	}
	res := &mapResolver{"assets/cat.png": cat.ImageURL, "styles/Ink": "style-ink"}
	return &submitRig{srv: srv, res: res,
		sub: &Submitter{Requests: reqs, API: c, Paths: Paths{Mountpoint: "/mnt/krea"}}}
}

// pngStub is a valid 1x1 PNG.
var pngStub = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func TestARequestFileStartsOneJobWithMountPathsReplacedByTheirURLs(t *testing.T) {
	rig := newSubmitRig(t, emulator.Options{JobDuration: time.Hour})
	data := []byte(`{"model": "image/bfl/flux-1-dev", "prompt": "a lighthouse at dusk", "width": 1024,
		"image_url": "/mnt/krea/assets/cat.png", "styles": [{"id": "styles/Ink", "strength": 0.8}]}`)
	job, err := rig.sub.Submit(context.Background(), Jobs, "lighthouse", data, rig.res)
	if err != nil || job == nil || job.JobID == "" {
		t.Fatalf("%v %v", job, err)
	}
	paid := rig.srv.PaidRequests()
	if len(paid) != 1 || paid[0].Path != "/generate/image/bfl/flux-1-dev" {
		t.Fatalf("sent %+v", paid)
	}
	var sent map[string]any
	if err := json.Unmarshal(paid[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if sent["image_url"] != (*rig.res)["assets/cat.png"] || sent["width"] != 1024.0 || sent["model"] != nil {
		t.Errorf("body sent: %s", paid[0].Body)
	}
	if st := sent["styles"].([]any)[0].(map[string]any); st["id"] != "style-ink" {
		t.Errorf("style sent: %v", st)
	}
	r, _ := rig.sub.Requests.Get(state.AreaJobs, "lighthouse")
	if r.State != state.Started || r.JobID != job.JobID || string(r.Request) != string(data) {
		t.Errorf("recorded %+v", r)
	}
	// Saving it again sends nothing.
	if _, err := rig.sub.Submit(context.Background(), Jobs, "lighthouse", data, rig.res); !errors.Is(err, state.ErrAlreadySubmitted) {
		t.Fatalf("second submit: %v", err)
	}
	if n := len(rig.srv.PaidRequests()); n != 1 {
		t.Fatalf("%d POSTs for one request file", n)
	}
}

func TestAnInvalidRequestIsRefusedWithoutAPostAndCanBeFixed(t *testing.T) {
	rig := newSubmitRig(t, emulator.Options{JobDuration: time.Hour})
	for _, bad := range []string{
		`{"model": "image/bfl/flux-1-dev", "width": 1024}`,
		`{"model": "image/bfl/flux-1-dev", "prompt": "x", "image_url": "assets/dog.png"}`,
		`{"prompt": "x"}`,
		`not json`,
	} {
		_, err := rig.sub.Submit(context.Background(), Jobs, "x", []byte(bad), rig.res)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", bad, err)
		}
		r, _ := rig.sub.Requests.Get(state.AreaJobs, "x")
		if r.State != state.Refused || r.Error == "" || string(r.Request) != bad {
			t.Errorf("%s: recorded %+v", bad, r)
		}
	}
	if n := len(rig.srv.PaidRequests()); n != 0 {
		t.Fatalf("%d POSTs for invalid requests", n)
	}
	if _, err := rig.sub.Submit(context.Background(), Jobs, "x", []byte(`{"model": "image/bfl/flux-1-dev", "prompt": "x"}`), rig.res); err != nil {
		t.Fatalf("fixed request: %v", err)
	}
}

func TestWithoutCreditsTheRequestIsRefusedOnceWithKreasMessage(t *testing.T) {
	rig := newSubmitRig(t, emulator.Options{NoCredits: true})
	_, err := rig.sub.Submit(context.Background(), Jobs, "x", []byte(`{"model": "video/kling/kling-2.6", "prompt": "a fox"}`), rig.res)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("%v", err)
	}
	r, _ := rig.sub.Requests.Get(state.AreaJobs, "x")
	if r.State != state.Refused || !strings.Contains(r.Error, "402") || !strings.Contains(r.Error, "run out of credits") {
		t.Errorf("recorded %+v", r)
	}
	if n := len(rig.srv.PaidRequests()); n != 1 {
		t.Fatalf("%d POSTs, want exactly 1", n)
	}
}

func TestALostAnswerIsUnknownAndNeverResent(t *testing.T) {
	rig := newSubmitRig(t, emulator.Options{})
	rig.srv.SetStall(true) // the request is accepted, the answer never comes
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := rig.sub.Submit(ctx, Jobs, "x", []byte(`{"model": "image/bfl/flux-1-dev", "prompt": "a fox"}`), rig.res)
	rig.srv.SetStall(false)
	if !errors.Is(err, ErrLost) {
		t.Fatalf("%v", err)
	}
	r, _ := rig.sub.Requests.Get(state.AreaJobs, "x")
	if r.State != state.Unknown || !strings.Contains(r.Error, "not sent again") {
		t.Errorf("recorded %+v", r)
	}
	if _, err := rig.sub.Submit(context.Background(), Jobs, "x", []byte(`{"model": "image/bfl/flux-1-dev", "prompt": "a fox"}`), rig.res); !errors.Is(err, state.ErrAlreadySubmitted) {
		t.Fatalf("resubmit after a lost answer: %v", err)
	}
	if n := rig.srv.Requests("/generate/"); n != 1 {
		t.Fatalf("%d requests reached the emulator, want 1", n)
	}
}

func TestATrainFileTrainsAStyleNamedAfterItsFolder(t *testing.T) {
	rig := newSubmitRig(t, emulator.Options{JobDuration: -1})
	job, err := rig.sub.Submit(context.Background(), Styles, "Ink", []byte(`{"urls": ["assets/cat.png"], "max_train_steps": 100}`), rig.res)
	if err != nil {
		t.Fatal(err)
	}
	paid := rig.srv.PaidRequests()
	if len(paid) != 1 || paid[0].Path != "/styles/train" || !strings.Contains(string(paid[0].Body), `"name":"Ink"`) ||
		!strings.Contains(string(paid[0].Body), (*rig.res)["assets/cat.png"]) {
		t.Fatalf("sent %+v", paid)
	}
	r, _ := rig.sub.Requests.Get(state.AreaStyles, "Ink")
	if r.State != state.Started || r.JobID != job.JobID {
		t.Errorf("recorded %+v", r)
	}
}
