package node

// Which process makes a FUSE request (the write path asks whose close a
// FLUSH is).

import (
	"context"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// CallerProcess is the thread group id of the process making the request,
// 0 when unknown.
func CallerProcess(ctx context.Context) uint32 {
	c, ok := fuse.FromContext(ctx)
	if !ok || c.Pid == 0 {
		return 0
	}
	return threadGroup(c.Pid)
}
