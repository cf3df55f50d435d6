package spec

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// The embedded copy must stay the spec the rest of the repository uses.
func TestEmbeddedSpecMatchesAPITestdata(t *testing.T) {
	b, err := os.ReadFile("../../testdata/krea-api-openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, JSON) {
		t.Fatal("api/emulator/spec/krea-api-openapi.json differs from api/testdata/krea-api-openapi.json: copy it over")
	}
}

func TestGeneratePaths(t *testing.T) {
	ps, err := GeneratePaths()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 50 {
		t.Fatalf("%d generate paths", len(ps))
	}
	for _, p := range ps {
		if !strings.HasPrefix(p, "/generate/") {
			t.Errorf("path %s", p)
		}
	}
}

func TestValidateJSONBody(t *testing.T) {
	ctx := t.Context()
	const p = "/generate/image/bfl/flux-1-dev"
	if err := ValidateJSONBody(ctx, "POST", p, []byte(`{"prompt":"x","width":512}`)); err != nil {
		t.Fatalf("valid body: %v", err)
	}
	err := ValidateJSONBody(ctx, "POST", p, []byte(`{"width":512}`))
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "prompt") {
		t.Fatalf("missing prompt: %q", err)
	}
	if err := ValidateJSONBody(ctx, "POST", "/nowhere", []byte(`{}`)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("unknown path: %v", err)
	}
}
