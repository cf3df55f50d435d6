//go:build linux

package main

// The benchmark's cases, one function each. Each runs cfg.runs times,
// baseline, kreafs and (where it applies) rclone interleaved run by run,
// and turns the medians into table rows.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
)

// loopbackCases are the cases against the emulator on 127.0.0.1.
var loopbackCases = []struct {
	name string
	fn   func(*bench) ([]row, error)
}{
	{"cold-read", (*bench).caseColdRead},
	{"warm-read", (*bench).caseWarmRead},
	{"ttfb", (*bench).caseFirstBytes},
	{"parallel-read", (*bench).caseParallelRead},
	{"thumbnails", (*bench).caseThumbnails},
	{"upload", (*bench).caseUpload},
	{"listing", (*bench).caseListing},
}

// loopbackOnly selects the loopback group's cases.
func loopbackOnly() *regexp.Regexp {
	names := make([]string, len(loopbackCases))
	for i, c := range loopbackCases {
		names[i] = regexp.QuoteMeta(c.name)
	}
	return regexp.MustCompile("^(" + strings.Join(names, "|") + ")$")
}

// run sets up, runs every selected case and tears down.
func run(ctx context.Context, cfg config) (*results, error) {
	b := &bench{cfg: cfg, ctx: ctx}
	res := &results{started: time.Now(), loadBefore: measure.LoadAvg(), cfg: cfg}
	defer b.teardown()
	if err := b.setupCommon(); err != nil {
		return nil, err
	}
	loopback := false
	for _, c := range loopbackCases {
		loopback = loopback || cfg.want(c.name)
	}
	if loopback {
		if err := b.setupLoopback(); err != nil {
			return nil, err
		}
		res.rcloneVer = b.rcloneVer
	}
	for _, c := range loopbackCases {
		if !cfg.want(c.name) {
			continue
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		b.logf("case %s", c.name)
		rows, err := c.fn(b)
		if err != nil {
			b.logf("case %s failed: %v", c.name, err)
			rows = append(rows, row{name: c.name, holds: "error: " + measure.OneLine(err.Error())})
		}
		res.rows = append(res.rows, rows...)
	}
	if cfg.wantWire() {
		rows, err := b.runWire()
		res.wire = append(res.wire, rows...)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			b.logf("wire: %v", err)
			res.wire = append(res.wire, row{name: "wire", holds: "error: " + measure.OneLine(err.Error())})
		}
	}
	res.finished = time.Now()
	res.loadAfter = measure.LoadAvg()
	res.notes = b.notes
	res.machine = measure.Machine(b.root)
	return res, nil
}

func (b *bench) kpath(a asset) string { return filepath.Join(b.dataMount.mp, "assets", a.name) }

func (b *bench) rpath(a asset) string {
	if b.rcloneData == nil {
		return ""
	}
	return filepath.Join(b.rcloneData.mp, a.name)
}

// caseColdRead: a cold sequential read of a bigSize asset against one GET
// of the same URL, and against the reference (the GET written into a new
// file, in a child process), with the CPU time of both.
func (b *bench) caseColdRead() ([]row, error) {
	refDir, err := b.refDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(refDir)
	var get, toFile, kre, rcl, kcpu, rcpu []time.Duration
	for i, a := range b.cold {
		n, d, err := b.get(a.url)
		if err != nil {
			return nil, err
		}
		if n != a.size {
			return nil, fmt.Errorf("GET %s: %d bytes, want %d", a.url, n, a.size)
		}
		get = append(get, d)
		d, c, err := b.getToFilesChild(refDir, a.url)
		if err != nil {
			return nil, err
		}
		toFile, rcpu = append(toFile, d), append(rcpu, c)
		d, c, err = b.kreafsRead(func() (time.Duration, error) { return measure.ReadChecked(b.kpath(a), a.size) })
		if err != nil {
			return nil, err
		}
		kre, kcpu = append(kre, d), append(kcpu, c)
		b.progress("cold read", i, get, kre, nil)
	}
	// The peer after kreafs and the baseline, not between their runs: its
	// work after a read (writing its cache) would land on theirs.
	for _, a := range b.cold {
		if p := b.rpath(a); p != "" {
			d, err := measure.ReadChecked(p, a.size)
			if err != nil {
				return nil, err
			}
			rcl = append(rcl, d)
		}
	}
	b.peerProgress("cold read", rcl)
	return b.coldRows(fmt.Sprintf("cold sequential read, %s", measure.MiB(b.cfg.bigSize)), b.cfg.bigSize, 1, get, toFile, kre, rcl, kcpu, rcpu, "one GET"), nil
}

