package fs

// MOUNT/.kreafs/: the mount's own status files, each rebuilt at every
// open: uploads is the upload queue as text (upload.FormatStatus), errors
// the last errors the mount returned (node.FormatErrors), assets.jsonl
// every asset's API record with its name (assets.Tree.AssetsJSONL);
// events, which only grows, is one line per change kreafs sees
// (events_file.go).
//
// Locking: statusFile and statusHandle have no mutable shared state; the
// text is built per open from a queue snapshot.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
)

// statusDirName is the mount's status directory at the root.
const statusDirName = ".kreafs"

// statusDir is MOUNT/.kreafs.
type statusDir struct {
	gofs.Inode
	node.BigStatfs
	r *Root
}

// addStatusDir adds MOUNT/.kreafs (call from Root.OnAdd).
func (r *Root) addStatusDir(ctx context.Context) {
	r.addDir(ctx, statusDirName, &statusDir{r: r})
}

// OnAdd adds the status files.
func (s *statusDir) OnAdd(ctx context.Context) {
	for name, text := range map[string]func(context.Context) ([]byte, error){
		"uploads": func(context.Context) ([]byte, error) {
			return []byte(node.Errors.Scrub(string(s.r.uploadsText()))), nil // errors may quote the API
		},
		"errors": func(context.Context) ([]byte, error) {
			return node.FormatErrors(node.Errors.Entries()), nil
		},
		"assets.jsonl": s.r.assets.AssetsJSONL,
	} {
		s.addFile(ctx, name, text)
	}
	ev := s.NewPersistentInode(ctx, &eventsFile{m: s.r.m}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: node.InoFor("status:events")})
	s.AddChild("events", ev, false)
}

// addFile adds status file name whose content text builds.
func (s *statusDir) addFile(ctx context.Context, name string, text func(context.Context) ([]byte, error)) {
	f := &statusFile{r: s.r, name: name, ino: node.InoFor("status:" + name), text: text}
	ch := s.NewPersistentInode(ctx, f, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: f.ino})
	s.AddChild(name, ch, false)
}

// Getattr reports the directory.
func (s *statusDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	s.r.m.DirAttr(&out.Attr, s.r.m.Started)
	out.SetTimeout(s.r.m.Cfg.DirCacheTTL)
	return 0
}

// statusFile is one file of MOUNT/.kreafs: text builds its content.
type statusFile struct {
	gofs.Inode
	r    *Root
	name string
	ino  uint64
	text func(context.Context) ([]byte, error)
}

// uploadsText is MOUNT/.kreafs/uploads: one line per queued file (see
// upload.FormatStatus and docs/writes.md).
func (r *Root) uploadsText() []byte {
	if r.assets.ReadOnly() {
		return []byte("# kreafs upload queue: none (read-only mount; files queued by an earlier mount upload at the next writable one)\n")
	}
	return r.assets.Status()
}

// Getattr reports the current text's length, read-only, never cached.
func (s *statusFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	var size int64
	if h, ok := fh.(*statusHandle); ok {
		size = int64(len(h.data))
	} else if b, err := s.text(ctx); err == nil {
		size = int64(len(b))
	}
	s.r.m.FileAttr(&out.Attr, s.ino, size, s.r.m.Cfg.Clock())
	out.Mode = syscall.S_IFREG | (0o444 &^ s.r.m.Cfg.Umask)
	out.SetTimeout(0)
	return 0
}

// Open snapshots the queue; reads see that snapshot (direct I/O: the
// kernel neither caches it nor trusts the size).
func (s *statusFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if node.WantsWrite(flags) {
		return nil, 0, syscall.EACCES
	}
	b, err := s.text(ctx)
	if err != nil {
		return nil, 0, node.Fail(s.r.m.Log, logrus.Fields{"op": "open", "path": statusDirName + "/" + s.name}, err)
	}
	return &statusHandle{data: b}, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr: the status file cannot be changed.
func (s *statusFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EACCES
}

type statusHandle struct{ data []byte }

func (h *statusHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off >= int64(len(h.data)) {
		return fuse.ReadResultData(nil), 0
	}
	end := min(off+int64(len(dest)), int64(len(h.data)))
	return fuse.ReadResultData(h.data[off:end]), 0
}

// Readdir lists .kreafs.
func (s *statusDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return node.ChildrenWithDots(s.EmbeddedInode()), 0
}
