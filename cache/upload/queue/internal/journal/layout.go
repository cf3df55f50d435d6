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
}

// NewLayout makes dir, dir/journal and dir/spool (0700) if missing.
// fsync is Layout.Fsync.
func NewLayout(dir string, fsync durable.Syncer) (Layout, error) {
	l := Layout{Dir: dir, Journal: filepath.Join(dir, "journal"), Spool: filepath.Join(dir, "spool"), Fsync: fsync}
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

// RecordPath is journal/<id>.json.
func (l Layout) RecordPath(id string) string {
	return filepath.Join(l.Journal, id+".json")
}

// WriteRecord replaces journal/<id>.json atomically and durably.
func (l Layout) WriteRecord(r Record) error {
	b, err := encodeRecord(r)
	if err == nil {
		err = l.Fsync.WriteFileNoDirSync(l.RecordPath(r.ID), b)
	}
	if err == nil {
		err = l.syncDir(l.journalDir, l.Journal)
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

// WriteRecordUnsynced replaces journal/<id>.json atomically without an
// fsync: the record survives a kill -9 but maybe not a power cut, where
// it may also come back empty (LoadRecords then drops it). Only for an
// item that has no durable record yet.
func (l Layout) WriteRecordUnsynced(r Record) error {
	b, err := encodeRecord(r)
	if err == nil {
		err = durable.Replace(l.RecordPath(r.ID), b)
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

func encodeRecord(r Record) ([]byte, error) {
	r.V = Version
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

// RemoveRecord deletes journal/<id>.json durably; a missing file is fine.
func (l Layout) RemoveRecord(id string) error {
	if err := l.RemoveRecordUnsynced(id); err != nil {
		return err
	}
	return l.syncDir(l.journalDir, l.Journal)
}

// RemoveRecordUnsynced deletes journal/<id>.json without an fsync: a
// power cut may bring it back.
func (l Layout) RemoveRecordUnsynced(id string) error {
	if err := os.Remove(l.RecordPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// WriteRecordNoDirSync is WriteRecord without the fsync of journal/: the
// caller calls SyncJournalDir before it relies on the record.
func (l Layout) WriteRecordNoDirSync(r Record) error {
	b, err := encodeRecord(r)
	if err == nil {
		err = l.Fsync.WriteFileNoDirSync(l.RecordPath(r.ID), b)
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
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

// LoadRecords reads every record. Records that do not parse are renamed to
// *.corrupt and reported in bad (their spool files are left alone).
// Leftover temp files of interrupted writes are removed.
func (l Layout) LoadRecords() (recs []Record, bad []string, err error) {
	ents, err := os.ReadDir(l.Journal)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		n := e.Name()
		p := filepath.Join(l.Journal, n)
		switch {
		case strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp"):
			os.Remove(p) // an interrupted WriteRecord; the old record is intact
			continue
		case !strings.HasSuffix(n, ".json"):
			continue
		}
		if lostToAPowerCut(p) {
			// WriteRecord never writes this: an unsynced record
			// (WriteRecordUnsynced) whose bytes a power cut lost, of an
			// item that had no durable record: as if never written.
			os.Remove(p)
			continue
		}
		r, perr := ReadRecord(p)
		if perr == nil && r.ID+".json" != n {
			perr = fmt.Errorf("id %q does not match file name", r.ID)
		}
		if perr != nil {
			os.Rename(p, p+".corrupt")
			bad = append(bad, fmt.Sprintf("%s: %v", n, perr))
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad, nil
}

// lostToAPowerCut reports whether the file at p is empty or holds only
// zero bytes: what a file system may show of a file whose size reached
// the disk but whose bytes did not.
func lostToAPowerCut(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && len(bytes.Trim(b, "\x00")) == 0
}

// ReadRecord reads one record and checks it: version, id, gen, state.
func ReadRecord(path string) (Record, error) {
	var r Record
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
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
