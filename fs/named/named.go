// Package named is the named request directories of jobs/ and styles/:
// MOUNT/jobs/NAME/ or MOUNT/styles/NAME/ made with mkdir, where writing
// request.json (train.json) starts a job. fs/generate has the rules and
// the Submitter does the work; docs/jobs-and-styles.md, "Generating", says
// the same to users. Once started, the directory shows request.json
// (read-only from then on), id, wait and what its Host shows of the job
// (jobs/: job.json, status, results); a refused or unknown request shows
// status and error instead.
//
// Consistency: names, requests and their states are kept per account in
// state.JobRequests (saved before a POST, surviving remounts); a directory
// made but never given a request, and files written into a directory that
// are not its request (temp names, a copy's other files), live in memory
// for the mount's life only. A write to the request file is sent at the
// first close after it (a shell's "> request.json" dup2s and closes a
// descriptor before writing: that close sends nothing) or by a rename onto
// its name; the close (rename) reports EINVAL for a request refused before
// sending, EIO for Krea's refusal or a lost answer, and EPERM once sent.
//
// Locking: Set.mu guards dirs (pending directories); Dir.mu guards
// scratch. Neither is held while submitting, calling the Host or the API,
// or notifying the kernel; Dir.submitMu serializes the submissions of one
// directory (a close and a rename racing) and is held across the POST.
package named

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// submitTimeout bounds one POST of a request file (the close waits for it).
const submitTimeout = 2 * time.Minute

// Host is what the top directory (jobs/, styles/) lends its named
// directories.
type Host interface {
	// Job returns the started job's current snapshot (watching it while
	// it runs).
	Job(ctx context.Context, id string) (*api.Job, error)
	// JobEntries lists the job's own files the directory shows (none: the
	// directory shows the job's status itself).
	JobEntries(ctx context.Context, j *api.Job) []fuse.DirEntry
	// JobChild makes the node of the job's file name under parent.
	JobChild(ctx context.Context, parent *gofs.Inode, j *api.Job, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno)
	// RemoveJob does rmdir's work for a started request's job.
	RemoveJob(ctx context.Context, id string) error
	// Refuse answers a change the directory does not support (EROFS or
	// EPERM, with a log line).
	Refuse(op, path string) syscall.Errno
}

// Set is the named directories of one top directory.
type Set struct {
	r    *node.Mount
	host Host
	area generate.Area
	top  string // "jobs" or "styles"
	reqs *state.JobRequests
	sub  *generate.Submitter

	mu   sync.Mutex
	dirs map[string]time.Time // made with mkdir, no request recorded yet -> when
}

// New opens the named directories of area (their records are the
// account's state.JobRequests).
func New(r *node.Mount, a generate.Area, host Host) *Set {
	top := state.AreaJobs
	if a == generate.Styles {
		top = state.AreaStyles
	}
	reqs, err := r.State.JobRequests()
	if err != nil {
		r.Log.WithFields(logrus.Fields{"op": "mount", "path": top}).WithError(err).Warn("cannot read the names of jobs started from files; starting with none")
	}
	return &Set{
		r: r, host: host, area: a, top: top, reqs: reqs,
		sub: &generate.Submitter{Requests: reqs, API: r.Cfg.Remote, Log: r.Log,
			Paths: generate.Paths{Mountpoint: r.Cfg.Mountpoint}},
		dirs: map[string]time.Time{},
	}
}

func (s *Set) path(name ...string) string {
	p := s.top
	for _, n := range name {
		p += "/" + n
	}
	return p
}

// Has reports whether name is a named directory, and when it was made.
func (s *Set) Has(name string) (time.Time, bool) {
	if rec, ok := s.reqs.Get(s.top, name); ok {
		return rec.Updated, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.dirs[name]
	return t, ok
}

// Names lists every named directory.
func (s *Set) Names() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.reqs.List(s.top) {
		out = append(out, r.Name)
		seen[r.Name] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.dirs {
		if !seen[name] {
			out = append(out, name)
		}
	}
	return out
}

// Ino is the inode number of named directory name.
func (s *Set) Ino(name string) uint64 { return node.InoFor("named:" + s.top + "/" + name) }

// Entry returns the node of named directory name under parent, if it is
// one.
func (s *Set) Entry(ctx context.Context, parent *gofs.Inode, name string, out *fuse.EntryOut) (*gofs.Inode, bool) {
	t, ok := s.Has(name)
	if !ok {
		return nil, false
	}
	ch := parent.NewInode(ctx, &Dir{s: s, name: name}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: s.Ino(name)})
	s.r.DirAttr(&out.Attr, t)
	out.Ino = s.Ino(name)
	out.SetEntryTimeout(s.r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(s.r.Cfg.DirCacheTTL)
	return ch, true
}

// Mkdir makes named directory name (mkdir jobs/NAME). exists says whether
// the top directory already has something called name.
func (s *Set) Mkdir(ctx context.Context, parent *gofs.Inode, name string, exists func() bool, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	path := s.path(name)
	if errno := s.Gate("mkdir", path); errno != 0 {
		return nil, errno
	}
	f := logrus.Fields{"op": "mkdir", "path": path}
	if !view.UsableName(name) || view.ClassifyName(name) != view.FinalName {
		s.r.Log.WithFields(f).Info("refused: not a name for a request directory")
		return nil, syscall.EINVAL
	}
	if _, ok := s.Has(name); ok || exists() {
		return nil, syscall.EEXIST
	}
	s.mu.Lock()
	s.dirs[name] = s.r.Cfg.Clock()
	s.mu.Unlock()
	s.r.Log.WithFields(f).Infof("directory made: write %s in it to start a job", generate.TriggerName(s.area))
	ch, _ := s.Entry(ctx, parent, name, out)
	return ch, 0
}

// Rmdir removes named directory name: a started job is removed as its
// Host says (jobs/: cancelled or hidden), and the name is forgotten.
func (s *Set) Rmdir(ctx context.Context, name string) syscall.Errno {
	f := logrus.Fields{"op": "rmdir", "path": s.path(name)}
	if s.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	if rec, ok := s.reqs.Get(s.top, name); ok && rec.State == state.Started {
		if err := s.host.RemoveJob(ctx, rec.JobID); err != nil {
			return node.Fail(s.r.Log, f, err)
		}
	}
	if err := s.reqs.Remove(s.top, name); err != nil {
		return node.Fail(s.r.Log, f, err)
	}
	s.mu.Lock()
	delete(s.dirs, name)
	s.mu.Unlock()
	s.r.Log.WithFields(f).Info("request directory removed")
	return 0
}

// Gate refuses what would start a job on a read-only mount (EROFS) or
// with --no-generate (EPERM), with one log line.
func (s *Set) Gate(op, path string) syscall.Errno {
	if s.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	if s.r.Cfg.NoGenerate {
		s.r.Log.WithFields(logrus.Fields{"op": op, "path": path}).Info("refused: --no-generate: starting jobs from files is off")
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
