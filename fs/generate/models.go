package generate

import (
	"sort"
	"strings"

	apispec "github.com/kreafs/kreafs/api/spec"
)

// Files of a model's directory in models/.
const (
	SchemaFile  = "schema.json"
	ExampleFile = "example.json"
)

// ModelTree is models/ as directories: every prefix of a model name is a
// directory ("image", "image/bfl"), every model name a directory holding
// schema.json and example.json. Built once from the bundled spec;
// read-only and safe for concurrent use.
type ModelTree struct {
	dirs   map[string][]string // directory ("" = models/ itself) -> sorted child names
	models map[string]apispec.Model
}

// NewModelTree builds the tree of the bundled spec's models.
func NewModelTree() (*ModelTree, error) {
	ms, err := apispec.Models()
	if err != nil {
		return nil, err
	}
	t := &ModelTree{dirs: map[string][]string{"": nil}, models: map[string]apispec.Model{}}
	seen := map[string]bool{}
	for _, m := range ms {
		t.models[m.Name] = m
		parts := strings.Split(m.Name, "/")
		for i := range parts {
			parent, child := strings.Join(parts[:i], "/"), strings.Join(parts[:i+1], "/")
			if !seen[child] {
				seen[child] = true
				t.dirs[parent] = append(t.dirs[parent], parts[i])
				if _, ok := t.dirs[child]; !ok {
					t.dirs[child] = nil
				}
			}
		}
	}
	for _, c := range t.dirs {
		sort.Strings(c)
	}
	return t, nil
}

// Dir returns the subdirectories of dir ("" for models/, "image/bfl"), and
// the model when dir is one (its files are SchemaFile and ExampleFile). ok
// is false when dir is not in the tree.
func (t *ModelTree) Dir(dir string) (children []string, model *apispec.Model, ok bool) {
	c, ok := t.dirs[dir]
	if !ok {
		return nil, nil, false
	}
	if m, isModel := t.models[dir]; isModel {
		return c, &m, true
	}
	return c, nil, true
}

// File returns the content of file name in model directory dir.
func (t *ModelTree) File(dir, name string) ([]byte, bool) {
	m, ok := t.models[dir]
	if !ok {
		return nil, false
	}
	switch name {
	case SchemaFile:
		return m.Schema, true
	case ExampleFile:
		return ExampleRequest(m), true
	}
	return nil, false
}

// ExampleRequest is the request.json that starts a job of m: the model's
// example body with the model named ("model", or "endpoint" when the body
// has a "model" field of its own).
func ExampleRequest(m apispec.Model) []byte {
	key := "model"
	if strings.Contains(string(m.Example), `"model":`) {
		key = "endpoint"
	}
	body := strings.TrimSpace(string(m.Example))
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(body, "{"), "}"))
	if inner == "" {
		return []byte("{\n  \"" + key + "\": \"" + m.Name + "\"\n}\n")
	}
	return []byte("{\n  \"" + key + "\": \"" + m.Name + "\",\n  " + inner + "\n}\n")
}
