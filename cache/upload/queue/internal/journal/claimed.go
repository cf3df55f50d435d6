package journal

// Assets this queue made, remembered across restarts (Dir/claimed.log).
//
// The queue's exactly-once check (its dedupe.go) must never take an
// asset the queue already accounted for: when Krea echoes no description, an interrupted
// upload is matched by size and time alone, and the asset of another file
// of the same size uploaded just before the crash would otherwise be
// taken for it (the file would then never be uploaded). Every asset the
// queue records as made (landed) is appended here, fsynced, before its
// item is journaled as uploaded; Open reads the log into Queue.claimed and
// rewrites it without entries too old to matter (ClaimedKeep before the
// oldest interrupted attempt, or before now).
//
// Format: one line per asset, "<unix ms> <asset id>" (ids are API ids:
// no spaces or newlines; a line that does not parse ends the reading).

import (
	"bufio"
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

// ClaimedLog is Dir/claimed.log open for appending.
type ClaimedLog struct {
	mu   sync.Mutex
	path string
	f    *os.File
	sync *durable.GroupSync // appends at the same time share an fsync
}

// OpenClaimed reads Dir/claimed.log, keeps the ids claimed at or after
// since, rewrites the log with just those, and opens it for appending.
// Its fsyncs go through fsync (nil: (*os.File).Sync).
func OpenClaimed(dir string, since time.Time, fsync durable.Syncer) (*ClaimedLog, map[string]time.Time, error) {
	path := filepath.Join(dir, "claimed.log")
	kept := map[string]time.Time{}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		ms, id, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil || id == "" || strings.ContainsAny(id, " \n") {
			break // torn: what came before stands
		}
		if at := time.UnixMilli(n); !at.Before(since) {
			kept[id] = at
		}
	}
	var out strings.Builder
	for id, at := range kept {
		out.WriteString(claimedLine(id, at))
	}
	if err := fsync.WriteFile(path, []byte(out.String())); err != nil {
		return nil, nil, fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	return &ClaimedLog{path: path, f: f, sync: durable.NewGroupSync(path, fsync)}, kept, nil
}

func claimedLine(id string, at time.Time) string {
	return strconv.FormatInt(at.UnixMilli(), 10) + " " + id + "\n"
}

// Add records that the queue made (or matched) asset id, durably.
func (c *ClaimedLog) Add(id string, at time.Time) error {
	if c == nil || id == "" || strings.ContainsAny(id, " \n") {
		return nil
	}
	c.mu.Lock()
	if c.f == nil {
		c.mu.Unlock()
		return errors.New("upload queue: claimed assets: closed")
	}
	_, err := c.f.WriteString(claimedLine(id, at))
	c.mu.Unlock()
	if err == nil {
		err = c.sync.Sync()
	}
	if err != nil {
		return fmt.Errorf("upload queue: claimed assets: %w", err)
	}
	return nil
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
