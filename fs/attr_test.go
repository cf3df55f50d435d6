package fs

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/fs/node"
)

func testRoot(t *testing.T, cfg Config) *Root {
	t.Helper()
	st, err := cache.Open(cache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Content = st
	if cfg.Remote == nil {
		cfg.Remote = &api.Client{}
	}
	r, err := NewRoot(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func TestAttributes(t *testing.T) {
	mtime := time.Date(2025, 5, 6, 7, 8, 9, 500, time.UTC)
	for _, tc := range []struct {
		story    string
		cfg      Config
		size     int64
		fileMode uint32
		dirMode  uint32
	}{
		{"default umask 022", Config{}, 10, 0o644, 0o755},
		{"umask 077 (private)", Config{Umask: 0o077}, 10, 0o600, 0o700},
		{"umask 0 explicitly", Config{Umask: 0, UmaskSet: true}, 10, 0o644, 0o755},
		{"umask 027", Config{Umask: 0o027, UID: 1000, GID: 100}, 10, 0o640, 0o750},
		{"unknown size shows 0", Config{}, -1, 0o644, 0o755},
	} {
		t.Run(tc.story, func(t *testing.T) {
			r := testRoot(t, tc.cfg)
			var a fuse.Attr
			r.m.FileAttr(&a, 42, tc.size, mtime)
			wantSize := uint64(max(tc.size, 0))
			if a.Mode != syscall.S_IFREG|tc.fileMode || a.Size != wantSize || a.Ino != 42 || a.Nlink != 1 ||
				a.Uid != tc.cfg.UID || a.Gid != tc.cfg.GID || !a.ModTime().Equal(mtime) || a.Blocks != (wantSize+511)/512 {
				t.Errorf("file attr %+v", a)
			}
			var d fuse.Attr
			r.m.DirAttr(&d, mtime)
			if d.Mode != syscall.S_IFDIR|tc.dirMode || d.Uid != tc.cfg.UID || !d.ModTime().Equal(mtime) {
				t.Errorf("dir attr %+v", d)
			}
		})
	}
}

func TestNewRootNeedsRemoteAndContent(t *testing.T) {
	if _, err := NewRoot(Config{}); err == nil || !strings.Contains(err.Error(), "Remote") {
		t.Errorf("no remote: %v", err)
	}
	if _, err := NewRoot(Config{Remote: &api.Client{}}); err == nil || !strings.Contains(err.Error(), "Content") {
		t.Errorf("no content: %v", err)
	}
	r := testRoot(t, Config{})
	if r.m.Cfg.DirCacheTTL != DefaultDirCacheTTL || r.m.Cfg.OpTimeout != DefaultOpTimeout || r.m.Cfg.Umask != DefaultUmask {
		t.Errorf("defaults: %+v", r.m.Cfg)
	}
}

func TestInodeNumbersAreStableAndDistinct(t *testing.T) {
	if node.AssetIno("a") != node.AssetIno("a") {
		t.Error("unstable")
	}
	seen := map[uint64]string{}
	for _, k := range []string{"asset:a", "asset:b", "dir:assets", "dir:jobs", "dir:styles", "dir:assets/.by-id", ""} {
		n := node.InoFor(k)
		if n <= 1 {
			t.Errorf("node.InoFor(%q) = %d: 0 and 1 are reserved", k, n)
		}
		if o, dup := seen[n]; dup {
			t.Errorf("%q and %q share inode %d", k, o, n)
		}
		seen[n] = k
	}
	if node.AssetIno("x") == node.DirIno("x") {
		t.Error("asset and dir of the same key collide")
	}
}
