package jobs

// MOUNT/jobs/<id>/: one job's directory (Lookup, Readdir, Getattr, Unlink
// and the refusals).
//
// Locking: jobDir has no state of its own; it reads the job's snapshot
// through jobsDir (jobs_state.go), whose mutex guards the hidden names.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// jobDir is MOUNT/jobs/<id>.
type jobDir struct {
	gofs.Inode
	d  *jobsDir
	id string
}

// entries lists what job j's directory holds (view.JobEntries), without
// the names unlinked through the mount. probe allows asking the file host
// for the type of a result whose URL has no extension (otherwise only what
// is already known is used).
func (d *jobsDir) entries(ctx context.Context, j *api.Job, probe bool) []view.JobEntry {
	d.mu.Lock()
	hidden := d.hidden[j.JobID]
	d.mu.Unlock()
	return view.JobEntries(j, func(u string) string { return d.exts.Ext(ctx, u, probe) }, hidden)
}

// resultSource is where the bytes of result entry e of job j come from:
// its content-cache key, and how long the kernel keeps its name (an
// intermediate result may change).
func resultSource(r *node.Mount, j *api.Job, e view.JobEntry) node.MediaSource {
	if e.Intermediate {
		return node.MediaSource{Key: intermediateKey(j.JobID, e.N, e.URL), URL: e.URL, Mtime: jobResultTime(r, j), EntryTTL: node.NoCacheTTL}
	}
	return node.MediaSource{Key: ResultKey(j.JobID, e.N), URL: e.URL, Mtime: jobResultTime(r, j), EntryTTL: node.FinishedTTL}
}

// job returns the job's snapshot for a read, watching it while unfinished.
func (jd *jobDir) job(ctx context.Context) (api.Job, error) {
	j, err := jd.d.current(ctx, jd.id)
	if err == nil && !j.Finished() {
		jd.d.watch.arm(jd.id)
	}
	return j, err
}

// fileIno is the inode number of a file in this job's directory.
func (jd *jobDir) fileIno(name string) uint64 { return node.InoFor("job:" + jd.id + "/" + name) }

// Lookup finds job.json, status, a result or the style link.
func (jd *jobDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	path := jobPath(jd.id, name)
	j, err := jd.job(ctx)
	if err != nil {
		return nil, node.Fail(jd.d.r.Log, logrus.Fields{"op": "lookup", "path": path, "id": jd.id}, err)
	}
	for _, e := range jd.d.entries(ctx, &j, true) {
		if e.Name == name {
			return jd.child(ctx, &j, e, out)
		}
	}
	return nil, syscall.ENOENT
}

// child makes (or finds) the node of entry e and fills out.
func (jd *jobDir) child(ctx context.Context, j *api.Job, e view.JobEntry, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return jd.d.jobChild(ctx, &jd.Inode, jd.id, j, e, out)
}

