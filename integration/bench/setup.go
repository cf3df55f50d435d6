//go:build linux

package main

// Setting the stage: the kreafs binary, the emulators and their data, the
// plain HTTP file server the peer mounts, and the measuring primitives.

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/fs/view"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// bench is one run's state.
type bench struct {
	cfg  config
	ctx  context.Context
	tmp  string // everything this run writes lives here
	root string // module root
	bin  string // the kreafs binary

	data  *emulator.Server // big assets for the read and upload cases
	list  *emulator.Server // listCount assets for the listing cases
	httpc *http.Client     // the baseline client

	// What the data emulator holds, by case.
	cold []asset   // runs x bigSize: cold sequential reads
	ttfb []asset   // runs x bigSize: time to first 4 KiB
	par  [][]asset // runs x parallel x midSize: concurrent cold reads

	localBig string // a local file with the bytes of cold[0] (warm cat baseline)
	upload   string // a local bigSize WAV (upload source)

	// The peer: a plain HTTP file server over filesDir (the same bytes as
	// the data emulator's assets, under the names kreafs shows) and over
	// listDir (the listing account's names and sizes; also the local
	// baseline of ls -l).
	peer              bool
	filesDir, listDir string
	filesURL, listURL string
	peerSrv           *http.Server
	rcloneVer         string

	dataMount  *proc    // kreafs over data
	rcloneData *proc    // rclone over filesURL; nil without the peer
	stopFns    []func() // teardown, in reverse
	notes      []string // lines for the results' notes
}

