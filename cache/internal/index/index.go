// Package index is the format of the content cache's index file
// (Dir/index.json): what it holds, how it is encoded and checked, and the
// names of the data files it refers to. It reads and writes no file and
// keeps no state, so it has no lock: the cache's Store builds a File
// under its own lock, writes it with durable.WriteFile, and checks each
// entry against its data file when it loads (cache/doc.go, "On-disk layout
// and crash safety").
//
// The file is a header line "kreafs-cache-index 1 <crc32 of the rest, 8
// hex digits>" and then JSON (File). Any damage to the header, the
// checksum or the JSON makes Decode fail: the caller discards the whole
// index. An entry that decodes is still not trusted: Entry.Check and
// Size.Valid say whether it can be used on its own (a data file name that
// is its key's, so it cannot name another key's file or one outside
// objects/; sizes in range; present ranges sorted, disjoint and within the
// size); whether its data file backs it and whether its key was listed
// before are the caller's checks.
package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"regexp"
	"strconv"
	"strings"

	"github.com/kreafs/kreafs/cache/internal/ranges"
)

const (
	// Name is the index file's name in the cache directory.
	Name = "index.json"
	// ObjectsDir is the directory of the data files, relative to the
	// cache directory.
	ObjectsDir = "objects"
	// MaxOffset is above every size and offset an index may hold.
	MaxOffset = ranges.MaxOffset

	version = 1
	magic   = "kreafs-cache-index"
)

// File is the persisted index. Sizes is optional: an index without it (or
// a reader that ignores it) loses only the known sizes, so it needs no new
// version.
type File struct {
	Next    uint64  `json:"next"`            // next data file incarnation
	Objects []Entry `json:"objects"`         // least recently used first
	Sizes   []Size  `json:"sizes,omitempty"` // known sizes of keys with no bytes cached, least recently used first
}

// Size is a size the server reported for a key the index lists no bytes
// of: no data file.
type Size struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

// Entry is an object with bytes cached (or known to be empty).
type Entry struct {
	Key    string     `json:"key"`
	File   string     `json:"file"`   // relative to the cache directory, e.g. objects/ab/<sha256(key)>-7
	Size   int64      `json:"size"`   // -1 when the server has not told us
	Ranges [][2]int64 `json:"ranges"` // present [start, end) ranges, sorted, disjoint
}

var fileRe = regexp.MustCompile(`^objects/([0-9a-f]{2})/([0-9a-f]{64})-([0-9]{1,19})$`)

// FileName names key's data file of incarnation inc:
// objects/<h[:2]>/<h>-<inc>, h = hex sha256(key). The caller gives each new
// data file a fresh inc, so that an object replaced or evicted while a
// reader still holds its file never shares a name with its successor.
func FileName(key string, inc uint64) string {
	h := KeyHash(key)
	return ObjectsDir + "/" + h[:2] + "/" + h + "-" + strconv.FormatUint(inc, 10)
}

// KeyHash is the hex sha256 of key, which names its data files.
func KeyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Incarnation checks that e.File is a data file name of e.Key (FileName)
// and returns its incarnation number.
func (e Entry) Incarnation() (uint64, error) {
	m := fileRe.FindStringSubmatch(e.File)
	if m == nil || m[2] != KeyHash(e.Key) || m[1] != m[2][:2] {
		return 0, errors.New("bad data file name")
	}
	return strconv.ParseUint(m[3], 10, 64)
}

// Check checks e's size and ranges: the size is -1 or in [0, MaxOffset),
// each range is non-empty and starts at or after 0 and past the end of the
// one before, and, when the size is known, the last ends within it.
func (e Entry) Check() error {
	if e.Size < -1 || e.Size >= MaxOffset {
		return fmt.Errorf("bad size %d", e.Size)
	}
	for i, r := range e.Ranges {
		if r[0] < 0 || r[1] <= r[0] || (i > 0 && r[0] <= e.Ranges[i-1][1]) {
			return errors.New("bad ranges")
		}
	}
	if n := len(e.Ranges); e.Size >= 0 && n > 0 && e.Ranges[n-1][1] > e.Size {
		return errors.New("bad ranges")
	}
	return nil
}

// Valid says whether s is a size of a key: a key that is not empty, a size
// in [0, MaxOffset).
func (s Size) Valid() bool { return s.Key != "" && s.Size >= 0 && s.Size < MaxOffset }

// Encode is the index file holding f.
func Encode(f *File) ([]byte, error) {
	body, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append([]byte(header(body)), body...), nil
}

// header is the first line of the index file for the JSON body.
func header(body []byte) string {
	return fmt.Sprintf("%s %d %08x\n", magic, version, crc32.ChecksumIEEE(body))
}

// Decode parses and checks an index file. Any damage (bad header,
// checksum mismatch, invalid JSON) is an error: the caller starts empty.
// The entries are not checked (Entry.Check, Size.Valid).
func Decode(data []byte) (*File, error) {
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, errors.New("no header")
	}
	f := strings.Fields(string(head))
	if len(f) != 3 || f[0] != magic {
		return nil, errors.New("bad header")
	}
	if f[1] != strconv.Itoa(version) {
		return nil, fmt.Errorf("unsupported version %q", f[1])
	}
	sum, err := strconv.ParseUint(f[2], 16, 32)
	if err != nil || uint32(sum) != crc32.ChecksumIEEE(body) {
		return nil, errors.New("checksum mismatch")
	}
	var idx File
	if err := json.Unmarshal(body, &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}
