package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/emulator/internal/media"
)

// filesHandler serves the files origin: GET/HEAD /files/<key> with Range,
// ETag, Last-Modified and Content-Length, no auth, and the bandwidth, cut and
// stall knobs.
func (s *Server) filesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.inflight.begin()()
		log := s.log.WithFields(logrus.Fields{"op": "file", "method": r.Method, "path": r.URL.Path})
		if r.Header.Get("Authorization") != "" {
			s.authLeaked.Store(true)
			log.Warn("emulator: a request to the files origin carried an Authorization header")
		}
		s.countReq(s.fileReqs, r.URL.Path)
		if !s.waitStall(r) || !s.sleepCtx(r, time.Duration(s.filesLatency.Load())) {
			panic(http.ErrAbortHandler) // send nothing at all
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		key, ok := strings.CutPrefix(r.URL.Path, "/files/")
		var b blob
		if ok {
			s.mu.Lock()
			bp := s.st.Files[key]
			if bp != nil && !s.now().Before(bp.NotBefore) {
				b = *bp
			} else {
				ok = false
			}
			s.mu.Unlock()
		}
		if !ok {
			log.WithField("status", 404).Debug("emulator: file not found")
			http.NotFound(w, r)
			return
		}
		content, size, err := s.openBlob(key, b)
		if err != nil {
			log.WithError(err).Error("emulator: cannot open file")
			http.Error(w, "cannot open file", http.StatusInternalServerError)
			return
		}
		defer content.Close()
		h := w.Header()
		if b.MIME != "" {
			h.Set("Content-Type", b.MIME)
		} else {
			h.Set("Content-Type", media.MIMEForExt(key))
		}
		h.Set("ETag", etag(key, size))
		h.Set("Accept-Ranges", "bytes")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		tw := &throttledWriter{ResponseWriter: w, s: s, r: r, rc: http.NewResponseController(w), cutAt: -1, stallAfter: s.stallAfter.Load()}
		http.ServeContent(tw, r, "", b.ModTime, content)
		log.WithFields(logrus.Fields{"status": tw.status, "bytes": tw.sent}).Debug("emulator: file served")
	})
}

func etag(key string, size int64) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return fmt.Sprintf(`"%016x-%x"`, h.Sum64(), size)
}

type readSeekCloser interface {
	io.ReadSeeker
	io.Closer
}

type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

// openBlob gives the content of key. Synthetic images are rendered on first
// use and kept under files/ (deterministic, so racing renders agree).
func (s *Server) openBlob(key string, b blob) (readSeekCloser, int64, error) {
	switch b.Kind {
	case blobFile:
		f, err := os.Open(s.diskPath(key, &b))
		if err != nil {
			return nil, 0, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return f, fi.Size(), nil
	case blobEmbed:
		data := sample(b.Name)
		return nopCloser{bytes.NewReader(data)}, int64(len(data)), nil
	case blobStampPNG, blobStampJPEG:
		data := media.StampedImage(b.Kind == blobStampJPEG, b.W, b.H, b.Seed)
		return nopCloser{bytes.NewReader(data)}, int64(len(data)), nil
	case blobGLB:
		data := media.GLB(b.Seed)
		return nopCloser{bytes.NewReader(data)}, int64(len(data)), nil
	case blobWAV:
		wf := media.NewWAV(b.Size, b.Seed)
		return nopCloser{io.NewSectionReader(wf, 0, wf.Size())}, wf.Size(), nil
	case blobPNG, blobJPEG:
		p := s.filePath(key)
		if f, err := os.Open(p); err == nil {
			if fi, err := f.Stat(); err == nil {
				return f, fi.Size(), nil
			}
			f.Close()
		}
		var data []byte
		if b.Kind == blobPNG {
			data = media.PNG(b.W, b.H, b.Seed)
		} else {
			data = media.JPEG(b.W, b.H, b.Seed)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err == nil {
			if err := writeFileAtomic(p, data); err != nil {
				s.log.WithFields(logrus.Fields{"op": "render", "path": p}).WithError(err).Warn("emulator: cannot keep rendered image")
			}
		}
		return nopCloser{bytes.NewReader(data)}, int64(len(data)), nil
	}
	return nil, 0, fmt.Errorf("unknown blob kind %q", b.Kind)
}

// throttledWriter applies the download knobs to a response body:
// bandwidth (pacing with flushes), cuts (the connection is closed part way)
// and stall-after (the body stops and the connection hangs).
type throttledWriter struct {
	http.ResponseWriter
	s          *Server
	r          *http.Request
	rc         *http.ResponseController
	status     int
	start      time.Time
	sent       int64
	cutAt      int64 // body offset at which the connection is cut; <0 never
	stallAfter int64 // body offset after which nothing more is sent; <0 never
}

func (t *throttledWriter) WriteHeader(code int) {
	if t.status != 0 {
		return
	}
	t.status = code
	t.start = time.Now()
	if code == http.StatusOK || code == http.StatusPartialContent {
		if rate := loadFloat(&t.s.cutRate); rate > 0 && t.s.dice() < rate {
			if cl, err := strconv.ParseInt(t.Header().Get("Content-Length"), 10, 64); err == nil && cl > 1 {
				t.cutAt = 1 + int64(t.s.randUint64()%uint64(cl-1))
			}
		}
	}
	t.ResponseWriter.WriteHeader(code)
}

var errGaveUp = errors.New("download abandoned")

func (t *throttledWriter) Write(p []byte) (int, error) {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	written := 0
	for len(p) > 0 {
		chunk := p
		bw := t.s.bandwidth.Load()
		if bw > 0 {
			chunk = chunk[:min(len(chunk), int(max(bw/50, 512)))]
		}
		if t.cutAt >= 0 && t.sent+int64(len(chunk)) > t.cutAt {
			n, _ := t.ResponseWriter.Write(chunk[:t.cutAt-t.sent])
			t.sent += int64(n)
			t.s.fileBytes.Add(int64(n))
			_ = t.rc.Flush()
			t.s.log.WithFields(logrus.Fields{"op": "file", "path": t.r.URL.Path, "bytes": t.sent}).Debug("emulator: download cut")
			panic(http.ErrAbortHandler) // net/http closes the connection mid-body
		}
		if t.stallAfter >= 0 && t.sent+int64(len(chunk)) > t.stallAfter {
			n, _ := t.ResponseWriter.Write(chunk[:t.stallAfter-t.sent])
			t.sent += int64(n)
			t.s.fileBytes.Add(int64(n))
			written += n
			_ = t.rc.Flush()
			select {
			case <-t.r.Context().Done():
			case <-t.s.done:
			}
			return written, errGaveUp
		}
		n, err := t.ResponseWriter.Write(chunk)
		t.sent += int64(n)
		t.s.fileBytes.Add(int64(n))
		written += n
		if err != nil {
			return written, err
		}
		p = p[len(chunk):]
		if bw > 0 {
			_ = t.rc.Flush()
			due := t.start.Add(time.Duration(float64(t.sent) / float64(bw) * float64(time.Second)))
			if !t.s.sleepCtx(t.r, time.Until(due)) {
				return written, errGaveUp
			}
		}
	}
	return written, nil
}
