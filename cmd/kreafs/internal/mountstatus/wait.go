package mountstatus

import (
	"fmt"
	"time"
)

// Wait polls the mount at mp until nothing is queued; an error
// names the failures (or the timeout).
func Wait(mp string, timeout, interval time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		st, err := Read(mp)
		if err != nil {
			return err
		}
		if st.Queued == 0 {
			if st.Failed == 0 {
				return nil
			}
			msg := fmt.Sprintf("%d upload(s) failed:", st.Failed)
			for _, u := range st.Uploads {
				if u.State == "failed" {
					msg += fmt.Sprintf("\n  %s: %s", u.Name, oneLine(u.Error))
				}
			}
			return fmt.Errorf("%s", msg)
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return fmt.Errorf("still %d file(s) queued after %s (%s)", st.Queued, timeout, Summary(st))
		}
		time.Sleep(interval)
	}
}
