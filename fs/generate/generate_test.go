package generate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestOnlyTheExactTriggerNameInAUserDirectoryStartsAnything(t *testing.T) {
	for _, name := range []string{"request.json", "train.json"} {
		a := Jobs
		if name == "train.json" {
			a = Styles
		}
		if !Trigger(a, true, name) {
			t.Errorf("%s in a user directory does not start", name)
		}
		if Trigger(a, false, name) {
			t.Errorf("%s in a directory kreafs shows (a job's own) starts", name)
		}
	}
	for _, name := range []string{
		"._request.json", ".request.json.swp", ".request.json.swx", "request.json~", "request.json.tmp",
		"request.json.part", ".goutputstream-ABC123", "4913", "Request.json", "request.JSON", "request.json ",
		" request.json", "request", "request.json.bak", "train.json", "#request.json#", ".#request.json", "request (copy).json",
	} {
		if Trigger(Jobs, true, name) {
			t.Errorf("%q starts a job", name)
		}
	}
	if Trigger(Styles, true, "request.json") {
		t.Error("request.json starts a training in styles/")
	}
}

func TestARequestFileNamesItsModelAndTheRestIsTheBody(t *testing.T) {
	r, err := ParseRequest([]byte(`{"model": "image/bfl/flux-1-dev", "prompt": "a lighthouse at dusk", "width": 1024}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Model != "image/bfl/flux-1-dev" || r.Path != "/generate/image/bfl/flux-1-dev" || !r.Known {
		t.Fatalf("%+v", r)
	}
	if _, has := r.Body["model"]; has || r.Body["prompt"] != "a lighthouse at dusk" || r.Body["width"] != json.Number("1024") {
		t.Fatalf("body %v", r.Body)
	}

	// Topaz has its own "model" field: "endpoint" names the endpoint.
	r, err = ParseRequest([]byte(`{"endpoint": "enhance/topaz/standard-enhance", "model": "Standard V2", "width": 2048}`))
	if err != nil || r.Model != "enhance/topaz/standard-enhance" || r.Body["model"] != "Standard V2" {
		t.Fatalf("%+v %v", r, err)
	}

	// A model the bundled spec lacks is accepted, unvalidated.
	r, err = ParseRequest([]byte(`{"model": "video/newco/next-1", "prompt": "x", "whatever": true}`))
	if err != nil || r.Known || r.Path != "/generate/video/newco/next-1" {
		t.Fatalf("%+v %v", r, err)
	}
	if err := r.Validate([]byte(`{"whatever": true}`)); err != nil {
		t.Fatalf("unknown model validated: %v", err)
	}

	for body, want := range map[string]string{
		``:                             "empty",
		`{"prompt": "x"}`:              `no "model"`,
		`{"model": "flux", "p": 1}`:    `no "model"`,
		`{"model": "image/../x"}`:      "image/bfl/flux-1-dev",
		`{"endpoint": 3}`:              "endpoint",
		`[{"model": "image/a/b"}]`:     "JSON object",
		`{"model": "image/a/b"} {}`:    "more than one",
		`{"model": "image/a/b", "p": `: "not JSON",
	} {
		_, err := ParseRequest([]byte(body))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want ErrInvalid mentioning %q", body, err, want)
		}
	}
	if _, err := ParseRequest([]byte(`{"model":"image/a/b","p":"` + strings.Repeat("x", MaxRequestBytes) + `"}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("huge file: %v", err)
	}
}

func TestValidationOfAKnownModelNamesTheField(t *testing.T) {
	r, err := ParseRequest([]byte(`{"model": "image/bfl/flux-1-dev", "width": 10}`))
	if err != nil {
		t.Fatal(err)
	}
	err = r.Validate([]byte(`{"width": 10}`))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "prompt") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("%v", err)
	}
	if err := r.Validate([]byte(`{"prompt": "x", "width": 1024}`)); err != nil {
		t.Fatal(err)
	}
}

func TestATrainFileIsNamedAfterItsFolderUnlessItSaysOtherwise(t *testing.T) {
	tr, err := ParseTrain("Ink", []byte(`{"urls": ["assets/a.png", "assets/b.png"], "max_train_steps": 500}`))
	if err != nil || tr.Body["name"] != "Ink" {
		t.Fatalf("%+v %v", tr, err)
	}
	tr, err = ParseTrain("Ink", []byte(`{"name": "Ink v2", "urls": ["https://x/a.png"]}`))
	if err != nil || tr.Body["name"] != "Ink v2" {
		t.Fatalf("%+v %v", tr, err)
	}
	if err := ValidateTrain([]byte(`{"name": "Ink", "urls": ["https://x/a.png"], "max_train_steps": 500}`)); err != nil {
		t.Fatal(err)
	}
	if err := ValidateTrain([]byte(`{"name": "Ink"}`)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "urls") {
		t.Fatalf("missing urls: %v", err)
	}
}

