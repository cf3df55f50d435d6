package emulator

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator/internal/media"

	"github.com/kreafs/kreafs/api/emulator/internal/seedmix"
)

// seed fills a fresh state: Options.SeedAssets assets, SeedJobs jobs and
// SeedStyles styles, deterministically (ids and content come from a fixed
// seed; timestamps count back from now). See doc.go for the exact mix.
func (s *Server) seed() error {
	o := s.opt
	if o.SeedAssets+o.SeedJobs+o.SeedStyles == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	id := func() string { return formatUUID(rng.Uint64(), rng.Uint64()) }
	base := s.now().Truncate(time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.seedAssetsLocked(o.SeedAssets, base, id); err != nil {
		return err
	}
	s.seedJobsLocked(o.SeedJobs, base, id)
	s.seedStylesLocked(o.SeedStyles, base, id)
	if s.st.LastAuto.Before(base) {
		s.st.LastAuto = base
	}
	for _, j := range s.st.Jobs {
		if j.CreatedAt.After(s.st.LastAuto) {
			s.st.LastAuto = j.CreatedAt
		}
	}
	return nil
}

// seedAssetsLocked: asset i (0 = newest) gets seedmix.AssetTimes(n)[i]; within a
// run of equal timestamps, lower i lists first. Nothing is written to disk:
// images are stamped templates, WAVs are computed, video and MP3 are
// embedded samples. 10,000 assets take well under a second.
func (s *Server) seedAssetsLocked(n int, base time.Time, id func() string) error {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = id()
	}
	times := seedmix.AssetTimes(n, base)
	// Oldest first, so that among equal timestamps the lower i gets the
	// higher seq and lists first.
	for i := n - 1; i >= 0; i-- {
		kind := seedmix.Kinds[i%len(seedmix.Kinds)]
		a := &assetRec{ID: ids[i], Seq: s.nextSeqLocked(), UploadedAt: times[i]}
		var (
			b    blob
			w, h int
		)
		switch kind {
		case "png", "jpeg":
			d := seedmix.Dims[i%len(seedmix.Dims)]
			w, h = d[0], d[1]
			jpg := kind == "jpeg"
			b = blob{Kind: blobStampPNG, W: w, H: h, Seed: uint64(i), Size: media.StampedSize(jpg, w, h)}
			a.MIME = "image/png"
			if jpg {
				b.Kind, a.MIME = blobStampJPEG, "image/jpeg"
			}
		case "glb":
			b, a.MIME = blob{Kind: blobGLB, Seed: uint64(i), Size: int64(len(media.GLB(uint64(i))))}, "model/gltf-binary"
		case "wav":
			wf := media.NewWAV(seedmix.WAVSizes[(i/len(seedmix.Kinds))%len(seedmix.WAVSizes)], uint64(i))
			b, a.MIME = blob{Kind: blobWAV, Size: wf.Size(), Seed: uint64(i)}, "audio/wav"
		default: // embedded samples
			name := "sample." + kind
			b = blob{Kind: blobEmbed, Name: name, Size: int64(len(sample(name)))}
			a.MIME = media.MIMEForExt(name)
			if kind != "mp3" {
				w, h = 64, 64
			}
		}
		if w > 0 {
			fw, fh := float64(w), float64(h)
			a.Width, a.Height = &fw, &fh
		}
		a.Size = b.Size
		a.Description = seedmix.Description(i, api.ExtForMIME(a.MIME))
		a.NullDesc = a.Description == "" && (i/5)%2 == 1
		a.Metadata = seedmix.Metadata[i%len(seedmix.Metadata)]
		switch {
		case i%13 == 7: // nothing but the URL says what it is
			a.Width, a.Height, a.HideSize, a.HideMIME = nil, nil, true, true
		case i%19 == 11:
			a.HideSize = true
		}
		a.Key = "a/" + a.ID + "." + api.ExtForMIME(a.MIME)
		b.ModTime = a.UploadedAt
		s.st.Files[a.Key] = &b
		s.addAssetLocked(a)
	}
	return nil
}

