package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/emulator/internal/media"
	"github.com/kreafs/kreafs/api/emulator/internal/order"
)

// maxDescription bounds the description form field.
const maxDescription = 1 << 20

// drainCap bounds how much of an oversized upload is read (and discarded)
// so that the client, still sending, gets the 400 answer instead of a reset
// connection.
const drainCap = 4 * api.MaxUploadBytes

// errTooLarge is returned by receiveFile past api.MaxUploadBytes.
var errTooLarge = errors.New("file too large")

// assetWire is an asset as the API sends it: timestamps with milliseconds,
// "metadata" always present (any JSON), "description" absent, a string or
// null.
type assetWire struct {
	ID          string          `json:"id"`
	ImageURL    string          `json:"image_url"`
	UploadedAt  order.MsTime    `json:"uploaded_at"`
	Width       *float64        `json:"width"`
	Height      *float64        `json:"height"`
	SizeBytes   *float64        `json:"size_bytes"`
	MIMEType    *string         `json:"mime_type"`
	Description json.RawMessage `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata"`
}

// assetJSON renders an asset as the API does.
func (s *Server) assetJSON(a *assetRec) assetWire {
	out := assetWire{
		ID:         a.ID,
		ImageURL:   s.fileURL(a.Key),
		UploadedAt: order.MsTime(a.UploadedAt),
		Width:      a.Width,
		Height:     a.Height,
		Metadata:   a.Metadata,
	}
	if out.Metadata == nil {
		out.Metadata = json.RawMessage("null")
	}
	if a.Hosted != "" {
		out.ImageURL = s.FilesURL() + "/" + a.Hosted
	}
	switch {
	case s.opt.NoEchoDescription:
	case a.NullDesc:
		out.Description = json.RawMessage("null")
	case a.Description != "":
		out.Description, _ = json.Marshal(a.Description)
	}
	if !a.HideSize {
		size := float64(a.Size)
		out.SizeBytes = &size
	}
	if a.MIME != "" && !a.HideMIME {
		m := a.MIME
		out.MIMEType = &m
	}
	return out
}

// assetAPI is an asset as a client decodes the API's answer (test hooks).
func (s *Server) assetAPI(a *assetRec) api.Asset {
	w := s.assetJSON(a)
	out := api.Asset{
		ID: w.ID, ImageURL: w.ImageURL, UploadedAt: a.UploadedAt, Width: w.Width, Height: w.Height,
		SizeBytes: w.SizeBytes, MIMEType: w.MIMEType, Metadata: w.Metadata,
	}
	_ = json.Unmarshal(w.Description, &out.Description)
	return out
}

// fileURL is the files-origin URL of key.
func (s *Server) fileURL(key string) string {
	return s.FilesURL() + "/" + key
}

// listParams reads limit and cursor, answering 400 itself when they are bad.
func (s *Server) listParams(w http.ResponseWriter, r *http.Request) (limit int, cur order.Cursor, hasCur, ok bool) {
	q := r.URL.Query()
	limit = 100
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, http.StatusBadRequest, "limit must be an integer between 1 and 1000")
			return 0, order.Cursor{}, false, false
		}
		limit = n
	}
	cur, hasCur, err := order.ParseCursor(q.Get("cursor"), s.opt.TieBreakCursor)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return 0, order.Cursor{}, false, false
	}
	return limit, cur, hasCur, true
}

// writeList answers a page: {"items": [...], "<cursor field>": "..." | null},
// the cursor field named by Options.CursorField and always present.
func (s *Server) writeList(w http.ResponseWriter, items any, next string) {
	var cur any
	if next != "" {
		cur = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, s.cursorField(): cur})
}

func (s *Server) handleListAssets(w http.ResponseWriter, r *http.Request) {
	limit, cur, hasCur, ok := s.listParams(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	page, next := order.Paginate(s.st.Assets, assetKey, nil, cur, hasCur, limit, s.opt.TieBreakCursor)
	items := make([]assetWire, len(page))
	for i, a := range page {
		items[i] = s.assetJSON(a)
	}
	s.mu.Unlock()
	s.writeList(w, items, next)
}

func (s *Server) handleGetAsset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.assetsByID[r.PathValue("id")]
	var out assetWire
	if ok {
		out = s.assetJSON(a)
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusNotFound, "asset not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleDeleteAsset(w http.ResponseWriter, r *http.Request) {
	if !s.removeAsset(r.PathValue("id")) {
		s.writeError(w, http.StatusNotFound, "asset not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Asset deleted"})
}

func (s *Server) removeAsset(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.assetsByID[id]
	if !ok {
		return false
	}
	delete(s.assetsByID, id)
	s.st.Assets = removeFromList(s.st.Assets, a)
	s.dropFileLocked(a.Key)
	s.markDirtyLocked()
	return true
}

// handleUpload is POST /assets (multipart: file, optional description). The
// file is streamed to DataDir/tmp while it arrives, never held in memory,
// then judged by its content.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	log := s.log.WithFields(logrus.Fields{"op": "upload"})
	if s.opt.RequireLength && r.ContentLength < 0 {
		log.Info("refused an upload without Content-Length (RequireLength)")
		s.writeError(w, http.StatusLengthRequired, "length required")
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		s.writeError(w, http.StatusBadRequest, "expected a multipart/form-data body with a file field")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "bad multipart body: "+err.Error())
		return
	}
	var (
		tmp         string
		size        int64
		head        []byte
		description string
		filename    string
		tooLarge    bool
	)
	defer func() {
		if tmp != "" {
			_ = os.Remove(tmp)
		}
	}()
