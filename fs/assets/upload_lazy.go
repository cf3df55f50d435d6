package assets

// An uploaded asset opened for writing, before anything needs its content.
// touch opens a file for writing only to set its time, and some programs
// open read-write and never write: copying the asset's bytes into a queued
// replacement at open (openAssetWrite) would download the whole asset for
// nothing. lazyHandle makes the replacement at the first operation that
// needs the content (write, read, truncate) and hands every call to it
// from then on; until then a time set goes to the asset itself, and close
// and fsync have nothing to do.
//
// Locking: lazyHandle.mu guards h (set once).

import (
	"context"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
)

// writeHandle is what nodes ask of a handle open for writing (an
// uploadHandle, or a lazyHandle before it made one).
type writeHandle interface {
	Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno
	Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno
	Flush(ctx context.Context) syscall.Errno
	Release(ctx context.Context) syscall.Errno
}

type lazyHandle struct {
	r     *Tree
	a     api.Asset
	ino   uint64
	flags uint32

	// released, if set, runs at RELEASE (an asset's writer: node.File.WriterReleased)
	released func()

	mu sync.Mutex
	h  *uploadHandle // the replacement's handle; nil until the content is needed
}

// openAssetWriteLazy opens asset a for writing: at once (openAssetWrite)
// when the open truncates, else lazily.
func (u *uploads) openAssetWriteLazy(ctx context.Context, a api.Asset, ino uint64, flags uint32) (gofs.FileHandle, error) {
	if flags&syscall.O_TRUNC != 0 {
		return u.openAssetWrite(ctx, a, ino, flags, true)
	}
	return &lazyHandle{r: u.r, a: a, ino: ino, flags: flags}, nil
}

// made returns the replacement's handle if it exists.
func (l *lazyHandle) made() *uploadHandle {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.h
}

// make returns the replacement's handle, making it first.
func (l *lazyHandle) make(ctx context.Context) (*uploadHandle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h == nil {
		h, err := l.r.up.openAssetWrite(ctx, l.a, l.ino, l.flags, true)
		if err != nil {
			return nil, err
		}
		l.h = h
	}
	return l.h, nil
}

func (l *lazyHandle) fail(op string, err error) syscall.Errno {
	return node.Fail(l.r.Log, logrus.Fields{"op": op, "id": l.a.ID}, err)
}

func (l *lazyHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	h, err := l.make(ctx)
	if err != nil {
		return nil, l.fail("read", err)
	}
	return h.Read(ctx, dest, off)
}

func (l *lazyHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if end := off + int64(len(data)); end > api.MaxUploadBytes && l.made() == nil {
		return 0, l.tooBig("write", end)
	}
	h, err := l.make(ctx)
	if err != nil {
		return 0, l.fail("write", err)
	}
	return h.Write(ctx, data, off)
}

func (l *lazyHandle) Flush(ctx context.Context) syscall.Errno {
	if h := l.made(); h != nil {
		return h.Flush(ctx)
	}
	return 0
}

func (l *lazyHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if h := l.made(); h != nil {
		return h.Fsync(ctx, flags)
	}
	return 0
}

func (l *lazyHandle) Release(ctx context.Context) syscall.Errno {
	var errno syscall.Errno
	if h := l.made(); h != nil {
		errno = h.Release(ctx)
	}
	if l.released != nil {
		l.released()
	}
	return errno
}

// Getattr reports the asset until the replacement exists.
func (l *lazyHandle) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	if h := l.made(); h != nil {
		return h.Getattr(ctx, out)
	}
	l.r.FileAttr(&out.Attr, l.ino, l.r.contentSize(&l.a), l.r.AssetMtime(&l.a))
	out.SetTimeout(uploadAttrTTL)
	return 0
}

// Setattr: a size needs the content (the replacement is made); a time
// alone goes to the asset while there is no replacement.
func (l *lazyHandle) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	h := l.made()
	if size, ok := in.GetSize(); ok && h == nil {
		if size > api.MaxUploadBytes {
			return l.tooBig("truncate", int64(size))
		}
		var err error
		if h, err = l.make(ctx); err != nil {
			return l.fail("truncate", err)
		}
	}
	if h != nil {
		return h.Setattr(ctx, in, out)
	}
	l.r.KeepMtime(node.AssetTimeKey(l.a.ID), in)
	return l.Getattr(ctx, out)
}
