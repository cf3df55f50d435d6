package main

// Checks before mounting, each refusing with one line (status 1): a mount
// point that is already a live mount, one that is not empty (unless
// --allow-non-empty), and an API that cannot be reached when the cache
// dir holds no saved listing of it (a typo in --api-url would otherwise
// mount an empty tree that fails with EIO). An unreachable API with a
// saved listing mounts offline from it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
)

// checkMountpoint refuses a live mount at mp and, unless allowNonEmpty, a
// directory with entries.
func checkMountpoint(mp string, allowNonEmpty bool) error {
	if fstype, ok := mountedAt(mp); ok {
		return fmt.Errorf("mount point %s is already a mount (%s): unmount it first", mp, fstype)
	}
	if allowNonEmpty {
		return nil
	}
	d, err := os.Open(mp)
	if err != nil {
		return fmt.Errorf("mount point: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("mount point %s: %w", mp, err)
	}
	if len(names) > 0 {
		return fmt.Errorf("mount point %s is not empty (it holds %s); mounting would hide that: use an empty directory, or --allow-non-empty", mp, names[0])
	}
	return nil
}

// notAnswering reports whether err (of the start check) says the API did
// not answer as an API: no connection, no answer in time, or an error
// status after the retries (a 404 is what a wrong --api-url gets). An
// API that answered 200 with a body kreafs cannot read was reached: the
// mount starts and the listing is retried.
func notAnswering(err error) bool {
	var ue *url.Error
	var ae *api.Error
	return errors.As(err, &ue) || errors.As(err, &ae) || errors.Is(err, context.DeadlineExceeded)
}

// hasSavedListing reports whether stateDir holds a saved assets/ listing
// of the account at scope (what an offline mount starts from).
func hasSavedListing(stateDir, scope string) bool {
	if _, err := os.Stat(stateDir); err != nil {
		return false
	}
	d, err := state.OpenDir(stateDir, scope)
	if err != nil {
		return false
	}
	_, _, err = state.Saved[api.Asset](d, "assets").Load()
	return err == nil
}
