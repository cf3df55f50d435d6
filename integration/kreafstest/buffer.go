package kreafstest

import (
	"bufio"
	"bytes"
	"strings"
	"sync"
)

// SyncBuffer is a bytes.Buffer safe for one writer and many readers that
// can signal when a line starting with a given prefix has been written.
// The zero value is ready to use.
type SyncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	watch string        // line prefix to look for
	seen  chan struct{} // closed when a line starting with watch completed
	fired bool
}

// Watch returns a channel closed once a line starting with prefix has been
// written. Call it before the first Write, once.
func (b *SyncBuffer) Watch(prefix string) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.watch, b.seen = prefix, make(chan struct{})
	return b.seen
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.watch != "" && !b.fired {
		sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), b.watch) {
				b.fired = true
				close(b.seen)
				break
			}
		}
	}
	return n, err
}

// String is everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail is the last n bytes of s, marked as cut when it is.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[...]\n" + s[len(s)-n:]
}

// LastLines is the last n lines of a process' output on one line, for
// error messages.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
