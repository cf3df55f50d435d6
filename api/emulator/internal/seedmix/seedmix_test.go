package seedmix

import (
	"testing"
	"time"
)

func TestSeededAssetsComeInMillisecondRunsOfOneToSeven(t *testing.T) {
	base := time.Date(2026, 2, 13, 2, 20, 58, 0, time.UTC)
	times := AssetTimes(2500, base)
	runs := map[int]int{}
	for i := 0; i < len(times); {
		j := i
		for j < len(times) && times[j].Equal(times[i]) {
			j++
		}
		if j < len(times) && !times[j].Before(times[i]) {
			t.Fatalf("times not newest first at %d", j)
		}
		if times[i].Truncate(time.Millisecond) != times[i] {
			t.Fatalf("time %v has more than milliseconds", times[i])
		}
		if j < len(times) { // the last run may be cut short by n
			runs[j-i]++
		}
		i = j
	}
	for k := range runs {
		if k < 1 || k > 7 {
			t.Fatalf("run of %d", k)
		}
	}
	if runs[1] == 0 || runs[7] == 0 || len(runs) != 7 {
		t.Fatalf("run lengths %v: want every length from 1 to 7", runs)
	}
}
