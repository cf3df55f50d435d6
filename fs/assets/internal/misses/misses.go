// Package misses decides which lookups of names the assets listing lacks
// are answered without a re-check of the API, and for how long such an
// answer may be stale (fs/assets asks it for every miss of a final name):
//
//   - A temporary or junk name (view.ClassifyName: rsync's .NAME.XXXXXX,
//     editors' swap files, .DS_Store) is never an asset kreafs made: ENOENT
//     from the listing, always.
//   - A process that missed a name in a re-check that began less than
//     memoFor ago gets the same answer again. cp looks a new NAME up
//     three times (its stat, the kernel's lookup before the create, one
//     inside it), rsync's receiver three (its open of a basis file, the
//     kernel's lookup before the rename, one inside it).
//   - The burst rule: while more than BurstNames different names were
//     found missing within BurstWindow (a bulk copy of new files: rsync and
//     cp -r miss each new name; rsync in two processes, its generator's
//     lstat and its receiver's open), any miss, whoever asks, is answered
//     from a re-check that began less than BurstFresh ago, and a new one
//     starts in the background once that one is half as old, so that no
//     lookup of a sustained burst waits for the API. An asset
//     uploaded elsewhere during a bulk copy here may then take up to
//     BurstFresh to be found by name; in quiet use (a shell's next command
//     after an upload elsewhere) every other process's miss asks. The
//     kernel keeps such an answer (and, during a burst, a miss of a
//     temporary name) as a negative entry for as long as the rule allows
//     (node.CacheMiss), so rsync's second and third lookups of a new name
//     do not reach kreafs at all.
//
// Only answers of ENOENT count toward a burst, so a program that reads
// names just uploaded elsewhere, which the re-check finds, never makes
// one. Counting names, not lookups, keeps a program that polls one name
// out of it too. The times are real time, not the mount's Config.Clock: they measure
// how fast programs make lookups. Locking: Memo.mu guards its fields
// and is held with no other lock.
package misses

import (
	"sync"
	"time"
)

// memoFor is how long a process's miss of a name is answered from the
// re-check that found it missing: it bridges the few lookups one program
// makes of one name while it creates it.
const memoFor = time.Second

// memoPrune is the size of a memo map at which expired entries are
// dropped.
const memoPrune = 256

// BurstNames, BurstWindow and BurstFresh are the burst rule (top of the
// file). rsync and cp -r of 200 KB files into a mount missed 11-42 new
// names a second in the runs of docs/performance.md ("A missing name cost
// a round trip, six times a file"), from their first files on; a command
// typed in a shell misses the one name it writes or reads (cp of a file:
// one name, in up to three lookups).
const (
	BurstNames  = 4
	BurstWindow = time.Second
	BurstFresh  = time.Second
)

// key is a name missed by a process (its thread group id).
type key struct {
	name string
	pid  uint32
}

// Memo is what recent re-checks said about names the listing lacks.
type Memo struct {
	mu sync.Mutex
	// at: per name and process, when the last re-check that did not find
	// the name began.
	at map[key]time.Time
	// named: per name, when it was last answered ENOENT (any process).
	named map[string]time.Time
	// firsts: when each name not in named within BurstWindow was answered
	// ENOENT, oldest first; those within BurstWindow decide a burst.
	firsts []time.Time
	// lastCheck: when the newest re-check that completed began.
	lastCheck time.Time
}

// Answers reports whether a miss of name by process pid (0: unknown) is
// answered from a
// recent re-check; if so, it counts as a miss. refresh: the answer comes
// from the burst rule and its re-check began BurstFresh/2 ago or more, so
// a new one should start in the background, to be there before lookups
// would have to wait for it. cacheFor: for an answer of the burst rule,
// how long it stays within the rule (BurstFresh after its re-check began).
func (m *Memo) Answers(pid uint32, name string) (answered, refresh bool, cacheFor time.Duration) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.at[key{name, pid}]; pid != 0 && ok && now.Sub(t) < memoFor {
		m.missedLocked(name, now)
		return true, false, 0
	}
	if age := now.Sub(m.lastCheck); age < BurstFresh && m.burstLocked(now) {
		m.missedLocked(name, now)
		return true, age >= BurstFresh/2, BurstFresh - age
	}
	return false, false, 0
}

// TempFor is how long the kernel may keep a miss of a temporary or junk
// name (never re-checked: ENOENT unless the listing has it): BurstFresh
// during a burst, as the burst rule's answers; else not at all.
func (m *Memo) TempFor(now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.burstLocked(now) {
		return BurstFresh
	}
	return 0
}

// Add records that a re-check begun at began did not find name for
// process pid (0: unknown).
func (m *Memo) Add(pid uint32, name string, began time.Time) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.missedLocked(name, now)
	if pid == 0 {
		return
	}
	if m.at == nil {
		m.at = make(map[key]time.Time)
	}
	if len(m.at) >= memoPrune {
		for k, t := range m.at {
			if now.Sub(t) >= memoFor {
				delete(m.at, k)
			}
		}
	}
	m.at[key{name, pid}] = began
}

// Checked records that a re-check begun at began completed.
func (m *Memo) Checked(began time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if began.After(m.lastCheck) {
		m.lastCheck = began
	}
}

// missedLocked counts an ENOENT answer for name toward a burst.
func (m *Memo) missedLocked(name string, now time.Time) {
	if m.named == nil {
		m.named = make(map[string]time.Time)
	}
	if t, ok := m.named[name]; !ok || now.Sub(t) >= BurstWindow {
		m.burstLocked(now)
		m.firsts = append(m.firsts, now)
	}
	m.named[name] = now
	if len(m.named) >= memoPrune {
		for k, t := range m.named {
			if now.Sub(t) >= BurstWindow {
				delete(m.named, k)
			}
		}
	}
}

// burstLocked reports whether more than BurstNames names were first
// answered ENOENT within BurstWindow, dropping older counts.
func (m *Memo) burstLocked(now time.Time) bool {
	i := 0
	for i < len(m.firsts) && now.Sub(m.firsts[i]) >= BurstWindow {
		i++
	}
	if i > 0 {
		m.firsts = append(m.firsts[:0], m.firsts[i:]...)
	}
	return len(m.firsts) > BurstNames
}
