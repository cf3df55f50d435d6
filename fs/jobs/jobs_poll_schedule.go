package jobs

import "time"

// pollSchedule is how often a watched, unfinished job is re-fetched.
// Krea's advice: every 2 to 5 s while a job is pending, backing off for
// long jobs (docs/jobs-and-styles.md, "Watching").
type pollSchedule struct {
	First  time.Duration // delay before the first poll after a job is armed
	Max    time.Duration // delays grow by Factor up to Max
	Factor float64
	// Long: a job watched for this long is a long job (a video, a
	// training, an external provider): from then on each delay is Factor
	// times the one before, up to LongMax.
	Long    time.Duration
	LongMax time.Duration
	// Idle is how long a job stays watched after the last time someone
	// listed or opened it; then polling stops until the next interest.
	Idle time.Duration
	// MaxJobs bounds how many jobs are watched at once; arming one more
	// drops the one with the oldest interest.
	MaxJobs int
}

// defaultPollSchedule polls after 2s, 2.5s, 3.1s, 3.9s, then every 4s:
// a result shows up within about 4s (plus one API round trip) of the job
// completing, and at most 32 jobs are polled, so at most 16 requests per
// second go out at the very start and 8 per second in steady state. A job
// still running after 3 minutes (Krea's hosted tools time out then; what
// runs longer is a long job) is polled less and less often, up to every
// 15 s.
var defaultPollSchedule = pollSchedule{
	First:   2 * time.Second,
	Max:     4 * time.Second,
	Factor:  1.25,
	Long:    3 * time.Minute,
	LongMax: 15 * time.Second,
	Idle:    10 * time.Minute,
	MaxJobs: 32,
}

// delay is the wait before poll number attempt (0-based) of a job.
func (s pollSchedule) delay(attempt int) time.Duration {
	d := float64(s.First)
	for i := 0; i < attempt && d < float64(s.Max); i++ {
		d *= s.Factor
	}
	if d > float64(s.Max) {
		d = float64(s.Max)
	}
	return time.Duration(d)
}

// next is the wait before poll number attempt of a job watched for age,
// whose previous wait was last: delay(attempt) at first, growing past
// Long up to LongMax.
func (s pollSchedule) next(attempt int, age, last time.Duration) time.Duration {
	d := s.delay(attempt)
	if s.Long <= 0 || age < s.Long || s.LongMax <= d {
		return d
	}
	grown := time.Duration(float64(max(last, d)) * s.Factor)
	return min(max(grown, d), s.LongMax)
}
