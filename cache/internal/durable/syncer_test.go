package durable

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Callers that ask for an fsync while one runs share the next one, and
// each returns only after an fsync that began after its call.
func TestGroupSyncSharesOneFsyncAmongCallersAtTheSameTime(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var starts []time.Time
	slow := Syncer(func(f *os.File) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return f.Sync()
	})
	g := NewGroupSync(t.TempDir(), slow)
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("two calls one after the other made %d fsyncs, want 2", n)
	}
	calls.Store(0)
	var wg sync.WaitGroup
	late := make([]time.Duration, 10)
	for i := range late {
		wg.Add(1)
		go func() {
			defer wg.Done()
			asked := time.Now()
			if err := g.Sync(); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			// the last fsync that began before this call returned
			var last time.Time
			for _, s := range starts {
				if !s.After(time.Now()) {
					last = s
				}
			}
			late[i] = last.Sub(asked)
		}()
	}
	wg.Wait()
	if n := calls.Load(); n < 1 || n > 5 {
		t.Fatalf("10 callers at the same time made %d fsyncs, want 1 to 5 (each caller alone: 10)", n)
	}
	for i, d := range late {
		if d < 0 {
			t.Fatalf("caller %d returned with no fsync begun after its call (last began %v before)", i, -d)
		}
	}
}
