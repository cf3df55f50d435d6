package kreafstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModuleRoot is the directory of this module's go.mod: `go env GOMOD`,
// else fallback (a directory holding go.mod) when it is not empty.
func ModuleRoot(fallback string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	if fallback == "" {
		if err == nil {
			return "", fmt.Errorf("not inside the kreafs module (go env GOMOD is empty)")
		}
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	abs, err := filepath.Abs(fallback)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot find the module root (go env GOMOD, %s): %v", fallback, err)
	}
	return abs, nil
}

// Build builds ./cmd/kreafs of the module at root into bin, with -race
// when race is set.
func Build(root, bin string, race bool) error {
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/kreafs")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
