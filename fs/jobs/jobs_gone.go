package jobs

// Telling inotify that a job went away (removed elsewhere: a poll or a
// read got 404, or the jobs listing no longer has it). FUSE's delete
// notification (NotifyDelete) makes the kernel drop the name but sends no
// IN_DELETE to watchers of jobs/ (Linux only d_deletes the entry, and
// refuses a directory whose entries it still holds). So, as assets/ does
// for assets (assets/assets_gone.go), kreafs removes the job's directory
// through its own mount (Config.Mountpoint): the kernel's rmdir sends
// IN_DELETE. Until that rmdir is done the name is a ghost: a lookup still
// finds the old job (the rmdir's path walk needs it) and the rmdir
// succeeds without a request. Without a mountpoint, on a read-only mount,
// or when that rmdir fails, the name is only dropped (NotifyDelete).
// Each removal is also a job-removed line of the events log.
//
// A job that an rmdir of this mount removes needs none of this: the
// kernel's rmdir tells inotify.
//
// Locking: jobsDir.mu guards ghosts and inRmdir. The rmdirs run on NotifyAsync
// goroutines without our locks (they come back to us as FUSE requests).

import (
	"path/filepath"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// goneAway tells the kernel and the events log that jobs js (their last
// snapshots) no longer exist. Called without locks; the work on the
// kernel's side is asynchronous.
func (d *jobsDir) goneAway(js []api.Job) {
	for i := range js {
		d.r.Events.Add(view.EventJobRemoved, "", jobPath(js[i].JobID))
	}
	mp := d.r.Cfg.Mountpoint
	d.mu.Lock()
	var tell []api.Job
	for _, j := range js {
		if d.inRmdir[j.JobID] == 0 { // else the kernel's own rmdir tells inotify
			tell = append(tell, j)
		}
	}
	d.mu.Unlock()
	if len(tell) == 0 {
		return
	}
	js = tell
	d.r.NotifyAsync(func() {
		for _, j := range js {
			if d.GetChild(j.JobID) == nil {
				continue // the kernel does not know it: nobody to tell
			}
			if mp == "" || d.r.Cfg.ReadOnly || !d.rmdirGhost(mp, j) {
				node.ForgetNames(&d.Inode, []string{j.JobID})
			}
		}
	})
}

// rmdirGhost removes job j's directory through the mount at mp (only if
// mp/jobs is this directory); false if that failed.
func (d *jobsDir) rmdirGhost(mp string, j api.Job) bool {
	id := j.JobID
	d.mu.Lock()
	if d.ghosts == nil {
		d.ghosts = map[string]api.Job{}
	}
	d.ghosts[id] = j
	d.mu.Unlock()

	err := node.RemoveThroughMount(&d.Inode, filepath.Join(mp, "jobs"), id, syscall.Rmdir)
	d.unghost(id)
	d.r.Log.WithFields(logrus.Fields{"op": "notify", "path": jobPath(id)}).WithError(err).Debug("removed through the mount: the job is gone")
	return err == nil
}

// ghost is the last snapshot of job id while it is a ghost.
func (d *jobsDir) ghost(id string) (api.Job, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	j, ok := d.ghosts[id]
	return j, ok
}

// unghost ends ghost id (its rmdir arrived, or failed): true if id was one.
func (d *jobsDir) unghost(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.ghosts[id]; !ok {
		return false
	}
	delete(d.ghosts, id)
	return true
}

// removing notes that an rmdir of this mount removes job id until done is
// called.
func (d *jobsDir) removing(id string) (done func()) {
	d.mu.Lock()
	if d.inRmdir == nil {
		d.inRmdir = map[string]int{}
	}
	d.inRmdir[id]++
	d.mu.Unlock()
	return func() {
		d.mu.Lock()
		if d.inRmdir[id]--; d.inRmdir[id] <= 0 {
			delete(d.inRmdir, id)
		}
		d.mu.Unlock()
	}
}
