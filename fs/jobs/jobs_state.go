package jobs

// The latest snapshot of every job the mount has seen, from the jobs
// listing and from GET /jobs/{id}, and how the kernel is told when one
// changes.
//
// Rules (docs/jobs-and-styles.md, "Freshness"):
//   - A finished job (completed, failed, cancelled) never changes: once a
//     snapshot is finished it is kept, whatever an older listing says.
//   - An unfinished job is fetched by id when it is read (job.json,
//     status, the directory) and its snapshot is older than jobFresh, and
//     by the watcher on its schedule. If that fetch fails, the last
//     snapshot is served (and the failure logged at debug level).
//   - When a snapshot changes, the kernel's cached entries and contents of
//     that job's directory are invalidated (asynchronously, outside our
//     locks, see node.Mount.NotifyAsync).
//
// Locking: everything here is guarded by jobsDir.mu (declared in jobs_dir_ops.go).
// A GET of one job runs without the lock; concurrent readers of the same
// job share it through jobState.call.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// jobFresh: an unfinished job fetched within this long is not fetched
// again for a read, so `stat` and the `cat` right after it agree, and an
// `ls -l` of the job's directory costs one request, not one per file.
const jobFresh = time.Second

// refreshTimeout bounds re-fetching an unfinished job for a read; past it,
// the last snapshot is served.
const refreshTimeout = 10 * time.Second

// keepUnlisted is how long a job fetched by id survives listings that do
// not (yet) contain it.
const keepUnlisted = time.Minute

// jobState is the latest snapshot of one job. Guarded by jobsDir.mu.
type jobState struct {
	job     api.Job
	fetched time.Time   // clock time of the last GET /jobs/{id}; zero: only listed
	call    *jobRefresh // GET /jobs/{id} in flight
}

// jobRefresh is one GET /jobs/{id}, shared by everyone who needs it.
type jobRefresh struct {
	done chan struct{}
	job  api.Job
	err  error
}

// list returns the jobs listing (the cached one within the TTL; force: a
// rate-limited fresh one) and folds it into the snapshots.
func (d *jobsDir) list(ctx context.Context, force bool) ([]api.Job, error) {
	ctx, cancel := d.r.OpContext(ctx)
	defer cancel()
	jobs, gen, err := node.FetchListing(ctx, d.listing, force)
	if err != nil {
		return nil, err
	}
	d.merge(gen, jobs)
	return jobs, nil
}

// merge folds listing generation gen into the snapshots: new jobs are
// added, unfinished snapshots that were never fetched by id (or that the
// listing shows finished) are replaced, and jobs that left the listing are
// forgotten (the kernel too).
func (d *jobsDir) merge(gen uint64, jobs []api.Job) {
	d.mu.Lock()
	if gen <= d.lastGen {
		d.mu.Unlock()
		return
	}
	now := d.r.Cfg.Clock()
	listed := make(map[string]bool, len(jobs))
	var changed, unusable []string
	var moved [][2]api.Job // changed jobs: before, after (events)
	for i := range jobs {
		j := &jobs[i]
		if !view.UsableName(j.JobID) {
			unusable = append(unusable, j.JobID)
			continue
		}
		listed[j.JobID] = true
		st := d.states[j.JobID]
		switch {
		case st == nil:
			d.states[j.JobID] = &jobState{job: *j}
		case st.job.Finished():
			// final; nothing a listing says can change it
		case j.Finished() || st.fetched.IsZero():
			if !view.SameJob(&st.job, j) {
				changed = append(changed, j.JobID)
				moved = append(moved, [2]api.Job{st.job, *j})
			}
			st.job = *j
		}
	}
	var gone []api.Job
	for id, st := range d.states {
		if listed[id] || st.call != nil || (!st.fetched.IsZero() && now.Sub(st.fetched) < keepUnlisted) {
			continue
		}
		delete(d.states, id)
		delete(d.hidden, id)
		if d.listed[id] {
			gone = append(gone, st.job)
		}
	}
	d.lastGen, d.listed = gen, listed
	d.mu.Unlock()

	if len(unusable) > 0 {
		d.r.Log.WithFields(logrus.Fields{"op": "list", "path": "jobs", "count": len(unusable), "example": strconv.Quote(unusable[0][:min(len(unusable[0]), 64)])}).Warn("jobs whose id is not a usable file name are not shown")
	}
	if len(gone) > 0 {
		d.r.Log.WithFields(logrus.Fields{"op": "list", "path": "jobs", "gone": len(gone)}).Debug("jobs left the listing")
		d.goneAway(gone)
	}
	for i := range moved {
		d.logEvents(&moved[i][0], &moved[i][1])
	}
	for _, id := range changed {
		d.invalidate(id)
	}
}

