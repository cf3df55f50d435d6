package emulator

// Locking: everything in this file that touches Server.st or the by-id maps
// runs with Server.mu held (helpers say so with a Locked suffix). Disk writes
// of state.json happen in the saver goroutine, outside mu, from a snapshot
// marshalled under mu.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/emulator/internal/order"
)

const stateVersion = 1

// state is everything the emulator knows; it is what state.json holds.
type state struct {
	Version  int              `json:"version"`
	Seq      uint64           `json:"seq"`       // last seq handed out (order tie-breaker)
	LastAuto time.Time        `json:"last_auto"` // last timestamp the emulator chose itself
	Assets   []*assetRec      `json:"assets"`    // list order: newest first
	Jobs     []*jobRec        `json:"jobs"`      // list order
	Styles   []*styleRec      `json:"styles"`    // list order
	Files    map[string]*blob `json:"files"`     // files-origin key -> content
}

type assetRec struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"`
	UploadedAt  time.Time `json:"uploaded_at"`
	Width       *float64  `json:"width"`
	Height      *float64  `json:"height"`
	Size        int64     `json:"size"`
	MIME        string    `json:"mime"`
	Description string    `json:"description,omitempty"`
	Key         string    `json:"key"`              // files-origin key of the bytes
	Hosted      string    `json:"hosted,omitempty"` // HostedNames: Key path-escaped, for image_url
	// What the API leaves out (seeded data imitates answers with nulls):
	HideSize bool            `json:"hide_size,omitempty"` // size_bytes null
	HideMIME bool            `json:"hide_mime,omitempty"` // mime_type null
	NullDesc bool            `json:"null_desc,omitempty"` // description null (not absent)
	Metadata json.RawMessage `json:"metadata,omitempty"`  // any JSON; absent: null
}

type jobRec struct {
	ID        string        `json:"id"`
	Seq       uint64        `json:"seq"`
	Type      string        `json:"type"` // last element of the generate path, or "loraTraining"
	Path      string        `json:"path"` // the POST path that created it
	CreatedAt time.Time     `json:"created_at"`
	StartAt   time.Time     `json:"start_at,omitzero"`  // end of backlogged (zero: CreatedAt)
	Duration  time.Duration `json:"duration"`           // queued -> completed
	Cancelled time.Time     `json:"cancelled,omitzero"` // when DELETE cancelled it
	Preview   string        `json:"preview,omitempty"`  // files-origin key of the intermediate result
	Fail      bool          `json:"fail,omitempty"`
	Error     string        `json:"error,omitempty"`
	Results   []string      `json:"results,omitempty"`  // files-origin keys
	StyleID   string        `json:"style_id,omitempty"` // training: the style it creates
	Train     *trainSpec    `json:"train,omitempty"`
	Done      bool          `json:"done,omitempty"` // completion side effects applied
}

type trainSpec struct {
	Name        string   `json:"name"`
	Model       string   `json:"model,omitempty"`
	TriggerWord string   `json:"trigger_word,omitempty"`
	URLs        []string `json:"urls,omitempty"`
}

type styleRec struct {
	ID        string    `json:"id"`
	Seq       uint64    `json:"seq"`
	Title     *string   `json:"title"`
	URLs      []string  `json:"urls"`  // "files:<key>" or an absolute URL
	Cover     *string   `json:"cover"` // same forms as URLs
	Public    bool      `json:"public"`
	Prompt    string    `json:"prompt"`
	Models    []string  `json:"models,omitempty"`
	Owner     *ownerRec `json:"owner"` // nil: Krea-official
	LikeCount float64   `json:"like_count"`
	CreatedAt time.Time `json:"created_at"`
	Shared    bool      `json:"shared,omitempty"` // shared with the user (owner is someone else)
	Liked     bool      `json:"liked,omitempty"`
}

type ownerRec struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// blob says where the bytes behind a files-origin key come from.
type blob struct {
	Kind      string    `json:"kind"`           // blobFile, blobEmbed, blobWAV, blobPNG, blobJPEG
	Name      string    `json:"name,omitempty"` // blobEmbed: sample file name
	Size      int64     `json:"size,omitempty"` // blobWAV: total size; blobFile: size
	W         int       `json:"w,omitempty"`    // blobPNG/blobJPEG
	H         int       `json:"h,omitempty"`
	Seed      uint64    `json:"seed,omitempty"`
	Disk      string    `json:"disk,omitempty"` // blobFile: on-disk key when not the key itself (hosted names)
	MIME      string    `json:"mime,omitempty"` // Content-Type when the key's extension does not say it
	ModTime   time.Time `json:"mtime"`
	NotBefore time.Time `json:"not_before,omitzero"` // 404 until then (results of running jobs)
}

const (
	blobFile  = "file"  // bytes under DataDir/files/<key>
	blobEmbed = "embed" // an embedded sample
	blobWAV   = "wav"   // synthetic WAV computed on the fly
	blobPNG   = "png"   // synthetic image, rendered on first download and kept under files/
	blobJPEG  = "jpeg"
	// Computed in memory on each download, never stored (seeded assets).
	blobStampPNG  = "stamp-png"  // template W x H plus a seed stamp
	blobStampJPEG = "stamp-jpeg" // same, JPEG
	blobGLB       = "glb"        // minimal glTF binary with a seed stamp
)

