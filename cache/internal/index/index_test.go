package index

import (
	"fmt"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// An index written by Encode decodes to what was written; any damage to
// its header, checksum or JSON is refused whole.
func TestAnIndexDecodesAsWrittenAndDamageIsRefused(t *testing.T) {
	f := &File{Next: 8, Objects: []Entry{{Key: "asset/a", File: FileName("asset/a", 7), Size: 100, Ranges: [][2]int64{{0, 50}}}},
		Sizes: []Size{{Key: "asset/b", Size: 12}}}
	data, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), fmt.Sprintf("kreafs-cache-index 1 %08x\n", crc32.ChecksumIEEE(data[strings.IndexByte(string(data), '\n')+1:]))) {
		t.Fatalf("header of %q", data)
	}
	got, err := Decode(data)
	if err != nil || !reflect.DeepEqual(got, f) {
		t.Fatalf("Decode(Encode(f)) = %+v, %v; want %+v", got, err, f)
	}
	head, body, _ := strings.Cut(string(data), "\n")
	for name, bad := range map[string]string{
		"no header":      body,
		"other magic":    strings.Replace(head, "kreafs-cache-index", "other-index", 1) + "\n" + body,
		"other version":  strings.Replace(head, " 1 ", " 2 ", 1) + "\n" + body,
		"bad checksum":   head + "\n" + strings.Replace(body, "100", "900", 1),
		"truncated JSON": fmt.Sprintf("kreafs-cache-index 1 %08x\n%s", crc32.ChecksumIEEE([]byte(body[:20])), body[:20]),
		"empty":          "",
	} {
		if got, err := Decode([]byte(bad)); err == nil {
			t.Errorf("%s: decoded %+v", name, got)
		}
	}
}

// An entry is used only when its data file is its key's (never another
// key's, never outside objects/) and its size and ranges make sense.
func TestAnEntryIsCheckedOnItsOwn(t *testing.T) {
	h := KeyHash("asset/a")
	good := Entry{Key: "asset/a", File: FileName("asset/a", 3), Size: 100, Ranges: [][2]int64{{0, 10}, {20, 100}}}
	if inc, err := good.Incarnation(); err != nil || inc != 3 {
		t.Fatalf("Incarnation of %s = %d, %v", good.File, inc, err)
	}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"../../etc/passwd", FileName("asset/b", 3), "objects/00/" + h + "-3", "objects/" + h[:2] + "/" + h, "/" + FileName("asset/a", 3)} {
		e := good
		e.File = file
		if _, err := e.Incarnation(); err == nil {
			t.Errorf("data file %q accepted for asset/a", file)
		}
	}
	for _, bad := range []Entry{
		{Size: -2},
		{Size: MaxOffset},
		{Size: 100, Ranges: [][2]int64{{-1, 10}}},
		{Size: 100, Ranges: [][2]int64{{10, 10}}},
		{Size: 100, Ranges: [][2]int64{{20, 30}, {0, 10}}},
		{Size: 100, Ranges: [][2]int64{{0, 10}, {10, 20}}}, // touching: not normalised
		{Size: 100, Ranges: [][2]int64{{0, 101}}},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("entry of size %d, ranges %v accepted", bad.Size, bad.Ranges)
		}
	}
	if err := (Entry{Size: -1, Ranges: [][2]int64{{0, 1 << 40}}}).Check(); err != nil {
		t.Errorf("ranges of an object of unknown size refused: %v", err)
	}
	for _, s := range []Size{{Key: "", Size: 1}, {Key: "k", Size: -1}, {Key: "k", Size: MaxOffset}} {
		if s.Valid() {
			t.Errorf("known size %+v accepted", s)
		}
	}
	if !(Size{Key: "k"}).Valid() {
		t.Error("a known size of 0 refused")
	}
}

// FuzzDecode: whatever the index file holds, Decode does not panic, and
// what decodes writes back to what it decodes from again; an entry that passes the checks
// names its key's data file and ranges that are sorted, disjoint and within
// its size. (FuzzIndexLoad in cache checks the entries against data files.)
func FuzzDecode(f *testing.F) {
	file := FileName("asset/a", 1)
	f.Add([]byte(fmt.Sprintf(`{"next":2,"objects":[{"key":"asset/a","file":%q,"size":100,"ranges":[[0,50]]}],"sizes":[{"key":"b","size":3}]}`, file)), true)
	f.Add([]byte(`{"objects":[{"key":"asset/a","file":"../x","size":-1,"ranges":[[5,3],[0,20]]}],"sizes":{"key":"b"}}`), true)
	f.Add([]byte("kreafs-cache-index 1 00000000\n{}"), false)
	f.Add([]byte("garbage"), false)
	f.Fuzz(func(t *testing.T, body []byte, headed bool) {
		data := body
		if headed {
			data = append([]byte(fmt.Sprintf("kreafs-cache-index 1 %08x\n", crc32.ChecksumIEEE(body))), body...)
		}
		idx, err := Decode(data)
		if err != nil {
			return
		}
		for _, e := range idx.Objects {
			inc, err := e.Incarnation()
			if err != nil || e.Check() != nil {
				continue
			}
			if FileName(e.Key, inc) != e.File {
				t.Fatalf("entry of %q accepted with data file %q", e.Key, e.File)
			}
			for i, r := range e.Ranges {
				if r[0] < 0 || r[1] <= r[0] || (i > 0 && r[0] <= e.Ranges[i-1][1]) || (e.Size >= 0 && r[1] > e.Size) {
					t.Fatalf("entry accepted with ranges %v, size %d", e.Ranges, e.Size)
				}
			}
		}
		again, err := Encode(idx)
		if err != nil {
			t.Fatal(err)
		}
		idx2, err := Decode(again)
		if err != nil {
			t.Fatalf("written back, it does not decode: %v", err)
		}
		if third, err := Encode(idx2); err != nil || string(third) != string(again) {
			t.Fatalf("written back twice: %q, %v; once: %q", third, err, again)
		}
	})
}
