//go:build !linux

package main

import "errors"

// defaultMountpoint: without /proc/self/mountinfo the mount point must be
// named.
func defaultMountpoint() (string, error) {
	return "", errors.New("name the kreafs mount point")
}
