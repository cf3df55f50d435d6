package written

import (
	"syscall"
	"testing"

	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/fs/node"
)

func TestRefusalErrnos(t *testing.T) {
	cases := []struct {
		err  error
		want syscall.Errno
	}{
		{nil, 0},
		{upload.ErrTooBig, syscall.EFBIG},
		{upload.ErrNotAccepted, syscall.EINVAL},
		{syscall.ENOSPC, syscall.ENOSPC},
	}
	for _, c := range cases {
		if got := rejectionErrno(c.err); got != c.want {
			t.Errorf("rejectionErrno(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if !node.WantsWrite(syscall.O_WRONLY) || !node.WantsWrite(syscall.O_RDWR) || !node.WantsWrite(syscall.O_RDONLY|syscall.O_TRUNC) || node.WantsWrite(syscall.O_RDONLY) {
		t.Errorf("node.WantsWrite")
	}
}
