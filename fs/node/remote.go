package node

import (
	"context"

	"github.com/kreafs/kreafs/api"
)

// Remote is what the mount needs from the Krea API. *api.Client satisfies
// it; tests may use a fake. Later directories add their methods here.
type Remote interface {
	// AllAssets lists every asset of the account, following pagination.
	AllAssets(ctx context.Context) ([]api.Asset, error)
	// ListAssets fetches one page of assets, newest first ("" cursor: the
	// first page). Lookups of unknown names use it to re-check cheaply.
	ListAssets(ctx context.Context, limit int, cursor string) (*api.AssetPage, error)
	// GetAsset fetches one asset by id (api.ErrNotFound when absent).
	GetAsset(ctx context.Context, id string) (*api.Asset, error)
	// DeleteAsset deletes one asset (api.ErrNotFound when already gone).
	DeleteAsset(ctx context.Context, id string) error

	// jobs/ and styles/ (docs/jobs-and-styles.md):

	// AllJobs lists every job matching o, following pagination.
	AllJobs(ctx context.Context, o api.JobListOptions) ([]api.Job, error)
	// GetJob fetches one job's current state (api.ErrNotFound when absent).
	GetJob(ctx context.Context, id string) (*api.Job, error)
	// DeleteJob deletes (cancels) a job (api.ErrNotFound when already gone).
	DeleteJob(ctx context.Context, id string) error
	// AllStyles lists every style matching o, following pagination.
	AllStyles(ctx context.Context, o api.StyleListOptions) ([]api.Style, error)
	// GetStyle fetches one style by id (api.ErrNotFound when absent).
	GetStyle(ctx context.Context, id string) (*api.Style, error)
	// PatchStyle changes a style (title, public, urls, cover) and returns it.
	PatchStyle(ctx context.Context, id string, p api.StylePatch) (*api.Style, error)

	// Generate and TrainStyleBody start paid jobs from request files
	// (fs/generate): sent once, never retried once they may have arrived.
	Generate(ctx context.Context, path string, body any) (*api.Job, error)
	TrainStyleBody(ctx context.Context, body any) (*api.Job, error)
}

var _ Remote = (*api.Client)(nil)
