package fs

import (
	"context"

	"github.com/kreafs/kreafs/api"
)

// Remote is what the mount needs from the Krea API. *api.Client satisfies
// it; tests may use a fake. Later directories add their methods here.
type Remote interface {
	// AllAssets lists every asset of the account, following pagination.
	AllAssets(ctx context.Context) ([]api.Asset, error)
	// GetAsset fetches one asset by id (api.ErrNotFound when absent).
	GetAsset(ctx context.Context, id string) (*api.Asset, error)
	// DeleteAsset deletes one asset (api.ErrNotFound when already gone).
	DeleteAsset(ctx context.Context, id string) error
}

var _ Remote = (*api.Client)(nil)
