//go:build !linux && !darwin

package journal

// bootIdentity is unknown here.
func bootIdentity() []byte { return nil }
