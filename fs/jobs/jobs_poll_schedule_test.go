package jobs

import (
	"testing"
	"time"
)

func TestPollScheduleDelay(t *testing.T) {
	s := defaultPollSchedule
	want := []time.Duration{
		2 * time.Second,
		2500 * time.Millisecond,
		3125 * time.Millisecond,
		3906250 * time.Microsecond,
		4 * time.Second,
		4 * time.Second,
	}
	for i, w := range want {
		if got := s.delay(i); got != w {
			t.Errorf("delay(%d) = %v, want %v", i, got, w)
		}
	}
	if got := s.delay(1000); got != s.Max {
		t.Errorf("delay(1000) = %v, want the cap %v", got, s.Max)
	}
	// The promise of docs/jobs-and-styles.md: no gap between polls is
	// longer than 4s, so a result shows within ~5s of completing.
	if s.Max > 4*time.Second {
		t.Errorf("cap %v breaks the 5 s promise", s.Max)
	}
}

func TestPollScheduleBacksOffForLongJobs(t *testing.T) {
	s := defaultPollSchedule
	// Before Long, next is delay: Krea's 2 to 5 s while a job is pending.
	for i := 0; i < 40; i++ {
		if got := s.next(i, s.Long-time.Second, s.Max); got != s.delay(i) {
			t.Errorf("next(%d) before Long = %v, want %v", i, got, s.delay(i))
		}
		if d := s.delay(i); d < 2*time.Second || d > 5*time.Second {
			t.Errorf("delay(%d) = %v, outside Krea's 2-5 s", i, d)
		}
	}
	// Past Long, each wait is Factor times the one before, up to LongMax.
	last := s.Max
	var waits []time.Duration
	for i := 0; i < 20; i++ {
		last = s.next(100+i, s.Long+time.Duration(i)*time.Minute, last)
		waits = append(waits, last)
	}
	if waits[0] != 5*time.Second {
		t.Errorf("first wait past Long = %v, want 5s (4s x 1.25)", waits[0])
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] > s.LongMax {
			t.Errorf("waits past Long %v: not growing to at most %v", waits, s.LongMax)
			break
		}
	}
	if waits[len(waits)-1] != s.LongMax {
		t.Errorf("waits past Long end at %v, want the cap %v", waits[len(waits)-1], s.LongMax)
	}
}
