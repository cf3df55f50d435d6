package journal

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// Layout names the files under one queue directory and writes them.
type Layout struct {
	Dir, Journal, Spool string

	// Fsync is every fsync of the queue's files (nil: (*os.File).Sync);
	// tests count with it.
	Fsync durable.Syncer
	// The group commits of journal/ and spool/ (nil: each caller fsyncs
	// the directory itself).
	journalDir, spoolDir *durable.GroupSync
	slots                *slotTable // the record files (slots.go)
}

// NewLayout makes dir, dir/journal and dir/spool (0700) if missing.
// fsync is Layout.Fsync.
func NewLayout(dir string, fsync durable.Syncer) (Layout, error) {
	l := Layout{Dir: dir, Journal: filepath.Join(dir, "journal"), Spool: filepath.Join(dir, "spool"), Fsync: fsync, slots: newSlotTable()}
	l.journalDir = durable.NewGroupSync(l.Journal, fsync)
	l.spoolDir = durable.NewGroupSync(l.Spool, fsync)
	for _, d := range []string{l.Dir, l.Journal, l.Spool} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return l, err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return l, err
		}
	}
	return l, nil
}

// SpoolPath is spool/<id>.<gen>.
func (l Layout) SpoolPath(id string, gen int) string {
	return filepath.Join(l.Spool, id+"."+strconv.Itoa(gen))
}

