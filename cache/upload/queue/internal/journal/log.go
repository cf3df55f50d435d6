package journal

// The item records: one append-only log, journal/records.log.
//
// Every write of a record, and every removal, appends a frame to the log;
// a reader takes each item's last frame that it trusts. Durable frames
// are fsynced before the write returns, through a group commit: writers
// at the same time share one fsync, which covers every frame appended
// before it began. No write creates, renames or removes a file, so no
// write needs an fsync of journal/ (but the first one after the log was
// created).
//
// Why: records in files of their own (first a temp file renamed per
// write, then two slot files per item) cost file creations, removals and
// an fsync per record; on ext4 that was a third of the mount's CPU during
// an rsync of small files, and the fsyncs of items written at the same
// time could not be shared (docs/performance.md).
//
// Unsynced frames. A record written without an fsync (Create, and a file
// closed under a temp name, of an item with no durable record;
// durability.go) may be lost to a power cut, which loses the file with
// it. In one log, though, another item's fsync makes it durable too,
// possibly before the spool's bytes are: after a power cut it would bring
// back a file whose bytes were never made durable. So an unsynced frame
// carries the boot it was written in (bootID, the kernel's boot id):
// a reader trusts it only in that same boot (after a kill -9 the page
// cache kept it, as it kept the spool's bytes). After a reboot the item's
// last durable frame stands, or, with none, the item is gone, as if the
// frame had never reached the disk. An unsynced removal (of a finished
// item) is treated the same way: after a reboot the item is back and
// settled again.
//
// Frame format: a header line "<kind> <length> <boot> <crc>\n", then
// length bytes of payload, then "\n". kind: R a durable record, r an
// unsynced one, D a durable removal, d an unsynced one. length: 8 hex
// digits. boot: 32 hex digits for r and d, "-" for R and D. crc: CRC-32C
// (8 hex digits) of "<kind> <length> <boot>\n" and the payload. The
// payload of a record is its compact JSON; of a removal, the item id. A
// frame that does not check (a write torn by a power cut, zeros where
// the file grew) is skipped, and the reader goes on at the next line
// that starts a frame that checks.
//
// Compaction: at Open (LoadRecords), and when the log is past
// compactAt and four times the frames still needed, the log is
// rewritten with just those: per item its last durable frame and the
// unsynced one after it, each unchanged (so a compacted unsynced frame is
// still distrusted after a reboot). The new log is fsynced, renamed over
// the old one, and journal/ fsynced, before any write goes on.

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

// logName is the log's file name in journal/.
const logName = "records.log"

// compactAt is the least log size at which a write compacts the log.
const compactAt = 1 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Frame kinds.
const (
	kindRecord          = 'R'
	kindRecordUnsynced  = 'r'
	kindRemoved         = 'D'
	kindRemovedUnsynced = 'd'
)

func unsyncedKind(k byte) bool { return k == kindRecordUnsynced || k == kindRemovedUnsynced }

// frame is one decoded frame: raw is all its bytes, as written.
type frame struct {
	kind    byte
	boot    string // "" for durable frames
	payload []byte
	raw     []byte
}

// encodeFrame is the frame of kind with payload (boot: for unsynced kinds).
func encodeFrame(kind byte, boot string, payload []byte) []byte {
	if !unsyncedKind(kind) {
		boot = "-"
	}
	head := fmt.Appendf(nil, "%c %08x %s\n", kind, len(payload), boot)
	sum := crc32.Update(crc32.Checksum(head, crcTable), crcTable, payload)
	b := make([]byte, 0, len(head)+9+len(payload)+1)
	b = append(b, head[:len(head)-1]...)
	b = fmt.Appendf(b, " %08x\n", sum)
	b = append(b, payload...)
	return append(b, '\n')
}

// maxHead is the longest header line, without its "\n".
const maxHead = 1 + 1 + 8 + 1 + 32 + 1 + 8

