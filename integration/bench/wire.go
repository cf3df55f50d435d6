//go:build linux

package main

// The wire group: the emulators in a network namespace behind a
// rate-limited veth pair (wire_net.go), their answers delayed by the
// profile's round trip, and kreafs mounted over them from this namespace,
// as a user's machine reaches Krea. Every case runs under each profile,
// baseline and kreafs interleaved run by run.

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/bench/measure"
	"github.com/kreafs/kreafs/integration/bench/wirenet"
)

// wireConfig sizes the wire group.
type wireConfig struct {
	runs     int   // runs of each case per profile
	rsyncs   int   // runs of the rsync case (minutes each under home)
	big      int64 // the cold read and the upload
	mid      int64 // each of the parallel cold reads
	parallel int
	ttfb     int64 // the assets of the first-4-KiB case
	files    int   // the rsync case's files
	fileSize int   // ... of this size (images)
	jobs     int   // jobs watched per profile
	list     int   // assets of the listing case
	profiles []wirenet.Profile
	ns       string // namespace name
	slot     int    // picks the veth names and addresses (wireNet)
}

func defaultWire() wireConfig {
	return wireConfig{runs: 3, rsyncs: 1, big: 64 << 20, mid: 8 << 20, parallel: 8, ttfb: 16 << 20,
		files: 1000, fileSize: 200_000, jobs: 6, list: 10000, profiles: wirenet.Profiles, ns: "kreafs-bench-wire", slot: 0}
}

// quickWire is one run of everything, with smaller files: a look at the
// figures in about two minutes.
func quickWire() wireConfig {
	c := defaultWire()
	c.runs, c.big, c.mid, c.files, c.jobs = 1, 16<<20, 2<<20, 200, 3
	return c
}

// smokeWire checks that the wire group works, in seconds.
func smokeWire() wireConfig {
	c := defaultWire()
	c.runs, c.big, c.mid, c.parallel, c.ttfb, c.files, c.fileSize, c.jobs, c.list = 1, 1<<20, 256<<10, 2, 1<<20, 10, 20_000, 1, 200
	c.profiles = []wirenet.Profile{{Name: "fast", RateBit: 1_000_000_000, RTT: 10}}
	return c
}

// wireCaseNames are the cases run under each profile, as
// wire-<profile>-<case> (what -cases matches).
var wireCaseNames = []string{"cold-read", "parallel-read", "ttfb", "listing", "upload", "job", "rsync"}