// WriteRecord writes r's record durably (slots.go).
func (l Layout) WriteRecord(r Record) error {
	named, err := l.writeSlot(r, true)
	if err == nil && !named {
		err = l.syncJournal()
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

// WriteRecordUnsynced writes r's record without an fsync: it survives a
// kill -9 but maybe not a power cut, which may leave the item's previous
// durable record or, if it has none, no record (LoadRecords then drops
// the item). Only for an item that has no durable record yet.
func (l Layout) WriteRecordUnsynced(r Record) error {
	if _, err := l.writeSlot(r, false); err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

// WriteRecordNoDirSync is WriteRecord without the fsync of journal/: the
// caller (the Committer) fsyncs journal/ before it relies on the record.
func (l Layout) WriteRecordNoDirSync(r Record) error {
	if _, err := l.writeSlot(r, true); err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

// RemoveRecord deletes id's record durably; a missing one is fine.
func (l Layout) RemoveRecord(id string) error {
	if err := l.RemoveRecordUnsynced(id); err != nil {
		return err
	}
	return l.syncJournal()
}

// RemoveRecordUnsynced deletes id's record without an fsync: a power cut
// may bring it back.
func (l Layout) RemoveRecordUnsynced(id string) error {
	l.slots.forget(id)
	for _, p := range []string{l.slotPath(id, 0), l.slotPath(id, 1)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// SyncSpool makes spool/<id>.<gen> durable: its bytes and its name.
func (l Layout) SyncSpool(id string, gen int) error {
	if err := l.Fsync.SyncFile(l.SpoolPath(id, gen)); err != nil {
		return err
	}
	return l.syncDir(l.spoolDir, l.Spool)
}

func (l Layout) syncDir(g *durable.GroupSync, dir string) error {
	if g == nil {
		return l.Fsync.SyncDir(dir)
	}
	return g.Sync()
}

// LoadRecords reads every item's newest valid record and notes its slots
// for the writes to come. An item whose record files all fail to read
// (and are not blank) is set aside: its files are renamed to *.corrupt
// and it is reported in bad, id -> why (its spool files are left alone).
// Blank files (empty or zeros: what a power cut leaves of a record never
// fsynced) count as never written. Records of earlier versions are
// written again into a slot; leftover temp files of their writes are
// removed.
func (l Layout) LoadRecords() (recs []Record, bad map[string]string, err error) {
	ents, err := os.ReadDir(l.Journal)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string][]string{}
	var ids []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp") {
			os.Remove(filepath.Join(l.Journal, n)) // an interrupted write of an earlier version
			continue
		}
		id, suffix, _ := strings.Cut(n, ".")
		if !ValidID(id) || (suffix != "0" && suffix != "1" && suffix != "json") {
			continue
		}
		if byID[id] == nil {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], suffix)
	}
	bad = map[string]string{}
	for _, id := range ids {
		r, slot, st, why := l.newest(id, byID[id])
		if slot >= 0 {
			l.slots.mu.Lock()
			l.slots.m[id] = &st
			l.slots.mu.Unlock()
		}
		switch {
		case slot == -2: // all blank
			l.RemoveRecordUnsynced(id)
			os.Remove(l.legacyPath(id))
		case slot == -1:
			for _, suffix := range byID[id] {
				p := filepath.Join(l.Journal, id+"."+suffix)
				os.Rename(p, p+".corrupt")
			}
			bad[id] = why
		case slot == 2: // an earlier version's record
			if err := l.WriteRecord(r); err != nil {
				return nil, nil, err
			}
			os.Remove(l.legacyPath(id))
			recs = append(recs, r)
		default:
			if slices.Contains(byID[id], "json") {
				os.Remove(l.legacyPath(id)) // moved before a crash, not yet removed
			}
			recs = append(recs, r)
		}
	}
	return recs, bad, nil
}

// newest is the record of id with the highest sequence among its files
// (suffixes "0", "1", "json"), which one it is (0, 1; 2 for json) and
// the state of id's slots it leaves. slot -1: none reads (why says why);
// -2: all are blank.
func (l Layout) newest(id string, suffixes []string) (r Record, slot int, st slotState, why string) {
	slot = -2
	var whys []string
	st = slotState{durable: -1, size: [2]int64{-1, -1}}
	for _, suffix := range suffixes {
		b, err := os.ReadFile(filepath.Join(l.Journal, id+"."+suffix))
		if err != nil {
			whys = append(whys, fmt.Sprintf("%s.%s: %v", id, suffix, err))
			slot = max(slot, -1)
			continue
		}
		s := 2
		if suffix != "json" {
			s = int(suffix[0] - '0')
			st.size[s] = int64(len(b))
		}
		if len(bytes.Trim(b, "\x00")) == 0 {
			continue // blank: written without an fsync, lost to a power cut
		}
		var c Record
		if s == 2 {
			c, err = DecodeRecord(b)
		} else {
			c, err = decodeSlot(b)
		}
		if err == nil && c.ID != id {
			err = fmt.Errorf("id %q does not match file name", c.ID)
		}
		if err != nil {
			whys = append(whys, fmt.Sprintf("%s.%s: %v", id, suffix, err))
			slot = max(slot, -1)
			continue
		}
		if slot < 0 || c.Seq > r.Seq {
			r, slot = c, s
		}
	}
	if slot < 0 {
		return r, slot, st, strings.Join(whys, "; ")
	}
	if slot < 2 {
		st.durable, st.seq = slot, r.Seq
	}
	return r, slot, st, ""
}

// ReadRecord reads the newest valid record of item id (for tests and
// tools: the queue reads records with LoadRecords).
func (l Layout) ReadRecord(id string) (Record, error) {
	var suffixes []string
	for _, s := range []string{"0", "1", "json"} {
		if _, err := os.Stat(filepath.Join(l.Journal, id+"."+s)); err == nil {
			suffixes = append(suffixes, s)
		}
	}
	r, slot, _, why := l.newest(id, suffixes)
	switch slot {
	case -2:
		return r, os.ErrNotExist
	case -1:
		return r, errors.New(why)
	}
	return r, nil
}

// SetAside reports whether LoadRecords set a record of id aside.
func (l Layout) SetAside(id string) bool {
	for _, s := range []string{"0", "1", "json"} {
		if _, err := os.Stat(filepath.Join(l.Journal, id+"."+s+".corrupt")); err == nil {
			return true
		}
	}
	return false
}

// DecodeRecord parses one record and checks it: version, id, gen, state.
func DecodeRecord(b []byte) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return r, err
	}
	if r.V != Version {
		return r, fmt.Errorf("unknown record version %d", r.V)
	}
	if !ValidID(r.ID) || r.Gen < 0 {
		return r, fmt.Errorf("bad id %q or gen %d", r.ID, r.Gen)
	}
	switch r.State {
	case Writing, Pending, Failed, Uploaded, Canceled:
	default:
		return r, fmt.Errorf("unknown state %q", r.State)
	}
	if r.State == Uploaded && r.Asset == nil {
		return r, errors.New("uploaded record without asset")
	}
	return r, nil
}

// SpoolGens lists spool/<id>.<gen> files by id.
func (l Layout) SpoolGens() (map[string][]int, error) {
	ents, err := os.ReadDir(l.Spool)
	if err != nil {
		return nil, err
	}
	out := map[string][]int{}
	for _, e := range ents {
		id, g, ok := strings.Cut(e.Name(), ".")
		gen, err := strconv.Atoi(g)
		if !ok || err != nil || !ValidID(id) {
			continue
		}
		out[id] = append(out[id], gen)
	}
	return out, nil
}

// NewID returns a new item id: 32 random hex digits.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id is an item id (and so safe in a file name).
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
