package jobs

// jobs/: one directory per job of the account (Lookup, Readdir, Rmdir,
// Getattr, and the refusals). The per-job directory is in job_dir_ops.go,
// its files in job_files.go, the job snapshots in jobs_state.go and the
// polling of unfinished jobs in jobs_watch.go.
//
// Locking: jobsDir.mu guards states, hidden, lastGen and listed (see
// jobs_state.go). It is never held while calling the API, the listing, the
// watcher, the hidden-jobs set (which has its own lock and writes a file),
// or a go-fuse Notify* function (those run in node.Mount.NotifyAsync, after the
// lock is released).

import (
	"context"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/state"

	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/named"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// jobsDir is MOUNT/jobs.
type jobsDir struct {
	gofs.Inode
	r       *node.Mount
	listing *cache.Listing[api.Job]
	watch   *jobWatcher
	exts    *node.ExtProber
	// hiddenJobs are the jobs removed with rm -r/rmdir that the API kept
	// (finished ones, cancelled ones): not listed, still opened by id
	// (jobs_remove.go). Persisted in the state dir.
	hiddenJobs *state.HiddenJobs
	// named are the directories made with mkdir to start jobs from
	// request files (fs/named).
	named *named.Set

	mu      sync.Mutex
	states  map[string]*jobState       // job id -> latest snapshot
	hidden  map[string]map[string]bool // job id -> names unlinked through the mount
	lastGen uint64                     // listing generation merged into states
	listed  map[string]bool            // ids of that generation
	ghosts  map[string]api.Job         // jobs gone elsewhere, being removed through the mount
	inRmdir map[string]int             // jobs an rmdir of this mount is removing
}

func New(r *node.Mount) gofs.InodeEmbedder {
	d := &jobsDir{
		r:      r,
		exts:   node.NewExtProber(r),
		states: make(map[string]*jobState),
		hidden: make(map[string]map[string]bool),
	}
	d.hiddenJobs = openHiddenJobs(r)
	d.named = named.New(r, generate.Jobs, namedHost{d})
	d.listing = cache.NewListing(cache.ListingConfig[api.Job]{
		TTL:   r.Cfg.DirCacheTTL,
		Clock: r.Cfg.Clock,
		Fetch: func(ctx context.Context) ([]api.Job, error) {
			return r.Cfg.Remote.AllJobs(ctx, api.JobListOptions{})
		},
		Log:          r.Log,
		Name:         "jobs",
		FetchTimeout: r.Cfg.OpTimeout,
	})
	spawn := func(fn func()) { r.Background(func(context.Context) { fn() }) }
	d.watch = newJobWatcher(r.BackgroundContext(), spawn, defaultPollSchedule, r.Cfg.Clock, r.Log, d.poll)
	return d
}

// jobIno is the inode number of a job's directory.
func jobIno(id string) uint64 { return node.InoFor("job:" + id) }

// jobPath is a job's path below the mount root, for logs.
func jobPath(id string, name ...string) string {
	p := "jobs/" + id
	for _, n := range name {
		p += "/" + n
	}
	return p
}

// Lookup finds a job's directory by id: in the listing, else (a job
// started a moment ago, or one the listing has not caught up with) by
// asking the API for it.
func (d *jobsDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if !view.UsableName(name) {
		return nil, syscall.ENOENT
	}
	if ch, ok := d.named.Entry(ctx, &d.Inode, name, out); ok {
		return ch, 0
	}
	if j, ok := d.ghost(name); ok { // being removed through the mount
		return d.jobEntry(ctx, &j, out), 0
	}
	j, err := d.lookupJob(ctx, name)
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "lookup", "path": jobPath(name)}, err)
	}
	if !j.Finished() {
		d.watch.arm(j.JobID)
	}
	return d.jobEntry(ctx, &j, out), 0
}