func assetKey(a *assetRec) order.Key { return order.Key{T: a.UploadedAt, Seq: a.Seq} }
func jobKey(j *jobRec) order.Key     { return order.Key{T: j.CreatedAt, Seq: j.Seq} }
func styleKey(st *styleRec) order.Key {
	return order.Key{T: st.CreatedAt, Seq: st.Seq}
}

// nextSeqLocked hands out the next order tie-breaker.
func (s *Server) nextSeqLocked() uint64 {
	s.st.Seq++
	return s.st.Seq
}

// autoTimeLocked is the timestamp of something the emulator creates now, at
// millisecond precision like Krea's: strictly increasing with the real clock
// (a second upload in the same millisecond gets the next one); exactly
// Clock() (cut to milliseconds) when Options.Clock is set, so tests control
// it.
func (s *Server) autoTimeLocked() time.Time {
	now := s.now().Truncate(time.Millisecond)
	if s.opt.Clock != nil {
		if now.After(s.st.LastAuto) {
			s.st.LastAuto = now
		}
		return now
	}
	t := now
	if !t.After(s.st.LastAuto) {
		t = s.st.LastAuto.Add(time.Millisecond)
	}
	s.st.LastAuto = t
	return t
}

// reindexLocked rebuilds the by-id maps after a load.
func (s *Server) reindexLocked() {
	s.assetsByID = make(map[string]*assetRec, len(s.st.Assets))
	for _, a := range s.st.Assets {
		s.assetsByID[a.ID] = a
	}
	s.jobsByID = make(map[string]*jobRec, len(s.st.Jobs))
	for _, j := range s.st.Jobs {
		s.jobsByID[j.ID] = j
	}
	s.stylesByID = make(map[string]*styleRec, len(s.st.Styles))
	for _, st := range s.st.Styles {
		s.stylesByID[st.ID] = st
	}
	if s.st.Files == nil {
		s.st.Files = map[string]*blob{}
	}
}

func (s *Server) addAssetLocked(a *assetRec) {
	s.st.Assets = order.InsertSorted(s.st.Assets, a, assetKey)
	s.assetsByID[a.ID] = a
}

func (s *Server) addJobLocked(j *jobRec) {
	s.st.Jobs = order.InsertSorted(s.st.Jobs, j, jobKey)
	s.jobsByID[j.ID] = j
}

func (s *Server) addStyleLocked(st *styleRec) {
	s.st.Styles = order.InsertSorted(s.st.Styles, st, styleKey)
	s.stylesByID[st.ID] = st
}

// removeFromList deletes x (by identity) from items.
func removeFromList[T comparable](items []T, x T) []T {
	for i, y := range items {
		if y == x {
			return append(items[:i], items[i+1:]...)
		}
	}
	return items
}

// dropFileLocked forgets a files-origin key and removes its bytes on disk.
func (s *Server) dropFileLocked(key string) {
	if _, ok := s.st.Files[key]; !ok {
		return
	}
	b := s.st.Files[key]
	delete(s.st.Files, key)
	_ = os.Remove(s.diskPath(key, b))
}

// diskPath is where the bytes of key (with blob b) live or are cached.
func (s *Server) diskPath(key string, b *blob) string {
	if b != nil && b.Disk != "" {
		return s.filePath(b.Disk)
	}
	return s.filePath(key)
}

// filePath is where the bytes of key live (blobFile) or are cached
// (blobPNG/blobJPEG).
func (s *Server) filePath(key string) string {
	return filepath.Join(s.dataDir, "files", filepath.FromSlash(key))
}

func (s *Server) statePath() string { return filepath.Join(s.dataDir, "state.json") }

// loadState reads state.json; ok is false when there is none (a fresh dir).
func (s *Server) loadState() (ok bool, err error) {
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return false, fmt.Errorf("emulator: %s is corrupt: %w", s.statePath(), err)
	}
	if st.Version != stateVersion {
		return false, fmt.Errorf("emulator: %s has version %d, want %d", s.statePath(), st.Version, stateVersion)
	}
	s.st = st
	return true, nil
}

// markDirtyLocked schedules a save of the state.
func (s *Server) markDirtyLocked() {
	s.dirty = true
	select {
	case s.saveCh <- struct{}{}:
	default:
	}
}

// saver writes state.json shortly after changes, coalescing bursts, until
// stop is closed.
func (s *Server) saver(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	wait := saveWait(0)
	for {
		select {
		case <-stop:
			return
		case <-s.saveCh:
		}
		select {
		case <-stop:
			return
		case <-time.After(wait):
		}
		began := time.Now()
		if err := s.flush(); err != nil {
			s.log.WithFields(logrus.Fields{"op": "save", "path": s.statePath()}).WithError(err).Error("emulator: cannot save state")
		}
		wait = saveWait(time.Since(began))
	}
}

// saveWait is how long the saver coalesces changes after a save that took
// took: 20 ms, or ten times the save, so that saving a large state (every
// asset marshalled again) takes at most a tenth of a core. The emulator
// shares the machine with what it tests: a saver marshalling 10,000
// assets every 20 ms during an upload burst took most of a core there.
func saveWait(took time.Duration) time.Duration {
	return max(20*time.Millisecond, 10*took)
}

// flush writes the state now if it changed (temp file + rename, 0600).
func (s *Server) flush() error {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	b, err := json.Marshal(&s.st)
	s.dirty = false
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return writeFileAtomic(s.statePath(), b)
}

// writeFileAtomic writes b to name through a temporary file and a rename, so
// a crash leaves either the old or the new content.
func writeFileAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
