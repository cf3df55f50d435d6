package jobs

// A job's generated files (job.json, status), the small in-memory file
// handle they and style.json share, and the symlink node (a training job's
// "style" link).
//
// Locking: none of these types has mutable state after creation; the data
// they show comes from jobsDir's snapshots (jobs_state.go) or stylesDir's
// tables, each guarded there.

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// jobInfoFile is job.json (the job as the API returns it, pretty-printed)
// or status (the status word and a newline).
type jobInfoFile struct {
	gofs.Inode
	d      *jobsDir
	id     string
	status bool
	ino    uint64
}

func (f *jobInfoFile) name() string {
	if f.status {
		return view.JobStatusName
	}
	return view.JobJSONName
}

// render is the file's content for snapshot j.
func (f *jobInfoFile) render(j *api.Job) []byte {
	if f.status {
		return view.StatusContent(j.Status)
	}
	return view.PrettyJSON(j.Raw, j)
}

// attr fills the attributes for snapshot j and returns how long the kernel
// may keep them: long once the job is finished, not at all before.
func (f *jobInfoFile) attr(j *api.Job, out *fuse.Attr) time.Duration {
	f.d.r.FileAttr(out, f.ino, int64(len(f.render(j))), jobResultTime(f.d.r, j))
	if j.Finished() {
		return node.FinishedTTL
	}
	return node.NoCacheTTL
}

// Getattr re-fetches an unfinished job (at most once per jobFresh), so
// the size matches what a read right after returns.
func (f *jobInfoFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := fh.(*node.BytesHandle); ok && h != nil && h.Owner == f.ino {
		// fstat of an open file: the size of what that handle reads.
		j, _ := f.d.peek(f.id)
		f.attr(&j, &out.Attr)
		out.Size = uint64(len(h.Data))
		out.SetTimeout(node.NoCacheTTL)
		return 0
	}
	j, err := f.d.current(ctx, f.id)
	if err != nil {
		return node.Fail(f.d.r.Log, logrus.Fields{"op": "getattr", "path": jobPath(f.id, f.name()), "id": f.id}, err)
	}
	out.SetTimeout(f.attr(&j, &out.Attr))
	return 0
}

// Open takes a snapshot of the content (re-fetching an unfinished job, at
// most once per jobFresh); every read of this open file sees that
// snapshot. While the job runs, reads bypass the page cache (DIRECT_IO) so
// a size the kernel remembers never cuts a newer, longer content short.
func (f *jobInfoFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	path := jobPath(f.id, f.name())
	if flags&node.WriteFlags != 0 {
		return nil, 0, f.d.refuse("open for writing", path)
	}
	j, err := f.d.current(ctx, f.id)
	if err != nil {
		return nil, 0, node.Fail(f.d.r.Log, logrus.Fields{"op": "open", "path": path, "id": f.id}, err)
	}
	h := &node.BytesHandle{Data: f.render(&j), Owner: f.ino}
	if j.Finished() {
		return h, 0, 0
	}
	f.d.watch.arm(f.id)
	return h, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr (truncate, chmod, utimes): a job's files cannot be changed.
func (f *jobInfoFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.d.refuse("setattr", jobPath(f.id, f.name()))
}

// symlinkNode is a fixed symlink (a training job's "style" link).
type symlinkNode struct {
	gofs.Inode
	r      *node.Mount
	target string
	mtime  time.Time
}

func (l *symlinkNode) attr(out *fuse.Attr) {
	out.Mode = syscall.S_IFLNK | 0o777
	out.Nlink = 1
	out.Size = uint64(len(l.target))
	out.Owner = fuse.Owner{Uid: l.r.Cfg.UID, Gid: l.r.Cfg.GID}
	out.SetTimes(&l.mtime, &l.mtime, &l.mtime)
}

// Readlink returns the target.
func (l *symlinkNode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	return []byte(l.target), 0
}

// Getattr reports the link.
func (l *symlinkNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	l.attr(&out.Attr)
	out.SetTimeout(node.FinishedTTL)
	return 0
}