// parseFrame reads the frame at the start of b; n is its length, 0 when
// b does not start with a frame that checks.
func parseFrame(b []byte) (f frame, n int) {
	nl := bytes.IndexByte(b[:min(len(b), maxHead+1)], '\n')
	if nl < 0 {
		return f, 0
	}
	fields := bytes.Split(b[:nl], []byte{' '})
	if len(fields) != 4 || len(fields[0]) != 1 || len(fields[1]) != 8 || len(fields[3]) != 8 {
		return f, 0
	}
	f.kind = fields[0][0]
	switch f.kind {
	case kindRecord, kindRemoved:
		if string(fields[2]) != "-" {
			return f, 0
		}
	case kindRecordUnsynced, kindRemovedUnsynced:
		if len(fields[2]) != 32 {
			return f, 0
		}
		f.boot = string(fields[2])
	default:
		return f, 0
	}
	size, err1 := strconv.ParseUint(string(fields[1]), 16, 32)
	want, err2 := strconv.ParseUint(string(fields[3]), 16, 32)
	end := nl + 1 + int(size)
	if err1 != nil || err2 != nil || end >= len(b) || b[end] != '\n' {
		return f, 0
	}
	head := append(bytes.Join(fields[:3], []byte{' '}), '\n')
	f.payload = b[nl+1 : end]
	if crc32.Update(crc32.Checksum(head, crcTable), crcTable, f.payload) != uint32(want) {
		return f, 0
	}
	f.raw = b[:end+1]
	return f, end + 1
}

// logEntry is what the log must keep of one item: its last durable
// record frame and the unsynced frame written after it, if any.
type logEntry struct {
	durable, unsynced []byte
}

func (e *logEntry) size() int64 { return int64(len(e.durable) + len(e.unsynced)) }

// logIndex is the frames still needed, by item id.
type logIndex struct {
	m    map[string]*logEntry
	live int64 // bytes of the frames in m
}

// apply notes frame f of item id (its raw bytes) in the index.
func (x *logIndex) apply(id string, kind byte, raw []byte) {
	e := x.m[id]
	if e != nil {
		x.live -= e.size()
	}
	var durable []byte // the durable frame a reboot falls back to
	if e != nil {
		durable = e.durable
	}
	switch {
	case kind == kindRecord:
		e = &logEntry{durable: raw}
	case kind == kindRecordUnsynced:
		e = &logEntry{durable: durable, unsynced: raw}
	case kind == kindRemovedUnsynced && durable != nil:
		e = &logEntry{durable: durable, unsynced: raw}
	default: // removed durably, or with nothing a reboot could bring back
		e = nil
	}
	if e == nil {
		delete(x.m, id)
		return
	}
	x.m[id] = e
	x.live += e.size()
}

// recordLog is journal/records.log, open for appending.
//
// Locking: mu guards everything below it; it is held during appends and
// compactions (short writes into the page cache), never during an fsync
// of the log. An fsync runs on the file open when it began; a compaction
// waits until none runs.
type recordLog struct {
	path  string
	boot  string
	fsync durable.Syncer
	dir   func() error // fsyncs journal/

	mu       sync.Mutex
	cond     *sync.Cond // fsyncs ending
	f        *os.File   // nil until the first write (or after Close)
	size     int64
	index    logIndex
	unnamed  bool   // the log's name is not durable yet
	appended uint64 // frames appended
	synced   uint64 // frames covered by the last fsync that succeeded
	syncing  bool
}

func newRecordLog(journalDir, boot string, fsync durable.Syncer, dirSync func() error) *recordLog {
	g := &recordLog{path: filepath.Join(journalDir, logName), boot: boot, fsync: fsync, dir: dirSync,
		index: logIndex{m: map[string]*logEntry{}}}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// openLocked opens the log for appending if it is not open.
func (g *recordLog) openLocked() error {
	if g.f != nil {
		return nil
	}
	f, err := durable.OpenFile(g.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, durable.FilePerm)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	g.f, g.size, g.unnamed = f, fi.Size(), true
	// A torn frame at the end (a short write) must not run into the
	// header line of the next one.
	if g.size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, g.size-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err == nil {
				g.size++
			}
		}
	}
	return nil
}

// openNamedLocked opens the log and makes its name durable.
func (g *recordLog) openNamedLocked() error {
	if err := g.openLocked(); err != nil {
		return err
	}
	if err := g.dir(); err != nil {
		return err
	}
	g.unnamed = false
	return nil
}

// append writes one frame of item id; with sync it returns once an fsync
// that began after the append has ended (group commit).
func (g *recordLog) append(id string, kind byte, payload []byte, sync bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := encodeFrame(kind, g.boot, payload)
	if err := g.openLocked(); err != nil {
		return err
	}
	if _, err := g.f.Write(b); err != nil {
		// A short write (a full disk) would run into the next frame's
		// header line, and the reader would lose that frame too.
		if terr := g.f.Truncate(g.size); terr != nil {
			g.f.Close()
			g.f = nil // reopened, and its size read again, at the next write
		}
		return err
	}
	g.size += int64(len(b))
	g.appended++
	g.index.apply(id, kind, b)
	mine := g.appended
	if g.mostlyDeadLocked() {
		if err := g.compactLocked(); err != nil {
			return fmt.Errorf("compacting %s: %w", logName, err)
		}
	}
	if !sync {
		return nil
	}
	return g.syncLocked(mine)
}

