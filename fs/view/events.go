package view

// The events log, MOUNT/.kreafs/events: one line per change the mount
// sees, which `tail -f` and scripts follow (FUSE cannot tell inotify of a
// new file, so this is how a creation becomes visible):
//
//	2026-12-05T06:19:37.123Z asset-added assets/album/beach.png
//	2026-12-05T06:19:40.002Z job-state completed jobs/<id>
//	2026-12-05T06:20:01.250Z job-removed jobs/<id>
//
// A line is "<time, UTC, ms> <kind> [<detail> ]<path>\n"; only job-state
// has a detail (the new state, one word), and the path (relative to the
// mount, which may hold spaces) runs to the end of the line.
//
// The file only grows: its size is the number of bytes ever logged since
// the mount started, and a read at an offset returns those bytes, so a
// reader that polls the size (tail -f on FUSE) gets each line once. The
// mount keeps the newest lines only (a ring of at most maxBytes); the
// bytes of older lines read as one line of spaces starting with
// "# older events dropped", so the file stays text and every offset
// still has a byte.
//
// Locking: Events.mu guards everything (a leaf; never held while calling
// out).

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Kinds of events.
const (
	EventAssetAdded    = "asset-added"
	EventAssetRemoved  = "asset-removed"
	EventJobState      = "job-state"
	EventJobRemoved    = "job-removed"
	EventResultReady   = "result-ready"
	EventUploadDone    = "upload-done"
	EventUploadRefused = "upload-refused"
)

// droppedNote starts the bytes of lines no longer kept.
const droppedNote = "# older events dropped"

// Events is the bounded log behind MOUNT/.kreafs/events.
type Events struct {
	mu       sync.Mutex
	lines    []string // kept lines, oldest first
	offs     []int64  // offset of each kept line
	held     int      // bytes in lines
	start    int64    // offset of the first kept line
	end      int64    // bytes ever logged: the file's size
	maxBytes int
	now      func() time.Time
	changed  chan struct{} // closed at the next Add
}

// NewEvents is an empty log keeping at most maxBytes of the newest lines
// (at least the last line, however long).
func NewEvents(maxBytes int) *Events {
	return &Events{maxBytes: maxBytes, now: time.Now, changed: make(chan struct{})}
}

// Add logs one event at the current time. kind is one of the Event*
// constants; detail is "" except for job-state. Control characters in
// path or detail are shown as '?' so that an event is one line.
func (e *Events) Add(kind, detail, path string) {
	var b strings.Builder
	e.mu.Lock()
	defer e.mu.Unlock()
	b.WriteString(e.now().UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteString(" " + kind + " ")
	if detail != "" {
		b.WriteString(oneLine(strings.ReplaceAll(detail, " ", "_")) + " ")
	}
	b.WriteString(oneLine(path) + "\n")
	line := b.String()
	e.lines = append(e.lines, line)
	e.offs = append(e.offs, e.end)
	e.held += len(line)
	e.end += int64(len(line))
	drop := 0
	for e.held > e.maxBytes && drop < len(e.lines)-1 {
		e.held -= len(e.lines[drop])
		drop++
	}
	if drop > 0 {
		e.lines = append([]string(nil), e.lines[drop:]...)
		e.offs = append([]int64(nil), e.offs[drop:]...)
		e.start = e.offs[0]
	}
	close(e.changed)
	e.changed = make(chan struct{})
}

// oneLine replaces control characters with '?'.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if badRune(r) {
			return '?'
		}
		return r
	}, s)
}

// Size is the file's size: every byte logged so far.
func (e *Events) Size() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.end
}

// Changed is closed at the next Add.
func (e *Events) Changed() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changed
}

// ReadAt fills p with the file's bytes from off and returns how many; 0
// at or past the end.
func (e *Events) ReadAt(p []byte, off int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for n < len(p) && off < e.start {
		p[n] = droppedByte(off, e.start)
		n++
		off++
	}
	if n == len(p) || off >= e.end {
		return n
	}
	i := sort.Search(len(e.offs), func(i int) bool { return e.offs[i] > off }) - 1
	for ; i < len(e.lines) && n < len(p); i++ {
		line := e.lines[i][off-e.offs[i]:]
		c := copy(p[n:], line)
		n += c
		off += int64(c)
	}
	return n
}

// droppedByte is the byte at off (< start) of the lines no longer kept.
func droppedByte(off, start int64) byte {
	switch {
	case off == start-1:
		return '\n'
	case start > int64(len(droppedNote)) && off < int64(len(droppedNote)):
		return droppedNote[off]
	}
	return ' '
}

// Changes lists what t adds and removes compared with the table it
// replaces (nil: nothing, a first listing is no change): the paths under
// assets/ of the assets new in t, and of those t no longer has, by id, so
// a renamed asset is neither. Both sorted.
func (t *AssetTable) Changes(old *AssetTable) (added, removed []string) {
	if old == nil {
		return nil, nil
	}
	for id, p := range t.NameOf.All() {
		if _, ok := old.ByID.Get(id); !ok {
			added = append(added, p)
		}
	}
	for id, p := range old.NameOf.All() {
		if _, ok := t.ByID.Get(id); !ok {
			removed = append(removed, p)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
