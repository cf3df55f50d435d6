package node

import (
	"os"
	"testing"
	"time"
)

func TestAThreadsProcessIsReadOnceASecond(t *testing.T) {
	reads := 0
	owner := uint32(100)
	c := tgidCache{read: func(uint32) uint32 { reads++; return owner }, ttl: time.Second}
	t0 := time.Now()
	if got := c.of(7, t0); got != 100 {
		t.Fatalf("first answer %d, want 100", got)
	}
	owner = 200 // not seen within the second
	if got := c.of(7, t0.Add(999*time.Millisecond)); got != 100 || reads != 1 {
		t.Fatalf("within the second: %d after %d reads, want 100 after 1", got, reads)
	}
	if got := c.of(7, t0.Add(time.Second)); got != 200 || reads != 2 {
		t.Fatalf("after the second: %d after %d reads, want 200 after 2", got, reads)
	}
	owner = 0 // the thread is gone: not kept
	c.of(8, t0)
	c.of(8, t0)
	if reads != 4 {
		t.Fatalf("unknown answers were kept: %d reads, want 4", reads)
	}
	for i := uint32(0); i < tgidCacheMax+10; i++ {
		c.m[1000+i] = tgidSeen{1, t0}
		if len(c.m) > tgidCacheMax {
			break
		}
	}
	owner = 5
	c.of(9, t0)
	if len(c.m) > tgidCacheMax {
		t.Fatalf("map grew to %d entries, bound %d", len(c.m), tgidCacheMax)
	}
}

func TestThreadGroupOfThisProcessIsItsPid(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	if got := threadGroup(uint32(os.Getpid())); got != uint32(os.Getpid()) {
		t.Fatalf("threadGroup(pid) = %d, want %d", got, os.Getpid())
	}
}
