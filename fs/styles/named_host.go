package styles

// styles/ as the Host of its named request directories (fs/named):
// styles/NAME/train.json trains a style; the directory shows the training
// job's state (status, id, wait) until a style called NAME is listed, which
// then takes the name (Krea titles a trained style with the request's name).
//
// Locking: namedHost.mu guards jobs (the training jobs' last snapshots);
// it is a leaf lock, never held across the API call.

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/named"
)

// trainingFresh is how old a running training job's snapshot may be.
const trainingFresh = time.Second

type namedHost struct {
	d *stylesDir

	mu   sync.Mutex
	jobs map[string]trainingSnap
}

type trainingSnap struct {
	job     api.Job
	fetched time.Time
}

var _ named.Host = (*namedHost)(nil)

// Job fetches the training job, at most once per trainingFresh while it
// runs (finished jobs never change).
func (h *namedHost) Job(ctx context.Context, id string) (*api.Job, error) {
	now := h.d.r.Cfg.Clock()
	h.mu.Lock()
	s, ok := h.jobs[id]
	h.mu.Unlock()
	if ok && (s.job.Finished() || now.Sub(s.fetched) < trainingFresh) {
		return &s.job, nil
	}
	octx, cancel := h.d.r.OpContext(ctx)
	defer cancel()
	j, err := h.d.r.Cfg.Remote.GetJob(octx, id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.jobs == nil {
		h.jobs = map[string]trainingSnap{}
	}
	h.jobs[id] = trainingSnap{job: *j, fetched: now}
	h.mu.Unlock()
	if j.Finished() {
		h.d.listing.Invalidate() // the new style shows at the next listing
	}
	return j, nil
}

func (h *namedHost) JobEntries(ctx context.Context, j *api.Job) []fuse.DirEntry { return nil }

func (h *namedHost) JobChild(ctx context.Context, parent *gofs.Inode, j *api.Job, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.ENOENT
}

// RemoveJob cancels a training that can still be cancelled; one that
// cannot (finished) is left alone: only the name goes.
func (h *namedHost) RemoveJob(ctx context.Context, id string) error {
	octx, cancel := h.d.r.OpContext(ctx)
	defer cancel()
	err := h.d.r.Cfg.Remote.DeleteJob(octx, id)
	if err == nil || errors.Is(err, api.ErrNotFound) || errors.Is(err, api.ErrBadRequest) || errors.Is(err, api.ErrGone) {
		return nil
	}
	return err
}

func (h *namedHost) Refuse(op, path string) syscall.Errno { return h.d.refuse(op, path) }
