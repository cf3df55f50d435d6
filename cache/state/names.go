package state

// Names kept on this machine: the name each file was uploaded under from
// this cache directory, by the asset id the upload made. Krea may not
// echo an upload's description; with this, a file copied in as
// holiday.png is still holiday.png after its upload and across remounts,
// whatever the API answers (fs puts it first when it names an asset).
//
// The log is <state dir>/names-<hash of the API URL>.log, one line per
// change: `set "<id>" "<name>" <unix seconds>` or `del "<id>"` (Go-quoted,
// so any byte may appear). A Set is fsynced before it returns: the upload
// queue forgets the item right after, and a name lost then would change.
// Open reads the log (a torn line ends the reading: what came before
// stands) and rewrites it compactly when it holds many superseded lines
// (log.go). Names of assets that a complete listing no longer has are
// dropped, NameGrace after they were set (a listing may lag behind an
// upload).
//
// Locking: Names.mu guards every field; the log is written under it. It
// is a leaf lock.

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// NameGrace is how long a kept name outlives its asset's absence from
// listings (an API whose listing lags behind its uploads).
const NameGrace = 10 * time.Minute

type keptName struct {
	name string
	set  time.Time
}

// Names is the persistent map asset id -> name. A nil *Names keeps
// nothing.
type Names struct {
	mu    sync.Mutex
	log   *logMap[keptName]   // log.go
	names map[string]keptName // log.m
}

// NamesPath is the log of one API (scope) under stateDir.
func NamesPath(stateDir, scope string) string {
	return scopedPath(stateDir, "names-", scope, ".log")
}

// OpenNames opens (creating it, 0600) the log at path.
func OpenNames(path string) (*Names, error) {
	l := newLogMap("kept names", func(rest string) (keptName, bool) {
		name, rest, err := unquotePrefix(strings.TrimPrefix(rest, " "))
		if err != nil || !strings.HasPrefix(rest, " ") {
			return keptName{}, false
		}
		sec, err := strconv.ParseInt(rest[1:], 10, 64)
		return keptName{name: name, set: time.Unix(sec, 0)}, err == nil
	}, keptLine)
	if err := l.open(path); err != nil {
		return nil, err
	}
	return &Names{log: l, names: l.m}, nil
}

func keptLine(id string, n keptName) string {
	return "set " + strconv.Quote(id) + " " + strconv.Quote(n.name) + " " + strconv.FormatInt(n.set.Unix(), 10) + "\n"
}

// Get is the name kept for asset id, or "".
func (k *Names) Get(id string) string {
	if k == nil {
		return ""
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.names[id].name
}

// Lookup is Get as a function value, nil for a nil store (no kept names).
func (k *Names) Lookup() func(string) string {
	if k == nil {
		return nil
	}
	return k.Get
}

// Set keeps name for asset id, durably (fsync; Sets at the same time share
// one).
func (k *Names) Set(id, name string, now time.Time) error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	if k.names[id].name == name {
		k.mu.Unlock()
		return nil
	}
	n := keptName{name: name, set: now}
	if err := k.log.write(keptLine(id, n)); err != nil {
		k.mu.Unlock()
		return err
	}
	k.names[id] = n
	sync := k.log.syncer()
	k.mu.Unlock()
	return sync()
}

// Prune forgets the names of assets that listed reports absent, once
// they were kept for longer than NameGrace.
func (k *Names) Prune(listed func(id string) bool, now time.Time) error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var b strings.Builder
	for id, n := range k.names {
		if now.Sub(n.set) > NameGrace && !listed(id) {
			delete(k.names, id)
			b.WriteString(delLine(id))
		}
	}
	if b.Len() == 0 || k.log.closed() {
		return nil
	}
	return k.log.write(b.String())
}

// Close closes the log.
func (k *Names) Close() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log.close()
}
