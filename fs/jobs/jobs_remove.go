package jobs

// Removing a job: what `rm -r jobs/<id>` and `rmdir jobs/<id>` do
// (docs/jobs-and-styles.md, "Removing a job").
//
// Krea's DELETE /jobs/{id} cancels a job, and only while it is queued or
// processing; for any other job it answers 400 and changes nothing. There
// is no way to delete a finished job. So removing a job's directory:
//   - DELETE succeeds: the job is cancelled (its status then reads
//     cancelled) and hidden from this mount's listing; on a server that
//     deletes instead (GET then answers 404), it is forgotten.
//   - DELETE answers 404 or 410: the job is already gone; success.
//   - DELETE answers 400: Krea keeps the job (finished, or in a state it
//     cannot cancel); it is hidden from this mount's listing. Success.
//   - anything else (401, 5xx after retries, a timeout): the rmdir fails
//     with the errno table's mapping and one log line.
//
// A hidden job is left out of `ls jobs/` but still opens by id, on this
// mount and after remounts with the same cache directory
// (state.HiddenJobs in the state dir).
//
// Locking: no lock of jobsDir is held here; the hidden-jobs set has its
// own.

import (
	"context"
	"errors"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/node"
)

// openHiddenJobs loads the mount's hidden jobs (in memory only without a
// state dir). A damaged file is logged and replaced at the next rm -r.
func openHiddenJobs(r *node.Mount) *state.HiddenJobs {
	h, err := r.State.HiddenJobs()
	if err != nil {
		r.Log.WithFields(logrus.Fields{"op": "mount", "path": "jobs"}).WithError(err).Warn("cannot read the list of jobs hidden from jobs/; showing them all")
	}
	return h
}

// removeJob does rmdir's work for job id (known to exist a moment ago).
func (d *jobsDir) removeJob(ctx context.Context, id string) error {
	f := logrus.Fields{"op": "rmdir", "path": jobPath(id), "id": id}
	before, ok := d.peek(id)
	if ok && before.Finished() && d.hiddenJobs.Has(id) {
		d.showFiles(id)
		return nil // removed before; asking Krea again changes nothing
	}
	octx, cancel := d.r.OpContext(ctx)
	defer cancel()
	err := d.r.Cfg.Remote.DeleteJob(octx, id)
	switch {
	case err == nil:
		return d.cancelled(octx, id, &before, f)
	case errors.Is(err, api.ErrNotFound), errors.Is(err, api.ErrGone):
		d.forgetDeleted(id, &before)
		d.r.Log.WithFields(f).Info("job removed: the API no longer has it")
		return nil
	case errors.Is(err, api.ErrBadRequest):
		if herr := d.hide(id); herr != nil {
			return herr
		}
		j, _ := d.peek(id)
		d.r.Log.WithFields(f).WithField("status", j.Status).WithField("api", node.APIMessage(err)).
			Info("Krea keeps this job (it cancels only queued or processing jobs and deletes none): hidden from this mount's jobs/ listing; its id still opens it")
		return nil
	}
	return err
}

// cancelled follows a successful DELETE: the job is read back (one GET),
// so its status shows cancelled; a job the API no longer has was deleted.
// before is the snapshot from before the DELETE.
func (d *jobsDir) cancelled(ctx context.Context, id string, before *api.Job, f logrus.Fields) error {
	j, err := d.refresh(ctx, id)
	if node.ToErrno(err) == syscall.ENOENT {
		d.forgetDeleted(id, before)
		d.r.Log.WithFields(f).Info("job deleted")
		return nil
	}
	if herr := d.hide(id); herr != nil {
		return herr
	}
	if err != nil || !j.Finished() {
		// The cancellation has not shown yet (or the read failed): keep
		// polling, so status moves on by itself.
		d.watch.arm(id)
		d.invalidate(id)
	}
	l := d.r.Log.WithFields(f).WithField("status", j.Status)
	if err != nil {
		l = l.WithError(err)
	}
	l.Info("job cancelled; hidden from this mount's jobs/ listing (its id still opens it)")
	return nil
}

// hide adds id to the hidden jobs (saved before it returns) and shows the
// job's files again: rm -r unlinked them one by one before the rmdir, and
// opening the job by id should show it whole.
func (d *jobsDir) hide(id string) error {
	if err := d.hiddenJobs.Add(id); err != nil {
		return err
	}
	if j, ok := d.peek(id); ok && j.Finished() {
		d.watch.forget(id)
	}
	d.showFiles(id)
	return nil
}

// showFiles forgets which of job id's files were unlinked in this mount.
func (d *jobsDir) showFiles(id string) {
	d.mu.Lock()
	delete(d.hidden, id)
	d.mu.Unlock()
}

// forgetDeleted drops everything known about a job the API no longer has:
// its place in the listing, its snapshot, its watch, its results' cached
// bytes (those of snapshot j), and its place among the hidden jobs.
func (d *jobsDir) forgetDeleted(id string, j *api.Job) {
	d.watch.forget(id)
	d.listing.Update(func(js []api.Job) []api.Job {
		out := make([]api.Job, 0, len(js))
		for _, j := range js {
			if j.JobID != id {
				out = append(out, j)
			}
		}
		return out
	})
	if j.Result != nil {
		for n := range j.Result.URLs { // its results' cached bytes
			d.r.Cfg.Content.Remove(node.ContentKey(ResultKey(id, n)))
		}
	}
	d.forgetState(id)
	d.unhide(id)
}

// unhide drops id from the hidden jobs (a job that no longer exists need
// not be remembered). A failed save is only logged: the id stays hidden,
// which is harmless.
func (d *jobsDir) unhide(id string) {
	if !d.hiddenJobs.Has(id) {
		return
	}
	if err := d.hiddenJobs.Remove(id); err != nil {
		d.r.Log.WithFields(logrus.Fields{"op": "rmdir", "path": jobPath(id), "id": id}).WithError(err).Debug("could not drop a deleted job from the hidden jobs")
	}
}
