package upload

// The content checks of a file written into assets/: Krea's size limit
// (at every write) and its types (at the last close).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/durable"
)

// ErrNotAccepted is the rejection of content whose type Krea does not take.
var ErrNotAccepted = errors.New("not a file type Krea accepts (JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV, MP3)")

// ErrTooBig is the rejection of a write past Krea's upload limit.
var ErrTooBig = fmt.Errorf("larger than Krea's upload limit of %d bytes (75 MB): %w", api.MaxUploadBytes, syscall.EFBIG)

// TooBig says whether a file would grow past Krea's upload limit.
func TooBig(end int64) bool { return end > api.MaxUploadBytes }

// CheckType judges the first bytes of a file. Empty files pass
// (they are kept local until they have content).
func CheckType(f io.ReaderAt) (mime string, err error) {
	head := make([]byte, api.SniffLen)
	n, rerr := f.ReadAt(head, 0)
	if n == 0 {
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return "", rerr
		}
		return "", nil
	}
	mime, ok := api.SniffMedia(head[:n])
	if !ok {
		return mime, fmt.Errorf("content is %s: %w", mime, ErrNotAccepted)
	}
	return mime, nil
}

// checkSpool is CheckType of the spool file at path.
func checkSpool(path string) error {
	f, err := durable.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = CheckType(f)
	return err
}

// spoolSize is the size of a spool file (0 if it cannot be read).
func spoolSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
