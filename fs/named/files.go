package named

// The files of a named request directory: the request file and other
// written files (reqFile, kept in memory until sent), the request's own
// small files (infoFile: status, error, id) and wait, whose read blocks
// until the job ends.
//
// Locking: the files keep no state of their own; reqFile's content is the
// directory's (Dir.mu).

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/node"
)

// waitPoll is how often a read of wait looks at an unfinished job (the
// job is fetched at most once per jobFresh anyway).
const waitPoll = time.Second

// reqFile is a file written into a named directory.
type reqFile struct {
	gofs.Inode
	nd   *Dir
	name string
}

func (f *reqFile) attr(ctx context.Context, out *fuse.Attr) {
	t, _ := f.nd.s.Has(f.nd.name)
	f.nd.s.r.FileAttr(out, f.nd.fileIno(f.name), int64(len(f.nd.content(f.name))), t)
	if f.name == f.nd.trigger() {
		if rec, known := f.nd.record(); !generate.Writable(rec, known) {
			out.Mode &^= 0o222 // sent: read-only from now on
		}
	}
}

// Getattr reports the current length.
func (f *reqFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.attr(ctx, &out.Attr)
	out.SetTimeout(node.NoCacheTTL)
	return 0
}

// Open opens for reading (a snapshot) or for writing while allowed.
func (f *reqFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if !node.WantsWrite(flags) {
		return &node.BytesHandle{Data: f.nd.content(f.name), Owner: f.nd.fileIno(f.name)}, fuse.FOPEN_DIRECT_IO, 0
	}
	if errno := f.nd.writeGate("open for writing", f.name); errno != 0 {
		return nil, 0, errno
	}
	size := int64(len(f.nd.content(f.name)))
	if flags&syscall.O_TRUNC != 0 {
		size = 0
	}
	f.nd.truncate(f.name, size)
	return &reqHandle{f: f, write: true}, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr changes the length (truncate); times and modes are accepted and
// ignored (cp -p, editors).
func (f *reqFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if sz, ok := in.GetSize(); ok {
		if errno := f.nd.writeGate("truncate", f.name); errno != 0 {
			return errno
		}
		if sz > generate.MaxRequestBytes {
			return syscall.EFBIG
		}
		f.nd.truncate(f.name, int64(sz))
	}
	f.attr(ctx, &out.Attr)
	out.SetTimeout(node.NoCacheTTL)
	return 0
}

// reqHandle is an open reqFile.
type reqHandle struct {
	f     *reqFile
	write bool
}

// Read serves the current content.
func (h *reqHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	b := &node.BytesHandle{Data: h.f.nd.content(h.f.name)}
	return b.Read(ctx, dest, off)
}

// Write changes the content in memory (at most generate.MaxRequestBytes).
func (h *reqHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if off < 0 {
		return 0, syscall.EINVAL
	}
	end := off + int64(len(data))
	if end > generate.MaxRequestBytes {
		return 0, syscall.EFBIG
	}
	nd := h.f.nd
	nd.mu.Lock()
	defer nd.mu.Unlock()
	s, ok := nd.scratch[h.f.name]
	if !ok {
		// Renamed or removed while open: the writes have nowhere to go.
		return 0, syscall.ESTALE
	}
	if int64(len(s.data)) < end {
		s.data = append(s.data, make([]byte, end-int64(len(s.data)))...)
	}
	copy(s.data[off:], data)
	s.dirty = true
	return uint32(len(data)), 0
}

// Flush (every close) sends the request file once written: the close
// reports the outcome (EINVAL invalid, EIO refused or unknown).
func (h *reqHandle) Flush(ctx context.Context) syscall.Errno {
	if !h.write || h.f.name != h.f.nd.trigger() {
		return 0
	}
	return h.f.nd.submit(ctx, "close")
}

// Fsync has nothing to write down: the content is sent at close.
func (h *reqHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno { return 0 }

// infoFile is status, error or id of a named directory.
type infoFile struct {
	gofs.Inode
	nd   *Dir
	name string
}

func (f *infoFile) render(ctx context.Context) []byte {
	rec, _ := f.nd.record()
	if f.name == "status" && rec.State == state.Started {
		// A directory whose Host shows no job files: the job's status.
		if j, err := f.nd.job(ctx, rec); err == nil && j != nil {
			return []byte(j.Status + "\n")
		}
	}
	switch f.name {
	case generate.ErrorFile:
		return []byte(generate.ErrorText(rec))
	case generate.IDFile:
		return []byte(rec.JobID + "\n")
	case generate.WaitFile:
		return nil
	}
	return []byte(generate.StatusLine(rec))
}

func (f *infoFile) attr(ctx context.Context, out *fuse.Attr) {
	rec, _ := f.nd.record()
	f.nd.s.r.FileAttr(out, f.nd.fileIno(f.name), int64(len(f.render(ctx))), rec.Updated)
	out.Mode &^= 0o222
}

// Getattr reports the current length (0 for wait: its content comes when
// the job ends).
func (f *infoFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.attr(ctx, &out.Attr)
	out.SetTimeout(node.NoCacheTTL)
	return 0
}

// Open snapshots the content; wait gets a handle whose read blocks.
func (f *infoFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if node.WantsWrite(flags) {
		return nil, 0, f.nd.s.host.Refuse("open for writing", f.nd.path(f.name))
	}
	if f.name == generate.WaitFile {
		return &waitHandle{nd: f.nd}, fuse.FOPEN_DIRECT_IO, 0
	}
	return &node.BytesHandle{Data: f.render(ctx), Owner: f.nd.fileIno(f.name)}, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr: these files cannot be changed.
func (f *infoFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.nd.s.host.Refuse("setattr", f.nd.path(f.name))
}

// waitHandle is an open wait file: the first read blocks until the job
// ends (or the read is interrupted: EINTR) and every read serves the
// final state it found.
type waitHandle struct {
	nd   *Dir
	done []byte
}

// Read blocks until the request's job has ended, then serves its final
// status word (or "refused"/"unknown") and a newline.
func (h *waitHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if h.done == nil {
		text, errno := h.wait(ctx)
		if errno != 0 {
			return nil, errno
		}
		h.done = []byte(text)
	}
	b := &node.BytesHandle{Data: h.done}
	return b.Read(ctx, dest, off)
}

func (h *waitHandle) wait(ctx context.Context) (string, syscall.Errno) {
	for {
		rec, known := h.nd.record()
		if !known {
			return "", syscall.ENOENT
		}
		job, err := h.nd.job(ctx, rec)
		if err != nil && ctx.Err() == nil && rec.State == state.Started {
			h.nd.s.r.Log.WithField("path", h.nd.path(generate.WaitFile)).WithError(err).Debug("wait: fetching the job failed; trying again")
		}
		if text, done := generate.WaitDone(rec, job); done {
			return text, 0
		}
		t := time.NewTimer(waitPoll)
		select {
		case <-ctx.Done(): // the reader was interrupted (Ctrl-C)
			t.Stop()
			return "", syscall.EINTR
		case <-h.nd.s.r.BackgroundContext().Done(): // the mount is ending
			t.Stop()
			return "", syscall.EIO
		case <-t.C:
		}
	}
}
