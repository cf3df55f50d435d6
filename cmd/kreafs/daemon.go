package main

// kreafs mount --daemon (and a mount(8) helper): start a copy of kreafs in
// the background, wait until it is mounted or has failed, print its ready
// line or its error, and exit with that outcome (0 once mounted). The copy
// runs in its own session (setsid: no terminal, so the end of the shell
// does not reach it), ignores SIGHUP and SIGPIPE, has "/" as working
// directory, and logs to --log-file, or to the journal when stderr is
// the journal's stream; otherwise its log is discarded.
//
// The copy gets the parent's flags as --name=value (relative paths made
// absolute), and a pipe on fd 3, named by daemonPipeEnv, on which it
// writes one line: "ready <ready line>" or "fail <error>".

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

// daemonPipeEnv names the ready pipe's fd in the background copy.
const daemonPipeEnv = "_KREAFS_DAEMON_READY_FD"

// pathFlags are the flags holding paths: made absolute for the copy.
var pathFlags = map[string]bool{"cache-dir": true, "token-file": true, "log-file": true}

// daemonReadyPipe is the ready pipe when this process is a background
// copy, else nil.
func daemonReadyPipe() *os.File {
	v := os.Getenv(daemonPipeEnv)
	if v == "" {
		return nil
	}
	os.Unsetenv(daemonPipeEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil
	}
	syscall.CloseOnExec(fd) // not for fusermount3 and other programs kreafs runs
	return os.NewFile(uintptr(fd), "kreafs-ready")
}

// daemonArgs are the arguments of the background copy: every flag set on
// the command line or from the environment, and the mount point.
func daemonArgs(c *mountConfig, fl *pflag.FlagSet) ([]string, error) {
	args := []string{"mount"}
	var err error
	fl.VisitAll(func(f *pflag.Flag) {
		if !f.Changed || f.Name == "daemon" || err != nil {
			return
		}
		v := f.Value.String()
		if pathFlags[f.Name] && v != "" {
			v, err = filepath.Abs(v)
		}
		args = append(args, "--"+f.Name+"="+v)
	})
	mp, aerr := filepath.Abs(c.mountpoint)
	if err == nil {
		err = aerr
	}
	return append(args, "--", mp), err
}

// startDaemon starts the background copy and waits for its outcome.
func startDaemon(c *mountConfig, fl *pflag.FlagSet, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kreafs: %v\n", err)
		return 1
	}
	args, err := daemonArgs(c, fl)
	if err != nil {
		return fail(err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(fmt.Errorf("--daemon: finding the kreafs binary: %w", err))
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fail(err)
	}
	defer null.Close()
	logTo := null
	switch {
	case c.logFile != "":
		// Early errors and panics of the copy land in the log too.
		lf, err := os.OpenFile(c.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fail(fmt.Errorf("--log-file: %w", err))
		}
		defer lf.Close()
		logTo = lf
	case stderrIsJournal(os.Getenv):
		logTo = os.Stderr
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "kreafs"
	cmd.Dir = "/"
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, logTo
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.Env = append(os.Environ(), daemonPipeEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		return fail(fmt.Errorf("--daemon: starting the background kreafs: %w", err))
	}
	w.Close()
	// Ctrl-C or SIGTERM while waiting goes to the copy: it stops starting,
	// or unmounts right after mounting, and reports that.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
	}()
	line, rerr := bufio.NewReader(r).ReadString('\n')
	r.Close()
	line = strings.TrimSuffix(line, "\n")
	if ready, ok := strings.CutPrefix(line, "ready "); ok {
		fmt.Fprintln(stdout, ready)
		_ = cmd.Process.Release()
		return 0
	}
	if msg, ok := strings.CutPrefix(line, "fail "); ok {
		_ = cmd.Wait()
		fmt.Fprintf(stderr, "kreafs: %s\n", msg)
		return 1
	}
	// The copy ended without a word (killed, or interrupted while starting).
	werr := cmd.Wait()
	if rerr != nil && !errors.Is(rerr, io.EOF) {
		return fail(rerr)
	}
	return fail(fmt.Errorf("the background kreafs ended before mounting (%v)", exitText(werr)))
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// settleDaemon is the background copy's first step: the working directory
// becomes "/" (already so) and SIGHUP and SIGPIPE are ignored from here on.
func settleDaemon(c *mountConfig) error {
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	if !filepath.IsAbs(c.mountpoint) {
		return fmt.Errorf("background kreafs: mount point %q is not absolute", c.mountpoint)
	}
	return os.Chdir("/")
}
