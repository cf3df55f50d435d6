package fs

import "github.com/kreafs/kreafs/fs/node"

// HideInErrors keeps secret (the API token) out of MOUNT/.kreafs/errors:
// a reason holding it shows "[redacted]" instead.
func HideInErrors(secret string) { node.Errors.Hide(secret) }