// isListed reports whether id is in the last merged listing.
func (d *jobsDir) isListed(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.listed[id]
}

// peek returns the snapshot of id without any I/O.
func (d *jobsDir) peek(id string) (api.Job, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := d.states[id]; st != nil && st.job.JobID != "" {
		return st.job, true
	}
	return api.Job{}, false
}

// finished reports whether j (from a listing) is finished, or its
// snapshot here already is.
func (d *jobsDir) finished(j *api.Job) bool {
	if j.Finished() {
		return true
	}
	cur, ok := d.peek(j.JobID)
	return ok && cur.Finished()
}

// lookupJob finds a job for a name of jobs/: in the listing; else a job
// fetched by id a moment ago; else, after one rate-limited refresh of the
// listing, by asking the API (a job started elsewhere a moment ago). A
// name that cannot be a job id (view.IDLike) costs no request: only a job
// already listed under it answers.
func (d *jobsDir) lookupJob(ctx context.Context, id string) (api.Job, error) {
	if !view.IDLike(id) {
		if j, ok := d.peek(id); ok && d.isListed(id) {
			return j, nil
		}
		return api.Job{}, syscall.ENOENT
	}
	if _, err := d.list(ctx, false); err != nil {
		return api.Job{}, err
	}
	if j, ok := d.peek(id); ok && d.isListed(id) {
		return j, nil
	}
	if j, ok := d.recent(id); ok {
		return j, nil
	}
	if _, err := d.list(ctx, true); err != nil {
		return api.Job{}, err
	}
	if j, ok := d.peek(id); ok && d.isListed(id) {
		return j, nil
	}
	return d.refresh(ctx, id)
}

// recent returns the snapshot of id when it was fetched by id within the
// listing TTL (so repeated lookups of a job the listing lacks cost one
// request per TTL).
func (d *jobsDir) recent(id string) (api.Job, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.states[id]
	if st == nil || st.job.JobID == "" || st.fetched.IsZero() || d.r.Cfg.Clock().Sub(st.fetched) >= d.r.Cfg.DirCacheTTL {
		return api.Job{}, false
	}
	return st.job, true
}

// current returns the snapshot of job id for a read: as it is when the
// job is finished or was fetched within jobFresh, else fetched again. If
// that fetch fails but a snapshot exists, the snapshot is served.
func (d *jobsDir) current(ctx context.Context, id string) (api.Job, error) {
	d.mu.Lock()
	st := d.states[id]
	if st != nil && st.job.JobID != "" && (st.job.Finished() || d.r.Cfg.Clock().Sub(st.fetched) < jobFresh) {
		j := st.job
		d.mu.Unlock()
		return j, nil
	}
	d.mu.Unlock()
	j, err := d.refresh(ctx, id)
	if err == nil || node.ToErrno(err) == syscall.ENOENT {
		return j, err
	}
	if old, ok := d.peek(id); ok {
		d.r.Log.WithFields(logrus.Fields{"op": "refresh", "path": jobPath(id), "id": id}).WithError(err).Debug("job refresh failed; serving the last snapshot")
		return old, nil
	}
	return api.Job{}, err
}