parts:
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "bad multipart body: "+err.Error())
			return
		}
		switch part.FormName() {
		case "file":
			if tmp != "" || tooLarge {
				s.writeError(w, http.StatusBadRequest, "more than one file field")
				return
			}
			filename = rawFilename(part)
			tmp, size, head, err = s.receiveFile(part)
			if errors.Is(err, errTooLarge) {
				tooLarge = true
			}
			if tooLarge {
				// Read (and drop) the rest so the client, still sending,
				// gets the 400 rather than a reset connection.
				if _, err := io.Copy(io.Discard, io.LimitReader(r.Body, drainCap)); err != nil {
					return // client gone
				}
				break parts
			}
			if err != nil {
				log.WithError(err).Warn("emulator: upload failed while receiving")
				s.writeError(w, http.StatusBadRequest, "cannot read file: "+err.Error())
				return
			}
		case "description":
			b, err := io.ReadAll(io.LimitReader(part, maxDescription+1))
			if err != nil {
				s.writeError(w, http.StatusBadRequest, "cannot read description: "+err.Error())
				return
			}
			if len(b) > maxDescription {
				s.writeError(w, http.StatusBadRequest, "description too long")
				return
			}
			description = string(b)
		default:
			_, _ = io.Copy(io.Discard, part)
		}
		part.Close()
	}
	if tooLarge {
		log.WithField("status", 400).Info("emulator: upload rejected: over 75 MB")
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("file too large: the maximum is 75MB (%d bytes)", api.MaxUploadBytes))
		return
	}
	if tmp == "" {
		s.writeError(w, http.StatusBadRequest, "missing file field")
		return
	}
	mimeType, accepted := api.SniffMedia(head)
	if !accepted {
		log.WithFields(logrus.Fields{"status": 400, "mime": mimeType}).Info("emulator: upload rejected: type")
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("unsupported file type %s: accepted are JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV and MP3", mimeType))
		return
	}
	rec, err := s.storeAsset(tmp, size, head, mimeType, description, filename, time.Time{})
	if err != nil {
		log.WithError(err).Error("emulator: cannot store upload")
		s.writeError(w, http.StatusInternalServerError, "cannot store file")
		return
	}
	tmp = "" // moved
	s.mu.Lock()
	s.uploads++
	out := s.assetJSON(rec)
	s.mu.Unlock()
	log.WithFields(logrus.Fields{"id": rec.ID, "size": size, "mime": mimeType}).Info("emulator: asset uploaded")
	writeJSON(w, http.StatusOK, out)
}

// receiveFile copies a file part into a temporary file, stopping with
// errTooLarge past api.MaxUploadBytes. It returns the temp path, the size
// and the first api.SniffLen bytes.
func (s *Server) receiveFile(part io.Reader) (tmp string, size int64, head []byte, err error) {
	f, err := os.CreateTemp(filepath.Join(s.dataDir, "tmp"), "upload-*")
	if err != nil {
		return "", 0, nil, err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			tmp = ""
		}
	}()
	hb := &headBuffer{max: api.SniffLen}
	n, err := io.Copy(io.MultiWriter(f, hb), io.LimitReader(part, api.MaxUploadBytes+1))
	if err != nil {
		return "", 0, nil, err
	}
	if n > api.MaxUploadBytes {
		return "", 0, nil, errTooLarge
	}
	return f.Name(), n, hb.Bytes(), nil
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	bytes.Buffer
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.Len(); room > 0 {
		h.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// rawFilename is the filename parameter of a part's Content-Disposition as
// sent (mime/multipart's FileName keeps only its last path element).
func rawFilename(part *multipart.Part) string {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return part.FileName()
	}
	return params["filename"]
}

// storeAsset moves an accepted file (at tmp) into the store and records the
// asset. A zero at means "now" (autoTimeLocked); any other is cut to
// milliseconds. filename is the original name (HostedNames). The record is
// returned for rendering under s.mu (records are only changed under it).
func (s *Server) storeAsset(tmp string, size int64, head []byte, mimeType, description, filename string, at time.Time) (*assetRec, error) {
	id := s.newID()
	key := "a/" + id + "." + api.ExtForMIME(mimeType)
	dst := s.filePath(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, err
	}
	_ = os.Chmod(dst, 0o600)
	var wp, hp *float64
	if strings.HasPrefix(mimeType, "image/") {
		wp, hp = media.ImageDims(bytes.NewReader(head))
		if wp == nil && size > int64(len(head)) {
			if f, err := os.Open(dst); err == nil {
				wp, hp = media.ImageDims(f)
				f.Close()
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if at.IsZero() {
		at = s.autoTimeLocked()
	}
	at = at.Truncate(time.Millisecond)
	a := &assetRec{
		ID: id, Seq: s.nextSeqLocked(), UploadedAt: at.UTC(),
		Width: wp, Height: hp, Size: size, MIME: mimeType, Description: description, Key: key,
		Metadata: json.RawMessage("{}"),
	}
	b := &blob{Kind: blobFile, Size: size, ModTime: a.UploadedAt}
	if s.opt.HostedNames {
		// <uuid>/<unix ms>-<original name>; the bytes stay at key on disk.
		// The files origin looks keys up by decoded path, so the key
		// holds the name as sent and Hosted its escaped form.
		if filename == "" {
			filename = "file"
		}
		dir := s.newID() + "/" + strconv.FormatInt(a.UploadedAt.UnixMilli(), 10) + "-"
		a.Key, a.Hosted = dir+filename, dir+url.PathEscape(filename)
		b.Disk, b.MIME = key, mimeType
	}
	s.st.Files[a.Key] = b
	s.addAssetLocked(a)
	s.markDirtyLocked()
	return a, nil
}
