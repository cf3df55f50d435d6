package main

// What the user sees of a running mount beyond its files: the secrets
// kept out of MOUNT/.kreafs/errors.

import kfs "github.com/kreafs/kreafs/fs"

// observeAccount prepares the mount's status files for acct: its token
// never shows in MOUNT/.kreafs/errors.
func observeAccount(acct *account) { kfs.HideInErrors(acct.token) }
