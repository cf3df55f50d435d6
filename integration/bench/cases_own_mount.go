//go:build linux

package main

// The cases that mount kreafs (or rclone) of their own: the upload, whose
// peak memory must be its own, and the listing, mounted afresh per run.

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
)

// caseUpload: `cp` of a bigSize file into assets/ then `sync FILE` (which
// returns once the upload is done), against one multipart POST of the same
// file; and the peak memory of a kreafs process that did only that.
func (b *bench) caseUpload() ([]row, error) {
	b.stopRcloneData() // the read cases are done with it
	m, err := startKreafs(b.ctx, b.bin, b.data.URL(), b.data.Token(), filepath.Join(b.tmp, "kreafs-upload"), b.pprofEnv(1))
	if err != nil {
		return nil, err
	}
	defer m.stop()
	idle, _ := procStatus(m.pid(), "VmHWM")
	refDir, err := b.refDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(refDir)
	var post, kre, ref []time.Duration
	var cp, syn []time.Duration
	for i := 0; i < b.cfg.runs; i++ {
		// Each side starts with nothing waiting to be written back: the
		// files the benchmark made (and the last upload's) would
		// otherwise be flushed by kreafs' fsyncs (ext4 commits its
		// journal with them) and counted as kreafs' time.
		syscall.Sync()
		d, err := b.post(b.data, b.upload, fmt.Sprintf("post-%d.wav", i))
		if err != nil {
			return nil, err
		}
		post = append(post, d)
		dst := filepath.Join(m.mp, "assets", fmt.Sprintf("upload-%d.wav", i))
		syscall.Sync()
		before := b.data.UploadCount()
		dc, ds, err := b.cpSync(b.upload, dst)
		if err != nil {
			return nil, err
		}
		if got := b.data.UploadCount(); got != before+1 {
			return nil, fmt.Errorf("after cp and sync FILE the emulator counted %d uploads, want 1", got-before)
		}
		cp, syn = append(cp, dc), append(syn, ds)
		kre = append(kre, dc+ds)
		// The reference: a durable local copy first, then the upload.
		syscall.Sync()
		local := filepath.Join(refDir, fmt.Sprintf("upload-%d.wav", i))
		rc, rs, err := b.cpSync(b.upload, local)
		if err != nil {
			return nil, err
		}
		rp, err := b.post(b.data, local, fmt.Sprintf("ref-%d.wav", i))
		if err != nil {
			return nil, err
		}
		ref = append(ref, rc+rs+rp)
		b.progress(fmt.Sprintf("upload (cp %s, sync %s)", measure.Ms(dc), measure.Ms(ds)), i, post, kre, nil)
	}
	hwm, err := procStatus(m.pid(), "VmHWM")
	if err != nil {
		return nil, err
	}
	k, p := measure.Median(kre), measure.Median(post)
	ratio := k.Seconds() / p.Seconds()
	rows := []row{{
		name:     fmt.Sprintf("cp of a %s file, then sync FILE", measure.MiB(b.cfg.bigSize)),
		kreafs:   fmt.Sprintf("%s (cp %s + sync %s)", measure.Ms(k), measure.Ms(measure.Median(cp)), measure.Ms(measure.Median(syn))),
		baseline: measure.Ms(p) + " (one multipart POST)",
		ratio:    fmt.Sprintf("%.2f", ratio),
		floor:    "<= 1.3",
		holds:    measure.YesNo(ratio <= 1.3),
		rclone:   "-", vsRclone: "-",
	}, {
		name:      "  reference: cp to a local file, sync FILE, then the POST of that file",
		kreafs:    measure.Ms(measure.Median(ref)),
		baseline:  measure.Ms(p),
		ratio:     fmt.Sprintf("%.2f", measure.Median(ref).Seconds()/p.Seconds()),
		reference: true,
	}, {
		name:     "kreafs peak resident memory (VmHWM) during that upload",
		kreafs:   measure.MiBf(hwm),
		baseline: measure.MiBf(idle) + " (same process before the first upload)",
		ratio:    "-",
		floor:    "<= 100 MiB",
		holds:    measure.YesNo(hwm <= 100<<20),
		rclone:   "-", vsRclone: "-",
	}}
	return rows, nil
}

// cpSync runs `cp src dst` then `sync dst` and times each.
func (b *bench) cpSync(src, dst string) (cp, syn time.Duration, err error) {
	if cp, err = b.runCmd("cp", src, dst); err != nil {
		return 0, 0, err
	}
	if syn, err = b.runCmd("sync", dst); err != nil {
		return 0, 0, err
	}
	return cp, syn, nil
}

