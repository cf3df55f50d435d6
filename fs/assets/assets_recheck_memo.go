package assets

// Which misses of names the listing lacks are answered without a re-check
// (assets_recheck.go), and for how long such an answer may be stale:
//
//   - A temporary or junk name (view.ClassifyName: rsync's .NAME.XXXXXX,
//     editors' swap files, .DS_Store) is never an asset kreafs made: ENOENT
//     from the listing, always.
//   - A process that missed a name in a re-check that began less than
//     missMemoFor ago gets the same answer again. cp looks a new NAME up
//     three times (its stat, the kernel's lookup before the create, one
//     inside it), rsync's receiver three (its open of a basis file, the
//     kernel's lookup before the rename, one inside it).
//   - The burst rule: while more than burstNames different names were
//     found missing within burstWindow (a bulk copy of new files: rsync and
//     cp -r miss each new name; rsync in two processes, its generator's
//     lstat and its receiver's open), any miss, whoever asks, is answered
//     from a re-check that began less than burstFresh ago, and a new one
//     starts in the background once that one is half as old, so that no
//     lookup of a sustained burst waits for the API. An asset
//     uploaded elsewhere during a bulk copy here may then take up to
//     burstFresh to be found by name; in quiet use (a shell's next command
//     after an upload elsewhere) every other process's miss asks. The
//     kernel keeps such an answer (and, during a burst, a miss of a
//     temporary name) as a negative entry for as long as the rule allows
//     (node.CacheMiss), so rsync's second and third lookups of a new name
//     do not reach kreafs at all.
//
// Only answers of ENOENT count toward a burst, so a program that reads
// names just uploaded elsewhere, which the re-check finds, never makes
// one. Counting names, not lookups, keeps a program that polls one name
// out of it too. The times are real time, not Config.Clock: they measure
// how fast programs make lookups. Locking: missMemo.mu guards its fields
// and is held with no other lock.

import (
	"context"
	"sync"
	"time"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// missMemoFor is how long a process's miss of a name is answered from the
// re-check that found it missing: it bridges the few lookups one program
// makes of one name while it creates it.
const missMemoFor = time.Second

// missMemoPrune is the size of a memo map at which expired entries are
// dropped.
const missMemoPrune = 256

// burstNames, burstWindow and burstFresh are the burst rule (top of the
// file). rsync and cp -r of 200 KB files into a mount missed 11-42 new
// names a second in the runs of docs/performance.md ("Re-checks and size
// probes"), from their first files on; a command typed in a shell misses
// the one name it writes or reads (cp of a file: one name, in up to three
// lookups).
const (
	burstNames  = 4
	burstWindow = time.Second
	burstFresh  = time.Second
)

// missKey is a name missed by a process (its thread group id).
type missKey struct {
	name string
	pid  uint32
}

// missMemo is what recent re-checks said about names the listing lacks.
type missMemo struct {
	mu sync.Mutex
	// at: per name and process, when the last re-check that did not find
	// the name began.
	at map[missKey]time.Time
	// named: per name, when it was last answered ENOENT (any process).
	named map[string]time.Time
	// firsts: when each name not in named within burstWindow was answered
	// ENOENT, oldest first; those within burstWindow decide a burst.
	firsts []time.Time
	// lastCheck: when the newest re-check that completed began.
	lastCheck time.Time
}

// shouldRecheck says whether a lookup of name, missing from the listing,
// asks the API (see the top of this file). When it does not, the caller
// answers ENOENT.
// cacheFor (> 0 for an answer of the burst rule): how long that answer
// stays within the rule, which the kernel may keep it for (node.CacheMiss)
// so that the copy's next lookups of the name do not reach kreafs.
func (d *assetsDir) shouldRecheck(ctx context.Context, name string) (recheck bool, cacheFor time.Duration) {
	if view.ClassifyPath(name) != view.FinalName {
		return false, d.misses.tempFor(time.Now())
	}
	answered, refresh, cacheFor := d.misses.answers(ctx, name)
	if refresh {
		d.recheckSoon()
	}
	return !answered, cacheFor
}

// answers reports whether a miss of name by the caller is answered from a
// recent re-check; if so, it counts as a miss. refresh: the answer comes
// from the burst rule and its re-check began burstFresh/2 ago or more, so
// a new one should start in the background, to be there before lookups
// would have to wait for it. cacheFor: for an answer of the burst rule,
// how long it stays within the rule (burstFresh after its re-check began).
func (m *missMemo) answers(ctx context.Context, name string) (answered, refresh bool, cacheFor time.Duration) {
	pid := node.CallerProcess(ctx)
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.at[missKey{name, pid}]; pid != 0 && ok && now.Sub(t) < missMemoFor {
		m.missedLocked(name, now)
		return true, false, 0
	}
	if age := now.Sub(m.lastCheck); age < burstFresh && m.burstLocked(now) {
		m.missedLocked(name, now)
		return true, age >= burstFresh/2, burstFresh - age
	}
	return false, false, 0
}

// tempFor is how long the kernel may keep a miss of a temporary or junk
// name (never re-checked: ENOENT unless the listing has it): burstFresh
// during a burst, as the burst rule's answers; else not at all.
func (m *missMemo) tempFor(now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.burstLocked(now) {
		return burstFresh
	}
	return 0
}

// add records that a re-check begun at began did not find name for the
// caller.
func (m *missMemo) add(ctx context.Context, name string, began time.Time) {
	pid := node.CallerProcess(ctx)
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.missedLocked(name, now)
	if pid == 0 {
		return
	}
	if m.at == nil {
		m.at = make(map[missKey]time.Time)
	}
	if len(m.at) >= missMemoPrune {
		for k, t := range m.at {
			if now.Sub(t) >= missMemoFor {
				delete(m.at, k)
			}
		}
	}
	m.at[missKey{name, pid}] = began
}

// checked records that a re-check begun at began completed.
func (m *missMemo) checked(began time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if began.After(m.lastCheck) {
		m.lastCheck = began
	}
}

// missedLocked counts an ENOENT answer for name toward a burst.
func (m *missMemo) missedLocked(name string, now time.Time) {
	if m.named == nil {
		m.named = make(map[string]time.Time)
	}
	if t, ok := m.named[name]; !ok || now.Sub(t) >= burstWindow {
		m.burstLocked(now)
		m.firsts = append(m.firsts, now)
	}
	m.named[name] = now
	if len(m.named) >= missMemoPrune {
		for k, t := range m.named {
			if now.Sub(t) >= burstWindow {
				delete(m.named, k)
			}
		}
	}
}

// burstLocked reports whether more than burstNames names were first
// answered ENOENT within burstWindow, dropping older counts.
func (m *missMemo) burstLocked(now time.Time) bool {
	i := 0
	for i < len(m.firsts) && now.Sub(m.firsts[i]) >= burstWindow {
		i++
	}
	if i > 0 {
		m.firsts = append(m.firsts[:0], m.firsts[i:]...)
	}
	return len(m.firsts) > burstNames
}
