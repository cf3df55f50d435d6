// Package dedupe is the pure part of the upload queue's exactly-once
// check (package queue, "Exactly once"): given the account's assets, which
// one, if any, an interrupted upload attempt created. Krea's API has no
// idempotency key, so the match is by name (the description, or the file
// name in the hosted URL), size and time. No I/O, no locks.
package dedupe

import (
	"net/url"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api"
)

// Attempt is what an upload attempt sent: the name, the size, and when it
// started (the local clock, before the request).
type Attempt struct {
	Name    string
	Size    int64
	Started time.Time
}

// Match returns the asset that an interrupted attempt created,
// or nil. Krea may not echo the description, so an asset's name is
// evidence only where the answer carries one:
//
//   - its description is the attempt's name, or its hosted URL carries
//     the attempt's file name (HostedName): named, ours if the rest fits;
//   - it carries another name (a description or a hosted file name that
//     differ): not ours;
//   - it carries none: ours only if its size_bytes is known and equal.
//
// The rest that must fit: its size is the attempt's size (or the API did
// not say, for a named asset), it was uploaded no earlier than skew
// before the attempt started, and it is not in exclude (assets already
// accounted for: uploaded or matched by this queue, or replaced by the
// item). A named asset beats an unnamed one; among equals, the earliest
// at or after the start wins. named says which kind the match is.
func Match(assets []api.Asset, in Attempt, exclude map[string]bool, skew time.Duration) (match *api.Asset, named bool) {
	notBefore := in.Started.Add(-skew)
	var best *api.Asset
	bestNamed := false
	for i := range assets {
		a := &assets[i]
		if exclude[a.ID] || a.UploadedAt.Before(notBefore) {
			continue
		}
		named, possible := nameEvidence(a, in.Name)
		if !possible {
			continue
		}
		s := a.Size()
		if s >= 0 && s != in.Size || s < 0 && !named {
			continue
		}
		if best == nil || named && !bestNamed || named == bestNamed && closer(a.UploadedAt, best.UploadedAt, in.Started) {
			best, bestNamed = a, named
		}
	}
	if best == nil {
		return nil, false
	}
	c := *best
	return &c, bestNamed
}

// nameEvidence says what asset a's answer tells about whether it was
// uploaded under name: named when its description is name or its hosted
// URL carries name's file name; not possible when it carries another
// name; possible but not named when it carries none.
func nameEvidence(a *api.Asset, name string) (named, possible bool) {
	if a.Description == name {
		return true, true
	}
	if h := HostedName(a.ImageURL); h != "" {
		return h == name || h == sentName(name), h == name || h == sentName(name)
	}
	return false, a.Description == ""
}

// sentName is the file name the API client sends for name: its last
// path element (the client cuts at a slash or a backslash).
func sentName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// HostedName is the original file name in a hosted URL of the shape
// Krea's examples show, ".../<uuid>/<unix ms>-<name>" (the name
// path-escaped; query and fragment ignored), unescaped; "" for any other
// shape. The name is as the server has it: callers check it is usable.
func HostedName(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	i := strings.LastIndexByte(u, '/')
	if i < 0 {
		return ""
	}
	dir, last := u[:i], u[i+1:]
	if !isUUID(dir[strings.LastIndexByte(dir, '/')+1:]) {
		return ""
	}
	dash := strings.IndexByte(last, '-')
	if dash < 1 || dash > 16 {
		return ""
	}
	for j := 0; j < dash; j++ {
		if last[j] < '0' || last[j] > '9' {
			return ""
		}
	}
	name, err := url.PathUnescape(last[dash+1:])
	if err != nil {
		return ""
	}
	return name
}

// isUUID reports the 8-4-4-4-12 hex digit form (any case).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// closer reports whether a is a better guess than b for an upload that
// started at t: anything at/after t beats anything before it; among those
// at/after t the earlier wins; among those before t the later wins.
func closer(a, b, t time.Time) bool {
	aa, ba := !a.Before(t), !b.Before(t)
	switch {
	case aa != ba:
		return aa
	case aa:
		return a.Before(b)
	default:
		return a.After(b)
	}
}
