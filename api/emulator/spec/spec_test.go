package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
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
		t.Fatal("api/spec/krea-api-openapi.json differs from api/testdata/krea-api-openapi.json: copy it over")
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

func TestDocumentedShapesAreCheckedThenRewritten(t *testing.T) {
	tests := []struct {
		name, method, path, body, want string
		bad                            bool
	}{
		{"nextCursor renamed", "GET", "/assets", `{"items":[],"nextCursor":"c"}`, `{"items":[],"next_cursor":"c"}`, false},
		{"null nextCursor", "GET", "/jobs", `{"items":[],"nextCursor":null}`, `{"items":[],"next_cursor":null}`, false},
		{"next_cursor left alone", "GET", "/styles", `{"items":[],"next_cursor":"c"}`, `{"items":[],"next_cursor":"c"}`, false},
		{"numeric nextCursor refused", "GET", "/assets", `{"items":[],"nextCursor":17}`, "", true},
		{"null description dropped in a list", "GET", "/assets", `{"items":[{"id":"a","description":null}],"nextCursor":null}`, `{"items":[{"id":"a"}],"next_cursor":null}`, false},
		{"null completed_at dropped", "GET", "/jobs/{id}", `{"job_id":"j","completed_at":null,"result":{}}`, `{"job_id":"j","result":{}}`, false},
		{"a string description stays", "GET", "/assets/{id}", `{"id":"a","description":"x"}`, `{"id":"a","description":"x"}`, false},
		{"other operations untouched", "GET", "/styles/{id}", `{"id":"s","nextCursor":17}`, `{"id":"s","nextCursor":17}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ToBundledShape(tc.method, tc.path, 200, []byte(tc.body))
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted %s as %s", tc.body, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(tc.want), &w) != nil || !reflect.DeepEqual(g, w) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