// syncLocked returns once the frames up to n are covered by an fsync (an
// fsync that fails is reported to the caller that ran it; waiters on it
// run their own).
func (g *recordLog) syncLocked(n uint64) error {
	for g.synced < n {
		if g.syncing {
			g.cond.Wait()
			continue
		}
		if g.f == nil {
			return errors.New("journal closed")
		}
		g.syncing = true
		f, upTo, named := g.f, g.appended, !g.unnamed
		g.mu.Unlock()
		err := g.fsync.Sync(f)
		if err == nil && !named {
			err = g.dir()
		}
		g.mu.Lock()
		g.syncing = false
		g.cond.Broadcast()
		if err != nil {
			return err
		}
		if !named && g.f == f {
			g.unnamed = false
		}
		g.synced = max(g.synced, upTo)
	}
	return nil
}

// sync makes every frame appended so far durable.
func (g *recordLog) sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.syncLocked(g.appended)
}

// mostlyDeadLocked: the log is past compactAt and four times the frames
// still needed.
func (g *recordLog) mostlyDeadLocked() bool {
	return g.size >= compactAt && g.size >= 4*g.index.live
}

// compactLocked rewrites the log with the index's frames: per item its
// durable frame, then its unsynced one (items are independent: their
// order does not matter).
func (g *recordLog) compactLocked() error {
	for g.syncing {
		g.cond.Wait()
	}
	var buf bytes.Buffer
	for _, e := range g.index.m {
		buf.Write(e.durable)
		buf.Write(e.unsynced)
	}
	if err := g.fsync.WriteFile(g.path, buf.Bytes()); err != nil {
		return err
	}
	if g.f != nil {
		g.f.Close()
		g.f = nil
	}
	if err := g.openLocked(); err != nil {
		return err
	}
	g.unnamed, g.synced = false, g.appended // WriteFile fsynced journal/
	return nil
}

// close closes the log file; a later write opens it again.
func (g *recordLog) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closeLocked()
}

// closeLocked closes the log file once no fsync runs on it.
func (g *recordLog) closeLocked() {
	for g.syncing {
		g.cond.Wait()
	}
	if g.f != nil {
		g.f.Close()
		g.f = nil
	}
}

// logRecords is what a read of the log found: each item's last frame
// the reader trusts, decoded, and the items whose last such frame does
// not decode (id -> why).
type logRecords struct {
	recs map[string]Record
	bad  map[string]string
	raw  map[string][]byte // the bad frames' payloads
	seen map[string]bool   // items with any frame, trusted or not
	size int64             // bytes read
}

// readLog reads the log at path as a reader in boot sees it, noting in
// x (if not nil) the frames a compaction must keep.
func readLog(path, boot string, x *logIndex) (logRecords, error) {
	out := logRecords{recs: map[string]Record{}, bad: map[string]string{}, raw: map[string][]byte{}, seen: map[string]bool{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	out.size = int64(len(b))
	for len(b) > 0 {
		f, n := parseFrame(b)
		if n == 0 {
			// Not a frame: go on at the next line.
			nl := bytes.IndexByte(b, '\n')
			if nl < 0 {
				break
			}
			b = b[nl+1:]
			continue
		}
		b = b[n:]
		var id string
		var r Record
		var why string
		switch f.kind {
		case kindRemoved, kindRemovedUnsynced:
			id = string(f.payload)
			if !ValidID(id) {
				continue
			}
		default:
			r, err = DecodeRecord(f.payload)
			if err != nil {
				var peek struct {
					ID string `json:"id"`
				}
				if json.Unmarshal(f.payload, &peek) != nil || !ValidID(peek.ID) {
					continue // names no item: nothing to set aside
				}
				id, why = peek.ID, err.Error()
			} else {
				id = r.ID
			}
		}
		out.seen[id] = true
		if unsyncedKind(f.kind) && f.boot != boot {
			continue // written unsynced before a reboot: never durable
		}
		if x != nil {
			x.apply(id, f.kind, bytes.Clone(f.raw))
		}
		delete(out.recs, id)
		delete(out.bad, id)
		delete(out.raw, id)
		switch {
		case why != "":
			out.bad[id], out.raw[id] = why, f.payload
		case f.kind == kindRecord || f.kind == kindRecordUnsynced:
			out.recs[id] = r
		}
	}
	return out, nil
}
