package journal

import (
	"crypto/sha256"
	"encoding/hex"
)

// bootID names the running boot of this machine as 32 hex digits, or ""
// where the system does not say (boot_*.go): unsynced records are then
// trusted after a reboot too, as the page cache's were before (log.go).
func bootID() string {
	raw := bootIdentity()
	if len(raw) == 0 {
		return ""
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}
