// Package spec is Krea's bundled OpenAPI document (embedded) read as the
// list of generation endpoints ("models"): each POST /generate/... path is a
// model named by the rest of its path ("image/bfl/flux-1-dev",
// "video/kling/kling-2.6", "enhance/topaz/standard-enhance"), with its
// request schema and an example request that validates against it. It also
// validates generation and training bodies before kreafs spends credits.
//
// Consistency rules:
//   - The bundled document may lag behind Krea: a model it lacks can still be
//     named (CheckName accepts any clean path of unreserved characters);
//     Lookup reports it unknown and callers POST its body without local
//     validation, letting Krea judge it.
//   - Examples are the spec's own example when it validates, else one built
//     from the schema (required fields from examples, defaults, enums, then
//     type), and Models only lists models whose example validates, so
//     every example.json shown works (a test checks each).
//   - Validation uses kin-openapi with JSON Schema 2020-12 (the document is
//     OpenAPI 3.1); messages are one line, naming the field.
//
// The loaded document is shared and read-only; everything is safe for
// concurrent use.
package spec

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// JSON is Krea's OpenAPI document as published (3.1).
//
//go:embed krea-api-openapi.json
var JSON []byte

// GeneratePrefix is the path prefix of every generation endpoint.
const GeneratePrefix = "/generate/"

// TrainPath is the style training endpoint.
const TrainPath = "/styles/train"

// Model is one generation endpoint of the bundled spec.
type Model struct {
	Name    string          // "image/bfl/flux-1-dev"
	Path    string          // "/generate/image/bfl/flux-1-dev"
	Kind    string          // first element of Name: "image", "video", "enhance"
	Title   string          // the operation's summary, e.g. "Flux"
	Schema  json.RawMessage // the request body schema, indented
	Example json.RawMessage // a request body that validates, indented

	schema *openapi3.Schema
}

// ErrUnknownModel is returned (wrapped) by Validate for a model the bundled
// spec does not list; its body can still be POSTed unvalidated.
var ErrUnknownModel = errors.New("model not in the bundled spec")

// ErrInvalid is wrapped by every validation failure of a body.
var ErrInvalid = errors.New("invalid request")

type catalog struct {
	models []Model
	byName map[string]int
	train  Model // Name "styles/train"
}

var load = sync.OnceValues(func() (*catalog, error) {
	doc, err := openapi3.NewLoader().LoadFromData(JSON)
	if err != nil {
		return nil, fmt.Errorf("spec: load: %w", err)
	}
	c := &catalog{byName: map[string]int{}}
	for p, item := range doc.Paths.Map() {
		if item.Post == nil || (!strings.HasPrefix(p, GeneratePrefix) && p != TrainPath) {
			continue
		}
		m, err := modelOf(p, item.Post)
		if err != nil {
			return nil, err
		}
		if p == TrainPath {
			c.train = m
			continue
		}
		c.models = append(c.models, m)
	}
	sort.Slice(c.models, func(i, j int) bool { return c.models[i].Name < c.models[j].Name })
	for i, m := range c.models {
		c.byName[m.Name] = i
	}
	if c.train.schema == nil {
		return nil, errors.New("spec: no POST /styles/train")
	}
	return c, nil
})

func modelOf(p string, op *openapi3.Operation) (Model, error) {
	name := strings.TrimPrefix(p, GeneratePrefix)
	if p == TrainPath {
		name = "styles/train"
	}
	m := Model{Name: name, Path: p, Kind: strings.SplitN(name, "/", 2)[0], Title: op.Summary}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return m, fmt.Errorf("spec: %s has no request body", p)
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return m, fmt.Errorf("spec: %s has no JSON request schema", p)
	}
	m.schema = mt.Schema.Value
	raw, err := json.MarshalIndent(m.schema, "", "  ")
	if err != nil {
		return m, fmt.Errorf("spec: %s: schema: %w", p, err)
	}
	m.Schema = append(raw, '\n')
	ex, err := exampleFor(m.schema, mt.Example)
	if err != nil {
		return m, fmt.Errorf("spec: %s: %w", p, err)
	}
	if m.Example, err = json.MarshalIndent(ex, "", "  "); err != nil {
		return m, err
	}
	m.Example = append(m.Example, '\n')
	return m, nil
}

// Models returns every generation endpoint of the bundled spec, sorted by
// name. The slice is shared: do not modify it.
func Models() ([]Model, error) {
	c, err := load()
	if err != nil {
		return nil, err
	}
	return c.models, nil
}

// Lookup returns the model called name ("image/bfl/flux-1-dev"; a leading
// "/generate/" is accepted).
func Lookup(name string) (Model, bool) {
	c, err := load()
	if err != nil {
		return Model{}, false
	}
	i, ok := c.byName[strings.TrimPrefix(name, GeneratePrefix)]
	if !ok {
		return Model{}, false
	}
	return c.models[i], true
}

// Train returns the style training endpoint as a Model (Name
// "styles/train", Path TrainPath).
func Train() (Model, error) {
	c, err := load()
	if err != nil {
		return Model{}, err
	}
	return c.train, nil
}

// CheckName checks that name can be a model (known or not): two or more
// non-empty elements of letters, digits and "-_.~", not "." or "..". It
// returns the endpoint path.
func CheckName(name string) (string, error) {
	name = strings.TrimPrefix(name, GeneratePrefix)
	parts := strings.Split(name, "/")
	if len(parts) < 2 {
		return "", fmt.Errorf("%w: model %q: want a path like image/bfl/flux-1-dev (see models/)", ErrInvalid, name)
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~") != "" {
			return "", fmt.Errorf("%w: model %q: want a path like image/bfl/flux-1-dev (see models/)", ErrInvalid, name)
		}
	}
	return GeneratePrefix + name, nil
}

// Validate checks body (a JSON object, without kreafs' own keys) against
// the request schema of model name. A model the spec lacks gives an error
// wrapping ErrUnknownModel (the body was not checked); a mismatch wraps
// ErrInvalid with a one-line message naming the field.
func Validate(name string, body []byte) error {
	if _, err := CheckName(name); err != nil {
		return err
	}
	m, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownModel, strings.TrimPrefix(name, GeneratePrefix))
	}
	return m.Validate(body)
}

// Validate checks body against m's request schema.
func (m Model) Validate(body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%w: not JSON: %v", ErrInvalid, err)
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("%w: want a JSON object", ErrInvalid)
	}
	return m.validateValue(v)
}

func (m Model) validateValue(v any) error {
	err := m.schema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsRequest())
	if err != nil {
		return fmt.Errorf("%w for %s: %s", ErrInvalid, m.Name, shortReason(err))
	}
	return nil
}

// shortReason turns a schema error into one line naming the failing
// fields: the leaves of the JSON Schema error tree (at most three), as
// "field width: minimum: got 10, want 512".
func shortReason(err error) string {
	var verr *jsonschema.ValidationError
	var msg string
	if errors.As(err, &verr) {
		var parts []string
		collectLeaves(verr, &parts)
		msg = strings.Join(parts, "; ")
	}
	if msg == "" {
		msg = err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}

var printer = message.NewPrinter(language.English)

func collectLeaves(e *jsonschema.ValidationError, out *[]string) {
	if len(*out) >= 3 {
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectLeaves(c, out)
		}
		return
	}
	s := e.ErrorKind.LocalizedString(printer)
	if len(e.InstanceLocation) > 0 {
		s = "field " + strings.Join(e.InstanceLocation, ".") + ": " + s
	}
	for _, have := range *out {
		if have == s {
			return
		}
	}
	*out = append(*out, s)
}
