package docfake

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/gif"  // width and height of uploaded GIFs
	_ "image/jpeg" // and JPEGs
	_ "image/png"  // and PNGs
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxUploadBytes is the documented upload limit (75 MB, read as decimal).
const MaxUploadBytes = 75_000_000

// uploadTypes are the documented upload types (JPEG, PNG, WebP, HEIC, MP4,
// MOV, WebM, GLB, WAV, MP3) by the type names Krea accepts; "image/jpg" and
// "audio/mp3" are not among them (krea-ai/skills troubleshooting notes).
var uploadTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/webp": true, "image/heic": true,
	"video/mp4": true, "video/quicktime": true, "video/webm": true,
	"model/gltf-binary": true, "audio/wav": true, "audio/x-wav": true, "audio/wave": true,
	"audio/mpeg": true,
}

// Asset is an asset as the fake stores it. Nil pointers answer null.
type Asset struct {
	ID                       string
	ImageURL                 string
	UploadedAt               time.Time
	Width, Height, SizeBytes *int64
	MimeType                 *string
	// Description: a string when non-nil; else null when DescriptionNull,
	// else absent from answers.
	Description     *string
	DescriptionNull bool
	Metadata        json.RawMessage // nil answers null
	Data            []byte

	// Uploads only: what the client sent.
	Uploaded        bool
	FileName        string // the multipart file part's filename
	PartType        string // the file part's Content-Type
	SentDescription string // the description field ("" when absent)
}

// AssetSeed describes an asset to add with AddAsset.
type AssetSeed struct {
	Data     []byte
	MimeType string // "" answers mime_type null
	// HostedName, when set, hosts the file at <files>/<uuid>/<ms>-<name>
	// (Krea's upload URL shape); else at <files>/public/<id>-image.<ext>.
	HostedName      string
	Description     *string
	DescriptionNull bool
	UploadedAt      time.Time // zero: now (milliseconds)
	NullDims        bool      // width and height null even for a decodable image
	NullSize        bool      // size_bytes null
	Metadata        json.RawMessage
}

// Str returns a pointer to s, for AssetSeed.Description.
func Str(s string) *string { return &s }

// AddAsset stores a seeded asset and hosts its bytes; it returns a copy.
func (s *Server) AddAsset(a AssetSeed) Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := a.UploadedAt.UTC().Truncate(time.Millisecond)
	if a.UploadedAt.IsZero() {
		at = now()
	}
	as := &Asset{
		ID: NewID(), UploadedAt: at, Description: a.Description, DescriptionNull: a.DescriptionNull,
		Metadata: a.Metadata, Data: append([]byte(nil), a.Data...),
	}
	if a.MimeType != "" {
		as.MimeType = Str(a.MimeType)
	}
	if !a.NullSize {
		n := int64(len(a.Data))
		as.SizeBytes = &n
	}
	if !a.NullDims {
		as.Width, as.Height = dims(a.Data)
	}
	serveType := a.MimeType
	if serveType == "" {
		serveType = http.DetectContentType(a.Data)
	}
	path := "/public/" + as.ID + "-image" + extOf(serveType)
	if a.HostedName != "" {
		path = uploadPath(at, a.HostedName)
	}
	as.ImageURL = s.hostLocked(path, a.Data, serveType)
	s.assets[as.ID] = as
	return copyAsset(as)
}

// Asset returns a copy of the asset with id, if the fake has it.
func (s *Server) Asset(id string) (Asset, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.assets[id]
	if !ok {
		return Asset{}, false
	}
	return copyAsset(a), true
}

// Assets returns copies of every asset, in no particular order.
func (s *Server) Assets() []Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Asset, 0, len(s.assets))
	for _, a := range s.assets {
		out = append(out, copyAsset(a))
	}
	return out
}

func copyAsset(a *Asset) Asset {
	c := *a
	c.Data = append([]byte(nil), a.Data...)
	return c
}

// uploadPath is the file host path of an upload of name at time at:
// /<uuid>/<unix ms>-<name>.
func uploadPath(at time.Time, name string) string {
	return "/" + NewID() + "/" + strconv.FormatInt(at.UnixMilli(), 10) + "-" + name
}

