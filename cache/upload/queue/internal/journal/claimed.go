package journal

// Assets this queue made, remembered across restarts (Dir/claimed.log).
//
// The queue's exactly-once check (its dedupe.go) must never take an
// asset the queue already accounted for: when Krea echoes no description, an interrupted
// upload is matched by size and time alone, and the asset of another file
// of the same size uploaded just before the crash would otherwise be
// taken for it (the file would then never be uploaded). Every asset the
// queue records as made (landed) is appended here, with the item that
// made it, before its item is journaled as uploaded; Open reads the log
// into Queue.claimed and rewrites it without entries too old to matter
// (ClaimedKeep before the oldest interrupted attempt, or before now).
//
// An append is not fsynced: the item's record, journaled durably right
// after, holds the asset too, and Open fsyncs this log before it reads
// the journal (which is when a removed record goes for good) and rewrites
// it with the assets of the records that hold one. A crash between the
// append and the record leaves a claim of the item itself, which its own
// check may take (it is that upload's asset).
//
// Format: one line per asset, "<unix ms> <asset id> <item id>" (ids have
// no spaces or newlines; the item id is missing in lines of earlier
// versions; a line that does not parse ends the reading).

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// ClaimedKeep is how long before the oldest interrupted attempt (or
// before now) a claimed asset is still remembered: far more than any
// clock Skew the match allows.
const ClaimedKeep = 24 * time.Hour

// Claim is what the log says of one asset: when it was claimed, and by
// which item ("" if the line does not say).
type Claim struct {
	At   time.Time
	Item string
}

// ClaimedLog is Dir/claimed.log open for appending.
type ClaimedLog struct {
	mu sync.Mutex
	f  *os.File
}

// SyncClaimed fsyncs Dir/claimed.log, if there is one: Open's first step,
// before the journal is read.
func SyncClaimed(dir string, fsync durable.Syncer) error {
	err := fsync.SyncFile(filepath.Join(dir, "claimed.log"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	return nil
}

// OpenClaimed reads Dir/claimed.log, keeps the claims made at or after
// since, adds those of also (assets the journal's records hold), rewrites
// the log durably with just those, and opens it for appending. Its fsyncs
// go through fsync (nil: (*os.File).Sync).
func OpenClaimed(dir string, since time.Time, also map[string]Claim, fsync durable.Syncer) (*ClaimedLog, map[string]Claim, error) {
	path := filepath.Join(dir, "claimed.log")
	kept := map[string]Claim{}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	for _, line := range strings.SplitAfter(string(b), "\n") {
		f := strings.Fields(line)
		if !strings.HasSuffix(line, "\n") || len(f) < 2 || len(f) > 3 || len(f) == 3 && !ValidID(f[2]) {
			break // torn: what came before stands
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			break
		}
		c := Claim{At: time.UnixMilli(n)}
		if len(f) == 3 {
			c.Item = f[2]
		}
		if !c.At.Before(since) {
			kept[f[1]] = c
		}
	}
	for id, c := range also {
		kept[id] = c
	}
	var out strings.Builder
	for id, c := range kept {
		out.WriteString(claimedLine(id, c))
	}
	if err := fsync.WriteFile(path, []byte(out.String())); err != nil {
		return nil, nil, fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	return &ClaimedLog{f: f}, kept, nil
}

func claimedLine(id string, c Claim) string {
	line := strconv.FormatInt(c.At.UnixMilli(), 10) + " " + id
	if c.Item != "" {
		line += " " + c.Item
	}
	return line + "\n"
}

// Add records that item made (or matched) asset id, without an fsync (see
// the file's comment for why that is enough).
func (c *ClaimedLog) Add(id string, cl Claim) error {
	if c == nil || !claimable(id) || cl.Item != "" && !ValidID(cl.Item) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return errors.New("upload queue: claimed assets: closed")
	}
	if _, err := c.f.WriteString(claimedLine(id, cl)); err != nil {
		return fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	return nil
}

// claimable: an asset id that fits in a line.
func claimable(id string) bool {
	return id != "" && !strings.ContainsAny(id, " \t\r\n")
}

// Close closes the log; Add fails after it. A nil log is fine.
func (c *ClaimedLog) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f != nil {
		c.f.Close()
		c.f = nil
	}
}

// ClaimedSince is the oldest moment whose claims still matter: ClaimedKeep
// before the oldest interrupted attempt among recs, or before now.
func ClaimedSince(recs []Record, now time.Time) time.Time {
	oldest := now
	for _, r := range recs {
		if r.Intent != nil && r.Intent.Started.Before(oldest) {
			oldest = r.Intent.Started
		}
	}
	return oldest.Add(-ClaimedKeep)
}
