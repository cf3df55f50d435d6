package main

import "fmt"

// defaultMountpoint is the one kreafs mount of this machine (the user's
// mount namespace), for kreafs status and wait without an argument.
func defaultMountpoint() (string, error) {
	var found []string
	for _, m := range readMountinfo() {
		if m.fstype == "fuse.kreafs" {
			found = append(found, m.dir)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no kreafs mount found; name its mount point")
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d kreafs mounts (%q); name one", len(found), found)
}