// refresh fetches job id now (joining a fetch already running), stores
// the snapshot, and invalidates the kernel's view of the job if it changed.
// A job the API does not know is forgotten and gives ENOENT.
func (d *jobsDir) refresh(ctx context.Context, id string) (api.Job, error) {
	d.mu.Lock()
	st := d.states[id]
	if st == nil {
		st = &jobState{}
		d.states[id] = st
	}
	if c := st.call; c != nil {
		d.mu.Unlock()
		select {
		case <-c.done:
			return c.job, c.err
		case <-ctx.Done():
			return api.Job{}, ctx.Err()
		}
	}
	c := &jobRefresh{done: make(chan struct{})}
	st.call = c
	d.mu.Unlock()

	fctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	j, err := d.r.Cfg.Remote.GetJob(fctx, id)
	cancel()
	if err == nil && j.JobID != id { // never trust an answer about another object
		d.r.Log.WithFields(logrus.Fields{"op": "refresh", "id": id, "got": j.JobID}).Warn("API answered GET /jobs/{id} with another job")
		err = syscall.ENOENT
	}

	d.mu.Lock()
	st.call = nil
	had := st.job.JobID != ""
	prev := st.job
	var changed, gone, finishedNow bool
	switch {
	case err == nil:
		if !st.job.Finished() { // finished is final
			changed = had && !view.SameJob(&st.job, j)
			finishedNow = j.Finished()
			st.job = *j
		}
		st.fetched = d.r.Cfg.Clock()
		c.job = st.job
	case node.ToErrno(err) == syscall.ENOENT:
		if d.states[id] == st {
			delete(d.states, id)
			delete(d.hidden, id)
		}
		gone = had
		c.err = err
	default:
		if !had && d.states[id] == st {
			delete(d.states, id)
		}
		c.err = err
	}
	close(c.done)
	d.mu.Unlock()

	switch {
	case changed:
		if finishedNow {
			d.logFinished(&c.job)
		}
		d.logEvents(&prev, &c.job)
		d.invalidate(id)
	case gone:
		d.r.Log.WithFields(logrus.Fields{"op": "refresh", "path": jobPath(id), "id": id}).Info("job no longer exists")
		d.watch.forget(id)
		d.unhide(id)
		d.goneAway([]api.Job{prev})
	}
	return c.job, c.err
}

// logEvents adds to the events log what job j's change from prev shows:
// its new state and, at completion, each result file (view.JobEvents).
func (d *jobsDir) logEvents(prev, j *api.Job) {
	for _, e := range view.JobEvents(prev, j, func(u string) string { return d.exts.Ext(context.Background(), u, false) }) {
		d.r.Events.Add(e.Kind, e.Detail, e.Path)
	}
}

// logFinished writes the one line a finished job deserves.
func (d *jobsDir) logFinished(j *api.Job) {
	f := logrus.Fields{"op": "watch", "path": jobPath(j.JobID), "id": j.JobID, "status": j.Status}
	if j.Result != nil && len(j.Result.URLs) > 0 {
		f["results"] = len(j.Result.URLs)
	}
	if msg := view.JobError(j); msg != "" {
		f["error"] = msg
	}
	d.r.Log.WithFields(f).Info("job finished")
}

// forgetState drops everything known about a deleted job.
func (d *jobsDir) forgetState(id string) {
	d.mu.Lock()
	delete(d.states, id)
	delete(d.hidden, id)
	delete(d.listed, id)
	d.mu.Unlock()
}

// poll is the watcher's poll of one job: done when it finished or is gone.
func (d *jobsDir) poll(ctx context.Context, id string) bool {
	j, err := d.refresh(ctx, id)
	switch {
	case err == nil:
		return j.Finished()
	case node.ToErrno(err) == syscall.ENOENT:
		return true
	case errors.Is(err, context.Canceled):
		return true // the mount is closing
	}
	d.r.Log.WithFields(logrus.Fields{"op": "watch", "path": jobPath(id), "id": id}).WithError(err).Debug("polling job failed; will retry")
	return false
}

// invalidate tells the kernel that job id changed: the attributes and
// contents of job.json and status, and the entries of the job's directory
// (so a result the kernel once found missing is looked up again). It runs
// asynchronously: callers may be inside a FUSE callback of that directory.
func (d *jobsDir) invalidate(id string) {
	d.r.NotifyAsync(func() {
		dir := d.GetChild(id)
		if dir == nil {
			return // the kernel does not know the job's directory
		}
		d.invalidateDir(dir, id)
	})
}

// invalidateDir does invalidate's work; no locks held.
func (d *jobsDir) invalidateDir(dir *gofs.Inode, id string) {
	for _, name := range []string{view.JobJSONName, view.JobStatusName} {
		if f := dir.GetChild(name); f != nil {
			f.NotifyContent(0, 0)
		}
	}
	j, ok := d.peek(id)
	if !ok {
		return
	}
	notified := map[string]bool{}
	for _, e := range d.entries(context.Background(), &j, false) {
		if e.Kind != view.JobJSON && e.Kind != view.JobStatus {
			dir.NotifyEntry(e.Name)
			notified[e.Name] = true
		}
	}
	// An intermediate result the job no longer has (a newer one, or the
	// final results) must not keep its name in the kernel.
	for name := range dir.Children() {
		if strings.HasPrefix(name, "intermediate-") && !notified[name] {
			dir.NotifyEntry(name)
		}
	}
	dir.NotifyContent(-1, 0)
}
