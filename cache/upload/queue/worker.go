package queue

// The scheduler: workers take ready items (schedule.go puts them in
// q.ready) one at a time and run the job their state asks for. It knows
// nothing of what a job does: sending a file (put.go, with its intent
// journaled around it, attempt.go, and the exactly-once check, dedupe.go),
// or settling a finished or cancelled item (settle.go). A job that fails
// transiently asks for a retry (retry.go). A sent file's landing goes on
// in a goroutine of its own (put.go, land) while the worker takes the next
// item; the job ends with it (jobDone), so an item never runs two jobs at
// once. Locking as in queue.go: a
// worker holds Queue.mu only for bookkeeping.

// jobs are what a worker runs for a ready item, by its state.
type jobs struct {
	// Pending: send the file; landing: its landing goes on without the
	// worker (put.go, land), and ends the job.
	put    func(it *item) (landing bool)
	settle func(it *item) // Uploaded: report it, delete what it replaced
	cancel func(it *item) // Canceled: delete what it leaves on the server
}

// jobs are the queue's own: see put.go and settle.go.
func (q *Queue) jobs() jobs {
	return jobs{put: q.runUpload, settle: q.runUploaded, cancel: q.runCanceled}
}

// worker runs jobs for ready items until the queue closes.
func (q *Queue) worker(j jobs) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		for len(q.ready) == 0 && !q.closed {
			q.work.Wait()
		}
		if q.closed {
			q.mu.Unlock()
			return
		}
		it := q.ready[0]
		q.ready[0] = nil
		q.ready = q.ready[1:]
		it.queued, it.running = false, true
		st := it.rec.State
		q.busy++
		q.mu.Unlock()

		landing := false
		switch st {
		case stPending:
			landing = j.put(it)
		case stUploaded:
			j.settle(it)
		case stCanceled:
			j.cancel(it)
		}
		if !landing {
			q.jobDone(it)
		}
		q.mu.Lock()
		q.busy--
		q.mu.Unlock()
	}
}

// freeWorkersLocked is how many workers have no job and none waiting for
// them.
func (q *Queue) freeWorkersLocked() int {
	return q.o.Workers - q.busy - len(q.ready)
}

// jobDone ends the job a worker ran for it.
func (q *Queue) jobDone(it *item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it.running = false
	if it.rerun {
		it.rerun = false
		q.enqueueLocked(it)
	}
}
