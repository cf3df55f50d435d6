package journal

import "syscall"

// bootIdentity is the time of the last boot (kern.boottime).
func bootIdentity() []byte {
	s, err := syscall.Sysctl("kern.boottime")
	if err != nil {
		return nil
	}
	return []byte(s)
}
