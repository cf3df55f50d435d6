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
	log                  *recordLog // the item records (log.go)
}

// NewLayout makes dir, dir/journal and dir/spool (0700) if missing.
// fsync is Layout.Fsync.
func NewLayout(dir string, fsync durable.Syncer) (Layout, error) {
	l := Layout{Dir: dir, Journal: filepath.Join(dir, "journal"), Spool: filepath.Join(dir, "spool"), Fsync: fsync}
	l.journalDir = durable.NewGroupSync(l.Journal, fsync)
	l.log = newRecordLog(l.Journal, bootID(), fsync, func() error { return l.syncDir(l.journalDir, l.Journal) })
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

// WriteRecord writes r's record durably (log.go).
func (l Layout) WriteRecord(r Record) error {
	return l.writeRecord(r, kindRecord, true)
}

// WriteRecordUnsynced writes r's record without an fsync: it survives a
// kill -9 but not a reboot, after which the item's previous durable
// record stands or, if it has none, the item is gone (log.go). Only for
// an item that has no durable record yet.
func (l Layout) WriteRecordUnsynced(r Record) error {
	return l.writeRecord(r, kindRecordUnsynced, false)
}

// WriteRecordDeferred writes r's record as a durable one but returns
// before its fsync: the caller (the Committer) calls SyncJournal before
// it relies on the record. A power cut before that may keep it or not.
func (l Layout) WriteRecordDeferred(r Record) error {
	return l.writeRecord(r, kindRecord, false)
}

func (l Layout) writeRecord(r Record, kind byte, sync bool) error {
	b, err := recordPayload(r)
	if err == nil {
		err = l.log.append(r.ID, kind, b, sync)
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

// recordPayload is r as a frame holds it.
func recordPayload(r Record) ([]byte, error) {
	r.V, r.Seq = Version, 0
	return json.Marshal(r)
}

// RemoveRecord deletes id's record durably; a missing one is fine.
func (l Layout) RemoveRecord(id string) error {
	return l.removeRecord(id, kindRemoved, true)
}

// RemoveRecordUnsynced deletes id's record without an fsync: a reboot
// brings it back.
func (l Layout) RemoveRecordUnsynced(id string) error {
	return l.removeRecord(id, kindRemovedUnsynced, false)
}

func (l Layout) removeRecord(id string, kind byte, sync bool) error {
	if err := l.log.append(id, kind, []byte(id), sync); err != nil {
		return fmt.Errorf("journal %s: %w", id, err)
	}
	return nil
}

// SyncJournal makes every record written so far durable.
func (l Layout) SyncJournal() error {
	return l.log.sync()
}

// Close closes the journal's log file and the directories kept open for
// their fsyncs (a later write opens them again).
func (l Layout) Close() {
	l.log.close()
	l.journalDir.Close()
	l.spoolDir.Close()
}

// SetBoot sets the boot that unsynced records are written in and
// trusted in (tests: as after a reboot).
func (l Layout) SetBoot(boot string) {
	l.log.mu.Lock()
	defer l.log.mu.Unlock()
	l.log.boot = boot
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

// LoadRecords reads every item's last record that this boot trusts
// (log.go), and compacts the log if it holds frames no longer needed. An item whose last record does not
// decode is set aside: the record is kept in journal/<id>.log.corrupt and
// the item reported in bad, id -> why (its spool files are left alone).
// Records of earlier versions (legacy.go) are moved into the log, and
// their files removed once it is durable.
func (l Layout) LoadRecords() (recs []Record, bad map[string]string, err error) {
	g := l.log
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closeLocked() // read anew
	x := logIndex{m: map[string]*logEntry{}}
	found, err := readLog(g.path, g.boot, &x)
	if err != nil {
		return nil, nil, err
	}
	bad = map[string]string{}
	for id, why := range found.bad {
		if err := os.WriteFile(filepath.Join(l.Journal, id+".log.corrupt"), found.raw[id], durable.FilePerm); err != nil {
			return nil, nil, err
		}
		x.apply(id, kindRemoved, nil)
		bad[id] = why
	}
	old, oldFiles, oldBad := l.loadLegacy()
	for id, why := range oldBad {
		if !found.seen[id] {
			bad[id] = why
		}
	}
	for id, r := range old {
		if found.seen[id] {
			continue // the log has newer news of it
		}
		b, err := recordPayload(r)
		if err != nil {
			return nil, nil, err
		}
		x.apply(id, kindRecord, encodeFrame(kindRecord, "", b))
		found.recs[id] = r
	}
	g.index = x
	// Compacted when the log holds anything no longer needed (or records
	// to move in); else only opened, its name made durable, so that no
	// write waits for an fsync of journal/ later.
	if found.size != x.live || len(old) > 0 || len(found.bad) > 0 {
		if err := g.compactLocked(); err != nil {
			return nil, nil, fmt.Errorf("compacting %s: %w", logName, err)
		}
	} else if err := g.openNamedLocked(); err != nil {
		return nil, nil, err
	}
	for _, p := range oldFiles {
		os.Remove(p)
	}
	for _, r := range found.recs {
		recs = append(recs, r)
	}
	return recs, bad, nil
}

// ReadRecord reads item id's last record that this boot trusts (for tests
// and tools: the queue reads records with LoadRecords).
func (l Layout) ReadRecord(id string) (Record, error) {
	found, err := l.readLog()
	switch {
	case err != nil:
		return Record{}, err
	case found.bad[id] != "":
		return Record{}, errors.New(found.bad[id])
	case found.seen[id]:
		if r, ok := found.recs[id]; ok {
			return r, nil
		}
		return Record{}, os.ErrNotExist
	}
	return l.readLegacy(id)
}

// ReadRecords reads every item's last record in the log that this boot
// trusts, by id, changing nothing (for tests and tools).
func (l Layout) ReadRecords() (map[string]Record, error) {
	found, err := l.readLog()
	return found.recs, err
}

func (l Layout) readLog() (logRecords, error) {
	l.log.mu.Lock()
	boot := l.log.boot
	l.log.mu.Unlock()
	return readLog(l.log.path, boot, nil)
}

// SetAside reports whether LoadRecords set a record of id aside.
func (l Layout) SetAside(id string) bool {
	for _, s := range []string{"log", "0", "1", "json"} {
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
