//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bench: the benchmark mounts FUSE file systems and reads /proc: it runs on Linux only")
	os.Exit(2)
}
