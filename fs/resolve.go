package fs

// treeResolver resolves the paths of request files (fs/generate) by
// walking the mount's own tree: the node at "assets/cat.png" or
// "jobs/x/result-0.png" knows its hosted URL, the node at "styles/Ink" its
// style id. Nodes the kernel has not looked up yet are looked up the way
// the kernel would (Lookup), without adding them to the tree.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

type treeResolver struct {
	root *gofs.Inode
	ctx  func() (context.Context, context.CancelFunc)
}

// errNoFile is the message of a path that names nothing in the mount.
var errNoFile = errors.New("no such file in the mount")

func (t treeResolver) walk(p string) (gofs.InodeEmbedder, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	cur := t.root
	for _, name := range strings.Split(p, "/") {
		if ch := cur.GetChild(name); ch != nil {
			cur = ch
			continue
		}
		lk, ok := cur.Operations().(gofs.NodeLookuper)
		if !ok {
			return nil, errNoFile
		}
		var out fuse.EntryOut
		ch, errno := lk.Lookup(ctx, name, &out)
		if errno == syscall.ENOENT || ch == nil {
			return nil, errNoFile
		}
		if errno != 0 {
			return nil, fmt.Errorf("cannot look it up: %v", errno)
		}
		cur = ch
	}
	return cur.Operations(), nil
}

// FileURL returns the hosted URL of the asset or result at p.
func (t treeResolver) FileURL(p string) (string, error) {
	n, err := t.walk(p)
	if err != nil {
		return "", err
	}
	h, ok := n.(interface{ HostedURL() string })
	if !ok {
		return "", errors.New("not an asset or a job result (only those have a hosted URL)")
	}
	u := h.HostedURL()
	if u == "" {
		return "", errors.New("not uploaded yet: wait until it is uploaded, then save the request again")
	}
	return u, nil
}

// StyleID returns the id of the style folder p.
func (t treeResolver) StyleID(p string) (string, error) {
	n, err := t.walk(p)
	if err != nil {
		return "", fmt.Errorf("no style folder %s: %w", p, err)
	}
	s, ok := n.(interface{ StyleID() string })
	if !ok || s.StyleID() == "" {
		return "", errors.New("not a style folder")
	}
	return s.StyleID(), nil
}
