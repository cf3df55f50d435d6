package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestEveryModelOfTheSpecIsListedWithAnExampleThatValidates(t *testing.T) {
	ms, err := Models()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 50 {
		t.Fatalf("%d models", len(ms))
	}
	kinds := map[string]int{}
	for _, m := range ms {
		kinds[m.Kind]++
		if m.Path != GeneratePrefix+m.Name {
			t.Errorf("%s: path %s", m.Name, m.Path)
		}
		if err := m.Validate(m.Example); err != nil {
			t.Errorf("%s: example %s does not validate: %v", m.Name, m.Example, err)
		}
		if err := Validate(m.Name, m.Example); err != nil {
			t.Errorf("Validate(%s, example): %v", m.Name, err)
		}
		if !strings.Contains(string(m.Schema), `"properties"`) {
			t.Errorf("%s: schema %s", m.Name, m.Schema)
		}
	}
	for _, k := range []string{"image", "video", "enhance"} {
		if kinds[k] == 0 {
			t.Errorf("no %s models: %v", k, kinds)
		}
	}
	tr, err := Train()
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Validate(tr.Example); err != nil {
		t.Errorf("train example %s: %v", tr.Example, err)
	}
	t.Logf("%d models %v; train example %s", len(ms), kinds, tr.Example)
}

func TestValidateNamesTheFieldInOneLine(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"image/bfl/flux-1-dev", `{"width": 1024}`, "prompt"},
		{"image/bfl/flux-1-dev", `{"prompt": "x", "width": 10}`, "width"},
		{"image/bfl/flux-1-dev", `{"prompt": "x", "colour": "red"}`, "colour"},
		{"image/bfl/flux-1-dev", `{"prompt": 3}`, "prompt"},
		{"image/bfl/flux-1-dev", `[1]`, "object"},
		{"image/bfl/flux-1-dev", `{"prompt": `, "not JSON"},
		{"enhance/topaz/standard-enhance", `{"width": 1024, "height": 1024, "image_url": "https://x/y.png", "model": "nope"}`, "model"},
	}
	for _, c := range cases {
		err := Validate(c.name, []byte(c.body))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %s: %v, want ErrInvalid", c.name, c.body, err)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, c.want) {
			t.Errorf("%s %s: message %q should name %q on one line", c.name, c.body, msg, c.want)
		}
	}
	if err := Validate("image/bfl/flux-1-dev", []byte(`{"prompt": "a lighthouse", "width": 1024}`)); err != nil {
		t.Errorf("valid body: %v", err)
	}
}

func TestAModelTheSpecLacksCanStillBeNamed(t *testing.T) {
	err := Validate("image/newco/brand-new-9", []byte(`{"anything": 1}`))
	if !errors.Is(err, ErrUnknownModel) || errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown model: %v", err)
	}
	if p, err := CheckName("image/newco/brand-new-9"); err != nil || p != "/generate/image/newco/brand-new-9" {
		t.Fatalf("CheckName: %q %v", p, err)
	}
	for _, bad := range []string{"", "flux", "image//x", "image/../assets", "image/x y", "image/x?y=1", "/etc/passwd"} {
		if _, err := CheckName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckName(%q) = %v", bad, err)
		}
	}
	if _, ok := Lookup("/generate/video/kling/kling-2.6"); !ok {
		t.Error("Lookup with the /generate/ prefix")
	}
}
