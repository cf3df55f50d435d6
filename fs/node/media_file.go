package node

// Downloaded files of jobs/ and styles/ (job results, style covers and
// previews): read through the content cache exactly like assets, by the
// asset file node and handle (file.go, file_handle.go), and named with an
// extension from their URL or, failing that, their Content-Type.
//
// Locking: ExtProber.mu guards exts. It is never held across a request.

import (
	"context"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/view"
)

// probeTimeout bounds asking a file host for a Content-Type.
const probeTimeout = 10 * time.Second

// maxProbed bounds the remembered Content-Type answers.
const maxProbed = 10000

// fetcher is the part of *api.Client that downloads: optional on Remote
// (a test fake may lack it; then URLs without an extension show as .bin).
type fetcher interface {
	Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error)
}

// ExtProber names downloaded files: the URL's extension, else the one the
// file host's Content-Type implies (asked once per URL with a one-byte
// ranged GET, and remembered), else "bin".
type ExtProber struct {
	fetch fetcher // nil: no probing
	log   logrus.FieldLogger

	mu   sync.Mutex
	exts map[string]string // url -> extension learned from Content-Type
}

func NewExtProber(m *Mount) *ExtProber {
	p := &ExtProber{log: m.Log, exts: make(map[string]string)}
	if f, ok := m.Cfg.Remote.(fetcher); ok {
		p.fetch = f
	}
	return p
}

// Ext is the extension for url. Without probe (or without a way to ask),
// a URL without an extension whose type is not known yet gives "bin".
func (p *ExtProber) Ext(ctx context.Context, url string, probe bool) string {
	if e := view.URLExt(url); e != "" {
		return e
	}
	p.mu.Lock()
	e, ok := p.exts[url]
	p.mu.Unlock()
	if ok {
		return e
	}
	if !probe || p.fetch == nil {
		return "bin"
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	dl, err := p.fetch.Fetch(ctx, url, 0, 1)
	if err != nil {
		p.log.WithFields(logrus.Fields{"op": "probe"}).WithError(err).Debug("could not learn a result's type; showing it as .bin for now")
		return "bin"
	}
	dl.Body.Close()
	e = view.MediaExt(url, dl.ContentType)
	p.mu.Lock()
	if len(p.exts) >= maxProbed {
		p.exts = make(map[string]string)
	}
	p.exts[url] = e
	p.mu.Unlock()
	return e
}

// MediaSource is a downloaded file of jobs/ or styles/.
type MediaSource struct {
	Key   string    // content-cache key, e.g. "job/<id>/0"
	URL   string    // where its bytes are
	Mtime time.Time // what stat shows
	// EntryTTL is how long the kernel may keep the name -> file entry:
	// long for a finished job's results, the listing TTL for a style's
	// images (a new cover_url is a new file under the same name).
	EntryTTL time.Duration
}

// The content-cache key of a downloaded file is ContentKey(MediaSource.Key)
// ("asset/job/<id>/<n>"), since it is served by the asset file node.

// MediaIno is the inode number of the downloaded file with content key.
func MediaIno(key string) uint64 { return AssetIno(key) }

// mediaFile is a downloaded file. It is an asset file node (same reads
// through the cache, same size learning) whose "asset" is synthetic: id =
// content key, image_url = the URL, no size. Writes are refused with EPERM
// (these files are the API's), EROFS on a read-only mount.
type mediaFile struct {
	*File
}

// MediaEntry returns the node of src under parent and fills out.
func (m *Mount) MediaEntry(ctx context.Context, parent *gofs.Inode, src MediaSource, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	a := api.Asset{ID: src.Key, ImageURL: src.URL, UploadedAt: src.Mtime}
	n := &mediaFile{File: NewFile(m, 0, a)}
	n.Xattrs = n.mediaXattrs
	ch := parent.NewInode(ctx, n, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: MediaIno(src.Key)})
	f, ok := ch.Operations().(*mediaFile)
	if !ok {
		m.Log.WithFields(logrus.Fields{"op": "lookup", "key": src.Key}).Error("inode number collision")
		return nil, syscall.EIO
	}
	f.SetAsset(&a) // a fresher URL for the same content
	ttl := f.Attr(ctx, &out.Attr)
	out.SetEntryTimeout(src.EntryTTL)
	out.SetAttrTimeout(ttl)
	return ch, 0
}

// Open refuses writing, else opens through the cache like an asset.
func (f *mediaFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&WriteFlags != 0 {
		return nil, 0, f.refuse("open for writing")
	}
	return f.File.Open(ctx, flags)
}

// Setattr: these files cannot be changed.
func (f *mediaFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.refuse("setattr")
}

func (f *mediaFile) refuse(op string) syscall.Errno {
	if f.m.Cfg.ReadOnly {
		return syscall.EROFS
	}
	a, _ := f.Snapshot()
	f.m.Log.WithFields(logrus.Fields{"op": op, "key": a.ID}).Info("refused: job results and style images cannot be changed")
	return syscall.EPERM
}
