package jobs

// Named request directories: MOUNT/jobs/NAME/ made with mkdir, where
// writing request.json starts a job (fs/generate has the rules, the
// Submitter does the work; docs/jobs-and-styles.md, "Generating"). Once
// started, the directory shows the job (job.json, status, results) plus
// request.json (read-only), id and wait; a refused or unknown request
// shows status and error instead. Names are kept per account in
// state.JobRequests and survive remounts; a directory made but never
// given a request lives in memory only.
//
// Locking: namedJobs.mu guards dirs (pending directories); namedDir.mu
// guards scratch. Neither is held while submitting, calling the API or
// notifying the kernel; namedDir.submitMu serializes the submissions of
// one directory (a close and a rename racing) and is held across the POST.

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// submitTimeout bounds one POST of a request file (the close waits for it).
const submitTimeout = 2 * time.Minute

// namedJobs is the jobs/ side of named requests.
type namedJobs struct {
	reqs *state.JobRequests
	sub  *generate.Submitter

	mu   sync.Mutex
	dirs map[string]time.Time // made with mkdir, no request recorded yet -> when
}

func newNamedJobs(r *node.Mount) *namedJobs {
	reqs, err := r.State.JobRequests()
	if err != nil {
		r.Log.WithFields(logrus.Fields{"op": "mount", "path": "jobs"}).WithError(err).Warn("cannot read the names of jobs started from files; starting with none")
	}
	return &namedJobs{
		reqs: reqs,
		sub: &generate.Submitter{Requests: reqs, API: r.Cfg.Remote, Log: r.Log,
			Paths: generate.Paths{Mountpoint: r.Cfg.Mountpoint}},
		dirs: map[string]time.Time{},
	}
}

// has reports whether name is a named directory, and when it was made.
func (n *namedJobs) has(name string) (time.Time, bool) {
	if rec, ok := n.reqs.Get(state.AreaJobs, name); ok {
		return rec.Updated, true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t, ok := n.dirs[name]
	return t, ok
}

// names lists every named directory.
func (n *namedJobs) names() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range n.reqs.List(state.AreaJobs) {
		out = append(out, r.Name)
		seen[r.Name] = true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for name := range n.dirs {
		if !seen[name] {
			out = append(out, name)
		}
	}
	return out
}

// namedIno is the inode number of named directory name.
func namedIno(name string) uint64 { return node.InoFor("jobname:" + name) }

// namedEntry returns the node of named directory name, if it is one.
func (d *jobsDir) namedEntry(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, bool) {
	t, ok := d.named.has(name)
	if !ok {
		return nil, false
	}
	ch := d.NewInode(ctx, &namedDir{d: d, name: name}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: namedIno(name)})
	d.r.DirAttr(&out.Attr, t)
	out.Ino = namedIno(name)
	out.SetEntryTimeout(d.r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(d.r.Cfg.DirCacheTTL)
	return ch, true
}

// mkdirNamed makes named directory name (mkdir jobs/NAME).
func (d *jobsDir) mkdirNamed(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	path := jobPath(name)
	if errno := d.generateGate("mkdir", path); errno != 0 {
		return nil, errno
	}
	f := logrus.Fields{"op": "mkdir", "path": path}
	if !view.UsableName(name) || view.ClassifyName(name) != view.FinalName {
		d.r.Log.WithFields(f).Info("refused: not a name for a job directory")
		return nil, syscall.EINVAL
	}
	if _, ok := d.named.has(name); ok {
		return nil, syscall.EEXIST
	}
	if view.IDLike(name) {
		if _, err := d.lookupJob(ctx, name); err == nil {
			return nil, syscall.EEXIST
		}
	}
	d.named.mu.Lock()
	d.named.dirs[name] = d.r.Cfg.Clock()
	d.named.mu.Unlock()
	d.r.Log.WithFields(f).Info("job directory made: write request.json in it to start a job")
	ch, _ := d.namedEntry(ctx, name, out)
	return ch, 0
}

// rmdirNamed removes named directory name: its job is cancelled or hidden
// as rmdir of the job's id would, and the name is forgotten.
func (d *jobsDir) rmdirNamed(ctx context.Context, name string) syscall.Errno {
	f := logrus.Fields{"op": "rmdir", "path": jobPath(name)}
	if rec, ok := d.named.reqs.Get(state.AreaJobs, name); ok && rec.State == state.Started {
		if err := d.removeJob(ctx, rec.JobID); err != nil {
			return node.Fail(d.r.Log, f, err)
		}
	}
	if err := d.named.reqs.Remove(state.AreaJobs, name); err != nil {
		return node.Fail(d.r.Log, f, err)
	}
	d.named.mu.Lock()
	delete(d.named.dirs, name)
	d.named.mu.Unlock()
	d.r.Log.WithFields(f).Info("job directory removed")
	return 0
}

// generateGate refuses what would start a job on a read-only mount (EROFS)
// or with --no-generate (EPERM), with one log line.
func (d *jobsDir) generateGate(op, path string) syscall.Errno {
	if d.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	if d.r.Cfg.NoGenerate {
		d.r.Log.WithFields(logrus.Fields{"op": op, "path": path}).Info("refused: --no-generate: starting jobs from files is off")
		return syscall.EPERM
	}
	return 0
}

// submitErrno is the errno of a failed submission: EINVAL for a request
// refused before sending, EPERM for one sent before, EIO for Krea's
// refusal or a lost answer.
func submitErrno(err error) syscall.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, generate.ErrInvalid):
		return syscall.EINVAL
	case errors.Is(err, state.ErrAlreadySubmitted):
		return syscall.EPERM
	}
	return syscall.EIO
}
