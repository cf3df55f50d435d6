package kreafstest

import "sync"

var mountRegistry struct {
	mu   sync.Mutex
	dirs map[string]bool // every mount point registered in this process
}

// RegisterMountDir records dir for LeftoverMounts. Start registers the
// mount point of each process it starts.
func RegisterMountDir(dir string) {
	mountRegistry.mu.Lock()
	defer mountRegistry.mu.Unlock()
	if mountRegistry.dirs == nil {
		mountRegistry.dirs = map[string]bool{}
	}
	mountRegistry.dirs[dir] = true
}

// LeftoverMounts lists the registered mount points that are still
// mounted. (Only ours: other packages' tests may be mounting at the same
// time.)
func LeftoverMounts() []string {
	mountRegistry.mu.Lock()
	defer mountRegistry.mu.Unlock()
	var left []string
	for _, e := range Mountinfo() {
		if mountRegistry.dirs[e.Dir] {
			left = append(left, e.Dir)
		}
	}
	return left
}
