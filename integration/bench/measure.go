//go:build linux

package main

// The measuring primitives: reads as cat does them, the HTTP baselines
// (GET, the listing pages, the multipart POST) and timed runs of programs.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/bench/measure"
)

// get GETs url and reads the whole body (the network baseline).
func (b *bench) get(url string) (int64, time.Duration, error) {
	return b.getTo(url, nil)
}

// getToFile is get with the body written into a new file in dir (with the
// 256 KiB writes kreafs' downloads make), as a disk cache would.
func (b *bench) getToFile(url, dir string) (int64, time.Duration, error) {
	start := time.Now()
	f, err := os.CreateTemp(dir, "get-*")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	n, _, err := b.getTo(url, f)
	return n, time.Since(start), err
}

// getTo GETs url and writes the body to w (nil: drops it), with a buffer
// of the size the read cases use.
func (b *bench) getTo(url string, w io.Writer) (int64, time.Duration, error) {
	size := measure.ReadBuf
	if w != nil {
		size = 256 << 10
	}
	buf := make([]byte, size)
	start := time.Now()
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := b.httpc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var n int64
	for {
		m, err := resp.Body.Read(buf)
		n += int64(m)
		if w != nil && m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, 0, werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, 0, err
		}
	}
	return n, time.Since(start), nil
}

// firstBytesPair times a GET's first byte of a, then open and the first
// 4 KiB of path (a mounted copy of a; its lookup is not timed).
func (b *bench) firstBytesPair(a asset, path string) (get, mnt time.Duration, err error) {
	if get, err = b.getFirstByte(a.url); err != nil {
		return 0, 0, err
	}
	if _, err := os.Stat(path); err != nil {
		return 0, 0, err
	}
	mnt, err = measure.FirstBytes(path, 4096)
	return get, mnt, err
}

// getSet GETs every asset of set at once, checking their lengths, and
// returns the wall time.
func (b *bench) getSet(set []asset) (time.Duration, error) {
	return concurrently(set, func(a asset) error {
		n, _, err := b.get(a.url)
		if err == nil && n != a.size {
			err = fmt.Errorf("GET %s: %d bytes, want %d", a.url, n, a.size)
		}
		return err
	})
}

// readSet reads the files path(a) of every asset of set at once (their
// lookups and the readers' buffers first, not timed) and returns the wall
// time.
func readSet(set []asset, path func(asset) string) (time.Duration, error) {
	measure.WarmReadBuffers(len(set))
	for _, a := range set {
		if _, err := os.Stat(path(a)); err != nil {
			return 0, err
		}
	}
	return concurrently(set, func(a asset) error { _, err := measure.ReadCheckedNoStat(path(a), a.size); return err })
}

// getFirstByte is a GET's time to the first byte of the body.
func (b *bench) getFirstByte(url string) (time.Duration, error) {
	one := make([]byte, 1)
	start := time.Now()
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := b.httpc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if _, err := io.ReadFull(resp.Body, one); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// listAllPages GETs every page of srv's assets with
// limit=1000, following next_cursor: what one listing costs on the wire
// (and in decoding the cursor).
func (b *bench) listAllPages(srv *emulator.Server) (int, time.Duration, error) {
	start := time.Now()
	cursor, pages, items := "", 0, 0
	for {
		q := url.Values{"limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, srv.URL()+"/assets?"+q.Encode(), nil)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp, err := b.httpc.Do(req)
		if err != nil {
			return 0, 0, err
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"` // the bundled spec's name
			Cursor     *string           `json:"nextCursor"`  // Krea's reference pages' (the emulator's default)
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("GET /assets: %v", err)
		}
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET /assets: %s", resp.Status)
		}
		pages++
		items += len(page.Items)
		if page.NextCursor == nil {
			page.NextCursor = page.Cursor
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
	}
	d := time.Since(start)
	// The emulator's default cursor ("older than T", as Krea documents)
	// skips assets that share a millisecond with a page's last one: a
	// few of a seeded account's, for kreafs' listing as for this one.
	if want := len(srv.AssetIDs()); items < want*99/100 {
		return pages, d, fmt.Errorf("GET /assets: %d assets in %d pages, the account has %d", items, pages, want)
	}
	return pages, d, nil
}

// post uploads path in one multipart POST /assets of srv (the upload baseline),
// streaming the file with a known Content-Length.
func (b *bench) post(srv *emulator.Server, path, description string) (time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	const boundary = "kreafs-bench-boundary-5f2c9d"
	prefix := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n" + description + "\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + description + "\"\r\n" +
		"Content-Type: audio/wav\r\n\r\n"
	suffix := "\r\n--" + boundary + "--\r\n"
	start := time.Now()
	req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, srv.URL()+"/assets",
		io.MultiReader(strings.NewReader(prefix), f, strings.NewReader(suffix)))
	if err != nil {
		return 0, err
	}
	req.ContentLength = int64(len(prefix)) + st.Size() + int64(len(suffix))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := b.httpc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var a api.Asset
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode/100 != 2 || a.ID == "" {
		return 0, fmt.Errorf("POST /assets: %s (%v)", resp.Status, err)
	}
	return time.Since(start), nil
}

// runCmd runs a program with its output discarded and returns how long it
// took (the spawn included).
func (b *bench) runCmd(name string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(b.ctx, name, args...)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	defer devnull.Close()
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = devnull, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, lastLines(stderr.String(), 3))
	}
	return time.Since(start), nil
}
