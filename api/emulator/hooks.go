package emulator

// Test hooks: direct state manipulation, bypassing HTTP (and latency,
// faults and auth). Each takes Server.mu like the handlers do.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kreafs/kreafs/api"
)

// AddAsset stores data as a new asset, as an upload would (the type is
// sniffed; unaccepted types are an error), uploaded now: with the real clock
// uploaded_at is strictly increasing; with Options.Clock it is Clock().
// It does not count in UploadCount.
func (s *Server) AddAsset(data []byte, description string) (api.Asset, error) {
	return s.AddAssetAt(data, description, time.Time{})
}

// AddAssetAt is AddAsset with a given uploaded_at (zero: now), cut to
// milliseconds. Equal timestamps are allowed: that is how tests make ties.
func (s *Server) AddAssetAt(data []byte, description string, at time.Time) (api.Asset, error) {
	if len(data) > api.MaxUploadBytes {
		return api.Asset{}, fmt.Errorf("emulator: asset of %d bytes is over the upload limit", len(data))
	}
	head := data[:min(len(data), api.SniffLen)]
	mimeType, ok := api.SniffMedia(head)
	if !ok {
		return api.Asset{}, fmt.Errorf("emulator: unsupported file type %s", mimeType)
	}
	f, err := os.CreateTemp(filepath.Join(s.dataDir, "tmp"), "add-*")
	if err != nil {
		return api.Asset{}, err
	}
	_, err = io.Copy(f, bytes.NewReader(data))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return api.Asset{}, err
	}
	a, err := s.storeAsset(f.Name(), int64(len(data)), head, mimeType, description, at)
	if err != nil {
		os.Remove(f.Name())
		return api.Asset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assetAPI(a), nil
}

// RemoveAsset deletes an asset (and its file) as DELETE /assets/{id} would.
func (s *Server) RemoveAsset(id string) bool { return s.removeAsset(id) }

// Assets returns every asset in list order (newest first).
func (s *Server) Assets() []api.Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]api.Asset, len(s.st.Assets))
	for i, a := range s.st.Assets {
		out[i] = s.assetAPI(a)
	}
	return out
}

// AssetIDs returns the id of every asset in list order (newest first): the
// emulator's own full list, to compare a client's listing with.
func (s *Server) AssetIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.st.Assets))
	for i, a := range s.st.Assets {
		out[i] = a.ID
	}
	return out
}

// JobIDs returns the id of every job in list order (newest first).
func (s *Server) JobIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.st.Jobs))
	for i, j := range s.st.Jobs {
		out[i] = j.ID
	}
	return out
}

// UploadCount is the number of successful POST /assets so far.
func (s *Server) UploadCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads
}

// Jobs returns every job in list order, as GET /jobs/{id} shows it now.
func (s *Server) Jobs() []api.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.advanceLocked(now)
	out := make([]api.Job, len(s.st.Jobs))
	for i, j := range s.st.Jobs {
		v := s.jobJSONLocked(j, now)
		out[i] = api.Job{JobID: v.JobID, Status: v.Status, CreatedAt: time.Time(v.CreatedAt), CompletedAt: (*time.Time)(v.CompletedAt), Result: v.Result}
	}
	return out
}

// RemoveJob deletes a job and its result files, as DELETE /jobs/{id} would.
// A training job removed before it finished never creates its style.
func (s *Server) RemoveJob(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobsByID[id]
	if !ok {
		return false
	}
	delete(s.jobsByID, id)
	s.st.Jobs = removeFromList(s.st.Jobs, j)
	for _, k := range j.Results {
		s.dropFileLocked(k)
	}
	if j.Preview != "" {
		s.dropFileLocked(j.Preview)
	}
	s.markDirtyLocked()
	return true
}

// Styles returns every style the emulator knows in list order, including
// those the user cannot see.
func (s *Server) Styles() []api.Style {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.now())
	out := make([]api.Style, len(s.st.Styles))
	for i, st := range s.st.Styles {
		out[i] = s.styleJSON(st)
	}
	return out
}
