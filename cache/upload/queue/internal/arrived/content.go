package arrived

// Comparing an asset's hosted bytes with a spool file.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	"github.com/kreafs/kreafs/api"
)

// Fetcher can read hosted bytes (api.Client.Fetch).
type Fetcher interface {
	Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error)
}

var _ Fetcher = (*api.Client)(nil)

// SameContent reports whether the bytes at url are those of the file at
// spool. A spool that is gone, or a URL the server refuses for good (the
// asset went away), gives false; a transient failure is returned.
func SameContent(ctx context.Context, f Fetcher, url, spool string) (bool, error) {
	local, err := os.Open(spool)
	if err != nil {
		return false, nil
	}
	defer local.Close()
	d, err := f.Fetch(ctx, url, 0, -1)
	if err != nil {
		if api.Temporary(err) || ctx.Err() != nil {
			return false, err
		}
		return false, nil
	}
	defer d.Body.Close()
	a, b := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		n, errA := io.ReadFull(local, a)
		m, errB := io.ReadFull(d.Body, b[:max(n, 1)])
		if n != m || !bytes.Equal(a[:n], b[:m]) {
			if errB != nil && !errors.Is(errB, io.EOF) && !errors.Is(errB, io.ErrUnexpectedEOF) {
				return false, errB // a download cut short: ask again later
			}
			return false, nil
		}
		if errA != nil { // the spool ended (EOF) where the download did too
			if !errors.Is(errA, io.EOF) && !errors.Is(errA, io.ErrUnexpectedEOF) {
				return false, errA
			}
			extra, _ := d.Body.Read(b[:1])
			return extra == 0, nil
		}
	}
}