// kreafsRead runs read (of the data mount) and returns its time and the
// CPU time the kreafs process spent meanwhile.
func (b *bench) kreafsRead(read func() (time.Duration, error)) (time.Duration, time.Duration, error) {
	c0, err := measure.ProcCPU(b.dataMount.pid())
	if err != nil {
		return 0, 0, err
	}
	d, err := read()
	if err != nil {
		return 0, 0, err
	}
	c1, err := measure.ProcCPU(b.dataMount.pid())
	return d, c1 - c0, err
}

// refFloor is the cold reads' floor, against the reference: what a mount
// that keeps the bytes on disk can do at best on loopback.
const refFloor = 0.6

// coldRows are a cold read case's row and its reference row: the floor
// is refFloor times the reference's throughput; both show their CPU.
func (b *bench) coldRows(name string, size int64, count int, get, toFile, kre, rcl, kcpu, rcpu []time.Duration, baseName string) []row {
	total := size * int64(count)
	main := throughputRow(name, size, count, get, kre, rcl, 0, baseName)
	ref := ceilingRow(size, count, get, toFile)
	k, r := measure.MBps(total, measure.Median(kre)), measure.MBps(total, measure.Median(toFile))
	main.floor = fmt.Sprintf(">= %.1f x reference (%.0f MB/s)", refFloor, refFloor*r)
	main.holds = measure.YesNo(k >= refFloor*r)
	main.cpu, ref.cpu = measure.CPUPerGiB(kcpu, total), measure.CPUPerGiB(rcpu, total)
	return []row{main, ref}
}

// warmSamples is how many warm reads of each side make one run.
const warmSamples = 9

// caseWarmRead: reading the fully cached asset of the first cold run
// again, against reading a local file with the same bytes. Both are warm:
// each is read once (and kreafs' bytes checked) before the timed runs.
func (b *bench) caseWarmRead() ([]row, error) {
	a := b.cold[0]
	if err := measure.SameContent(b.kpath(a), b.localBig); err != nil {
		return nil, err
	}
	if _, err := measure.ReadChecked(b.localBig, a.size); err != nil {
		return nil, err
	}
	// A warm read is short (a few ms for 64 MiB): a context switch moves
	// it by tens of percent, so it is sampled warmSamples times per run.
	var local, kre, rcl []time.Duration
	for i := 0; i < warmSamples*b.cfg.runs; i++ {
		d, err := measure.ReadChecked(b.localBig, a.size)
		if err != nil {
			return nil, err
		}
		local = append(local, d)
		if d, err = measure.ReadChecked(b.kpath(a), a.size); err != nil {
			return nil, err
		}
		kre = append(kre, d)
		if i%warmSamples == warmSamples-1 {
			b.progress("warm read", i/warmSamples, local, kre, nil)
		}
	}
	if p := b.rpath(a); p != "" { // the peer afterwards (see caseColdRead)
		if _, err := measure.ReadChecked(p, a.size); err != nil {
			return nil, err
		}
		for i := 0; i < warmSamples*b.cfg.runs; i++ {
			d, err := measure.ReadChecked(p, a.size)
			if err != nil {
				return nil, err
			}
			rcl = append(rcl, d)
		}
	}
	b.peerProgress("warm read", rcl)
	return []row{throughputRow(fmt.Sprintf("warm read, fully cached %s", measure.MiB(b.cfg.bigSize)),
		b.cfg.bigSize, 1, local, kre, rcl, 0.9, "cat of a local file")}, nil
}

