//go:build !unix

package cache

import (
	"io/fs"
	"os"
)

func checkOwner(string, fs.FileInfo) error { return nil }

func lockDir(string) (*os.File, error) { return nil, nil }

func unlockDir(*os.File) {}
