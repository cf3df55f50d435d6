package generate

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	apispec "github.com/kreafs/kreafs/api/spec"
)

func TestModelsAreATreeOfPathsWithSchemaAndExample(t *testing.T) {
	tr, err := NewModelTree()
	if err != nil {
		t.Fatal(err)
	}
	top, m, ok := tr.Dir("")
	if !ok || m != nil || !slices.Equal(top, []string{"enhance", "image", "video"}) {
		t.Fatalf("models/: %v %v %v", top, m, ok)
	}
	bfl, _, _ := tr.Dir("image/bfl")
	if !slices.Contains(bfl, "flux-1-dev") || !slices.Contains(bfl, "flux-1.1-pro") {
		t.Errorf("image/bfl: %v", bfl)
	}
	if _, m, ok := tr.Dir("image/bfl/flux-1-dev"); !ok || m == nil || m.Name != "image/bfl/flux-1-dev" {
		t.Errorf("flux-1-dev: %v %v", m, ok)
	}
	if _, _, ok := tr.Dir("image/nope"); ok {
		t.Error("image/nope exists")
	}
	if b, ok := tr.File("video/kling/kling-2.6", SchemaFile); !ok || !json.Valid(b) {
		t.Errorf("schema.json: %s", b)
	}
	if _, ok := tr.File("video/kling", SchemaFile); ok {
		t.Error("a vendor directory has a schema.json")
	}
}

// Every example.json, written to request.json as is (with its mount paths
// resolved), starts a job on the emulator.
func TestEveryExampleJsonIsARequestThatWorks(t *testing.T) {
	rig := newSubmitRig(t, emulator.Options{JobDuration: time.Hour})
	(*rig.res)["assets/example.png"] = (*rig.res)["assets/cat.png"]
	(*rig.res)["assets/example.mp4"] = (*rig.res)["assets/cat.png"]
	tr, _ := NewModelTree()
	ms, _ := apispec.Models()
	for _, m := range ms {
		ex, ok := tr.File(m.Name, ExampleFile)
		if !ok {
			t.Fatalf("%s: no example.json", m.Name)
		}
		if _, err := rig.sub.Submit(context.Background(), Jobs, m.Name, ex, rig.res); err != nil {
			t.Errorf("%s: example.json %s: %v", m.Name, ex, err)
		}
	}
	if n := len(rig.srv.PaidRequests()); n != len(ms) {
		t.Errorf("%d POSTs for %d examples", n, len(ms))
	}
}