// caseFirstBytes: time to the first 4 KiB of a cold asset with downloads
// capped, against a GET's time to its first byte.
func (b *bench) caseFirstBytes() ([]row, error) {
	b.data.SetBandwidth(b.cfg.ttfbBW)
	defer b.data.SetBandwidth(0)
	var get, kre []time.Duration
	for i, a := range b.ttfb {
		g, k, err := b.firstBytesPair(a, b.kpath(a))
		if err != nil {
			return nil, err
		}
		get, kre = append(get, g), append(kre, k)
		b.progress("first 4 KiB", i, get, kre, nil)
		// Let kreafs' read-ahead of this asset wind down (it stops once
		// the file is closed and its parked download times out).
		measure.SleepCtx(b.ctx, 300*time.Millisecond)
	}
	k, g := measure.Median(kre), measure.Median(get)
	limit := 2*g + 10*time.Millisecond
	r := row{
		name:     fmt.Sprintf("time to first 4 KiB, cold %s, downloads at %d MB/s", measure.MiB(b.cfg.bigSize), b.cfg.ttfbBW/1_000_000),
		kreafs:   measure.Ms(k),
		baseline: measure.Ms(g) + " (GET, first byte)",
		ratio:    fmt.Sprintf("%.2f", k.Seconds()/g.Seconds()),
		floor:    fmt.Sprintf("<= 2 x GET + 10 ms (%s)", measure.Ms(limit)),
		holds:    measure.YesNo(k <= limit),
		rclone:   "-",
		vsRclone: "-",
	}
	return []row{r}, nil
}

// caseParallelRead: parallel cold reads of different midSize assets at
// once, against as many concurrent GETs.
func (b *bench) caseParallelRead() ([]row, error) {
	refDir, err := b.refDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(refDir)
	var get, toFile, kre, rcl, kcpu, rcpu []time.Duration
	for i, set := range b.par {
		d, err := b.getSet(set)
		if err != nil {
			return nil, err
		}
		get = append(get, d)
		urls := make([]string, len(set))
		for j, a := range set {
			urls[j] = a.url
		}
		d, c, err := b.getToFilesChild(refDir, urls...)
		if err != nil {
			return nil, err
		}
		toFile, rcpu = append(toFile, d), append(rcpu, c)
		d, c, err = b.kreafsRead(func() (time.Duration, error) { return readSet(set, b.kpath) })
		if err != nil {
			return nil, err
		}
		kre, kcpu = append(kre, d), append(kcpu, c)
		b.progress("parallel read", i, get, kre, nil)
	}
	for _, set := range b.par { // the peer afterwards (see caseColdRead)
		if b.rcloneData == nil {
			break
		}
		d, err := readSet(set, b.rpath)
		if err != nil {
			return nil, err
		}
		rcl = append(rcl, d)
	}
	b.peerProgress("parallel read", rcl)
	return b.coldRows(fmt.Sprintf("%d concurrent cold reads of different %s assets", b.cfg.parallel, measure.MiB(b.cfg.midSize)),
		b.cfg.midSize, b.cfg.parallel, get, toFile, kre, rcl, kcpu, rcpu, fmt.Sprintf("%d concurrent GETs", b.cfg.parallel)), nil
}

// refDir is a new directory next to the mounts' cache directories, for the
// reference downloads into local files; the caller removes it.
func (b *bench) refDir() (string, error) {
	return os.MkdirTemp(b.tmp, "reference-")
}

// concurrently runs fn for every asset at once and returns the wall time.
func concurrently(set []asset, fn func(asset) error) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(set))
	start := time.Now()
	for i, a := range set {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(a)
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

// peerProgress prints the peer's figures of a case.
func (b *bench) peerProgress(what string, rcl []time.Duration) {
	if len(rcl) == 0 {
		return
	}
	var parts []string
	for _, d := range rcl {
		parts = append(parts, measure.Ms(d))
	}
	b.logf("%s, rclone: %s", what, strings.Join(parts, ", "))
}

// progress prints one run's figures.
func (b *bench) progress(what string, i int, base, kre, rcl []time.Duration) {
	line := fmt.Sprintf("%s run %d/%d: baseline %s, kreafs %s", what, i+1, b.cfg.runs, measure.Ms(base[len(base)-1]), measure.Ms(kre[len(kre)-1]))
	if len(rcl) > 0 {
		line += ", rclone " + measure.Ms(rcl[len(rcl)-1])
	}
	b.logf("%s", line)
}
