package cache

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/kreafs/kreafs/cache/internal/index"
)

// FuzzIndexLoad: whatever index.json holds (a crash, a full disk, another
// version, a human), Open never fails or panics because of it, and keeps
// only entries whose data files back every byte they claim: usage never
// exceeds what the data files hold. Known sizes (size-only entries, no
// data file) are kept only when they are sizes, within the count bound,
// and never make a reader of them claim bytes it has not got. The JSON
// body gets a valid header, so the fuzzer reaches the entry checks rather
// than stopping at the checksum; raw (unheaded) inputs exercise
// the header checks (index.Decode).
func FuzzIndexLoad(f *testing.F) {
	key := "asset/a"
	h := index.KeyHash(key)
	file := "objects/" + h[:2] + "/" + h + "-1"
	f.Add([]byte(fmt.Sprintf(`{"next":2,"objects":[{"key":%q,"file":%q,"size":100,"ranges":[[0,50]]}]}`, key, file)), true)
	f.Add([]byte(fmt.Sprintf(`{"next":2,"objects":[{"key":%q,"file":%q,"size":-1,"ranges":[[0,5000]]}]}`, key, file)), true)
	f.Add([]byte(fmt.Sprintf(`{"next":1,"objects":[{"key":%q,"file":"../../etc/passwd","size":1,"ranges":[[0,1]]}]}`, key)), true)
	f.Add([]byte(fmt.Sprintf(`{"objects":[{"key":%q,"file":%q,"size":10,"ranges":[[5,3],[0,20]]},{"key":%q,"file":%q}]}`, key, file, key, file)), true)
	f.Add([]byte(fmt.Sprintf(`{"next":2,"objects":[],"sizes":[{"key":"asset/b","size":300000},{"key":%q,"size":7}]}`, key)), true)
	f.Add([]byte(fmt.Sprintf(`{"objects":[{"key":%q,"file":%q,"size":64,"ranges":[[0,64]]}],"sizes":[{"key":%q,"size":99},{"key":"","size":1},{"key":"asset/b","size":-5},{"key":"asset/b","size":4611686018427387904},{"key":"asset/b"},{"key":"asset/b","size":3}]}`, key, file, key)), true)
	f.Add([]byte(`{"sizes":{"key":"asset/b"}}`), true)
	f.Add([]byte(`{"sizes":[{"key":"asset/b","size":"12"},null,7]}`), true)
	f.Add([]byte("kreafs-cache-index 1 00000000\n{}"), false)
	f.Add([]byte("garbage"), false)
	f.Fuzz(func(t *testing.T, body []byte, headed bool) {
		dir := t.TempDir()
		data := body
		if headed {
			data = append([]byte(fmt.Sprintf("kreafs-cache-index 1 %08x\n", crc32.ChecksumIEEE(body))), body...)
		}
		if err := os.WriteFile(filepath.Join(dir, index.Name), data, filePerm); err != nil {
			t.Fatal(err)
		}
		// One real data file of 64 bytes, which entries may claim.
		if err := os.MkdirAll(filepath.Join(dir, index.ObjectsDir, h[:2]), dirPerm); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(file)), make([]byte, 64), filePerm); err != nil {
			t.Fatal(err)
		}
		s, err := Open(Options{Dir: dir, MaxBytes: 1 << 20, Log: quietLog()})
		if err != nil {
			t.Fatalf("Open with a damaged index: %v", err)
		}
		defer s.Close()
		if u := s.Usage(); u < 0 || u > 64 {
			t.Fatalf("usage %d after loading an index over one 64-byte data file", u)
		}
		if n := s.sizes.Len(); n > maxKnownSizes {
			t.Fatalf("%d known sizes; the bound is %d", n, maxKnownSizes)
		}
		// What the store says it has is readable from the data file, and
		// a known size alone reads nothing.
		for _, k := range []string{key, "asset/b"} {
			n, complete := s.Has(k)
			if n < -1 || n >= maxOffset {
				t.Fatalf("Has(%s): size %d", k, n)
			}
			if n < 0 {
				continue
			}
			r := s.Open(Source{Key: k, Size: n})
			if r.Size() != n {
				t.Fatalf("Has(%s) says %d bytes, a reader %d", k, n, r.Size())
			}
			// No fetcher: missing bytes are an error, never a panic.
			got, err := r.ReadAt(context.Background(), make([]byte, 64), 0)
			if k != key && n > 0 && (err == nil || got > 0 || complete) {
				t.Fatalf("reading %s, known only by its size (%d), gave %d bytes, %v (complete %v)", k, n, got, err, complete)
			}
			r.Close()
		}
		// What the store writes back loads again the same.
		has := func(s *Store) [2]int64 {
			a, _ := s.Has(key)
			b, _ := s.Has("asset/b")
			return [2]int64{a, b}
		}
		want := has(s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(Options{Dir: dir, MaxBytes: 1 << 20, Log: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if got := has(s2); got != want {
			t.Fatalf("sizes after writing back and reopening: %v; before %v", got, want)
		}
	})
}
