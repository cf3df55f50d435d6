//go:build linux

package durable

import (
	"os"
	"strconv"
)

// reopen opens f again (a new file description with its own offset), also
// when f's name was removed.
func reopen(f *os.File) (*os.File, error) {
	return os.Open("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
}