// caseListing: `ls -l assets/` of listCount assets on a fresh mount (cold),
// against fetching every page; again on the last mount within the listing
// TTL (right after its cold ls), against `ls -l` of a local directory with
// the same names and sizes; and the resident memory afterwards.
func (b *bench) caseListing() ([]row, error) {
	const ttl = 5 * time.Second // kreafs' default --dir-cache-ttl
	var pages, kre, rcl, warm, rwarm, ref []time.Duration
	var last *proc
	defer func() {
		if last != nil {
			last.stop()
		}
	}()
	withinTTL := true
	// ls -l of dir, n times at once (within the TTL of the cold one).
	again := func(dir string, out *[]time.Duration) error {
		for j := 0; j < b.cfg.runs; j++ {
			d, err := b.runCmd("ls", "-l", dir)
			if err != nil {
				return err
			}
			*out = append(*out, d)
		}
		return nil
	}
	for i := 0; i < b.cfg.runs; i++ {
		lastRun := i == b.cfg.runs-1
		_, d, err := b.listAllPages(b.list)
		if err != nil {
			return nil, err
		}
		pages = append(pages, d)
		// The reference: the same pages, then ls -l of the local
		// directory, one after the other (a mount that lists before it
		// answers readdir cannot do better).
		if _, rp, err := b.listAllPages(b.list); err != nil {
			return nil, err
		} else if rl, err := b.runCmd("ls", "-l", b.listDir+"/"); err != nil {
			return nil, err
		} else {
			ref = append(ref, rp+rl)
		}
		m, err := startKreafs(b.ctx, b.bin, b.list.URL(), b.list.Token(), filepath.Join(b.tmp, fmt.Sprintf("kreafs-list-%d", i)), b.pprofEnv(2))
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(m.mp, "assets") + "/"
		coldStart := time.Now()
		d, err = b.runCmd("ls", "-l", dir)
		if err == nil && lastRun {
			err = again(dir, &warm)
			withinTTL = time.Since(coldStart) < ttl
		}
		if lastRun && err == nil {
			last = m
		} else {
			m.stop()
		}
		if err != nil {
			return nil, err
		}
		kre = append(kre, d)
		if b.peer {
			r, err := startRclone(b.ctx, b.listURL, filepath.Join(b.tmp, fmt.Sprintf("rclone-list-%d", i)))
			if err != nil {
				return nil, err
			}
			d, err = b.runCmd("ls", "-l", r.mp+"/")
			if err == nil && lastRun {
				err = again(r.mp+"/", &rwarm)
			}
			r.stop()
			if err != nil {
				return nil, err
			}
			rcl = append(rcl, d)
		}
		b.progress("ls -l cold", i, pages, kre, rcl)
	}

	// The local baseline: the same names and sizes in a local directory,
	// warmed by one ls first.
	var local []time.Duration
	if _, err := b.runCmd("ls", "-l", b.listDir+"/"); err != nil {
		return nil, err
	}
	if err := again(b.listDir+"/", &local); err != nil {
		return nil, err
	}
	b.logf("ls -l within TTL: local %s, kreafs %s", measure.Ms(measure.Median(local)), measure.Ms(measure.Median(warm)))
	ents, err := os.ReadDir(filepath.Join(last.mp, "assets"))
	if err != nil {
		return nil, err
	}
	if len(ents) != b.cfg.listCount {
		return nil, fmt.Errorf("ls assets/ shows %d entries, want %d", len(ents), b.cfg.listCount)
	}
	rss, err := procStatus(last.pid(), "VmRSS")
	if err != nil {
		return nil, err
	}
	hwm, _ := procStatus(last.pid(), "VmHWM")

	n := b.cfg.listCount
	k, p := measure.Median(kre), measure.Median(pages)
	cold := row{
		name:     fmt.Sprintf("ls -l assets/, %d assets, cold (fresh mount)", n),
		kreafs:   measure.Ms(k),
		baseline: fmt.Sprintf("%s (%d pages of 1000)", measure.Ms(p), (n+999)/1000),
		ratio:    fmt.Sprintf("%.2f", k.Seconds()/p.Seconds()),
		floor:    "<= 1.5",
		holds:    measure.YesNo(k.Seconds() <= 1.5*p.Seconds()),
	}
	cold.rclone, cold.vsRclone = timeVs(k, rcl)
	coldRef := row{
		name:      "  reference: the same pages, then ls -l of a local directory with the same names",
		kreafs:    measure.Ms(measure.Median(ref)),
		baseline:  measure.Ms(p),
		ratio:     fmt.Sprintf("%.2f", measure.Median(ref).Seconds()/p.Seconds()),
		reference: true,
	}
	w, l := measure.Median(warm), measure.Median(local)
	within := row{
		name:     fmt.Sprintf("ls -l assets/, %d assets, within the listing TTL", n),
		kreafs:   measure.Ms(w),
		baseline: measure.Ms(l) + " (ls -l of a local directory)",
		ratio:    fmt.Sprintf("%.2f", w.Seconds()/l.Seconds()),
		floor:    "<= 100 ms",
		holds:    measure.YesNo(w <= 100*time.Millisecond),
	}
	within.rclone, within.vsRclone = timeVs(w, rwarm)
	if !withinTTL {
		within.holds = "n/a: runs outlasted the TTL"
	}
	mem := row{
		name:     fmt.Sprintf("kreafs resident memory (VmRSS) after listing %d assets", n),
		kreafs:   measure.MiBf(rss),
		baseline: "peak " + measure.MiBf(hwm),
		ratio:    "-",
		floor:    "<= 150 MiB",
		holds:    measure.YesNo(rss <= 150<<20),
		rclone:   "-", vsRclone: "-",
	}
	return []row{cold, coldRef, within, mem}, nil
}