// seedJobsLocked: job i (0 = newest) ran i+1 minutes before base and took
// 5s; every tenth (i%10 == 0) is still running (created at base with the
// configured JobDuration), and i%10 == 5 failed. The rest completed with
// one result each (a 512x512 image, or the sample MP4 for video).
func (s *Server) seedJobsLocked(n int, base time.Time, id func() string) {
	for i := range n {
		p := seedmix.Paths[i%len(seedmix.Paths)]
		j := &jobRec{ID: id(), Seq: s.nextSeqLocked(), Path: p, Type: filepath.Base(p), Duration: 5 * time.Second}
		j.CreatedAt = base.Add(-time.Duration(i+1) * time.Minute)
		switch i % 10 {
		case 0:
			j.CreatedAt = base.Add(time.Duration(i) * time.Millisecond) // distinct, all "now"
			j.Duration = time.Duration(s.jobDuration.Load())
		case 5:
			j.Fail, j.Error = true, failureMessage
		}
		if !j.Fail {
			for k, pr := range planResults(p, map[string]any{"width": 512.0, "height": 512.0}) {
				key := fmt.Sprintf("r/%s/%d.%s", j.ID, k, pr.ext)
				b := pr.blob
				b.Seed, b.ModTime, b.NotBefore = uint64(i), j.end(), j.end()
				s.st.Files[key] = &b
				j.Results = append(j.Results, key)
			}
			if i%10 == 0 && j.Duration > 0 {
				s.addPreviewLocked(j, uint64(i))
			}
		}
		s.addJobLocked(j)
	}
}

// seedStylesLocked: n styles in the user's library (filter "all"):
// i%3 == 0 own private, 1 own public, 2 shared with the user by "Ada".
// Every seventh is titled "Duplicate style" and every eleventh (i%11 == 10)
// has no title. When n > 0 four more exist outside the library: two
// Krea-official public styles, one public community style by "Grace"
// (reachable by id and by filter krea/community/public), and one private
// style of "Linus" that the user cannot see at all.
func (s *Server) seedStylesLocked(n int, base time.Time, id func() string) {
	if n == 0 {
		return
	}
	add := func(i int, title *string, owner *ownerRec, public, shared bool, at time.Time) *styleRec {
		st := &styleRec{
			ID: id(), Seq: s.nextSeqLocked(), Title: title, Public: public, Shared: shared,
			Owner: owner, CreatedAt: at, Prompt: fmt.Sprintf("in the style of seed %d", i),
			Models: []string{"flux_dev"}, LikeCount: float64((i * 7) % 50), Liked: i%4 == 3,
		}
		s.addStyleImagesLocked(st, 2, at)
		s.addStyleLocked(st)
		return st
	}
	for i := range n {
		var title *string
		switch {
		case i%11 == 10:
		case i%7 == 6:
			t := "Duplicate style"
			title = &t
		default:
			t := fmt.Sprintf("Style %d", i)
			title = &t
		}
		at := base.Add(-time.Duration(i+1) * time.Hour)
		switch i % 3 {
		case 0:
			add(i, title, s.user(), false, false, at)
		case 1:
			add(i, title, s.user(), true, false, at)
		case 2:
			add(i, title, sharer, false, true, at)
		}
	}
	str := func(v string) *string { return &v }
	old := base.Add(-time.Duration(n+1) * time.Hour)
	add(n, str("Krea Film"), nil, true, false, old)
	add(n+1, str("Krea Watercolor"), nil, true, false, old.Add(-time.Minute))
	add(n+2, str("Community Neon"), community, true, false, old.Add(-2*time.Minute))
	add(n+3, str("Private Elsewhere"), stranger, false, false, old.Add(-3*time.Minute))
}
