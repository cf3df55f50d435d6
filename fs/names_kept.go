package fs

// Names kept on this machine: the name each file was uploaded under from
// this cache directory, by the asset id the upload made. Krea may not
// echo an upload's description; with this, a file copied in as
// holiday.png is still holiday.png after its upload and across remounts,
// whatever the API answers (view.WantedName puts it first).
//
// The log is <StateDir>/names-<hash of the API URL>.log, one line per
// change: `set "<id>" "<name>" <unix seconds>` or `del "<id>"` (Go-quoted,
// so any byte may appear). A set is fsynced before Root.Uploaded returns:
// the upload queue forgets the item right after, and a name lost then
// would change. Open reads the log (a torn line ends the reading: what
// came before stands) and rewrites it compactly when it holds many
// superseded lines. Names of assets that a complete listing no longer has
// are dropped, keepGrace after they were set (a listing may lag behind an
// upload).
//
// Locking: keptNames.mu guards every field; the log is written under it.
// It is a leaf lock.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/writeback"

	"github.com/kreafs/kreafs/fs/view"
)

// keepGrace is how long a kept name outlives its asset's absence from
// listings (an API whose listing lags behind its uploads).
const keepGrace = 10 * time.Minute

type keptName struct {
	name string
	set  time.Time
}

// keptNames is the persistent map asset id -> name. A nil *keptNames
// keeps nothing (no StateDir).
type keptNames struct {
	mu    sync.Mutex
	path  string
	log   *os.File // append-only; nil after close
	names map[string]keptName
	lines int
}

// keptNamesPath is the log of one API (scope) under stateDir.
func keptNamesPath(stateDir, scope string) string {
	sum := sha256.Sum256([]byte(scope))
	return filepath.Join(stateDir, "names-"+hex.EncodeToString(sum[:8])+".log")
}

// openKeptNames opens (creating it, 0600) the log at path.
func openKeptNames(path string) (*keptNames, error) {
	k := &keptNames{path: path, names: map[string]keptName{}}
	if err := k.load(); err != nil {
		return nil, err
	}
	if k.lines > 1024 && k.lines > 2*len(k.names) {
		if err := k.rewrite(); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("fs: kept names: %w", err)
	}
	k.log = f
	return k, nil
}

func (k *keptNames) load() error {
	f, err := os.Open(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fs: kept names: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !k.apply(sc.Text()) {
			break // torn or foreign: keep what came before
		}
		k.lines++
	}
	return nil
}

// apply applies one log line and reports whether it was well formed.
func (k *keptNames) apply(line string) bool {
	op, rest, ok := strings.Cut(line, " ")
	if !ok {
		return false
	}
	id, rest, err := unquoteHead(rest)
	if err != nil {
		return false
	}
	switch op {
	case "set":
		name, rest, err := unquoteHead(strings.TrimPrefix(rest, " "))
		if err != nil || !strings.HasPrefix(rest, " ") {
			return false
		}
		sec, err := strconv.ParseInt(rest[1:], 10, 64)
		if err != nil {
			return false
		}
		k.names[id] = keptName{name: name, set: time.Unix(sec, 0)}
	case "del":
		if rest != "" {
			return false
		}
		delete(k.names, id)
	default:
		return false
	}
	return true
}

func unquoteHead(s string) (string, string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", err
	}
	v, err := strconv.Unquote(q)
	return v, s[len(q):], err
}

func keptLine(id string, n keptName) string {
	return "set " + strconv.Quote(id) + " " + strconv.Quote(n.name) + " " + strconv.FormatInt(n.set.Unix(), 10) + "\n"
}

func (k *keptNames) rewrite() error {
	var b strings.Builder
	for id, n := range k.names {
		b.WriteString(keptLine(id, n))
	}
	tmp := k.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("fs: kept names: %w", err)
	}
	if err := os.Rename(tmp, k.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fs: kept names: %w", err)
	}
	k.lines = len(k.names)
	return nil
}

// get is the name kept for asset id, or "".
func (k *keptNames) get(id string) string {
	if k == nil {
		return ""
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.names[id].name
}

// lookup is get as a function value, nil for a nil store (no kept names).
func (k *keptNames) lookup() func(string) string {
	if k == nil {
		return nil
	}
	return k.get
}

// set keeps name for asset id, durably (fsync).
func (k *keptNames) set(id, name string, now time.Time) error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.names[id].name == name {
		return nil
	}
	if k.log == nil {
		return errors.New("fs: kept names: closed")
	}
	n := keptName{name: name, set: now}
	if _, err := k.log.WriteString(keptLine(id, n)); err != nil {
		return fmt.Errorf("fs: kept names: %w", err)
	}
	k.names[id] = n
	k.lines++
	if err := k.log.Sync(); err != nil {
		return fmt.Errorf("fs: kept names: %w", err)
	}
	return nil
}

// prune forgets the names of assets that listed reports absent, once
// they were kept for longer than keepGrace.
func (k *keptNames) prune(listed func(id string) bool, now time.Time) error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var b strings.Builder
	for id, n := range k.names {
		if now.Sub(n.set) > keepGrace && !listed(id) {
			delete(k.names, id)
			b.WriteString("del " + strconv.Quote(id) + "\n")
			k.lines++
		}
	}
	if b.Len() == 0 || k.log == nil {
		return nil
	}
	if _, err := k.log.WriteString(b.String()); err != nil {
		return fmt.Errorf("fs: kept names: %w", err)
	}
	return nil
}

func (k *keptNames) close() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.log == nil {
		return nil
	}
	err := k.log.Close()
	k.log = nil
	return err
}

// keepUploadedName keeps the name queued file it was uploaded under as
// the name of asset a. A failure is logged: the name then follows the
// description rules at the next listing.
func (r *Root) keepUploadedName(it writeback.Item, a *api.Asset) {
	if a == nil || a.ID == "" || !view.UsableName(it.Name) {
		return
	}
	if err := r.kept.set(a.ID, it.Name, r.cfg.Clock()); err != nil {
		r.log.WithFields(logrus.Fields{"op": "upload", "path": "assets/" + it.Name, "id": a.ID}).
			WithError(err).Warn("could not keep the uploaded file's name on this machine")
	}
}
