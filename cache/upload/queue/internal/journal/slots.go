package journal

// Record files: two slots per item, rewritten in place.
//
// An item's record lives in journal/<id>.0 and journal/<id>.1. Each write
// goes to one slot, in place (no new file, no rename), and carries a
// sequence number; a reader takes the valid slot with the highest one.
// The slot written is never the one holding the newest durable record, so
// a write torn by a power cut (in place, it can leave a mix of old and new
// bytes, or zeros) damages only a slot whose loss is allowed: the durable
// record in the other slot stands. An item with no durable record writes
// slot 0 every time: losing it to a power cut is allowed (durability.go).
//
// Why: a record written as a new temp file renamed into place cost a file
// creation and a rename each time, about 6 times per file copied, and on
// ext4 they were a third of the mount's CPU during an rsync of small files
// (docs/performance.md). Now an item creates at most two files, and a
// durable write whose slot's name is already durable needs no fsync of
// journal/.
//
// File format: the record as compact JSON, padded with spaces to the
// slot's previous length (a slot never shrinks: no truncation, so a
// kill -9 during a write of a few KiB at offset 0 cannot leave the file
// cut short), then "\n#" and the CRC-32 (IEEE) of everything before the
// "\n", as 8 hex digits, and "\n". A slot whose checksum does not match
// was torn; a slot of zeros or empty was never made durable. Records of
// earlier versions (journal/<id>.json, plain JSON) are read at Open and
// written again into a slot.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// slotTable is what the layout knows of each item's slot files. Its lock
// is a leaf, never held during I/O; the writes of one item are serialised
// by their caller (the queue's item.pmu).
type slotTable struct {
	mu      sync.Mutex
	m       map[string]*slotState
	unnamed map[slotKey]struct{} // slot files whose name no fsync of journal/ covers yet
}

type slotState struct {
	seq     uint64   // of the newest record written
	durable int      // slot of the newest durable record; -1: none
	size    [2]int64 // bytes in each slot file; -1: no file
}

type slotKey struct {
	id   string
	slot int
}

func newSlotTable() *slotTable {
	return &slotTable{m: map[string]*slotState{}, unnamed: map[slotKey]struct{}{}}
}

func (t *slotTable) stateLocked(id string) *slotState {
	st := t.m[id]
	if st == nil {
		st = &slotState{durable: -1, size: [2]int64{-1, -1}}
		t.m[id] = st
	}
	return st
}

// slotPath is journal/<id>.<slot>.
func (l Layout) slotPath(id string, slot int) string {
	return filepath.Join(l.Journal, id+"."+strconv.Itoa(slot))
}

// legacyPath is journal/<id>.json, a record of an earlier kreafs.
func (l Layout) legacyPath(id string) string {
	return filepath.Join(l.Journal, id+".json")
}

// writeSlot writes r into the slot it may overwrite, fsynced when doSync.
// named reports whether that slot's name is durable (else a durable
// write needs an fsync of journal/ too).
func (l Layout) writeSlot(r Record, doSync bool) (named bool, err error) {
	t := l.slots
	t.mu.Lock()
	st := t.stateLocked(r.ID)
	slot := 0
	if st.durable >= 0 {
		slot = 1 - st.durable
	}
	st.seq++
	r.Seq = st.seq
	prev := st.size[slot]
	// The first durable write also makes the other slot, empty, so that
	// the fsync of journal/ that follows names both: the next durable
	// write (an upload's intent) then needs none.
	other := -1
	if doSync && st.size[1-slot] < 0 {
		other = 1 - slot
	}
	t.mu.Unlock()

	b, err := encodeSlot(r, prev)
	if err != nil {
		return false, err
	}
	p := l.slotPath(r.ID, slot)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, durable.FilePerm)
	if err != nil {
		return false, err
	}
	_, err = f.WriteAt(b, 0)
	if err == nil && doSync {
		err = l.Fsync.Sync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}

	if other >= 0 {
		if err != nil {
			other = -1
		} else if f, oerr := os.OpenFile(l.slotPath(r.ID, other), os.O_WRONLY|os.O_CREATE, durable.FilePerm); oerr == nil {
			f.Close()
		} else {
			other = -1
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	st = t.stateLocked(r.ID)
	if prev < 0 {
		t.unnamed[slotKey{r.ID, slot}] = struct{}{}
	}
	st.size[slot] = max(prev, int64(len(b)))
	if other >= 0 && st.size[other] < 0 {
		st.size[other] = 0
		t.unnamed[slotKey{r.ID, other}] = struct{}{}
	}
	if err != nil {
		return false, err
	}
	if doSync {
		st.durable = slot
	}
	_, un := t.unnamed[slotKey{r.ID, slot}]
	return !un, nil
}

// forget drops id's slots from the table (its files are being removed).
func (t *slotTable) forget(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, id)
	delete(t.unnamed, slotKey{id, 0})
	delete(t.unnamed, slotKey{id, 1})
}

// syncJournal fsyncs journal/ (through the group commit) and notes the
// slot files whose names that made durable.
func (l Layout) syncJournal() error {
	t := l.slots
	t.mu.Lock()
	covered := make([]slotKey, 0, len(t.unnamed))
	for k := range t.unnamed {
		covered = append(covered, k)
	}
	t.mu.Unlock()
	if err := l.syncDir(l.journalDir, l.Journal); err != nil {
		return err
	}
	t.mu.Lock()
	for _, k := range covered {
		delete(t.unnamed, k)
	}
	t.mu.Unlock()
	return nil
}

// encodeSlot is r's slot file, padded to at least prev bytes.
func encodeSlot(r Record, prev int64) ([]byte, error) {
	r.V = Version
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if pad := prev - int64(len(b)) - trailerLen; pad > 0 {
		b = append(b, bytes.Repeat([]byte{' '}, int(pad))...)
	}
	sum := crc32.ChecksumIEEE(b)
	return fmt.Appendf(b, "\n#%08x\n", sum), nil
}

// trailerLen is the length of "\n#xxxxxxxx\n".
const trailerLen = 11

var errTorn = errors.New("checksum does not match (a torn write)")

// decodeSlot checks a slot file's checksum and the record it holds.
func decodeSlot(b []byte) (Record, error) {
	n := len(b)
	if n < trailerLen || b[n-trailerLen] != '\n' || b[n-trailerLen+1] != '#' || b[n-1] != '\n' {
		return Record{}, errTorn
	}
	want, err := strconv.ParseUint(string(b[n-trailerLen+2:n-1]), 16, 32)
	body := b[:n-trailerLen]
	if err != nil || crc32.ChecksumIEEE(body) != uint32(want) {
		return Record{}, errTorn
	}
	return DecodeRecord(body)
}
