//go:build linux

package cache

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestAllocAheadAllocatesAStepAtATimeWithinTheEnd(t *testing.T) {
	s := testStore(t, t.TempDir(), nil, nil)
	f, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const mib = 1 << 20
	for _, tc := range []struct {
		name             string
		w, n, end, alloc int64
		want             int64
	}{
		{"first write allocates its step", 0, 256 << 10, 3 * mib, 0, mib},
		{"within what is allocated: nothing to do", 512 << 10, 256 << 10, 3 * mib, mib, mib},
		{"crossing into the next step", mib - 100, 200, 3 * mib, mib, 2 * mib},
		{"never past the end", 2*mib + 10, 100, 2*mib + 500, 2 * mib, 2*mib + 500},
		{"a write past the end still gets its bytes", 2*mib + 10, 1000, 2*mib + 500, 2 * mib, 2*mib + 1010},
		{"turned off stays off", 0, 100, mib, -1, -1},
	} {
		if got := s.allocAhead(f, tc.w, tc.n, tc.end, tc.alloc); got != tc.want {
			if got == -1 && tc.want != -1 {
				t.Skipf("fallocate not supported here: %s", tc.name)
			}
			t.Errorf("%s: allocAhead(w %d, n %d, end %d, alloc %d) = %d, want %d", tc.name, tc.w, tc.n, tc.end, tc.alloc, got, tc.want)
		}
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 0 {
		t.Errorf("preallocation changed the file size to %d", st.Size())
	}
	if blocks := st.Sys().(*syscall.Stat_t).Blocks * 512; blocks < 2*mib {
		t.Errorf("%d bytes allocated, want at least 2 MiB", blocks)
	}
}
