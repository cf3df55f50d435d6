package queue

// On-disk layout under Options.Dir (dirs 0700, files 0600):
//
//	lock                 flock'ed while a Queue is open
//	journal/<id>.json    one record per item, replaced atomically
//	                     (write temp, fsync, rename, fsync dir)
//	journal/<id>.json.corrupt   a record that failed to parse (kept, logged)
//	spool/<id>.<gen>     the file's bytes; gen grows when a new version is
//	                     written while an older one is being uploaded
//
// No locks here: callers serialise writes of one record with item.pmu.

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

type layout struct {
	dir, journal, spool string
}

func newLayout(dir string) (layout, error) {
	l := layout{dir: dir, journal: filepath.Join(dir, "journal"), spool: filepath.Join(dir, "spool")}
	for _, d := range []string{l.dir, l.journal, l.spool} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return l, err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return l, err
		}
	}
	return l, nil
}

func (l layout) spoolPath(id string, gen int) string {
	return filepath.Join(l.spool, id+"."+strconv.Itoa(gen))
}

func (l layout) recordPath(id string) string {
	return filepath.Join(l.journal, id+".json")
}

// writeRecord replaces journal/<id>.json atomically and durably.
func (l layout) writeRecord(r record) error {
	r.V = recordVersion
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := durable.WriteFile(l.recordPath(r.ID), append(b, '\n')); err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	return nil
}

// removeRecord deletes journal/<id>.json durably; a missing file is fine.
func (l layout) removeRecord(id string) error {
	if err := os.Remove(l.recordPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return durable.SyncDir(l.journal)
}

// loadRecords reads every record. Records that do not parse are renamed to
// *.corrupt and reported in bad (their spool files are left alone).
// Leftover temp files of interrupted writes are removed.
func (l layout) loadRecords() (recs []record, bad []string, err error) {
	ents, err := os.ReadDir(l.journal)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		n := e.Name()
		p := filepath.Join(l.journal, n)
		switch {
		case strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp"):
			os.Remove(p) // an interrupted writeRecord; the old record is intact
			continue
		case !strings.HasSuffix(n, ".json"):
			continue
		}
		r, perr := readRecord(p)
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

func readRecord(path string) (record, error) {
	var r record
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return r, err
	}
	if r.V != recordVersion {
		return r, fmt.Errorf("unknown record version %d", r.V)
	}
	if !validID(r.ID) || r.Gen < 0 {
		return r, fmt.Errorf("bad id %q or gen %d", r.ID, r.Gen)
	}
	switch r.State {
	case stWriting, stPending, stFailed, stUploaded, stCanceled:
	default:
		return r, fmt.Errorf("unknown state %q", r.State)
	}
	if r.State == stUploaded && r.Asset == nil {
		return r, errors.New("uploaded record without asset")
	}
	return r, nil
}

// spoolGens lists spool/<id>.<gen> files by id.
func (l layout) spoolGens() (map[string][]int, error) {
	ents, err := os.ReadDir(l.spool)
	if err != nil {
		return nil, err
	}
	out := map[string][]int{}
	for _, e := range ents {
		id, g, ok := strings.Cut(e.Name(), ".")
		gen, err := strconv.Atoi(g)
		if !ok || err != nil || !validID(id) {
			continue
		}
		out[id] = append(out[id], gen)
	}
	return out, nil
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	return hex.EncodeToString(b[:])
}

func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
