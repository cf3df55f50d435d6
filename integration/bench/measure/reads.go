//go:build linux

package measure

// Timed reads as cat does them, and checks of what was read.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// ReadBuf is the smallest buffer cat reads with.
const ReadBuf = 128 << 10

// readBufs holds read buffers whose pages are already touched: a fresh
// buffer would page-fault inside the timed read (more for kreafs' 1 MiB
// reads than for 128 KiB ones). They are kept for the life of the process
// (a sync.Pool drops them at a GC, and the next timed reads would fault
// 8 MiB each in again); a run needs as many as reads run at once.
var readBufs struct {
	sync.Mutex
	free [][]byte
}

const readBufSize = 8 << 20

func getReadBuf() []byte {
	readBufs.Lock()
	if n := len(readBufs.free); n > 0 {
		b := readBufs.free[n-1]
		readBufs.free = readBufs.free[:n-1]
		readBufs.Unlock()
		return b
	}
	readBufs.Unlock()
	b := make([]byte, readBufSize)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

func putReadBuf(b []byte) {
	readBufs.Lock()
	readBufs.free = append(readBufs.free, b)
	readBufs.Unlock()
}

// WarmReadBuffers makes n read buffers ready, so that n reads timed
// together (one wall clock around all of them) do not fault their
// buffers' pages in inside that time.
func WarmReadBuffers(n int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = getReadBuf()
	}
	for _, b := range bufs {
		putReadBuf(b)
	}
}

// ReadAll opens path and reads it to the end as cat does: read(2) with a
// buffer of max(128 KiB, st_blksize) (coreutils' io_blksize). The time
// includes open, fstat and close.
func ReadAll(path string) (int64, time.Duration, error) {
	big := getReadBuf()
	defer putReadBuf(big)
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	buf := big[:ReadBuf]
	if st, err := f.Stat(); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			if bs := int64(sys.Blksize); bs > ReadBuf && bs <= int64(len(big)) {
				buf = big[:bs]
			}
		}
	}
	var n int64
	for {
		m, err := f.Read(buf)
		n += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return n, 0, err
		}
	}
	f.Close()
	return n, time.Since(start), nil
}

// FirstBytes opens path and reads its first n bytes.
func FirstBytes(path string, n int) (time.Duration, error) {
	buf := make([]byte, n)
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := io.ReadFull(f, buf); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// ReadChecked reads path whole and checks its length.
func ReadChecked(path string, size int64) (time.Duration, error) {
	if _, err := os.Stat(path); err != nil { // the lookup is not timed
		return 0, err
	}
	n, d, err := ReadAll(path)
	if err == nil && n != size {
		err = fmt.Errorf("read %d bytes of %s, want %d", n, path, size)
	}
	return d, err
}

// ReadCheckedNoStat is ReadChecked without the untimed lookup first.
func ReadCheckedNoStat(path string, size int64) (time.Duration, error) {
	n, d, err := ReadAll(path)
	if err == nil && n != size {
		err = fmt.Errorf("read %d bytes of %s, want %d", n, path, size)
	}
	return d, err
}

// SameContent checks that two files hold the same bytes.
func SameContent(a, b string) error {
	fa, err := os.Open(a)
	if err != nil {
		return err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return err
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); ; {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return fmt.Errorf("%s differs from %s near offset %d", a, b, off)
		}
		off += int64(na)
		if ea != nil || eb != nil {
			if (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF) {
				return nil
			}
			return errors.Join(ea, eb)
		}
	}
}
