//go:build !linux

package node

// threadGroup: macFUSE names the calling process, not the thread.
func threadGroup(pid uint32) uint32 { return pid }
