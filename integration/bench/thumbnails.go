//go:build linux

package main

// The thumbnails case: what a file manager costs on the wire when it makes
// thumbnails of a folder of videos. Each thumbnail is ffmpeg seeking to 10%
// of the video and writing one scaled frame, as ffmpegthumbnailer does by
// default; ffmpeg reports how many bytes it read (its I/O statistics), and
// the emulator how many it sent.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
)

// videoSpec is the source video of the thumbnails case.
type videoSpec struct {
	seconds       int
	size          string // WxH
	videoKbps     int
	count         int // assets (each a cold read)
	thumbnailSize int // width of the thumbnail
}

func (b *bench) videoSpec() videoSpec {
	if b.cfg.smoke {
		return videoSpec{seconds: 2, size: "320x180", videoKbps: 400, count: 4, thumbnailSize: 128}
	}
	// About 8.9 MB each: a 30 s 720p clip, like the 11.7 MB video whose
	// thumbnail once cost its whole size.
	return videoSpec{seconds: 30, size: "1280x720", videoKbps: 2200, count: 50, thumbnailSize: 256}
}

// caseThumbnails makes a thumbnail of each of count cold videos in
// assets/, one after the other, and compares the bytes the emulator sent
// with the bytes ffmpeg read; then the same thumbnails of local copies, for
// the time.
func (b *bench) caseThumbnails() ([]row, error) {
	spec := b.videoSpec()
	name := fmt.Sprintf("thumbnails of %d videos (ffmpeg -ss 10%% -frames:v 1), bytes fetched", spec.count)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.note("ffmpeg is not installed (Debian: apt-get install ffmpeg): no thumbnails case.")
		return []row{{name: name, holds: "n/a: no ffmpeg"}}, nil
	}
	dir, err := os.MkdirTemp(b.tmp, "videos-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	b.logf("encoding the source videos")
	// Half the videos keep the index (moov) at the end, as cameras and
	// ffmpeg write them; half have it first (-movflags +faststart, as
	// web videos do).
	tail, front := filepath.Join(dir, "moov-at-end.mp4"), filepath.Join(dir, "faststart.mp4")
	if _, err := b.runCmd("ffmpeg", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%s:rate=25,noise=alls=12:allf=t", spec.size),
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", strconv.Itoa(spec.seconds), "-c:v", "libx264", "-preset", "ultrafast",
		"-b:v", fmt.Sprintf("%dk", spec.videoKbps), "-maxrate", fmt.Sprintf("%dk", spec.videoKbps*11/10),
		"-bufsize", fmt.Sprintf("%dk", spec.videoKbps*2), "-g", "25", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", tail); err != nil {
		return nil, err
	}
	if _, err := b.runCmd("ffmpeg", "-v", "error", "-y", "-i", tail, "-c", "copy", "-movflags", "+faststart", front); err != nil {
		return nil, err
	}
	var videos []asset
	var local []string
	var total int64
	for i := 0; i < spec.count; i++ {
		src := tail
		if i%2 == 1 {
			src = front
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		a, err := b.data.AddAsset(data, fmt.Sprintf("clip-%02d.mp4", i))
		if err != nil {
			return nil, err
		}
		videos = append(videos, asset{name: fmt.Sprintf("clip-%02d.mp4", i), url: a.ImageURL, size: int64(len(data))})
		local = append(local, src)
		total += int64(len(data))
	}
	ss := fmt.Sprintf("%.1f", float64(spec.seconds)/10)
	thumb := func(in, out string) (int64, time.Duration, error) {
		return thumbnail(b, in, out, ss, spec.thumbnailSize)
	}

	// The mount: new names are looked up once (a listing refresh), not
	// timed; then the thumbnails, one at a time.
	for _, v := range videos {
		if _, err := os.Stat(b.kpath(v)); err != nil {
			return nil, err
		}
	}
	fetchedBefore := b.settledFileBytes()
	var readByFFmpeg int64
	var kreTime time.Duration
	for i, v := range videos {
		n, d, err := thumb(b.kpath(v), filepath.Join(dir, fmt.Sprintf("k-%02d.png", i)))
		if err != nil {
			return nil, err
		}
		readByFFmpeg += n
		kreTime += d
	}
	fetched := b.settledFileBytes() - fetchedBefore
	b.logf("thumbnails: ffmpeg read %d bytes of %d, the file host sent %d", readByFFmpeg, total, fetched)

	// The same thumbnails of the local files (in the page cache: the
	// floor of what the program itself costs).
	var localTime time.Duration
	for i, p := range local {
		_, d, err := thumb(p, filepath.Join(dir, fmt.Sprintf("l-%02d.png", i)))
		if err != nil {
			return nil, err
		}
		localTime += d
	}
	// The kernel's own read-ahead on the mount and the rounding to
	// 128 KiB chunks alone make about 2.4 (docs/performance.md); 4 holds
	// with a margin, and whole-file downloads made 30 and more.
	ratio := float64(fetched) / float64(readByFFmpeg)
	const floor = 4.0
	return []row{{
		name:     name,
		kreafs:   fmt.Sprintf("%s fetched (%.1f%% of the %s of video)", measure.MiBf(fetched), 100*float64(fetched)/float64(total), measure.MiBf(total)),
		baseline: fmt.Sprintf("%s read by ffmpeg", measure.MiBf(readByFFmpeg)),
		ratio:    fmt.Sprintf("%.2f", ratio),
		floor:    fmt.Sprintf("<= %.1f", floor),
		holds:    measure.YesNo(ratio <= floor),
		rclone:   "-", vsRclone: "-",
	}, {
		name:      "  reference: the time of those thumbnails, against the same of local files (one pass)",
		kreafs:    measure.Ms(kreTime),
		baseline:  measure.Ms(localTime),
		ratio:     fmt.Sprintf("%.2f", kreTime.Seconds()/localTime.Seconds()),
		reference: true,
	}}, nil
}

// statsRe matches ffmpeg's I/O statistics of an input (-v verbose).
var statsRe = regexp.MustCompile(`Statistics: (\d+) bytes read`)

// thumbnail runs ffmpeg as a thumbnailer: seek to ss seconds, one frame,
// scaled to width px, written as PNG. It returns the bytes ffmpeg read
// from in and the wall time.
func thumbnail(b *bench, in, out, ss string, width int) (int64, time.Duration, error) {
	cmd := exec.CommandContext(b.ctx, "ffmpeg", "-nostdin", "-v", "verbose", "-y", "-ss", ss, "-i", in,
		"-frames:v", "1", "-vf", fmt.Sprintf("scale=%d:-2", width), out)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("ffmpeg thumbnail of %s: %v: %s", in, err, lastLines(stderr.String(), 3))
	}
	d := time.Since(start)
	var n int64
	for _, m := range statsRe.FindAllStringSubmatch(stderr.String(), -1) {
		k, _ := strconv.ParseInt(m[1], 10, 64)
		n += k
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("ffmpeg reported no bytes read for %s", in)
	}
	return n, d, nil
}

// settledFileBytes waits until the data emulator has sent nothing new for
// 500 ms (read-ahead finishing in the background), at most 30 s, and
// returns how many body bytes it has sent.
func (b *bench) settledFileBytes() int64 {
	last, since := b.data.FileBytes(), time.Now()
	deadline := time.Now().Add(30 * time.Second)
	for time.Since(since) < 500*time.Millisecond && time.Now().Before(deadline) && b.ctx.Err() == nil {
		measure.SleepCtx(b.ctx, 50*time.Millisecond)
		if n := b.data.FileBytes(); n != last {
			last, since = n, time.Now()
		}
	}
	return last
}
