package named

// MOUNT/jobs/NAME/ (styles/NAME/): one named request directory.

import (
	"context"
	"errors"
	"sort"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/node"
)

// Dir is jobs/NAME or styles/NAME.
type Dir struct {
	gofs.Inode
	s    *Set
	name string

	submitMu sync.Mutex // one submission of this directory at a time

	mu      sync.Mutex
	scratch map[string]*scratch // files written here and not sent: temp names, a request being written
}

// scratch is the content of a file written into a named directory, kept
// in memory (at most generate.MaxRequestBytes) until it is the request.
type scratch struct {
	data  []byte
	dirty bool // written since the last submission
}

func (nd *Dir) path(name ...string) string { return nd.s.path(append([]string{nd.name}, name...)...) }

func (nd *Dir) record() (state.JobRequest, bool) {
	return nd.s.reqs.Get(nd.s.top, nd.name)
}

// job is the started job's snapshot (the Host fetches it when stale).
func (nd *Dir) job(ctx context.Context, rec state.JobRequest) (*api.Job, error) {
	if rec.State != state.Started {
		return nil, nil
	}
	return nd.s.host.Job(ctx, rec.JobID)
}

// trigger is the request file's name here: request.json or train.json.
func (nd *Dir) trigger() string { return generate.TriggerName(nd.s.area) }

func (nd *Dir) fileIno(name string) uint64 {
	return node.InoFor("named:" + nd.s.top + "/" + nd.name + "/" + name)
}

// Lookup finds a scratch file, one of the request's files, or a file of
// the started job.
func (nd *Dir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	nd.mu.Lock()
	_, isScratch := nd.scratch[name]
	nd.mu.Unlock()
	rec, known := nd.record()
	if isScratch || (known && name == nd.trigger()) {
		return nd.fileEntry(ctx, &reqFile{nd: nd, name: name}, name, out)
	}
	if !known {
		return nil, syscall.ENOENT
	}
	for _, f := range generate.NamedFiles(nd.s.area, rec) {
		if f == name && f != nd.trigger() {
			return nd.fileEntry(ctx, &infoFile{nd: nd, name: name}, name, out)
		}
	}
	j, err := nd.job(ctx, rec)
	if err != nil {
		return nil, node.Fail(nd.s.r.Log, logrus.Fields{"op": "lookup", "path": nd.path(name), "id": rec.JobID}, err)
	}
	if j == nil {
		return nil, syscall.ENOENT
	}
	return nd.s.host.JobChild(ctx, &nd.Inode, j, name, out)
}

// attrNode is a file of a named directory that fills its own attributes.
type attrNode interface {
	gofs.InodeEmbedder
	attr(ctx context.Context, out *fuse.Attr)
}

