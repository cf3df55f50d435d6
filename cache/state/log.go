package state

// The append-only log under Mtimes and Names: one line per change,
// replayed at open. A line the owner's apply refuses (torn by a crash, or
// foreign) ends the reading: what came before stands. A log with more than
// compactAfter lines and more than twice as many lines as live entries is
// rewritten at open with one line per entry (durable.WriteFile). Appends
// are fsynced only where the owner calls sync.
//
// Locking: none of its own; the owner serialises every call.

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// compactAfter: a log with more lines than this and more than twice its
// live entries is rewritten at open.
const compactAfter = 1024

type appendLog struct {
	what  string // for errors: "mtimes", "kept names"
	path  string
	f     *os.File // append-only; nil after close
	lines int      // lines in the log, superseded ones included
}

// openLog replays the log at path through apply, compacts it when it is
// mostly superseded lines (live counts the entries, compact writes them),
// and opens it for appending (created 0600).
func openLog(what, path string, apply func(line string) bool, live func() int, compact func(*strings.Builder)) (*appendLog, error) {
	l := &appendLog{what: what, path: path}
	if err := l.replay(apply); err != nil {
		return nil, err
	}
	if n := live(); l.lines > compactAfter && l.lines > 2*n {
		var b strings.Builder
		compact(&b)
		if err := durable.WriteFile(path, []byte(b.String())); err != nil {
			return nil, l.err(err)
		}
		l.lines = n
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, durable.FilePerm)
	if err != nil {
		return nil, l.err(err)
	}
	l.f = f
	return l, nil
}

func (l *appendLog) replay(apply func(string) bool) error {
	f, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return l.err(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !apply(sc.Text()) {
			break // torn or foreign: keep what came before
		}
		l.lines++
	}
	return nil
}

func (l *appendLog) err(err error) error {
	return fmt.Errorf("cache: %s: %w", l.what, err)
}

func (l *appendLog) closed() bool { return l.f == nil }

// write appends s (whole lines), not fsynced (see sync).
func (l *appendLog) write(s string) error {
	if l.f == nil {
		return l.err(errors.New("closed"))
	}
	l.lines += strings.Count(s, "\n")
	if _, err := l.f.WriteString(s); err != nil {
		return l.err(err)
	}
	return nil
}

func (l *appendLog) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// unquotePrefix splits a quoted string (strconv.Quote) off the start of s.
func unquotePrefix(s string) (string, string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", err
	}
	v, err := strconv.Unquote(q)
	return v, s[len(q):], err
}

// sync fsyncs what was appended.
func (l *appendLog) sync() error {
	if l.f == nil {
		return l.err(errors.New("closed"))
	}
	if err := l.f.Sync(); err != nil {
		return l.err(err)
	}
	return nil
}
