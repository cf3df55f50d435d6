package assets

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// listingRemote is an API whose listing has one asset, counting listings
// and re-checks (pages of the newest assets).
type listingRemote struct {
	*api.Client
	lists, checks atomic.Int64
}

func (r *listingRemote) ListAssets(context.Context, int, string) (*api.AssetPage, error) {
	r.checks.Add(1)
	return &api.AssetPage{Items: []api.Asset{testAsset("old-id", "old.png", 5)}}, nil
}

func (r *listingRemote) AllAssets(context.Context) ([]api.Asset, error) {
	r.lists.Add(1)
	return []api.Asset{testAsset("old-id", "old.png", 5)}, nil
}

// A finished upload's name is in the table of assets/ before any lookup
// asks for it (before the queue's Wait returns): the lookups of a copying
// program (rsync looks up every name it writes) find the table built
// instead of building it themselves. The build asks the API nothing.
func TestAFinishedUploadIsInTheTableBeforeTheNextLookupAsksWithoutAListing(t *testing.T) {
	d := newListingTree(t, nil)
	q, remote := d.r.Cfg.Uploads, d.r.Cfg.Remote.(*listingRemote)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := d.table(ctx); err != nil { // the first listing, as ls would
		t.Fatal(err)
	}
	first := d.current()

	id := queueFile(t, q, "new.png", nil)
	if err := q.Wait(ctx, id); err != nil {
		t.Fatal(err)
	}
	if cur := d.current(); cur == first || cur.ByName.At("new.png") == nil || cur.ByName.At("old.png") == nil {
		t.Fatalf("once the upload is done the installed table lacks new.png (generation %d, first %d): the next lookup would build it", cur.Gen, first.Gen)
	}
	if n := remote.lists.Load(); n != 1 {
		t.Errorf("the API was asked for %d listings, want 1 (the table is built from the cached listing)", n)
	}
}

// A lookup of a missing name that had to list assets/ (the first lookup,
// or one after the TTL) asks nothing more: the listing it waited for is as
// new as a re-check of the newest assets would be.
func TestAMissThatWaitedForAListingIsNotRecheckedToo(t *testing.T) {
	d := newListingTree(t, nil)
	remote := d.r.Cfg.Remote.(*listingRemote)
	ctx := context.Background()
	if _, _, err := d.lookup(ctx, "new.png"); err == nil {
		t.Fatal("new.png found in a listing without it")
	}
	if l, c := remote.lists.Load(), remote.checks.Load(); l != 1 || c != 0 {
		t.Fatalf("a first lookup of a missing name made %d listings and %d re-checks, want 1 and 0", l, c)
	}
	if _, _, err := d.lookup(ctx, "other.png"); err == nil {
		t.Fatal("other.png found")
	}
	if c := remote.checks.Load(); c != 1 {
		t.Fatalf("a miss within the TTL made %d re-checks, want 1", c)
	}
}
