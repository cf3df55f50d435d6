package fs

import (
	"fmt"
	"log"
	"os"
	"runtime"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/fs/node"
)

// MountOptions are the mount-wide settings that are not part of Config.
type MountOptions struct {
	// AllowOther lets users other than the mounting one see the files
	// (needs user_allow_other in /etc/fuse.conf when not root).
	AllowOther bool
	// Debug logs every FUSE request and reply (very verbose).
	Debug bool
	// DebugLog receives the Debug output and go-fuse's diagnostics; nil
	// means the standard logger (stderr).
	DebugLog *log.Logger
	// Ops, when set, is told of each FUSE operation (ops_timing.go).
	Ops OpObserver
	// XAttrs turns extended attributes on: user.krea.* (node/xattr.go).
	// Off, the kernel asks for none (ls -l is about 3 times faster on a
	// directory of 10,000 assets: no ACL and SELinux lookups per file).
	XAttrs bool
}

// maxRequest is the largest FUSE read/write request (go-fuse caps it at
// the kernel's maximum): big requests mean few round trips.
const maxRequest = 1 << 20

// Mount mounts root at mountpoint and starts serving it. As root on Linux
// it calls mount(2) itself (no fusermount3 needed); otherwise it uses
// fusermount3 (Linux) or macFUSE's mount helper (macOS). The caller waits
// with Server.Wait and unmounts with Server.Unmount, then calls
// root.Close.
func Mount(mountpoint string, root *Root, o MountOptions) (*fuse.Server, error) {
	opts := gofsOptions(root, o)
	raw := root.m.ReleaseBarrier(node.NegativeEntries(gofs.NewNodeFS(root, opts)))
	if o.Ops != nil {
		raw = &timedFS{RawFileSystem: raw, o: o.Ops}
	}
	srv, err := fuse.NewServer(raw, mountpoint, &opts.MountOptions)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", mountpoint, err)
	}
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		return nil, fmt.Errorf("mount %s: %w", mountpoint, err)
	}
	return srv, nil
}

// gofsOptions are the go-fuse settings kreafs mounts with. Each one is
// explained in docs/configuration.md ("How kreafs mounts").
func gofsOptions(root *Root, o MountOptions) *gofs.Options {
	ttl := root.m.Cfg.DirCacheTTL
	opts := []string{
		// The kernel checks permissions against the modes and owner we
		// report (--uid/--gid/--umask), as on a local file system. Without
		// it, with --allow-other, every user could read every file.
		"default_permissions",
	}
	if root.m.Cfg.ReadOnly {
		opts = append(opts, "ro")
	}
	return &gofs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther:   o.AllowOther,
			Options:      opts,
			FsName:       "kreafs",
			Name:         "kreafs",
			MaxWrite:     maxRequest,
			MaxReadAhead: maxRequest,
			// Reads of many files at once (file managers making
			// thumbnails) and read-ahead run in parallel.
			MaxBackground: 64,
			// open(O_TRUNC) arrives as one OPEN with O_TRUNC (not OPEN
			// then SETATTR size 0), so that cp over an existing asset
			// does not first copy its old bytes (fs/assets/assets_write_file.go).
			ExtraCapabilities: fuse.CAP_ATOMIC_O_TRUNC |
				// Shared mmap of files opened for writing, which are
				// FOPEN_DIRECT_IO (fs/assets/written/upload_handle.go WriteOpenFlags).
				fuse.CAP_DIRECT_IO_ALLOW_MMAP,
			// Extended attributes only when asked for (MountOptions.XAttrs):
			// with them ls -l asks for the ACLs and SELinux label of each
			// file, two requests more per file, answered ENODATA.
			DisableXAttrs: !o.XAttrs,
			DirectMount:   runtime.GOOS == "linux" && os.Geteuid() == 0,
			Debug:         o.Debug,
			Logger:        o.DebugLog,
		},
		// Defaults for the fixed directories; asset entries set their own.
		EntryTimeout: &ttl,
		AttrTimeout:  &ttl,
		UID:          root.m.Cfg.UID,
		GID:          root.m.Cfg.GID,
		Logger:       o.DebugLog,
	}
}