func pickProfiles(list string) ([]wirenet.Profile, error) {
	var out []wirenet.Profile
	for _, n := range strings.Split(list, ",") {
		found := false
		for _, p := range wirenet.Profiles {
			if p.Name == strings.TrimSpace(n) {
				out, found = append(out, p), true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown profile %q (home, fast)", n)
		}
	}
	return out, nil
}

// wireOnly selects the wire group's cases.
var wireOnly = regexp.MustCompile("^wire-")

func wireCase(p wirenet.Profile, name string) string { return "wire-" + p.Name + "-" + name }

// wantWire reports whether any wire case runs.
func (c *config) wantWire() bool {
	for _, p := range c.wire.profiles {
		for _, n := range wireCaseNames {
			if c.want(wireCase(p, n)) {
				return true
			}
		}
	}
	return false
}

// wireBench is the wire group's state.
type wireBench struct {
	*bench
	w          wireConfig
	net        *wirenet.Net
	data, list *emulator.Server
	mount      *proc // kreafs over data
	prof       wirenet.Profile
	assets     map[string]*wireAssets // by profile
	bigFile    string                 // local file of w.big bytes (upload source)
}

// wireAssets are one profile's cold assets, by case.
type wireAssets struct {
	cold []asset
	par  [][]asset
	ttfb []asset
}

// runWire sets the wire up, runs every selected case under each profile
// and removes the namespace, also when interrupted.
func (b *bench) runWire() (rows []row, err error) {
	wb := &wireBench{bench: b, w: b.cfg.wire, assets: map[string]*wireAssets{}}
	wb.net = wirenet.New(wb.w.ns, wb.w.slot)
	if err := wb.net.Up(wb.w.profiles[0]); err != nil {
		return nil, err
	}
	// Removed on return, and by a signal even if a case hangs: the
	// context's cancel makes the cases return, this makes sure.
	stop := removeOnSignal(wb.net, b.logf)
	defer stop()
	defer func() { err = errors.Join(err, wb.net.Close()) }()
	defer wb.stopAll()
	if err := wb.setup(); err != nil {
		return nil, err
	}
	for _, p := range wb.w.profiles {
		if b.ctx.Err() != nil {
			return rows, b.ctx.Err()
		}
		wb.prof = p
		if err := wb.net.Shape(p); err != nil {
			return rows, err
		}
		rtt := time.Duration(p.RTT) * time.Millisecond
		for _, s := range []*emulator.Server{wb.data, wb.list} {
			s.SetLatency(rtt)
			s.SetFilesLatency(rtt)
		}
		b.logf("wire profile %s: %d Mbit/s each way, %v round trip", p.Name, p.RateBit/1_000_000, rtt)
		for _, c := range []struct {
			name string
			fn   func() ([]row, error)
		}{
			{"cold-read", wb.caseColdRead},
			{"parallel-read", wb.caseParallelRead},
			{"ttfb", wb.caseFirstBytes},
			{"listing", wb.caseListing},
			{"upload", wb.caseUpload},
			{"job", wb.caseJob},
			{"rsync", wb.caseRsync},
		} {
			if !b.cfg.want(wireCase(p, c.name)) {
				continue
			}
			if b.ctx.Err() != nil {
				return rows, b.ctx.Err()
			}
			b.logf("case %s", wireCase(p, c.name))
			rs, err := c.fn()
			if err != nil {
				b.logf("case %s failed: %v", wireCase(p, c.name), err)
				rs = append(rs, row{name: c.name, holds: "error: " + measure.OneLine(err.Error())})
			}
			for i := range rs {
				rs[i].profile = p.Name
			}
			rows = append(rows, rs...)
		}
	}
	return rows, nil
}

// removeOnSignal removes n at SIGINT or SIGTERM if the run has not done so
// a few seconds later (a case stuck in a system call), then exits. The
// returned function stops watching.
func removeOnSignal(n *wirenet.Net, logf func(string, ...any)) func() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
		case <-done:
			return
		}
		select {
		case <-ch: // a second signal: at once
		case <-time.After(20 * time.Second):
		case <-done:
			return
		}
		logf("removing the network namespace %s", n.Name)
		n.Close()
		os.Exit(130)
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// setup starts the emulators inside the namespace with every profile's
// assets, and mounts kreafs over the data emulator.
func (wb *wireBench) setup() error {
	var err error
	err = wb.net.Inside(func() error {
		addr := wb.net.NsIP + ":0"
		if wb.data, err = emulator.Listen(emulator.Options{DataDir: filepath.Join(wb.tmp, "wire-data")}, addr, addr); err != nil {
			return err
		}
		wb.list, err = emulator.Listen(emulator.Options{DataDir: filepath.Join(wb.tmp, "wire-list"), SeedAssets: wb.w.list}, addr, addr)
		return err
	})
	if err != nil {
		return err
	}
	wb.logf("wire: creating the assets (emulator at %s)", wb.data.URL())
	seed := uint64(1 << 40)
	big, mid, ttfb := synthWAV(wb.w.big), synthWAV(wb.w.mid), synthWAV(wb.w.ttfb)
	add := func(data []byte, name string) (asset, error) {
		seed++
		stamp(data, seed)
		a, err := wb.data.AddAsset(data, name)
		return asset{name: name, url: a.ImageURL, size: int64(len(data))}, err
	}
	for _, p := range wb.w.profiles {
		as := &wireAssets{}
		wb.assets[p.Name] = as
		for i := 0; i < wb.w.runs; i++ {
			if wb.cfg.want(wireCase(p, "cold-read")) {
				a, err := add(big, fmt.Sprintf("wire-%s-cold-%d.wav", p.Name, i))
				if err != nil {
					return err
				}
				as.cold = append(as.cold, a)
			}
			if wb.cfg.want(wireCase(p, "ttfb")) {
				a, err := add(ttfb, fmt.Sprintf("wire-%s-ttfb-%d.wav", p.Name, i))
				if err != nil {
					return err
				}
				as.ttfb = append(as.ttfb, a)
			}
			if wb.cfg.want(wireCase(p, "parallel-read")) {
				set, err := addSet(wb.w.parallel, mid, fmt.Sprintf("wire-%s-par-%d", p.Name, i), add)
				if err != nil {
					return err
				}
				as.par = append(as.par, set)
			}
		}
	}
	stamp(big, 0)
	wb.bigFile = filepath.Join(wb.tmp, "wire-upload.wav")
	if err := os.WriteFile(wb.bigFile, big, 0o600); err != nil {
		return err
	}
	wb.logf("wire: mounting kreafs over the emulator in the namespace")
	wb.mount, err = startKreafs(wb.ctx, wb.bin, wb.data.URL(), wb.data.Token(), filepath.Join(wb.tmp, "kreafs-wire"), wb.pprofEnv(3))
	return err
}

// stopAll unmounts kreafs and stops the emulators (before the namespace
// goes: their sockets live there).
func (wb *wireBench) stopAll() {
	if wb.mount != nil {
		wb.mount.stop()
	}
	for _, s := range []*emulator.Server{wb.data, wb.list} {
		if s != nil {
			s.Close()
		}
	}
	wb.httpc.CloseIdleConnections()
}

func (wb *wireBench) kpath(a asset) string { return filepath.Join(wb.mount.mp, "assets", a.name) }

// progress prints the figures of run i of n.
func (wb *wireBench) progress(what string, i, n int, base, kre []time.Duration) {
	wb.logf("%s run %d/%d: baseline %s, kreafs %s", what, i+1, n, measure.Ms(base[len(base)-1]), measure.Ms(kre[len(kre)-1]))
}

// requestsNote logs what kreafs asked srv for while fn ran: API calls by
// kind ("/assets" counts the assets' paths, "/assets/" those by id among
// them) and file-host requests (the round trips a case costs).
func (wb *wireBench) requestsNote(srv *emulator.Server, what string, fn func() error) error {
	kinds := []string{"/assets", "/assets/", "/jobs", "/styles", "/files"}
	before := make([]int, len(kinds))
	for i, k := range kinds {
		before[i] = srv.Requests(k)
	}
	err := fn()
	var parts []string
	for i, k := range kinds {
		if n := srv.Requests(k) - before[i]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	wb.logf("%s: requests %s", what, strings.Join(parts, ", "))
	return err
}
