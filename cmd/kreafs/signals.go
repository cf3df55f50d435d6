package main

// The signals besides SIGINT and SIGTERM (which unmount, mount.go):
//   - SIGPIPE is ignored: a closed stdout or stderr (kreafs mount ... 2>&1 |
//     head -1) must not end a mount; the writes fail instead.
//   - SIGHUP in the foreground drops the directory listings (the next ls
//     asks the API), as rclone does; a background copy ignores it.
//   - SIGUSR1 reopens --log-file (after logrotate moved it).

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/sirupsen/logrus"
)

// dirCacheDropper is what SIGHUP calls: the mounted tree (*fs.Root).
type dirCacheDropper interface{ DropDirCaches() }

// hupTarget holds the tree once it is mounted; before, SIGHUP does nothing.
type hupTarget struct {
	mu sync.Mutex
	d  dirCacheDropper
}

func (h *hupTarget) set(d dirCacheDropper) {
	h.mu.Lock()
	h.d = d
	h.mu.Unlock()
}

func (h *hupTarget) drop() bool {
	h.mu.Lock()
	d := h.d
	h.mu.Unlock()
	if d == nil {
		return false
	}
	d.DropDirCaches()
	return true
}

// watchOtherSignals handles SIGPIPE, SIGHUP and SIGUSR1 until the returned
// function is called. background: SIGHUP is ignored.
func watchOtherSignals(background bool, hup *hupTarget, logs *logFile, log logrus.FieldLogger) (stop func()) {
	signal.Ignore(syscall.SIGPIPE)
	if background {
		signal.Ignore(syscall.SIGHUP)
	}
	sigs := make(chan os.Signal, 4)
	want := []os.Signal{syscall.SIGUSR1}
	if !background {
		want = append(want, syscall.SIGHUP)
	}
	signal.Notify(sigs, want...)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case sig := <-sigs:
				switch sig {
				case syscall.SIGHUP:
					if hup.drop() {
						log.Info("SIGHUP: directory listings dropped; the next listing of each asks the API")
					}
				case syscall.SIGUSR1:
					if logs == nil {
						log.Debug("SIGUSR1: no --log-file to reopen")
					} else if err := logs.Reopen(); err != nil {
						log.WithError(err).Error("SIGUSR1: reopening the log file failed; still writing to the old one")
					} else {
						log.Info("SIGUSR1: log file reopened")
					}
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			// SIGHUP stays caught (and ignored) until exit: a mount on
			// its way down must not die of a closed terminal.
			signal.Ignore(syscall.SIGHUP)
			signal.Stop(sigs)
			close(quit)
			<-done
		})
	}
}
