package upload

import "testing"

func TestFlushRange(t *testing.T) {
	const step = spoolFlushStep
	const mib = 1 << 20
	for _, tc := range []struct {
		name               string
		off, n, from, size int64
	}{
		{"inside the first step", 0, mib, 0, 0},
		{"completes the first step", step - mib, mib, 0, step},
		{"ends exactly at a boundary from its start", 0, step, 0, step},
		{"completes the second step", 2*step - 100, 100, step, step},
		{"crosses a boundary: the step it began in", step - 10, 20, 0, step},
		{"spans several steps", 10, 3*step + 5, 0, 3 * step},
		{"starts at a boundary, inside the step", step, mib, 0, 0},
		{"nothing written", step - 1, 0, 0, 0},
		{"rewrite inside an old step", 100, 200, 0, 0},
	} {
		from, size := flushRange(tc.off, tc.n)
		if from != tc.from || size != tc.size {
			t.Errorf("%s: flushRange(%d, %d) = %d, %d; want %d, %d", tc.name, tc.off, tc.n, from, size, tc.from, tc.size)
		}
	}
}