// dims decodes the width and height of a GIF, JPEG or PNG; nil otherwise.
func dims(data []byte) (w, h *int64) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, nil
	}
	wi, hi := int64(cfg.Width), int64(cfg.Height)
	return &wi, &hi
}

// extOf is a file extension for a MIME type, for hosted URLs.
func extOf(mime string) string {
	switch strings.TrimSpace(strings.SplitN(mime, ";", 2)[0]) {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	case "video/mp4":
		return ".mp4"
	}
	return ""
}

// assetJSON is the answer for a, following the documented fields.
func (s *Server) assetJSON(a *Asset) map[string]any {
	m := map[string]any{
		"id":          a.ID,
		"image_url":   a.ImageURL,
		"uploaded_at": a.UploadedAt.UTC().Format(TimeLayout),
		"width":       a.Width,
		"height":      a.Height,
		"size_bytes":  a.SizeBytes,
		"mime_type":   a.MimeType,
		"metadata":    a.Metadata,
	}
	if a.Metadata == nil {
		m["metadata"] = nil
	}
	switch {
	case a.Uploaded && s.echo && a.SentDescription != "":
		m["description"] = a.SentDescription
	case a.Description != nil:
		m["description"] = *a.Description
	case a.DescriptionNull:
		m["description"] = nil
	}
	return m
}

func (s *Server) routeAssets(w http.ResponseWriter, r *http.Request, id string) {
	switch {
	case id == "" && r.Method == http.MethodGet:
		s.mu.Lock()
		items := make([]listed, 0, len(s.assets))
		for _, a := range s.assets {
			items = append(items, listed{at: a.UploadedAt, id: a.ID, json: s.assetJSON(a)})
		}
		s.mu.Unlock()
		page(w, r, items)
	case id == "" && r.Method == http.MethodPost:
		s.upload(w, r)
	case id == "":
		methodNotAllowed(w)
	case r.Method == http.MethodGet:
		s.mu.Lock()
		a, ok := s.assets[id]
		var m map[string]any
		if ok {
			m = s.assetJSON(a)
		}
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "Asset not found")
			return
		}
		writeJSON(w, http.StatusOK, m)
	case r.Method == http.MethodDelete:
		s.mu.Lock()
		_, ok := s.assets[id]
		delete(s.assets, id)
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "Asset not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Asset deleted successfully"})
	default:
		methodNotAllowed(w)
	}
}

// upload handles POST /assets: multipart with `file` and an optional
// `description`.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ref := s.refuse
	s.mu.Unlock()
	if ref != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ref.status)
		_, _ = w.Write(ref.body)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(MaxUploadBytes + 1<<20); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid multipart body: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusBadRequest, "No file provided")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Reading the file failed")
		return
	}
	if len(data) > MaxUploadBytes {
		writeError(w, http.StatusBadRequest, "File too large. Maximum file size: 75MB")
		return
	}
	partType := hdr.Header.Get("Content-Type")
	mime := strings.ToLower(strings.TrimSpace(strings.SplitN(partType, ";", 2)[0]))
	if mime == "" || mime == "application/octet-stream" {
		mime = strings.SplitN(http.DetectContentType(data), ";", 2)[0]
	}
	if !uploadTypes[mime] {
		writeError(w, http.StatusBadRequest, "Invalid file type: "+mime)
		return
	}

	s.mu.Lock()
	at := now()
	size := int64(len(data))
	a := &Asset{
		ID: NewID(), UploadedAt: at, SizeBytes: &size, MimeType: Str(mime),
		Metadata: json.RawMessage(`{}`), Data: data,
		Uploaded: true, FileName: hdr.Filename, PartType: partType,
		SentDescription: r.FormValue("description"),
	}
	a.Width, a.Height = dims(data)
	a.ImageURL = s.hostLocked(uploadPath(at, hdr.Filename), data, mime)
	s.assets[a.ID] = a
	m := s.assetJSON(a)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, m)
}
