//go:build linux

package main

// The wire group's many-small-files case: rsync of a folder of images into
// assets/ until every one is uploaded, against curl POSTing each at the
// mount's upload concurrency.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
)

// uploadWorkers is how many uploads a mount runs at once (the upload
// queue's default).
const uploadWorkers = 4

// caseRsync: `rsync -rt DIR/ MOUNT/assets/` of w.files images, timed until
// the emulator has received every one, against one curl with a POST per
// file, uploadWorkers at a time (--parallel, connections reused).
func (wb *wireBench) caseRsync() ([]row, error) {
	var curl, kre, rs []time.Duration
	pngTemplate := noisePNG(wb.w.fileSize)
	// The runs' files stay until the benchmark ends (its temporary
	// directory goes then): on an ext4 without a journal (this VM's), an
	// inode allocation skips the inodes removed in the last minute or
	// more, reading each, which only the kreafs side pays (a spool file
	// per copied file; curl creates none), in this case and the next
	// profile's.
	for i := 0; i < wb.w.rsyncs; i++ {
		tag := fmt.Sprintf("%s-%d", wb.prof.Name, i)
		baseDir, err := wb.imageDir("curl-"+tag, pngTemplate)
		if err != nil {
			return nil, err
		}
		kreDir, err := wb.imageDir("rsync-"+tag, pngTemplate)
		if err != nil {
			return nil, err
		}
		syscall.Sync()
		before := wb.data.UploadCount()
		d, err := wb.curlPosts(baseDir)
		if err != nil {
			return nil, err
		}
		if got := wb.data.UploadCount() - before; got != wb.w.files {
			return nil, fmt.Errorf("curl: the emulator counted %d uploads, want %d", got, wb.w.files)
		}
		curl = append(curl, d)
		syscall.Sync()
		before = wb.data.UploadCount()
		start := time.Now()
		var r time.Duration
		err = wb.requestsNote(wb.data, "rsync", func() error {
			_, err := wb.runCmd("rsync", "-rt", kreDir+"/", filepath.Join(wb.mount.mp, "assets")+"/")
			r = time.Since(start)
			return err
		})
		if err != nil {
			return nil, err
		}
		err = wb.requestsNote(wb.data, "uploads after rsync", func() error {
			for wb.data.UploadCount()-before < wb.w.files {
				if wb.ctx.Err() != nil {
					return wb.ctx.Err()
				}
				if time.Since(start) > 10*time.Minute {
					return fmt.Errorf("after 10 minutes the emulator counted %d of %d uploads", wb.data.UploadCount()-before, wb.w.files)
				}
				time.Sleep(5 * time.Millisecond)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		k := time.Since(start)
		if got := wb.data.UploadCount() - before; got != wb.w.files {
			return nil, fmt.Errorf("rsync: the emulator counted %d uploads, want %d", got, wb.w.files)
		}
		kre, rs = append(kre, k), append(rs, r)
		wb.progress(fmt.Sprintf("%s rsync of %d files (rsync itself %s)", wb.prof.Name, wb.w.files, measure.Ms(r)), i, wb.w.rsyncs, curl, kre)
	}
	r := wireTimeRow(fmt.Sprintf("rsync of %d images of %d KB into assets/, until all uploaded", wb.w.files, wb.w.fileSize/1000),
		measure.Median(kre), measure.Median(curl), fmt.Sprintf("curl, %d POSTs %d at a time", wb.w.files, uploadWorkers), 1.2)
	r.kreafs = fmt.Sprintf("%s (rsync %s)", measure.Ms(measure.Median(kre)), measure.Ms(measure.Median(rs)))
	after, err := wb.lsAfterCopy()
	if err != nil {
		return nil, err
	}
	return []row{r, after}, nil
}

// slowAPI is the API latency of the listing after the copy.
const slowAPI = 150 * time.Millisecond

// lsAfterCopy: `ls -l assets/` right after the copy, past kreafs'
// --dir-cache-ttl, with the API answering after slowAPI: what it costs
// must not grow with the files just uploaded. The listing is stale then
// unless kreafs' --watch-window (a minute after the last ls) re-listed it
// in the background meanwhile: the requests say which. Against fetching
// the pages at that latency; the floor is on the requests: the pages and
// two more, not one per file.
func (wb *wireBench) lsAfterCopy() (row, error) {
	rtt := time.Duration(wb.prof.RTT) * time.Millisecond
	wb.data.SetLatency(slowAPI)
	defer wb.data.SetLatency(rtt)
	measure.SleepCtx(wb.ctx, 6*time.Second) // past kreafs' --dir-cache-ttl (5 s)
	np, pages, err := wb.listAllPages(wb.data)
	if err != nil {
		return row{}, err
	}
	before := wb.data.Requests("")
	var d time.Duration
	err = wb.requestsNote(wb.data, "ls -l after the copy", func() error {
		d, err = wb.runCmd("ls", "-l", filepath.Join(wb.mount.mp, "assets")+"/")
		return err
	})
	if err != nil {
		return row{}, err
	}
	n := wb.data.Requests("") - before
	limit := np + 2 // the listing's pages, and a little
	return row{
		name:     fmt.Sprintf("ls -l assets/ right after that copy, 6 s on, API at %v", slowAPI),
		kreafs:   fmt.Sprintf("%s (%d requests)", measure.Ms(d), n),
		baseline: measure.Ms(pages) + " (its pages)",
		ratio:    fmt.Sprintf("%.2f", d.Seconds()/pages.Seconds()),
		floor:    fmt.Sprintf("<= %d requests (the pages + 2)", limit),
		holds:    measure.YesNo(n <= limit),
	}, nil
}

// imageDir writes w.files different PNGs of about w.fileSize bytes into a
// new directory.
func (wb *wireBench) imageDir(tag string, tmpl []byte) (string, error) {
	dir := filepath.Join(wb.tmp, "images-"+tag)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	for i := 0; i < wb.w.files; i++ {
		data := withTextChunk(tmpl, fmt.Sprintf("kreafs-bench %s %d", tag, i))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%04d.png", tag, i)), data, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// curlPosts uploads every file of dir with one curl: a multipart POST
// /assets per file, uploadWorkers at once. It returns curl's run time.
func (wb *wireBench) curlPosts(dir string) (time.Duration, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var files []curlFile
	for _, e := range ents {
		files = append(files, curlFile{path: filepath.Join(dir, e.Name()), name: e.Name()})
	}
	return wb.curl(dir+".curlrc", "image/png", files, uploadWorkers)
}

// curlFile is a file curl uploads, and the name its POST gives it.
type curlFile struct{ path, name string }

// curl runs one curl that POSTs each of files to /assets (multipart, of
// type mime, the name as description), parallel at a time, its options
// (the token among them) in a config file at conf. It returns curl's run
// time. curl would send a body over 1 MiB only after a "100 Continue" (a
// round trip); neither kreafs nor the Go POSTs ask for one, so neither does
// this curl ("Expect:" empty).
func (wb *wireBench) curl(conf, mime string, files []curlFile, parallel int) (time.Duration, error) {
	var cfg strings.Builder
	for i, f := range files {
		if i > 0 {
			cfg.WriteString("next\n")
		}
		fmt.Fprintf(&cfg, "url = %q\nheader = %q\nheader = \"Expect:\"\nform = %q\nform = %q\noutput = \"/dev/null\"\nfail\nsilent\nshow-error\n",
			wb.data.URL()+"/assets", "Authorization: Bearer "+wb.data.Token(),
			"description="+f.name, "file=@"+f.path+";type="+mime)
	}
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o600); err != nil {
		return 0, err
	}
	defer os.Remove(conf)
	args := []string{"-K", conf}
	if parallel > 1 {
		args = append([]string{"--parallel", "--parallel-max", fmt.Sprint(parallel)}, args...)
	}
	return wb.runCmd("curl", args...)
}

// noisePNG is an uncompressed PNG of random pixels of about size bytes.
func noisePNG(size int) []byte {
	side := 1
	for (side+1)*(side+1)*3 < size {
		side++
	}
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	x := uint32(0x9e3779b9)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
		if i%4 == 3 {
			img.Pix[i] = 0xff
		}
	}
	var buf bytes.Buffer
	(&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img)
	return buf.Bytes()
}

// withTextChunk is tmpl (a PNG) with a tEXt chunk holding text after its
// header chunk: a different file with the same image.
func withTextChunk(tmpl []byte, text string) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	payload := append([]byte("Comment\x00"), text...)
	chunk := make([]byte, 8, 12+len(payload))
	binary.BigEndian.PutUint32(chunk, uint32(len(payload)))
	copy(chunk[4:], "tEXt")
	chunk = append(chunk, payload...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(tmpl)+len(chunk))
	out = append(out, tmpl[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, tmpl[afterIHDR:]...)
}
