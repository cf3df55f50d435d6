package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Krea's reference pages (docs.krea.ai/api-reference, generated from a newer
// spec than the bundled one) and its job-lifecycle page describe a few
// answers differently from the bundled document. ToBundledShape checks an
// answer's documented shape for those places and rewrites them into the
// bundled document's shape, so that everything else can still be validated
// against the bundled document. The differences, each with its source:
//
//   - List answers (GET /assets, /jobs, /styles) name their cursor
//     "nextCursor" (string or null, required) where the bundled spec has
//     "next_cursor" (docs.krea.ai/api-reference/assets/list-assets,
//     .../general/list-jobs). Either name is accepted; "nextCursor" must be a
//     string or null and is renamed.
//   - A job answer may carry "completed_at": null while the job runs
//     (docs.krea.ai/developers/examples/image-to-image); the bundled spec
//     has it absent or a date-time. The null is dropped.
//   - An asset's "description" may be null (a public script for the real
//     API treats it as nullable; the reference pages mark it optional). The
//     null is dropped.
//
// Statuses are not rewritten: DELETE /jobs/{id} answering 400 for a job that
// is not queued or processing (docs.krea.ai/developers/job-lifecycle) stays
// an undocumented status of the bundled spec, checked by the caller.
func ToBundledShape(method, routePath string, status int, body []byte) ([]byte, error) {
	if status < 200 || status > 299 || len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	fix := bundledFixers[method+" "+routePath]
	if fix == nil {
		return body, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body, nil // not JSON: the schema validation says so
	}
	m, ok := v.(map[string]any)
	if !ok {
		return body, nil
	}
	if err := fix(m); err != nil {
		return nil, fmt.Errorf("%s %s -> %d: %w", method, routePath, status, err)
	}
	return json.Marshal(m)
}

var bundledFixers = map[string]func(map[string]any) error{
	"GET /assets": func(m map[string]any) error {
		return listFix(m, dropNull("description"))
	},
	"GET /assets/{id}": dropNull("description"),
	"POST /assets":     dropNull("description"),
	"GET /jobs": func(m map[string]any) error {
		return listFix(m, dropNull("completed_at"))
	},
	"GET /jobs/{id}":    dropNull("completed_at"),
	"DELETE /jobs/{id}": dropNull("completed_at"),
	"GET /styles": func(m map[string]any) error {
		return listFix(m, nil)
	},
}

// listFix renames a documented "nextCursor" to "next_cursor" and applies
// item to every object in "items".
func listFix(m map[string]any, item func(map[string]any) error) error {
	if c, ok := m["nextCursor"]; ok {
		switch c.(type) {
		case nil, string:
		default:
			return fmt.Errorf(`"nextCursor" is %T, want a string or null`, c)
		}
		if _, both := m["next_cursor"]; !both {
			m["next_cursor"] = c
		}
		delete(m, "nextCursor")
	}
	if items, ok := m["items"].([]any); ok && item != nil {
		for _, x := range items {
			if o, ok := x.(map[string]any); ok {
				if err := item(o); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func dropNull(key string) func(map[string]any) error {
	return func(m map[string]any) error {
		if v, ok := m[key]; ok && v == nil {
			delete(m, key)
		}
		return nil
	}
}
