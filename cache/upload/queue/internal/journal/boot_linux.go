package journal

import (
	"bytes"
	"os"
)

// bootIdentity is the kernel's random boot id, new at every boot.
func bootIdentity() []byte {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return nil
	}
	return bytes.TrimSpace(b)
}
