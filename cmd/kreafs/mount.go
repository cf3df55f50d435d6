package main

import (
	"fmt"
	"io"
)

// runMount is replaced by the mount work (issue 3).
func runMount(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "kreafs mount: not built yet")
	return 1
}