// jobEntry is the node of job j's directory, out filled.
func (d *jobsDir) jobEntry(ctx context.Context, j *api.Job, out *fuse.EntryOut) *gofs.Inode {
	ch := d.NewInode(ctx, &jobDir{d: d, id: j.JobID}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: jobIno(j.JobID)})
	d.r.DirAttr(&out.Attr, jobMtime(d.r, j))
	out.Ino = jobIno(j.JobID)
	out.SetEntryTimeout(d.r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(node.FinishedTTL) // a job directory's attributes never change
	return ch
}

// Readdir lists one directory per job, newest first, from the listing
// cache (one API walk per TTL). The newest unfinished jobs are watched, so
// their results appear without anyone asking again.
func (d *jobsDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	jobs, err := d.list(ctx, false)
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "readdir", "path": "jobs"}, err)
	}
	entries := make([]fuse.DirEntry, 0, len(jobs))
	armed := 0
	for i := range jobs {
		j := &jobs[i]
		if !view.UsableName(j.JobID) || d.hiddenJobs.Has(j.JobID) {
			continue
		}
		entries = append(entries, fuse.DirEntry{Name: j.JobID, Mode: syscall.S_IFDIR, Ino: jobIno(j.JobID)})
		if armed < d.watch.sched.MaxJobs && !d.finished(j) {
			d.watch.arm(j.JobID)
			armed++
		}
	}
	for _, n := range d.named.Names() {
		entries = append(entries, fuse.DirEntry{Name: n, Mode: syscall.S_IFDIR, Ino: d.named.Ino(n)})
	}
	return node.WithDots(d.EmbeddedInode(), entries), 0
}

// Getattr reports jobs/ itself.
func (d *jobsDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.r.DirAttr(&out.Attr, d.r.Started)
	out.SetTimeout(d.r.Cfg.DirCacheTTL)
	return 0
}

// Rmdir removes a job from jobs/: DELETE /jobs/{id} cancels it if it
// can; a job the API keeps (finished, or refused) is hidden from this
// mount's listing instead (jobs_remove.go). The directory need not be
// empty, and only an API failure other than a refusal makes it fail.
func (d *jobsDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	f := logrus.Fields{"op": "rmdir", "path": jobPath(name), "id": name}
	if d.unghost(name) {
		return 0 // kreafs's own rmdir of a job gone elsewhere (jobs_gone.go)
	}
	if d.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	if !view.UsableName(name) {
		return syscall.ENOENT
	}
	if _, ok := d.named.Has(name); ok {
		return d.named.Rmdir(ctx, name)
	}
	if _, err := d.lookupJob(ctx, name); err != nil {
		return node.Fail(d.r.Log, f, err)
	}
	defer d.removing(name)()
	return node.Fail(d.r.Log, f, d.removeJob(ctx, name))
}

// Mkdir makes a named directory, where writing request.json starts a job
// (fs/named). A name that is a job's id exists already.
func (d *jobsDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	exists := func() bool {
		if !view.IDLike(name) {
			return false
		}
		_, err := d.lookupJob(ctx, name)
		return err == nil
	}
	return d.named.Mkdir(ctx, &d.Inode, name, exists, out)
}

// Create: jobs/ holds only job directories.
func (d *jobsDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, d.refuse("create", jobPath(name))
}

// Rename: jobs have no name but their id.
func (d *jobsDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return d.refuse("rename", jobPath(name))
}

// Symlink, Link: jobs/ holds only job directories.
func (d *jobsDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, d.refuse("symlink", jobPath(name))
}

func (d *jobsDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, d.refuse("link", jobPath(name))
}

// refuse is the answer to a change jobs/ does not support: EROFS on a
// read-only mount, else EPERM, with one log line.
func (d *jobsDir) refuse(op, path string) syscall.Errno {
	if d.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	d.r.Log.WithFields(logrus.Fields{"op": op, "path": path}).Info("refused: jobs/ can only be listed, read, and have whole jobs removed")
	return syscall.EPERM
}

// jobMtime is a job directory's mtime: created_at (so ls -t sorts by age).
func jobMtime(r *node.Mount, j *api.Job) time.Time {
	if j.CreatedAt.IsZero() {
		return r.Started
	}
	return j.CreatedAt
}
