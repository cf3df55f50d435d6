package styles

// MOUNT/styles/<name>/: one style's directory: style.json, cover.<ext>,
// preview-<n>.<ext>.
//
// Locking: styleDir and styleJSONFile have no mutable state; the style
// they show comes from stylesDir (styles_dir.go), guarded there.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// styleDir is one style's directory, reached by name, by id alias or via
// .by-id (see styleDirIno).
type styleDir struct {
	gofs.Inode
	d   *stylesDir
	id  string
	via string
}

// styleFile is one entry of a style's directory.
type styleFile struct {
	name string
	key  string // content-cache key; "" for style.json
	url  string
}

// styleFiles lists what style s's directory holds. A changed URL gets a
// new cache key, so an old cover is never served for a new one.
func (d *stylesDir) styleFiles(ctx context.Context, s *api.Style, probe bool) []styleFile {
	fs := []styleFile{{name: view.StyleJSONName}}
	if s.CoverURL != nil && *s.CoverURL != "" {
		u := *s.CoverURL
		fs = append(fs, styleFile{name: view.CoverName(d.exts.Ext(ctx, u, probe)), key: "style/" + s.ID + "/cover/" + view.HashTag(u), url: u})
	}
	for i, u := range s.URLs {
		if u == "" {
			continue
		}
		fs = append(fs, styleFile{name: view.PreviewName(i, d.exts.Ext(ctx, u, probe)), key: "style/" + s.ID + "/preview/" + view.HashTag(u), url: u})
	}
	return fs
}

func (sd *styleDir) path(name string) string {
	return "styles/.by-id/" + sd.id + "/" + name
}

// Lookup finds style.json, the cover or a preview.
func (sd *styleDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	r := sd.d.r
	s, err := sd.d.style(ctx, sd.id)
	if err != nil {
		return nil, node.Fail(r.Log, logrus.Fields{"op": "lookup", "path": sd.path(name), "id": sd.id}, err)
	}
	for _, f := range sd.d.styleFiles(ctx, &s, true) {
		if f.name != name {
			continue
		}
		if f.key == "" {
			ino := node.InoFor("style-json:" + sd.id)
			node := &styleJSONFile{d: sd.d, id: sd.id, ino: ino}
			ch := sd.NewInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
			node.attr(&s, &out.Attr)
			out.SetEntryTimeout(r.Cfg.DirCacheTTL)
			out.SetAttrTimeout(r.Cfg.DirCacheTTL)
			return ch, 0
		}
		return r.MediaEntry(ctx, &sd.Inode, node.MediaSource{Key: f.key, URL: f.url, Mtime: styleMtime(r, &s), EntryTTL: r.Cfg.DirCacheTTL}, out)
	}
	return nil, syscall.ENOENT
}

// Readdir lists the style's files.
func (sd *styleDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	s, err := sd.d.style(ctx, sd.id)
	if err != nil {
		return nil, node.Fail(sd.d.r.Log, logrus.Fields{"op": "readdir", "path": sd.path(""), "id": sd.id}, err)
	}
	fs := sd.d.styleFiles(ctx, &s, true)
	list := make([]fuse.DirEntry, 0, len(fs))
	for _, f := range fs {
		ino := node.InoFor("style-json:" + sd.id)
		if f.key != "" {
			ino = node.MediaIno(f.key)
		}
		list = append(list, fuse.DirEntry{Name: f.name, Mode: syscall.S_IFREG, Ino: ino})
	}
	return node.WithDots(sd.EmbeddedInode(), list), 0
}

// Getattr reports the style's directory (mtime: created_at).
func (sd *styleDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r := sd.d.r
	s, err := sd.d.style(ctx, sd.id)
	if err != nil {
		return node.Fail(r.Log, logrus.Fields{"op": "getattr", "path": sd.path(""), "id": sd.id}, err)
	}
	r.DirAttr(&out.Attr, styleMtime(r, &s))
	out.SetTimeout(r.Cfg.DirCacheTTL)
	return 0
}

// Changes inside a style's directory are refused: its files are the API's.
func (sd *styleDir) Unlink(ctx context.Context, name string) syscall.Errno {
	return sd.d.refuse("unlink", sd.path(name))
}

func (sd *styleDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return sd.d.refuse("rmdir", sd.path(name))
}

func (sd *styleDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, sd.d.refuse("mkdir", sd.path(name))
}

func (sd *styleDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, sd.d.refuse("create", sd.path(name))
}

func (sd *styleDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return sd.d.refuse("rename", sd.path(name))
}

func (sd *styleDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, sd.d.refuse("symlink", sd.path(name))
}

func (sd *styleDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, sd.d.refuse("link", sd.path(name))
}

// styleJSONFile is style.json: the style as the API returns it,
// pretty-printed, as of the last listing (or fetch by id).
type styleJSONFile struct {
	gofs.Inode
	d   *stylesDir
	id  string
	ino uint64
}

func (f *styleJSONFile) attr(s *api.Style, out *fuse.Attr) {
	f.d.r.FileAttr(out, f.ino, int64(len(view.PrettyJSON(s.Raw, s))), styleMtime(f.d.r, s))
}

// Getattr reports the size of the current content.
func (f *styleJSONFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := fh.(*node.BytesHandle); ok && h != nil && h.Owner == f.ino {
		s, err := f.d.style(ctx, f.id)
		if err == nil {
			f.attr(&s, &out.Attr)
		}
		out.Ino = f.ino
		out.Size = uint64(len(h.Data))
		out.SetTimeout(node.NoCacheTTL)
		return 0
	}
	s, err := f.d.style(ctx, f.id)
	if err != nil {
		return node.Fail(f.d.r.Log, logrus.Fields{"op": "getattr", "path": "styles/.by-id/" + f.id + "/" + view.StyleJSONName, "id": f.id}, err)
	}
	f.attr(&s, &out.Attr)
	out.SetTimeout(f.d.r.Cfg.DirCacheTTL)
	return 0
}

// Open snapshots the content; reads bypass the page cache (DIRECT_IO)
// because a rename elsewhere can change it at any listing.
func (f *styleJSONFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	path := "styles/.by-id/" + f.id + "/" + view.StyleJSONName
	if flags&node.WriteFlags != 0 {
		return nil, 0, f.d.refuse("open for writing", path)
	}
	s, err := f.d.style(ctx, f.id)
	if err != nil {
		return nil, 0, node.Fail(f.d.r.Log, logrus.Fields{"op": "open", "path": path, "id": f.id}, err)
	}
	return &node.BytesHandle{Data: view.PrettyJSON(s.Raw, &s), Owner: f.ino}, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr: style.json cannot be changed (rename the directory instead).
func (f *styleJSONFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.d.refuse("setattr", "styles/.by-id/"+f.id+"/"+view.StyleJSONName)
}
