package fs

// Timing of FUSE operations where they enter the file system, for
// metrics: a RawFileSystem wrapper around go-fuse's node bridge that
// tells an OpObserver of each operation as it ends (MountOptions.Ops).
// Operations not listed here (locks, ioctl, forget, ...) pass through
// untimed.

import (
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// OpObserver is told of each FUSE operation as it ends: its name
// ("lookup", "read", ...), how long it took and whether it failed.
// It is called from many goroutines at once.
type OpObserver interface {
	ObserveOp(op string, took time.Duration, failed bool)
}

type timedFS struct {
	fuse.RawFileSystem
	o OpObserver
}

func (t *timedFS) done(op string, start time.Time, st fuse.Status) fuse.Status {
	t.o.ObserveOp(op, time.Since(start), !st.Ok())
	return st
}

func (t *timedFS) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	s := time.Now()
	return t.done("lookup", s, t.RawFileSystem.Lookup(c, h, name, out))
}

func (t *timedFS) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	s := time.Now()
	return t.done("getattr", s, t.RawFileSystem.GetAttr(c, in, out))
}

func (t *timedFS) SetAttr(c <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	s := time.Now()
	return t.done("setattr", s, t.RawFileSystem.SetAttr(c, in, out))
}

func (t *timedFS) Mkdir(c <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	s := time.Now()
	return t.done("mkdir", s, t.RawFileSystem.Mkdir(c, in, name, out))
}

func (t *timedFS) Unlink(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	s := time.Now()
	return t.done("unlink", s, t.RawFileSystem.Unlink(c, h, name))
}

func (t *timedFS) Rmdir(c <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	s := time.Now()
	return t.done("rmdir", s, t.RawFileSystem.Rmdir(c, h, name))
}

func (t *timedFS) Rename(c <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	s := time.Now()
	return t.done("rename", s, t.RawFileSystem.Rename(c, in, oldName, newName))
}

func (t *timedFS) Readlink(c <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	s := time.Now()
	out, st := t.RawFileSystem.Readlink(c, h)
	return out, t.done("readlink", s, st)
}

func (t *timedFS) GetXAttr(c <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	s := time.Now()
	n, st := t.RawFileSystem.GetXAttr(c, h, attr, dest)
	return n, t.done("getxattr", s, st)
}

func (t *timedFS) ListXAttr(c <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	s := time.Now()
	n, st := t.RawFileSystem.ListXAttr(c, h, dest)
	return n, t.done("listxattr", s, st)
}

func (t *timedFS) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	s := time.Now()
	return t.done("create", s, t.RawFileSystem.Create(c, in, name, out))
}

func (t *timedFS) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	s := time.Now()
	return t.done("open", s, t.RawFileSystem.Open(c, in, out))
}

func (t *timedFS) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	s := time.Now()
	r, st := t.RawFileSystem.Read(c, in, buf)
	return r, t.done("read", s, st)
}

func (t *timedFS) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	s := time.Now()
	n, st := t.RawFileSystem.Write(c, in, data)
	return n, t.done("write", s, st)
}

func (t *timedFS) Release(c <-chan struct{}, in *fuse.ReleaseIn) {
	s := time.Now()
	t.RawFileSystem.Release(c, in)
	t.done("release", s, fuse.OK)
}

func (t *timedFS) Flush(c <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	s := time.Now()
	return t.done("flush", s, t.RawFileSystem.Flush(c, in))
}

func (t *timedFS) Fsync(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	s := time.Now()
	return t.done("fsync", s, t.RawFileSystem.Fsync(c, in))
}

func (t *timedFS) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	s := time.Now()
	return t.done("opendir", s, t.RawFileSystem.OpenDir(c, in, out))
}

func (t *timedFS) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	s := time.Now()
	return t.done("readdir", s, t.RawFileSystem.ReadDir(c, in, out))
}

func (t *timedFS) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	s := time.Now()
	return t.done("readdirplus", s, t.RawFileSystem.ReadDirPlus(c, in, out))
}

func (t *timedFS) StatFs(c <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	s := time.Now()
	return t.done("statfs", s, t.RawFileSystem.StatFs(c, h, out))
}
