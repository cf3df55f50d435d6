package upload

// The Session and the queue operations it passes on.

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// DoneKeep is how long a finished upload's asset is remembered for the
// nodes (and kernel entries) that still name the queue item.
const DoneKeep = 10 * time.Minute

// Session is the write state of one mount. See the package doc.
type Session struct {
	q     *queue.Queue // nil: read-only
	store *cache.Store // where uploaded bytes are kept as the asset's content; nil: not kept
	hold  func(name string) bool
	log   logrus.FieldLogger

	mu       sync.Mutex
	writers  map[string]int        // item id -> write handles open on it
	rejected map[string]error      // item id -> why its content will not be uploaded (dropped at its last close)
	phantom  map[string]bool       // item id -> a placeholder writer holds it: an empty file, kept local
	replaces map[string][]string   // item id -> asset ids it replaces, handed to the queue at its last close
	clean    map[string]bool       // item id -> an asset's bytes opened for writing, not changed (yet)
	done     map[string]doneUpload // item id -> the asset its upload made
	pruned   time.Time             // when done was last pruned (Finished)
	moved    map[string]movedAsset // item id -> the asset it is an unchanged copy of, under a temp name
}

type doneUpload struct {
	asset api.Asset
	at    time.Time
}

// movedAsset is the asset a queued copy was made from, and its name then.
type movedAsset struct {
	asset api.Asset
	name  string
}

// NewSession wraps q (opened, not started; nil for a read-only mount).
// store is the content store that uploaded bytes are kept in and that
// assets opened for writing are copied from. hold says which names are
// never uploaded (the queue's Options.Hold).
func NewSession(q *queue.Queue, store *cache.Store, hold func(name string) bool, log logrus.FieldLogger) *Session {
	if log == nil {
		log = logrus.StandardLogger()
	}
	return &Session{
		q: q, store: store, hold: hold, log: log,
		writers:  map[string]int{},
		rejected: map[string]error{},
		phantom:  map[string]bool{},
		replaces: map[string][]string{},
		clean:    map[string]bool{},
		done:     map[string]doneUpload{},
		moved:    map[string]movedAsset{},
	}
}

// Start starts the queue's workers, reporting each upload and each
// refusal to obs (queue.Queue.Start). Call it once what obs reports to
// exists.
func (s *Session) Start(obs queue.Observer) {
	if s.q != nil {
		s.q.Start(obs)
	}
}

// final says whether name is one the queue uploads (not temp or junk).
func (s *Session) final(name string) bool { return s.hold == nil || !s.hold(name) }

// Items are the queued files, oldest first (none on a read-only mount):
// the one call a listing of assets/ makes to the upload side.
func (s *Session) Items() []queue.Item {
	if s.q == nil {
		return nil
	}
	return s.q.Items()
}

// UploadedItems are the queued files uploaded and not yet removed, oldest first.
func (s *Session) UploadedItems() []queue.Item {
	if s.q == nil {
		return nil
	}
	return s.q.Uploaded()
}

// Lookup finds the queued file shown under name.
func (s *Session) Lookup(name string) (queue.Item, bool) {
	if s.q == nil {
		return queue.Item{}, false
	}
	return s.q.Lookup(name)
}

// Get finds the queued file with item id.
func (s *Session) Get(id string) (queue.Item, bool) {
	if s.q == nil {
		return queue.Item{}, false
	}
	return s.q.Get(id)
}

// WaitLanded waits, if item id's upload is landing (queue.Item.Landing),
// until it has landed: the owner shows the asset then, under the item's
// name (milliseconds after Krea answered). ctx bounds the wait.
func (s *Session) WaitLanded(ctx context.Context, id string) {
	if it, ok := s.Get(id); ok && it.Landing {
		_ = s.q.Wait(ctx, id) // an error: not landed in time, or gone; the caller goes on as it would
	}
}

// Hidden are the asset ids listings must not show: those a queued file
// replaces (the queue's and those not handed to it yet) and those being
// deleted.
func (s *Session) Hidden() map[string]bool {
	hidden := map[string]bool{}
	if s.q != nil {
		hidden = s.q.Shadowed()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ids := range s.replaces {
		for _, id := range ids {
			hidden[id] = true
		}
	}
	return hidden
}

// Create makes a new queued file under name, open for writing: one writer
// counted (Release at its close; the caller closes f).
func (s *Session) Create(name string) (id string, f *File, err error) {
	id, sf, err := s.q.Create(name)
	if err != nil {
		return "", nil, err
	}
	s.Opened(id)
	return id, &File{f: sf}, nil
}

// OpenWrite opens queued file id for writing again (trunc empties it):
// one writer counted.
func (s *Session) OpenWrite(id string, trunc bool) (*File, error) {
	f, err := s.q.OpenWrite(id, trunc)
	if err != nil {
		return nil, err
	}
	s.Opened(id)
	return &File{f: f}, nil
}

// OpenRead opens queued file id's bytes for reading.
func (s *Session) OpenRead(id string) (*File, error) {
	f, err := s.q.OpenRead(id)
	if err != nil {
		return nil, err
	}
	return &File{f: f}, nil
}

// StartStream starts sending queued file id while it is written.
func (s *Session) StartStream(id string, avail int64) (*queue.Stream, error) {
	return s.q.StartStream(id, avail)
}

// Rename re-targets queued file id (queue.Queue.Rename).
func (s *Session) Rename(id, newName string, replaces ...string) error {
	return s.q.Rename(id, newName, replaces...)
}

// Drop cancels queued file id in the queue (its spool goes; the assets
// the queue knows it replaces are deleted).
func (s *Session) Drop(id string) error { return s.q.Cancel(id) }

// DeleteAssets deletes uploaded assets in the background, durably.
func (s *Session) DeleteAssets(name string, ids ...string) (string, error) {
	return s.q.DeleteAssets(name, ids...)
}

// Wait is fsync of queued file id (queue.Queue.Wait).
func (s *Session) Wait(ctx context.Context, id string) error { return s.q.Wait(ctx, id) }

// WaitAll is fsync of assets/ (queue.Queue.WaitAll); nothing to wait for
// on a read-only mount.
func (s *Session) WaitAll(ctx context.Context) error {
	if s.q == nil {
		return nil
	}
	return s.q.WaitAll(ctx)
}
