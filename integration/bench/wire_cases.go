//go:build linux

package main

// The wire group's reads, listing and upload: the cases of the loopback
// group under a network path, with the floors of what users get.

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
)

// wireRow is a row of the wire table comparing times (lower is better).
func wireTimeRow(name string, k, base time.Duration, baseName string, limit float64) row {
	ratio := k.Seconds() / base.Seconds()
	return row{name: name, kreafs: measure.Ms(k), baseline: measure.Ms(base) + " (" + baseName + ")",
		ratio: fmt.Sprintf("%.2f", ratio), floor: fmt.Sprintf("<= %.2f", limit), holds: measure.YesNo(ratio <= limit)}
}

// caseColdRead: a cold read of a big asset against one GET of it.
func (wb *wireBench) caseColdRead() ([]row, error) {
	var get, kre []time.Duration
	for i, a := range wb.assets[wb.prof.Name].cold {
		var n int64
		var d time.Duration
		err := wb.wireNote("one GET", func() (err error) { n, d, err = wb.get(a.url); return err })
		if err != nil {
			return nil, err
		}
		if n != a.size {
			return nil, fmt.Errorf("GET %s: %d bytes, want %d", a.url, n, a.size)
		}
		get = append(get, d)
		err = wb.wireNote("cold read", func() (err error) { d, err = measure.ReadChecked(wb.kpath(a), a.size); return err })
		if err != nil {
			return nil, err
		}
		kre = append(kre, d)
		wb.progress(wb.prof.Name+" cold read", i, wb.w.runs, get, kre)
	}
	r := throughputRow(fmt.Sprintf("cold read, %s", measure.MiB(wb.w.big)), wb.w.big, 1, get, kre, nil, 0.97, "one GET")
	r.floor = ">= 0.97"
	return []row{r}, nil
}

// caseParallelRead: cold reads of different assets at once against as
// many concurrent GETs.
func (wb *wireBench) caseParallelRead() ([]row, error) {
	var get, kre []time.Duration
	for i, set := range wb.assets[wb.prof.Name].par {
		var g, k time.Duration
		err := wb.wireNote("concurrent GETs", func() (err error) { g, err = wb.getSet(set); return err })
		if err != nil {
			return nil, err
		}
		err = wb.wireNote("concurrent cold reads", func() (err error) { k, err = readSet(set, wb.kpath); return err })
		if err != nil {
			return nil, err
		}
		get, kre = append(get, g), append(kre, k)
		wb.progress(wb.prof.Name+" parallel read", i, wb.w.runs, get, kre)
	}
	r := throughputRow(fmt.Sprintf("%d concurrent cold reads of %s", wb.w.parallel, measure.MiB(wb.w.mid)), wb.w.mid, wb.w.parallel,
		get, kre, nil, 0.95, fmt.Sprintf("%d concurrent GETs", wb.w.parallel))
	r.floor = ">= 0.95"
	return []row{r}, nil
}

// caseFirstBytes: open and the first 4 KiB of a cold asset against a
// GET's time to its first body byte.
func (wb *wireBench) caseFirstBytes() ([]row, error) {
	var get, kre []time.Duration
	for i, a := range wb.assets[wb.prof.Name].ttfb {
		g, k, err := wb.firstBytesPair(a, wb.kpath(a))
		if err != nil {
			return nil, err
		}
		get, kre = append(get, g), append(kre, k)
		wb.progress(wb.prof.Name+" first 4 KiB", i, wb.w.runs, get, kre)
		measure.SleepCtx(wb.ctx, time.Second) // the read-ahead winds down
	}
	k, g := measure.Median(kre), measure.Median(get)
	limit := g + 5*time.Millisecond
	return []row{{
		name:     "time to first 4 KiB of a cold asset",
		kreafs:   measure.Ms(k),
		baseline: measure.Ms(g) + " (GET, first byte)",
		ratio:    fmt.Sprintf("%.2f", k.Seconds()/g.Seconds()),
		floor:    fmt.Sprintf("<= GET + 5 ms (%s)", measure.Ms(limit)),
		holds:    measure.YesNo(k <= limit),
	}}, nil
}