// asset is one asset of the data emulator as the benchmark uses it.
type asset struct {
	name string // file name in assets/ (its description)
	url  string // its image_url
	size int64
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.cfg.log, "bench: "+format+"\n", args...)
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// setupCommon makes the temporary directory, builds kreafs and makes the
// baseline's HTTP client: what both groups (loopback, wire) need.
func (b *bench) setupCommon() error {
	var err error
	if b.root, err = moduleRoot(); err != nil {
		return err
	}
	if b.tmp, err = os.MkdirTemp(b.cfg.workDir, "kreafs-bench-"); err != nil {
		return err
	}
	if err := os.Chmod(b.tmp, 0o700); err != nil {
		return err
	}
	b.bin = b.cfg.kreafsBin
	if b.bin == "" {
		b.bin = filepath.Join(b.tmp, "kreafs")
		b.logf("building kreafs")
		if err := kreafstest.Build(b.root, b.bin, false); err != nil {
			return err
		}
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	b.httpc = &http.Client{Transport: tr}
	b.stopFns = append(b.stopFns, tr.CloseIdleConnections)
	return nil
}

// setupLoopback starts the loopback emulators with their data and the
// peer's file server, and mounts kreafs (and rclone) over the data
// emulator.
func (b *bench) setupLoopback() error {
	var err error
	b.data, err = emulator.Start(emulator.Options{DataDir: filepath.Join(b.tmp, "emu-data")})
	if err != nil {
		return err
	}
	b.stopFns = append(b.stopFns, func() { b.data.Close() })
	b.list, err = emulator.Start(emulator.Options{DataDir: filepath.Join(b.tmp, "emu-list"), SeedAssets: b.cfg.listCount})
	if err != nil {
		return err
	}
	b.stopFns = append(b.stopFns, func() { b.list.Close() })

	b.peer = b.cfg.rclone != "off"
	if b.peer {
		out, err := exec.Command("rclone", "version").Output()
		if err != nil {
			b.peer = false
			b.note("rclone is not installed (Debian: apt-get install rclone): no peer figures.")
		} else {
			b.rcloneVer = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		}
	}
	b.filesDir, b.listDir = filepath.Join(b.tmp, "peer-files"), filepath.Join(b.tmp, "peer-list")
	for _, d := range []string{b.filesDir, b.listDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if err := b.makeData(); err != nil {
		return err
	}
	if err := b.makeListDir(); err != nil {
		return err
	}
	if err := b.startPeerServer(); err != nil {
		return err
	}

	b.logf("mounting kreafs over the data emulator")
	b.dataMount, err = startKreafs(b.ctx, b.bin, b.data.URL(), b.data.Token(), filepath.Join(b.tmp, "kreafs-data"), b.pprofEnv(0))
	if err != nil {
		return err
	}
	b.stopFns = append(b.stopFns, func() { b.dataMount.stop() })
	if b.peer {
		b.rcloneData, err = startRclone(b.ctx, b.filesURL, filepath.Join(b.tmp, "rclone-data"))
		if err != nil {
			b.peer = false
			b.note("rclone could not mount (%v): no peer figures.", err)
		} else {
			b.stopFns = append(b.stopFns, b.stopRcloneData)
		}
	}
	return nil
}

// stopRcloneData unmounts the peer's data mount (once the read cases are
// done: a full VFS cache of a few GB keeps rclone busy in the background,
// which made kreafs' upload case three times slower).
func (b *bench) stopRcloneData() {
	if b.rcloneData != nil {
		b.rcloneData.stop()
		b.rcloneData = nil
	}
}

// pprofEnv is the environment that makes a kreafs mount serve pprof (at
// -pprof's port + offset), or nil.
func (b *bench) pprofEnv(offset int) []string {
	if b.cfg.pprof <= 0 {
		return nil
	}
	return []string{fmt.Sprintf("KREAFS_PPROF=127.0.0.1:%d", b.cfg.pprof+offset)}
}

// teardown stops everything setup started, last first, and removes the
// temporary directory.
func (b *bench) teardown() {
	for i := len(b.stopFns) - 1; i >= 0; i-- {
		b.stopFns[i]()
	}
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

// makeData adds the read cases' assets to the data emulator (and the same
// bytes under the same names to the peer's directory), and writes the local
// files of the warm-read and upload cases.
func (b *bench) makeData() error {
	runs := b.cfg.runs
	b.logf("creating the read cases' assets")
	big := synthWAV(b.cfg.bigSize)
	mid := synthWAV(b.cfg.midSize)
	seed := uint64(1)
	add := func(data []byte, name string) (asset, error) {
		seed++
		stamp(data, seed) // every asset has different bytes (and id)
		a, err := b.data.AddAsset(data, name)
		if err != nil {
			return asset{}, err
		}
		if b.peer {
			if err := os.WriteFile(filepath.Join(b.filesDir, name), data, 0o600); err != nil {
				return asset{}, err
			}
		}
		return asset{name: name, url: a.ImageURL, size: int64(len(data))}, nil
	}
	for i := 0; i < runs; i++ {
		if i == 0 || b.cfg.want("cold-read") {
			a, err := add(big, fmt.Sprintf("cold-%d.wav", i))
			if err != nil {
				return err
			}
			b.cold = append(b.cold, a)
		}
		if i == 0 {
			b.localBig = filepath.Join(b.tmp, "local-big.wav")
			if err := os.WriteFile(b.localBig, big, 0o600); err != nil {
				return err
			}
		}
		if b.cfg.want("ttfb") {
			a, err := add(big, fmt.Sprintf("ttfb-%d.wav", i))
			if err != nil {
				return err
			}
			b.ttfb = append(b.ttfb, a)
		}
		if b.cfg.want("parallel-read") {
			set, err := addSet(b.cfg.parallel, mid, fmt.Sprintf("par-%d", i), add)
			if err != nil {
				return err
			}
			b.par = append(b.par, set)
		}
	}
	stamp(big, 0)
	b.upload = filepath.Join(b.tmp, "upload.wav")
	return os.WriteFile(b.upload, big, 0o600)
}

// addSet adds n assets of data named prefix-<j>.wav with add.
func addSet(n int, data []byte, prefix string, add func([]byte, string) (asset, error)) ([]asset, error) {
	var set []asset
	for j := 0; j < n; j++ {
		a, err := add(data, fmt.Sprintf("%s-%d.wav", prefix, j))
		if err != nil {
			return nil, err
		}
		set = append(set, a)
	}
	return set, nil
}

// makeListDir gives the peer's listing directory the names kreafs shows for
// the listing account, as sparse files of the assets' sizes.
func (b *bench) makeListDir() error {
	assets := b.list.Assets()
	for i, name := range view.AssetNames(assets) {
		p := filepath.Join(b.listDir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			return err
		}
		if n := assets[i].Size(); n > 0 {
			if err := os.Truncate(p, n); err != nil {
				return err
			}
		}
		t := assets[i].UploadedAt
		_ = os.Chtimes(p, t, t)
	}
	return nil
}

// startPeerServer serves filesDir at /files/ and listDir at /list/ with
// net/http's FileServer. Responses are copied like the emulator's files
// origin copies them (no sendfile), so server costs are alike.
func (b *bench) startPeerServer() error {
	if !b.peer {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(b.filesDir))))
	mux.Handle("/list/", http.StripPrefix("/list/", http.FileServer(http.Dir(b.listDir))))
	b.peerSrv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(plainWriter{w}, r)
	})}
	go b.peerSrv.Serve(ln)
	b.stopFns = append(b.stopFns, func() { b.peerSrv.Close() })
	base := "http://" + ln.Addr().String()
	b.filesURL, b.listURL = base+"/files/", base+"/list/"
	return nil
}

// plainWriter hides http.ResponseWriter's ReadFrom (sendfile), as the
// emulator's throttling writer does.
type plainWriter struct{ w http.ResponseWriter }

func (p plainWriter) Header() http.Header         { return p.w.Header() }
func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p plainWriter) WriteHeader(code int)        { p.w.WriteHeader(code) }

// synthWAV is a valid 16-bit mono PCM WAV file of exactly size bytes
// (size >= 44, even) whose samples are pseudo-random.
func synthWAV(size int64) []byte {
	b := make([]byte, size)
	kreafstest.PutWAVHeader(b)
	x := uint64(0x9e3779b97f4a7c15)
	for i := 44; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	return b
}

// stamp writes seed into the first samples, so each asset differs.
func stamp(wav []byte, seed uint64) {
	binary.LittleEndian.PutUint64(wav[44:], seed)
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot() (string, error) {
	root, err := kreafstest.ModuleRoot("")
	if err != nil {
		return "", fmt.Errorf("run the benchmark from inside the kreafs module: %v", err)
	}
	return root, nil
}