// fakeResolver knows a few files and styles of a mount.
type fakeResolver struct{ asked []string }

func (f *fakeResolver) FileURL(p string) (string, error) {
	f.asked = append(f.asked, p)
	switch p {
	case "assets/cat.png":
		return "https://files.example/a/cat-id.png", nil
	case "jobs/x/result-0.png":
		return "https://files.example/r/x/0.png", nil
	case "assets/new.png":
		return "", errors.New("not uploaded yet: wait for it to appear in assets/")
	}
	return "", fs.ErrNotExist
}

func (f *fakeResolver) StyleID(p string) (string, error) {
	f.asked = append(f.asked, p)
	if p == "styles/Ink" {
		return "style-ink-id", nil
	}
	return "", fmt.Errorf("no style folder %s", p)
}

type fakeInfo struct{ os.FileInfo }

func statOnly(existing ...string) func(string) (os.FileInfo, error) {
	return func(p string) (os.FileInfo, error) {
		for _, e := range existing {
			if e == p {
				return fakeInfo{}, nil
			}
		}
		return nil, fs.ErrNotExist
	}
}

func TestMountPathsBecomeHostedURLsAndStyleIDs(t *testing.T) {
	p := Paths{Mountpoint: "/mnt/krea", Stat: statOnly()}
	body := map[string]any{
		"prompt":    "a cat on a lighthouse, /r/aww style", // free text is left alone
		"image_url": "assets/cat.png",
		"style_images": []any{
			map[string]any{"url": "/mnt/krea/jobs/x/result-0.png", "strength": json.Number("0.5")},
			map[string]any{"url": "./assets/cat.png", "strength": json.Number("1")},
		},
		"styles": []any{map[string]any{"id": "styles/Ink", "strength": json.Number("0.8")}},
		"other":  "https://elsewhere.example/z.png",
	}
	r := &fakeResolver{}
	out, done, err := p.Resolve(body, r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"image_url":"https://files.example/a/cat-id.png","other":"https://elsewhere.example/z.png","prompt":"a cat on a lighthouse, /r/aww style",` +
		`"style_images":[{"strength":0.5,"url":"https://files.example/r/x/0.png"},{"strength":1,"url":"https://files.example/a/cat-id.png"}],` +
		`"styles":[{"id":"style-ink-id","strength":0.8}]}`
	if string(out) != want {
		t.Errorf("resolved\n %s\nwant\n %s", out, want)
	}
	if len(done) != 4 {
		t.Errorf("resolutions %+v", done)
	}
	for _, d := range done {
		if d.Field == "styles.0.id" && (d.From != "styles/Ink" || d.To != "style-ink-id") {
			t.Errorf("%+v", d)
		}
	}
}

func TestLocalFilesOutsideTheMountAreRefusedWithAClearMessage(t *testing.T) {
	p := Paths{Mountpoint: "/mnt/krea", Stat: statOnly("/home/me/cat.png")}
	cases := []struct {
		val  any
		want []string
	}{
		{"/home/me/cat.png", []string{"image_url", "outside the mount", "/mnt/krea/assets/", "assets/cat.png"}},
		{"file:///home/me/cat.png", []string{"image_url", "local file URL"}},
		{"assets/missing.png", []string{"image_url", "assets/missing.png", "not exist"}},
		{"assets/new.png", []string{"not uploaded yet"}},
		{"styles/Nope", []string{"no style folder"}},
	}
	for _, c := range cases {
		_, _, err := p.Resolve(map[string]any{"prompt": "x", "image_url": c.val}, &fakeResolver{})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: %v", c.val, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", c.val, err, w)
			}
		}
	}
	// An absolute path that is no file is free text; ".." cannot climb out.
	r := &fakeResolver{}
	out, done, err := p.Resolve(map[string]any{"prompt": "/imagine a cat", "x": "assets/../../etc/passwd"}, r)
	if err != nil || len(done) != 0 || len(r.asked) != 0 || !strings.Contains(string(out), "/imagine a cat") {
		t.Errorf("%s %+v %v asked %v", out, done, err, r.asked)
	}
}

func TestResolveUsesTheRealFileSystemByDefault(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "local-*.png")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, _, err = Paths{Mountpoint: "/mnt/krea"}.Resolve(map[string]any{"image_url": f.Name()}, &fakeResolver{})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("existing local file: %v", err)
	}
}