// jobChild makes (or finds) the node of entry e of job id under parent (the
// job's directory, or a named directory showing the job) and fills out.
func (d *jobsDir) jobChild(ctx context.Context, parent *gofs.Inode, id string, j *api.Job, e view.JobEntry, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	r := d.r
	ino := node.InoFor("job:" + id + "/" + e.Name)
	out.SetEntryTimeout(node.FinishedTTL) // names never change meaning within a job
	switch e.Kind {
	case view.JobJSON, view.JobStatus:
		f := &jobInfoFile{d: d, id: id, status: e.Kind == view.JobStatus, ino: ino}
		ch := parent.NewInode(ctx, f, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
		out.SetAttrTimeout(f.attr(j, &out.Attr))
		return ch, 0
	case view.JobResult:
		return r.MediaEntry(ctx, parent, resultSource(r, j, e), out)
	case view.JobStyle:
		l := &symlinkNode{r: r, target: e.Target, mtime: jobResultTime(r, j)}
		ch := parent.NewInode(ctx, l, gofs.StableAttr{Mode: syscall.S_IFLNK, Ino: ino})
		l.attr(&out.Attr)
		out.Ino = ino
		out.SetAttrTimeout(node.FinishedTTL)
		return ch, 0
	}
	return nil, syscall.ENOENT
}

// ResultKey is a job result's key in the content cache.
func ResultKey(id string, n int) string { return "job/" + id + "/" + strconv.Itoa(n) }

// intermediateKey is an intermediate result's key in the content cache:
// with a hash of its URL, since a later intermediate result (or the final
// one) may have another URL, and the cache must never serve old bytes for
// it.
func intermediateKey(id string, n int, url string) string {
	sum := sha256.Sum256([]byte(url))
	return "job/" + id + "/intermediate/" + strconv.Itoa(n) + "-" + hex.EncodeToString(sum[:8])
}

// jobResultTime is the mtime of a job's files: completed_at, else
// created_at.
func jobResultTime(r *node.Mount, j *api.Job) time.Time {
	if j.CompletedAt != nil && !j.CompletedAt.IsZero() {
		return *j.CompletedAt
	}
	return jobMtime(r, j)
}

// Readdir lists the job's files (fetching an unfinished job again when
// its snapshot is older than jobFresh).
func (jd *jobDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	j, err := jd.job(ctx)
	if err != nil {
		return nil, node.Fail(jd.d.r.Log, logrus.Fields{"op": "readdir", "path": jobPath(jd.id), "id": jd.id}, err)
	}
	return node.WithDots(jd.EmbeddedInode(), jd.d.jobDirEntries(ctx, &j)), 0
}

// jobDirEntries lists the entries of job j's directory.
func (d *jobsDir) jobDirEntries(ctx context.Context, j *api.Job) []fuse.DirEntry {
	es := d.entries(ctx, j, true)
	list := make([]fuse.DirEntry, 0, len(es))
	for _, e := range es {
		mode := uint32(syscall.S_IFREG)
		if e.Kind == view.JobStyle {
			mode = syscall.S_IFLNK
		}
		ino := node.InoFor("job:" + j.JobID + "/" + e.Name)
		if e.Kind == view.JobResult {
			ino = node.MediaIno(resultSource(d.r, j, e).Key)
		}
		list = append(list, fuse.DirEntry{Name: e.Name, Mode: mode, Ino: ino})
	}
	return list
}

// Getattr reports the job's directory: mtime created_at. No request: the
// snapshot at hand is good enough for a directory's attributes.
func (jd *jobDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r := jd.d.r
	mtime := r.Started
	if j, ok := jd.d.peek(jd.id); ok {
		mtime = jobMtime(r, &j)
	}
	r.DirAttr(&out.Attr, mtime)
	out.SetTimeout(node.FinishedTTL)
	return 0
}

// Unlink of a job's file removes it from this mount's view only (the job
// is unchanged; its files are views of it). This is what lets `rm -r
// jobs/<id>` work: rm unlinks every file before the rmdir that removes
// the job, and gives up on the directory if any unlink fails.
func (jd *jobDir) Unlink(ctx context.Context, name string) syscall.Errno {
	r := jd.d.r
	f := logrus.Fields{"op": "unlink", "path": jobPath(jd.id, name), "id": jd.id}
	if r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	j, err := jd.d.current(ctx, jd.id)
	if err != nil {
		return node.Fail(r.Log, f, err)
	}
	found := false
	for _, e := range jd.d.entries(ctx, &j, false) {
		found = found || e.Name == name
	}
	if !found {
		return syscall.ENOENT
	}
	jd.d.mu.Lock()
	if jd.d.hidden[jd.id] == nil {
		jd.d.hidden[jd.id] = make(map[string]bool)
	}
	jd.d.hidden[jd.id][name] = true
	jd.d.mu.Unlock()
	r.Log.WithFields(f).Info("job file hidden from this mount; the job is unchanged (rmdir the job's directory to cancel or hide the job)")
	return 0
}

// Rmdir: a job's directory holds no directories.
func (jd *jobDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return jd.d.refuse("rmdir", jobPath(jd.id, name))
}

// Mkdir, Create, Rename, Symlink, Link: a job's files are the API's.
func (jd *jobDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, jd.d.refuse("mkdir", jobPath(jd.id, name))
}

func (jd *jobDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, jd.d.refuse("create", jobPath(jd.id, name))
}

func (jd *jobDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return jd.d.refuse("rename", jobPath(jd.id, name))
}

func (jd *jobDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, jd.d.refuse("symlink", jobPath(jd.id, name))
}

func (jd *jobDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, jd.d.refuse("link", jobPath(jd.id, name))
}