func (nd *Dir) fileEntry(ctx context.Context, n attrNode, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ino := nd.fileIno(name)
	ch := nd.NewInode(ctx, n, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
	if a, ok := ch.Operations().(attrNode); ok {
		a.attr(ctx, &out.Attr)
	}
	out.Ino = ino
	out.SetEntryTimeout(node.NoCacheTTL)
	out.SetAttrTimeout(node.NoCacheTTL)
	return ch, 0
}

// Readdir lists the scratch files, the request's files and the job's.
func (nd *Dir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	names := map[string]uint64{}
	nd.mu.Lock()
	for n := range nd.scratch {
		names[n] = nd.fileIno(n)
	}
	nd.mu.Unlock()
	var list []fuse.DirEntry
	if rec, known := nd.record(); known {
		for _, f := range generate.NamedFiles(nd.s.area, rec) {
			names[f] = nd.fileIno(f)
		}
		j, err := nd.job(ctx, rec)
		if err != nil {
			return nil, node.Fail(nd.s.r.Log, logrus.Fields{"op": "readdir", "path": nd.path(), "id": rec.JobID}, err)
		}
		if j != nil {
			for _, e := range nd.s.host.JobEntries(ctx, j) {
				if _, mine := names[e.Name]; !mine {
					list = append(list, e)
				}
			}
		}
	}
	for n, ino := range names {
		list = append(list, fuse.DirEntry{Name: n, Mode: syscall.S_IFREG, Ino: ino})
	}
	sort.Slice(list, func(a, b int) bool { return list[a].Name < list[b].Name })
	return node.WithDots(nd.EmbeddedInode(), list), 0
}

// Getattr reports the directory.
func (nd *Dir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	t, _ := nd.s.Has(nd.name)
	if t.IsZero() {
		t = nd.s.r.Started
	}
	nd.s.r.DirAttr(&out.Attr, t)
	out.SetTimeout(node.NoCacheTTL)
	return 0
}

// Create makes a file written into the directory: the request file (while
// it may still be written) or any other name, kept in memory and never
// sent (temp names, swap files, AppleDouble files, a copy's other files).
func (nd *Dir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if errno := nd.writeGate("create", name); errno != 0 {
		return nil, nil, 0, errno
	}
	nd.mu.Lock()
	if nd.scratch == nil {
		nd.scratch = map[string]*scratch{}
	}
	if _, ok := nd.scratch[name]; !ok {
		nd.scratch[name] = &scratch{}
	}
	nd.mu.Unlock()
	ch, errno := nd.fileEntry(ctx, &reqFile{nd: nd, name: name}, name, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	if flags&syscall.O_TRUNC != 0 {
		nd.truncate(name, 0)
	}
	return ch, &reqHandle{f: ch.Operations().(*reqFile), write: true}, fuse.FOPEN_DIRECT_IO, 0
}

// writeGate decides whether file name may be written: never on a
// read-only mount or with --no-generate, and the request file only until
// it is sent (again after a refusal).
func (nd *Dir) writeGate(op, name string) syscall.Errno {
	if errno := nd.s.Gate(op, nd.path(name)); errno != 0 {
		return errno
	}
	if name != nd.trigger() {
		return 0
	}
	rec, known := nd.record()
	if !generate.Writable(rec, known) {
		nd.s.r.Log.WithFields(logrus.Fields{"op": op, "path": nd.path(name), "state": rec.State}).
			Info("refused: this request was sent; make a new directory to start another job")
		return syscall.EPERM
	}
	return 0
}

// content is what file name holds now.
func (nd *Dir) content(name string) []byte {
	nd.mu.Lock()
	s, ok := nd.scratch[name]
	var data []byte
	if ok {
		data = append([]byte(nil), s.data...)
	}
	nd.mu.Unlock()
	if ok || name != nd.trigger() {
		return data
	}
	rec, _ := nd.record()
	return rec.Request
}

// truncate sets file name's length, loading the recorded request first
// when it is edited in place.
func (nd *Dir) truncate(name string, size int64) {
	base := nd.content(name)
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.scratch == nil {
		nd.scratch = map[string]*scratch{}
	}
	s, ok := nd.scratch[name]
	if !ok {
		s = &scratch{data: base}
		nd.scratch[name] = s
	}
	if int64(len(s.data)) > size {
		s.data = s.data[:size]
	} else {
		s.data = append(s.data, make([]byte, size-int64(len(s.data)))...)
	}
	// Not dirty: only a write (or a rename onto the request file) makes a
	// close send it. A shell's "> request.json" truncates, dup2s and closes
	// the first descriptor before anything is written.
}

// Unlink removes a scratch file. The request's own files and the job's
// files are views: unlinking them succeeds and changes nothing, so that
// rm -r of the directory reaches its rmdir.
func (nd *Dir) Unlink(ctx context.Context, name string) syscall.Errno {
	if nd.s.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	nd.mu.Lock()
	_, ok := nd.scratch[name]
	delete(nd.scratch, name)
	nd.mu.Unlock()
	if ok {
		return 0
	}
	if _, known := nd.record(); known {
		return 0
	}
	return syscall.ENOENT
}

// Rename within the directory: renaming a file onto the request file
// sends it (editors and cp save through a temp name); other renames move
// scratch files.
func (nd *Dir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if newParent.EmbeddedInode() != nd.EmbeddedInode() {
		return syscall.EXDEV
	}
	if errno := nd.writeGate("rename", newName); errno != 0 {
		return errno
	}
	if name == nd.trigger() {
		if errno := nd.writeGate("rename", name); errno != 0 {
			return errno
		}
	}
	nd.mu.Lock()
	s, ok := nd.scratch[name]
	if ok {
		delete(nd.scratch, name)
		s.dirty = true
		nd.scratch[newName] = s
	}
	nd.mu.Unlock()
	if !ok {
		return syscall.ENOENT
	}
	if newName == nd.trigger() {
		return nd.submit(ctx, "rename")
	}
	return 0
}

// submit sends the request file's content once (fs/generate decides
// everything) and tells the kernel the directory changed.
func (nd *Dir) submit(ctx context.Context, op string) syscall.Errno {
	nd.submitMu.Lock()
	defer nd.submitMu.Unlock()
	nd.mu.Lock()
	s, ok := nd.scratch[nd.trigger()]
	if !ok || !s.dirty {
		nd.mu.Unlock()
		return 0
	}
	data := append([]byte(nil), s.data...)
	s.dirty = false
	nd.mu.Unlock()

	sctx, cancel := context.WithTimeout(nd.s.r.BackgroundContext(), submitTimeout)
	defer cancel()
	_, err := nd.s.sub.Submit(sctx, nd.s.area, nd.name, data, nd.s.r.Resolver) // it logs the outcome
	f := logrus.Fields{"op": op, "path": nd.path(nd.trigger())}
	if err == nil || !errors.Is(err, state.ErrAlreadySubmitted) {
		// The record holds the request now (started, refused or unknown).
		nd.mu.Lock()
		if cur := nd.scratch[nd.trigger()]; cur == s && !s.dirty {
			delete(nd.scratch, nd.trigger())
		}
		nd.mu.Unlock()
		nd.s.mu.Lock()
		delete(nd.s.dirs, nd.name)
		nd.s.mu.Unlock()
	}
	nd.notifyChanged()
	if err != nil {
		// The Submitter logged why (one line); a request sent before is ours to log.
		if errors.Is(err, state.ErrAlreadySubmitted) {
			nd.s.r.Log.WithFields(f).Info("refused: this request was sent before; make a new directory to start another job")
		}
		return submitErrno(err)
	}
	return 0
}

// notifyChanged drops the kernel's cached entries of the files whose
// presence depends on the request's state.
func (nd *Dir) notifyChanged() {
	in := nd.EmbeddedInode()
	trigger := nd.trigger()
	nd.s.r.NotifyAsync(func() {
		for _, n := range []string{"status", generate.ErrorFile, generate.IDFile, generate.WaitFile, trigger} {
			_ = in.NotifyEntry(n)
		}
	})
}

// Mkdir, Rmdir, Symlink, Link: a named directory holds files only.
func (nd *Dir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, nd.s.host.Refuse("mkdir", nd.path(name))
}

func (nd *Dir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return nd.s.host.Refuse("rmdir", nd.path(name))
}

func (nd *Dir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, nd.s.host.Refuse("symlink", nd.path(name))
}

func (nd *Dir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, nd.s.host.Refuse("link", nd.path(name))
}
