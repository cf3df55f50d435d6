package main

import (
	"fmt"
	"io"
)

// runEmulator is replaced by the emulator work (issue 2).
func runEmulator(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "kreafs emulator: not built yet")
	return 1
}
