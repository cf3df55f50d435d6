package state

// Modification times set by users (touch, utimes, rsync -t, cp -p), and
// the last-write times of files written here, on files whose remote side
// keeps none: Krea stores no mtime, so kreafs keeps the ones of this
// machine in a small log in the cache directory, and shows them instead of
// the upload time. `rsync -rt` run twice then finds
// equal sizes and times and sends nothing the second time.
//
// Consistency: the times are local to this cache directory (another
// machine, or another cache directory, shows the upload times). Each Set
// appends one line to the log and is not fsynced: after a crash the last
// few seconds of Sets may be lost, which shows the upload time again and
// costs at most a needless re-send by rsync. Open reads the log (a torn or
// malformed line ends the reading: what came before stands) and rewrites
// it compactly when it holds many superseded lines (log.go).
//
// Locking: Mtimes.mu guards every field; the log is written under it.

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mtimes is a persistent map from a key (fs uses "a:" + asset id and
// "u:" + upload item id) to a modification time.
type Mtimes struct {
	mu    sync.Mutex
	log   *logMap[time.Time]   // log.go
	times map[string]time.Time // log.m
}

// newMtimesLog is the log of Mtimes: "set KEY UNIXNANO" and "del KEY".
func newMtimesLog() *logMap[time.Time] {
	return newLogMap("mtimes", func(rest string) (time.Time, bool) {
		ns, err := strconv.ParseInt(strings.TrimPrefix(rest, " "), 10, 64)
		if err != nil || !strings.HasPrefix(rest, " ") {
			return time.Time{}, false
		}
		return time.Unix(0, ns), true
	}, setLine)
}

// OpenMtimes opens (creating it if needed, 0600) the log at path.
func OpenMtimes(path string) (*Mtimes, error) {
	l := newMtimesLog()
	if err := l.open(path); err != nil {
		return nil, err
	}
	return &Mtimes{log: l, times: l.m}, nil
}

func setLine(key string, t time.Time) string {
	return "set " + strconv.Quote(key) + " " + strconv.FormatInt(t.UnixNano(), 10) + "\n"
}

// Get returns the time set for key, if any.
func (m *Mtimes) Get(key string) (time.Time, bool) {
	if m == nil {
		return time.Time{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.times[key]
	return t, ok
}

// Set records t for key.
func (m *Mtimes) Set(key string, t time.Time) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.times[key]; ok && old.Equal(t) {
		return nil
	}
	m.times[key] = t
	return m.log.write(setLine(key, t))
}

// Delete forgets key.
func (m *Mtimes) Delete(key string) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.times[key]; !ok {
		return nil
	}
	delete(m.times, key)
	return m.log.write(delLine(key))
}

// Move gives to the time of from (if any), and forgets from.
func (m *Mtimes) Move(from, to string) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.times[from]
	if !ok {
		return nil
	}
	delete(m.times, from)
	m.times[to] = t
	return m.log.write(setLine(to, t) + delLine(from))
}

// Settle is Move for a file that became to: to keeps a time of its own
// (set since it exists), else takes from's, else fallback. from is
// forgotten.
func (m *Mtimes) Settle(from, to string, fallback time.Time) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, had := m.times[from]
	delete(m.times, from)
	s := ""
	if had {
		s = delLine(from)
	}
	if _, ok := m.times[to]; !ok {
		if !had {
			t = fallback
		}
		m.times[to] = t
		s = setLine(to, t) + s
	}
	if s == "" {
		return nil
	}
	return m.log.write(s)
}

// Close closes the log.
func (m *Mtimes) Close() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log.close()
}

// MtimesPath is where a cache directory's state dir keeps the times of
// one account (scope: its API URL).
func MtimesPath(stateDir, scope string) string {
	return scopedPath(stateDir, "mtimes-", scope, ".log")
}