// caseListing: `ls -l assets/` of the listing account on a fresh mount
// against fetching its pages; under it, as reference, the same pages then
// `ls -l` of a local directory with the same names (what a program that
// fetched the pages and then listed them locally would take: `ls -l` of
// 10,000 entries is not free).
func (wb *wireBench) caseListing() ([]row, error) {
	var pages, kre, ref []time.Duration
	local := filepath.Join(wb.tmp, "wire-list-local-"+wb.prof.Name)
	for i := 0; i < wb.w.runs; i++ {
		_, d, err := wb.listAllPages(wb.list)
		if err != nil {
			return nil, err
		}
		pages = append(pages, d)
		m, err := startKreafs(wb.ctx, wb.bin, wb.list.URL(), wb.list.Token(),
			filepath.Join(wb.tmp, fmt.Sprintf("kreafs-wire-list-%s-%d", wb.prof.Name, i)), nil)
		if err != nil {
			return nil, err
		}
		var dk time.Duration
		err = wb.requestsNote(wb.list, "ls -l", func() error {
			dk, err = wb.runCmd("ls", "-l", filepath.Join(m.mp, "assets")+"/")
			return err
		})
		if err == nil && i == 0 {
			err = localCopyOfNames(filepath.Join(m.mp, "assets"), local)
		}
		m.stop()
		if err != nil {
			return nil, err
		}
		kre = append(kre, dk)
		dl, err := wb.runCmd("ls", "-l", local+"/")
		if err != nil {
			return nil, err
		}
		ref = append(ref, d+dl)
		wb.progress(fmt.Sprintf("%s ls -l cold (reference: pages, then a local ls -l %s)", wb.prof.Name, measure.Ms(dl)), i, wb.w.runs, pages, kre)
	}
	n := wb.w.list
	p := measure.Median(pages)
	return []row{
		wireTimeRow(fmt.Sprintf("ls -l assets/, %d assets, cold", n), measure.Median(kre), p,
			fmt.Sprintf("%d pages of 1000", (n+999)/1000), 1.2),
		{
			name:      "  reference: the same pages, then ls -l of a local directory with the same names and sizes",
			kreafs:    measure.Ms(measure.Median(ref)),
			baseline:  measure.Ms(p),
			ratio:     fmt.Sprintf("%.2f", measure.Median(ref).Seconds()/p.Seconds()),
			reference: true,
		},
	}, nil
}

// localCopyOfNames makes dir (if missing) hold an empty, sparse file of
// the same name and size for each entry of from.
func localCopyOfNames(from, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(dir, e.Name()))
		if err == nil {
			err = f.Truncate(fi.Size())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// caseUpload: `cp` of a big file into assets/ and `sync FILE` against one
// multipart POST of it from the benchmark's process; under it, as
// reference, the same POST by curl (a program started for it, as cp and
// sync are).
func (wb *wireBench) caseUpload() ([]row, error) {
	var post, curl, kre, cp, syn []time.Duration
	for i := 0; i < wb.w.runs; i++ {
		syscall.Sync()
		d, err := wb.post(wb.data, wb.bigFile, fmt.Sprintf("wire-post-%s-%d.wav", wb.prof.Name, i))
		if err != nil {
			return nil, err
		}
		post = append(post, d)
		syscall.Sync()
		name := fmt.Sprintf("wire-curl-%s-%d.wav", wb.prof.Name, i)
		d, err = wb.curl(filepath.Join(wb.tmp, name+".curlrc"), "audio/wav", []curlFile{{wb.bigFile, name}}, 1)
		if err != nil {
			return nil, err
		}
		curl = append(curl, d)
		syscall.Sync()
		before := wb.data.UploadCount()
		dst := filepath.Join(wb.mount.mp, "assets", fmt.Sprintf("wire-upload-%s-%d.wav", wb.prof.Name, i))
		dc, ds, err := wb.cpSync(wb.bigFile, dst)
		if err != nil {
			return nil, err
		}
		if got := wb.data.UploadCount(); got != before+1 {
			return nil, fmt.Errorf("after cp and sync FILE the emulator counted %d uploads, want 1", got-before)
		}
		cp, syn, kre = append(cp, dc), append(syn, ds), append(kre, dc+ds)
		wb.progress(fmt.Sprintf("%s upload (cp %s, sync %s; curl %s)", wb.prof.Name, measure.Ms(dc), measure.Ms(ds), measure.Ms(curl[i])), i, wb.w.runs, post, kre)
	}
	p := measure.Median(post)
	r := wireTimeRow(fmt.Sprintf("cp of a %s file, then sync FILE", measure.MiB(wb.w.big)), measure.Median(kre), p, "one POST", 1.05)
	r.kreafs = fmt.Sprintf("%s (cp %s + sync %s)", measure.Ms(measure.Median(kre)), measure.Ms(measure.Median(cp)), measure.Ms(measure.Median(syn)))
	return []row{r, {
		name:      "  reference: the same POST by curl, a program started for it (as cp and sync are)",
		kreafs:    measure.Ms(measure.Median(curl)),
		baseline:  measure.Ms(p),
		ratio:     fmt.Sprintf("%.2f", measure.Median(curl).Seconds()/p.Seconds()),
		reference: true,
	}}, nil
}
