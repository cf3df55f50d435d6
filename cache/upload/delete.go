package upload

// rm of an uploaded asset: deleted now, or journaled for the background
// when the API cannot be reached.

import (
	"context"
	"errors"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
)

// DeleteWait is how long an rm waits for the API's answer to its DELETE
// before recording it for the background (the kernel holds assets/ locked
// while an unlink runs: every ls and create there waits with it).
const DeleteWait = 5 * time.Second

// Delete removes uploaded asset id, shown as name (rm): del (DELETE
// /assets/{id}) now, bounded by DeleteWait (unless programs have it open
// and the cache lacks some of it: then the queue deletes it after fetching
// the rest); 404 and 410 count as done; a
// refusal (401, 403) is returned and the asset stays. If the API cannot be
// reached (network, 5xx and 429 after the client's retries, the bound),
// the delete is journaled and retried in the background until it is done,
// and Delete returns nil. nil: the asset is gone, or will be.
func (s *Session) Delete(ctx context.Context, name, id string, del func(ctx context.Context, id string) error) error {
	log := s.log.WithFields(logrus.Fields{"op": "unlink", "path": "assets/" + name, "id": id})
	if s.q != nil && s.store != nil && s.store.Keep(cache.AssetKey(id)) {
		// Programs have it open and not all of it is cached: the queue
		// deletes it once the cache holds the rest (cache.Store.BeforeDelete).
		if _, err := s.q.DeleteAssets(name, id); err != nil {
			return err
		}
		log.Info("asset open in programs that have not read all of it: deleted in the background once the rest is cached")
		return nil
	}
	octx, cancel := context.WithTimeout(ctx, DeleteWait)
	err := del(octx, id)
	cancel()
	switch {
	case err == nil, errors.Is(err, api.ErrNotFound), errors.Is(err, api.ErrGone):
		log.Info("asset deleted")
		return nil
	case ctx.Err() != nil:
		return ctx.Err() // interrupted
	case !api.Temporary(err) && !errors.Is(err, context.DeadlineExceeded):
		return err // refused: the asset stays
	}
	if _, qerr := s.q.DeleteAssets(name, id); qerr != nil {
		return errors.Join(err, qerr)
	}
	log.WithError(err).Warn("the API did not answer the delete; it is recorded and retried in the background")
	return nil
}
