package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Values used where a schema gives no example, default or enum.
const (
	examplePrompt   = "a lighthouse at dusk"
	exampleImageURL = "assets/example.png" // a mount path: kreafs replaces it by the asset's URL
	exampleVideoURL = "assets/example.mp4"
)

// exampleFor returns a request body for schema s: the spec's example when it
// validates, else one built from the schema's required fields on top of it.
func exampleFor(s *openapi3.Schema, specExample any) (any, error) {
	m := Model{schema: s}
	if specExample != nil && m.validateValue(specExample) == nil {
		return specExample, nil
	}
	v := build(s, "", 0)
	if base, ok := specExample.(map[string]any); ok {
		if built, ok := v.(map[string]any); ok {
			for k, x := range built {
				if _, has := base[k]; !has {
					base[k] = x
				}
			}
			v = base
		}
	}
	if err := m.validateValue(v); err != nil {
		// The spec's example may hold a bad value: build from scratch.
		v = build(s, "", 0)
		if err := m.validateValue(v); err != nil {
			return nil, fmt.Errorf("no example validates: %v", err)
		}
	}
	return v, nil
}

// build makes a value for s: its example, default, const or first enum
// value, else one by type (objects get their required properties).
func build(s *openapi3.Schema, name string, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	switch {
	case s.Example != nil:
		return s.Example
	case len(s.Examples) > 0:
		return s.Examples[0]
	case s.Default != nil:
		return s.Default
	case s.Const != nil:
		return s.Const
	case len(s.Enum) > 0:
		return s.Enum[0]
	}
	for _, alt := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf} {
		if len(alt) > 0 && alt[0].Value != nil {
			return build(alt[0].Value, name, depth+1)
		}
	}
	t := s.Type
	switch {
	case t.Includes("object") || len(s.Properties) > 0:
		obj := map[string]any{}
		for _, k := range s.Required {
			if p := s.Properties[k]; p != nil {
				obj[k] = build(p.Value, k, depth+1)
			}
		}
		return obj
	case t.Includes("array"):
		var item any
		if s.Items != nil {
			item = build(s.Items.Value, name, depth+1)
		}
		n := max(1, int(s.MinItems))
		out := make([]any, n)
		for i := range out {
			out[i] = item
		}
		return out
	case t.Includes("integer"), t.Includes("number"):
		switch {
		case s.Min != nil:
			return *s.Min
		case s.Max != nil && *s.Max < 1:
			return *s.Max
		}
		return 1
	case t.Includes("boolean"):
		return false
	case t.Includes("string"):
		return buildString(s, name)
	}
	return nil
}

// buildString picks a string for s that its length limits and pattern
// accept: a mount path for URLs, a prompt, else a short word.
func buildString(s *openapi3.Schema, name string) string {
	var first string
	switch {
	case strings.Contains(name, "video"):
		first = exampleVideoURL
	case s.Format == "uri" || strings.Contains(name, "url") || strings.Contains(name, "image"):
		first = exampleImageURL
	default:
		first = examplePrompt
	}
	var re *regexp.Regexp
	if s.Pattern != "" {
		re, _ = regexp.Compile(s.Pattern)
	}
	for _, c := range []string{first, "example", "ref", "a"} {
		n := uint64(len(c))
		if n < s.MinLength || (s.MaxLength != nil && n > *s.MaxLength) {
			continue
		}
		if re != nil && !re.MatchString(c) {
			continue
		}
		return c
	}
	return first
}
