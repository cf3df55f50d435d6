//go:build linux

package main

// The wire group's job case: how long after a job completes its first
// result is readable, through the mount and for a client that polls the
// API every 2 s as Krea's documents recommend.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kreafs/kreafs/integration/bench/measure"
)

// jobPollEvery is the baseline client's poll interval (Krea: 2 to 5 s).
const jobPollEvery = 2 * time.Second

// mountPollEvery is how often the program reading through the mount tries
// to open the result (a script's `until [ -e ...]; do sleep 0.1; done`).
const mountPollEvery = 100 * time.Millisecond

// caseJob creates jobs of different durations (so that their ends fall
// at different points of the baseline's 2 s cycle) and, for each, starts
// both observers at its creation: a client polling GET /jobs/{id} every
// 2 s and then GETting the result's first byte, and a program opening
// jobs/<id>/result-0.png through the mount every 100 ms and reading its
// first byte. Each side's figure is the time from the job's completed_at
// to its first byte of the result.
func (wb *wireBench) caseJob() ([]row, error) {
	n := wb.w.jobs
	base, kre := make([]time.Duration, n), make([]time.Duration, n)
	ids := make([]string, n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	defer wb.data.SetJobDuration(0)
	for k := 0; k < n; k++ {
		// 3 s, then ends spread over one poll cycle.
		wb.data.SetJobDuration(3*time.Second + time.Duration(k)*jobPollEvery/time.Duration(n) + 37*time.Millisecond)
		id, err := wb.createJob()
		if err != nil {
			return nil, err
		}
		ids[k] = id
		wg.Add(2)
		go func() {
			defer wg.Done()
			base[k], errs[2*k] = wb.pollAPI(id)
		}()
		go func() {
			defer wg.Done()
			kre[k], errs[2*k+1] = wb.pollMount(id)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ends := map[string]time.Time{}
	for _, j := range wb.data.Jobs() {
		if j.CompletedAt != nil {
			ends[j.JobID] = *j.CompletedAt
		}
	}
	for k, id := range ids {
		end, ok := ends[id]
		if !ok {
			return nil, fmt.Errorf("job %s has no completed_at", id)
		}
		// The observers recorded absolute times (as durations since
		// the epoch); make them delays after completion.
		base[k] -= time.Duration(end.UnixNano())
		kre[k] -= time.Duration(end.UnixNano())
		wb.logf("%s job %d: completed, readable %s later through the mount, %s later polling every 2 s", wb.prof.Name, k+1, measure.Ms(kre[k]), measure.Ms(base[k]))
	}
	k, b := measure.Median(kre), measure.Median(base)
	return []row{{
		name:     fmt.Sprintf("job result-0 readable after completion (median of %d jobs)", n),
		kreafs:   measure.Ms(k),
		baseline: measure.Ms(b) + " (a client polling every 2 s)",
		ratio:    fmt.Sprintf("%.2f", k.Seconds()/b.Seconds()),
		floor:    "<= 1 s",
		holds:    measure.YesNo(k <= time.Second),
	}}, nil
}

// createJob starts a small image generation and returns its id.
func (wb *wireBench) createJob() (string, error) {
	body := []byte(`{"prompt":"kreafs bench","width":512,"height":512}`)
	req, err := http.NewRequestWithContext(wb.ctx, http.MethodPost, wb.data.URL()+"/generate/image/bfl/flux-1-dev", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+wb.data.Token())
	var out struct {
		JobID string `json:"job_id"`
	}
	if err := wb.doJSON(req, &out); err != nil {
		return "", err
	}
	if out.JobID == "" {
		return "", errors.New("POST /generate: no job_id")
	}
	return out.JobID, nil
}

func (wb *wireBench) doJSON(req *http.Request, v any) error {
	resp, err := wb.httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// pollAPI polls the job every jobPollEvery from now on; once completed, it
// GETs the first result's first byte. It returns when that arrived, as
// time since the epoch.
func (wb *wireBench) pollAPI(id string) (time.Duration, error) {
	start := time.Now()
	for i := 1; wb.ctx.Err() == nil; i++ {
		req, err := http.NewRequestWithContext(wb.ctx, http.MethodGet, wb.data.URL()+"/jobs/"+id, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+wb.data.Token())
		var j struct {
			Status string `json:"status"`
			Result struct {
				URLs []string `json:"urls"`
			} `json:"result"`
		}
		if err := wb.doJSON(req, &j); err != nil {
			return 0, err
		}
		if j.Status == "completed" && len(j.Result.URLs) > 0 {
			if _, err := wb.getFirstByte(j.Result.URLs[0]); err != nil {
				return 0, err
			}
			return time.Duration(time.Now().UnixNano()), nil
		}
		if j.Status == "failed" || j.Status == "cancelled" {
			return 0, fmt.Errorf("job %s %s", id, j.Status)
		}
		measure.SleepCtx(wb.ctx, time.Until(start.Add(time.Duration(i)*jobPollEvery)))
	}
	return 0, wb.ctx.Err()
}

// pollMount opens jobs/<id>/result-0.png every mountPollEvery until it
// opens and gives a byte; it returns when, as time since the epoch.
func (wb *wireBench) pollMount(id string) (time.Duration, error) {
	p := filepath.Join(wb.mount.mp, "jobs", id, "result-0.png")
	one := make([]byte, 1)
	deadline := time.Now().Add(time.Minute)
	for wb.ctx.Err() == nil && time.Now().Before(deadline) {
		next := time.Now().Add(mountPollEvery)
		if f, err := os.Open(p); err == nil {
			_, err = io.ReadFull(f, one)
			f.Close()
			if err == nil {
				return time.Duration(time.Now().UnixNano()), nil
			}
		}
		measure.SleepCtx(wb.ctx, time.Until(next))
	}
	if err := wb.ctx.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s never became readable", p)
}
