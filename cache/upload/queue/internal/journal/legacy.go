package journal

// Records of earlier versions of kreafs, read at Open and moved into the
// log (LoadRecords): journal/<id>.json (plain JSON, one file per item)
// and journal/<id>.0 and .1 (two slots per item, written in place in
// turn). A slot holds the record as compact JSON, padded with spaces,
// then "\n#" and the CRC-32 (IEEE) of everything before the "\n", as 8
// hex digits, and "\n"; the valid slot with the higher "seq" wins. A
// slot that does not check was torn; one of zeros or empty was never
// made durable. Leftover temp files of the earliest version's writes
// (".<id>.json.*.tmp") are removed.

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// loadLegacy reads the records of earlier versions in journal/: each
// item's newest, the files to remove once they are in the log, and the
// items none of whose files read (renamed to *.corrupt; id -> why).
// Blank items are removed at once.
func (l Layout) loadLegacy() (recs map[string]Record, files []string, bad map[string]string) {
	recs, bad = map[string]Record{}, map[string]string{}
	ents, err := os.ReadDir(l.Journal)
	if err != nil {
		return recs, nil, bad
	}
	byID := map[string][]string{}
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp") {
			os.Remove(filepath.Join(l.Journal, n))
			continue
		}
		id, suffix, _ := strings.Cut(n, ".")
		if ValidID(id) && (suffix == "0" || suffix == "1" || suffix == "json") {
			byID[id] = append(byID[id], suffix)
		}
	}
	for id, suffixes := range byID {
		r, slot, why := l.newest(id, suffixes)
		switch slot {
		case -2: // all blank
			for _, s := range suffixes {
				os.Remove(filepath.Join(l.Journal, id+"."+s))
			}
		case -1:
			for _, s := range suffixes {
				p := filepath.Join(l.Journal, id+"."+s)
				os.Rename(p, p+".corrupt")
			}
			bad[id] = why
		default:
			recs[id] = r
			for _, s := range suffixes {
				files = append(files, filepath.Join(l.Journal, id+"."+s))
			}
		}
	}
	return recs, files, bad
}

// readLegacy is item id's newest record in files of earlier versions.
func (l Layout) readLegacy(id string) (Record, error) {
	var suffixes []string
	for _, s := range []string{"0", "1", "json"} {
		if _, err := os.Stat(filepath.Join(l.Journal, id+"."+s)); err == nil {
			suffixes = append(suffixes, s)
		}
	}
	r, slot, why := l.newest(id, suffixes)
	switch slot {
	case -2:
		return r, os.ErrNotExist
	case -1:
		return r, errors.New(why)
	}
	return r, nil
}

// newest is the record of id with the highest sequence among its files
// (suffixes "0", "1", "json") and which one it is (0, 1; 2 for json).
// slot -1: none reads (why says why); -2: all are blank.
func (l Layout) newest(id string, suffixes []string) (r Record, slot int, why string) {
	slot = -2
	var whys []string
	for _, suffix := range suffixes {
		b, err := os.ReadFile(filepath.Join(l.Journal, id+"."+suffix))
		if err != nil {
			whys = append(whys, fmt.Sprintf("%s.%s: %v", id, suffix, err))
			slot = max(slot, -1)
			continue
		}
		if len(bytes.Trim(b, "\x00")) == 0 {
			continue // blank: written without an fsync, lost to a power cut
		}
		s := 2
		var c Record
		if suffix == "json" {
			c, err = DecodeRecord(b)
		} else {
			s = int(suffix[0] - '0')
			c, err = decodeSlot(b)
		}
		if err == nil && c.ID != id {
			err = fmt.Errorf("id %q does not match file name", c.ID)
		}
		if err != nil {
			whys = append(whys, fmt.Sprintf("%s.%s: %v", id, suffix, err))
			slot = max(slot, -1)
			continue
		}
		if slot < 0 || c.Seq > r.Seq {
			r, slot = c, s
		}
	}
	if slot < 0 {
		return r, slot, strings.Join(whys, "; ")
	}
	return r, slot, ""
}

// trailerLen is the length of "\n#xxxxxxxx\n".
const trailerLen = 11

var errTorn = errors.New("checksum does not match (a torn write)")

// decodeSlot checks a slot file's checksum and the record it holds.
func decodeSlot(b []byte) (Record, error) {
	n := len(b)
	if n < trailerLen || b[n-trailerLen] != '\n' || b[n-trailerLen+1] != '#' || b[n-1] != '\n' {
		return Record{}, errTorn
	}
	want, err := strconv.ParseUint(string(b[n-trailerLen+2:n-1]), 16, 32)
	body := b[:n-trailerLen]
	if err != nil || crc32.ChecksumIEEE(body) != uint32(want) {
		return Record{}, errTorn
	}
	return DecodeRecord(body)
}
