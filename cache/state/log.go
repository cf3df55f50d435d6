package state

// The append-only log under Mtimes and Names: a map from a key to a value
// kept as one line per change, "set KEY VALUE" or "del KEY" (KEY quoted
// with strconv.Quote, so any byte may appear in it), replayed at open. A
// line that does not parse (torn by a crash, or foreign) ends the reading:
// what came before stands. A log with more than compactAfter lines and
// more than twice as many lines as live entries is rewritten at open with
// one line per entry (durable.WriteFile). Appends are fsynced only where
// the owner calls the fsync from syncer (a group commit: durable.GroupSync).
// The log is replaced (compacted) only in open, before its GroupSync is
// made, so the descriptor the GroupSync keeps is always of the file
// appended to; close releases it.
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

// logMap is the log and the map it describes. parse reads the VALUE of a
// set line (what follows KEY, from its space); format writes a whole set
// line.
type logMap[V any] struct {
	what   string             // for errors: "mtimes", "kept names"
	f      *os.File           // append-only; nil before open and after close
	gsync  *durable.GroupSync // fsyncs of the log: callers at the same time share one
	lines  int                // lines in the log, superseded ones included
	m      map[string]V
	parse  func(rest string) (V, bool)
	format func(key string, v V) string
}

func newLogMap[V any](what string, parse func(string) (V, bool), format func(string, V) string) *logMap[V] {
	return &logMap[V]{what: what, m: map[string]V{}, parse: parse, format: format}
}

// open replays the log at path, compacts it when it is mostly superseded
// lines, and opens it for appending (created 0600).
func (l *logMap[V]) open(path string) error {
	if err := l.replay(path); err != nil {
		return err
	}
	if l.lines > compactAfter && l.lines > 2*len(l.m) {
		var b strings.Builder
		for k, v := range l.m {
			b.WriteString(l.format(k, v))
		}
		if err := durable.WriteFile(path, []byte(b.String())); err != nil {
			return l.err(err)
		}
		l.lines = len(l.m)
	}
	f, err := durable.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, durable.FilePerm)
	if err != nil {
		return l.err(err)
	}
	l.f = f
	l.gsync = durable.NewGroupSync(path, nil)
	return nil
}

func (l *logMap[V]) replay(path string) error {
	f, err := durable.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return l.err(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !l.apply(sc.Text()) {
			break // torn or foreign: keep what came before
		}
		l.lines++
	}
	return nil
}

// apply applies one log line and reports whether it was well formed.
func (l *logMap[V]) apply(line string) bool {
	op, rest, ok := strings.Cut(line, " ")
	if !ok {
		return false
	}
	key, rest, err := unquotePrefix(rest)
	if err != nil {
		return false
	}
	switch op {
	case "set":
		v, ok := l.parse(rest)
		if ok {
			l.m[key] = v
		}
		return ok
	case "del":
		if rest == "" {
			delete(l.m, key)
		}
		return rest == ""
	}
	return false
}

// delLine is the line that forgets key.
func delLine(key string) string { return "del " + strconv.Quote(key) + "\n" }

func (l *logMap[V]) err(err error) error {
	return fmt.Errorf("cache: %s: %w", l.what, err)
}

func (l *logMap[V]) closed() bool { return l.f == nil }

// write appends s (whole lines), not fsynced (see sync).
func (l *logMap[V]) write(s string) error {
	if l.f == nil {
		return l.err(errors.New("closed"))
	}
	l.lines += strings.Count(s, "\n")
	if _, err := l.f.WriteString(s); err != nil {
		return l.err(err)
	}
	return nil
}

func (l *logMap[V]) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if gerr := l.gsync.Close(); err == nil {
		err = gerr
	}
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

// syncer returns the fsync of what was appended so far, to call without
// the owner's lock (so that callers at the same time share one fsync).
func (l *logMap[V]) syncer() func() error {
	if l.f == nil {
		return func() error { return l.err(errors.New("closed")) }
	}
	g := l.gsync
	return func() error {
		if err := g.Sync(); err != nil {
			return l.err(err)
		}
		return nil
	}
}
