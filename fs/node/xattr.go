package node

// Extended attributes: what the API says about an asset, a job or a
// style, where getfattr and file managers look (docs/observability.md).
// Only user.krea.* names exist; every other name (security.*, system.*,
// unknown ones) answers ENODATA at once, without asking the API.

import (
	"context"
	"mime"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

// XattrPrefix starts every extended attribute kreafs shows.
const XattrPrefix = "user.krea."

// Xattr is one extended attribute.
type Xattr struct{ Name, Value string }

// AssetXattrs are an asset's attributes: id, url, mime_type, width,
// height, description and uploaded_at (RFC 3339, UTC), each only when the
// API gave it.
func AssetXattrs(a *api.Asset) []Xattr {
	var out []Xattr
	add := func(name, v string) {
		if v != "" {
			out = append(out, Xattr{XattrPrefix + name, v})
		}
	}
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	add("id", a.ID)
	add("url", a.ImageURL)
	add("mime_type", a.MIME())
	add("width", num(a.Width))
	add("height", num(a.Height))
	add("description", a.Description)
	if !a.UploadedAt.IsZero() {
		add("uploaded_at", a.UploadedAt.UTC().Format(time.RFC3339Nano))
	}
	return out
}

// GetXattr answers getxattr of name from attrs (go-fuse's convention: an
// empty dest asks for the size; ERANGE when dest is too small).
func GetXattr(attrs []Xattr, name string, dest []byte) (uint32, syscall.Errno) {
	for _, x := range attrs {
		if x.Name == name {
			if len(dest) == 0 {
				return uint32(len(x.Value)), 0
			}
			if len(dest) < len(x.Value) {
				return uint32(len(x.Value)), syscall.ERANGE
			}
			return uint32(copy(dest, x.Value)), 0
		}
	}
	return 0, syscall.ENODATA
}

// ListXattr answers listxattr: the names, each followed by a NUL.
func ListXattr(attrs []Xattr, dest []byte) (uint32, syscall.Errno) {
	var b []byte
	for _, x := range attrs {
		b = append(append(b, x.Name...), 0)
	}
	if len(dest) == 0 {
		return uint32(len(b)), 0
	}
	if len(dest) < len(b) {
		return uint32(len(b)), syscall.ERANGE
	}
	return uint32(copy(dest, b)), 0
}

// KreaXattr reports whether name is one kreafs may have; the others are
// answered ENODATA before anything is looked up.
func KreaXattr(name string) bool { return strings.HasPrefix(name, XattrPrefix) }

// xattrs are the attributes of an asset file (its latest metadata), or
// of a downloaded file of jobs/ or styles/ (mediaXattrs, set as
// File.Xattrs by MediaEntry).
func (f *File) xattrs() []Xattr {
	if f.Xattrs != nil {
		return f.Xattrs()
	}
	a, _ := f.Snapshot()
	return AssetXattrs(&a)
}

// Getxattr answers user.krea.* from the asset's metadata; ENODATA for
// everything else.
func (f *File) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if !KreaXattr(attr) {
		return 0, syscall.ENODATA
	}
	return GetXattr(f.xattrs(), attr, dest)
}

// Listxattr lists the asset's user.krea.* attributes.
func (f *File) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return ListXattr(f.xattrs(), dest)
}

// mediaXattrs are a downloaded file's attributes: its URL and type, and
// for a job's result the job's id as user.krea.id.
func (f *File) mediaXattrs() []Xattr {
	a, _ := f.Snapshot()
	var out []Xattr
	if rest, ok := strings.CutPrefix(a.ID, "job/"); ok {
		if id, _, ok := strings.Cut(rest, "/"); ok {
			out = append(out, Xattr{XattrPrefix + "id", id})
		}
	}
	if a.ImageURL != "" {
		out = append(out, Xattr{XattrPrefix + "url", a.ImageURL})
		if t := mime.TypeByExtension(path.Ext(urlPath(a.ImageURL))); t != "" {
			out = append(out, Xattr{XattrPrefix + "mime_type", t})
		}
	}
	if !a.UploadedAt.IsZero() {
		out = append(out, Xattr{XattrPrefix + "uploaded_at", a.UploadedAt.UTC().Format(time.RFC3339Nano)})
	}
	return out
}

// urlPath is u without its query and fragment.
func urlPath(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// Setxattr: the attributes are the API's; none can be set (ENOTSUP,
// "Operation not supported").
func (f *File) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	return syscall.ENOTSUP
}

// Removexattr: as Setxattr.
func (f *File) Removexattr(ctx context.Context, attr string) syscall.Errno {
	return syscall.ENOTSUP
}

// DirXattrs answers the extended attributes of an object's directory (a
// job, a style): user.krea.id is id, user.krea.<name> comes from value
// (which may ask the API; its error is answered through Fail with op
// getxattr and path); every other name is ENODATA. With attr "" it
// answers listxattr.
type DirXattrs struct {
	ID, Name, Path string
	Value          func(ctx context.Context) (string, error)
	Log            logrus.FieldLogger
}

// Get answers getxattr.
func (d DirXattrs) Get(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	switch attr {
	case XattrPrefix + "id":
		return GetXattr([]Xattr{{attr, d.ID}}, attr, dest)
	case XattrPrefix + d.Name:
		v, err := d.Value(ctx)
		if err != nil {
			return 0, Fail(d.Log, logrus.Fields{"op": "getxattr", "path": d.Path}, err)
		}
		return GetXattr([]Xattr{{attr, v}}, attr, dest)
	}
	return 0, syscall.ENODATA
}

// List answers listxattr.
func (d DirXattrs) List(dest []byte) (uint32, syscall.Errno) {
	return ListXattr([]Xattr{{Name: XattrPrefix + "id"}, {Name: XattrPrefix + d.Name}}, dest)
}
