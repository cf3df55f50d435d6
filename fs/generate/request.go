package generate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apispec "github.com/kreafs/kreafs/api/spec"
)

// MaxRequestBytes bounds a request or train file: far more than any
// request needs, small enough to keep in memory and in local state.
const MaxRequestBytes = 1 << 20

// ErrInvalid is wrapped by every refusal of a request file before anything
// is sent (the user sees EINVAL and the message in the error file).
var ErrInvalid = errors.New("invalid request")

// Request is a parsed request.json.
type Request struct {
	Model string         // "image/bfl/flux-1-dev"
	Path  string         // "/generate/image/bfl/flux-1-dev"
	Known bool           // the bundled spec has the model: Validate checks the body
	Body  map[string]any // what is sent, before path resolution
}

// ParseRequest reads a request.json: a JSON object naming its model (see
// the package doc for "model" and "endpoint").
func ParseRequest(data []byte) (*Request, error) {
	obj, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	name, key := "", ""
	if v, ok := obj["endpoint"]; ok {
		s, _ := v.(string)
		name, key = s, "endpoint"
	} else if v, ok := obj["model"].(string); ok && strings.Contains(v, "/") {
		name, key = v, "model"
	}
	if key == "" {
		return nil, fmt.Errorf(`%w: no "model": name one of the folders of models/, e.g. "model": "image/bfl/flux-1-dev"`, ErrInvalid)
	}
	p, err := apispec.CheckName(strings.Trim(name, "/"))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %s", ErrInvalid, key, strings.TrimPrefix(err.Error(), apispec.ErrInvalid.Error()+": "))
	}
	delete(obj, key)
	r := &Request{Model: strings.TrimPrefix(p, apispec.GeneratePrefix), Path: p, Body: obj}
	_, r.Known = apispec.Lookup(r.Model)
	return r, nil
}

// Train is a parsed train.json.
type Train struct {
	Body map[string]any // the POST /styles/train body, before path resolution
}

// ParseTrain reads a train.json; "name" defaults to the folder's name.
func ParseTrain(folder string, data []byte) (*Train, error) {
	obj, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	if _, ok := obj["name"]; !ok {
		obj["name"] = folder
	}
	return &Train{Body: obj}, nil
}

func parseObject(data []byte) (map[string]any, error) {
	if len(data) > MaxRequestBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalid, len(data), MaxRequestBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one JSON value", ErrInvalid)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: want a JSON object {...}", ErrInvalid)
	}
	return obj, nil
}

// Validate checks a resolved body against the model's schema (a model the
// spec lacks is not checked: Krea judges it). The error wraps ErrInvalid.
func (r *Request) Validate(body []byte) error {
	if !r.Known {
		return nil
	}
	if err := apispec.Validate(r.Model, body); err != nil {
		return invalidError(err.Error())
	}
	return nil
}

// invalidError is a validation message that already says "invalid
// request" (api/spec's); it matches ErrInvalid.
type invalidError string

func (e invalidError) Error() string        { return string(e) }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// ValidateTrain checks a resolved train body against the spec.
func ValidateTrain(body []byte) error {
	m, err := apispec.Train()
	if err != nil {
		return err
	}
	if err := m.Validate(body); err != nil {
		return invalidError(err.Error())
	}
	return nil
}
