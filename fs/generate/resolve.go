package generate

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Resolver turns paths into the mount into what Krea knows. Paths are
// relative to the mount root, cleaned, e.g. "assets/cat.png",
// "jobs/lighthouse/result-0.png", "styles/Ink".
type Resolver interface {
	// FileURL returns the hosted URL of the asset or job result at p. An
	// error says why it has none (no such file, not uploaded yet, ...).
	FileURL(p string) (string, error)
	// StyleID returns the id of the style whose folder is p ("styles/Ink").
	StyleID(p string) (string, error)
}

// Resolution is one replaced value, for the log.
type Resolution struct {
	Field string // "image_url", "styles.0.id"
	From  string // the value as written
	To    string // the URL or id sent
}

// Paths configures Resolve.
type Paths struct {
	// Mountpoint is the mount's absolute path: absolute values below it are
	// paths into the mount.
	Mountpoint string
	// Stat tells whether an absolute path outside the mount is an existing
	// local file (os.Stat when nil).
	Stat func(string) (os.FileInfo, error)
}

// roots are the top directories a mount-relative value may start with.
var roots = []string{"assets/", "jobs/", "styles/"}

// Resolve replaces every string value of body that is a path into the
// mount by what r says it is, and returns the body as JSON with the list of
// replacements. A path to a local file outside the mount, a file:// URL,
// or a mount path r cannot resolve is an error wrapping ErrInvalid and
// naming the field.
func (p Paths) Resolve(body map[string]any, r Resolver) ([]byte, []Resolution, error) {
	var done []Resolution
	out, err := p.walk(body, "", r, &done)
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return b, done, nil
}

func (p Paths) walk(v any, field string, r Resolver, done *[]Resolution) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			f := k
			if field != "" {
				f = field + "." + k
			}
			nv, err := p.walk(e, f, r, done)
			if err != nil {
				return nil, err
			}
			out[k] = nv
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			nv, err := p.walk(e, field+"."+strconv.Itoa(i), r, done)
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		return out, nil
	case string:
		to, changed, err := p.value(x, r)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: %v", ErrInvalid, strings.TrimPrefix(field, "."), err)
		}
		if changed {
			*done = append(*done, Resolution{Field: strings.TrimPrefix(field, "."), From: x, To: to})
		}
		return to, nil
	}
	return v, nil
}

// value resolves one string; changed is false for strings left alone.
func (p Paths) value(s string, r Resolver) (string, bool, error) {
	if strings.HasPrefix(strings.ToLower(s), "file:") {
		return "", false, fmt.Errorf("%q is a local file URL: copy the file into the mount's assets/ and name it \"assets/NAME\" (kreafs never uploads as a side effect)", s)
	}
	if rel, ok := p.mountRelative(s); ok {
		return p.resolve(s, rel, r)
	}
	if strings.HasPrefix(s, "/") && !strings.ContainsAny(s, "\n\r") && len(s) < 4096 {
		stat := p.Stat
		if stat == nil {
			stat = os.Stat
		}
		if _, err := stat(s); err == nil {
			return "", false, fmt.Errorf("%q is a local file outside the mount: copy it into %s first and name it \"assets/%s\" (kreafs never uploads as a side effect)",
				s, path.Join(p.Mountpoint, "assets")+"/", filepath.Base(s))
		}
	}
	return s, false, nil
}

// mountRelative returns the cleaned mount-relative path of s when s is
// one: "assets/...", "./jobs/...", or an absolute path below Mountpoint.
func (p Paths) mountRelative(s string) (string, bool) {
	if strings.ContainsAny(s, "\n\r\x00") {
		return "", false
	}
	rel := s
	if strings.HasPrefix(s, "/") {
		mp := strings.TrimRight(p.Mountpoint, "/")
		if mp == "" || !strings.HasPrefix(s, mp+"/") {
			return "", false
		}
		rel = s[len(mp)+1:]
	}
	rel = strings.TrimPrefix(rel, "./")
	for _, root := range roots {
		if strings.HasPrefix(rel, root) && len(rel) > len(root) {
			c := path.Clean(rel)
			if !strings.HasPrefix(c+"/", root) {
				return "", false // "assets/../x" leaves the tree it named
			}
			return c, true
		}
	}
	return "", false
}

func (p Paths) resolve(orig, rel string, r Resolver) (string, bool, error) {
	var (
		to  string
		err error
	)
	if strings.HasPrefix(rel, "styles/") && strings.Count(rel, "/") == 1 {
		to, err = r.StyleID(rel)
	} else {
		to, err = r.FileURL(rel)
	}
	if err != nil {
		return "", false, fmt.Errorf("%q: %v", orig, err)
	}
	if to == "" {
		return "", false, fmt.Errorf("%q: has no hosted URL yet", orig)
	}
	return to, true, nil
}
