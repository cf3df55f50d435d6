//go:build !linux

package durable

import (
	"errors"
	"os"
)

func reopen(*os.File) (*os.File, error) { return nil, errors.ErrUnsupported }
