package main

// Where the log goes: stderr, or --log-file (reopened on SIGUSR1, for
// logrotate). Under systemd (stderr is the journal's stream, as
// JOURNAL_STREAM says) each line carries its journald priority (<3> error
// ... <7> debug) and no timestamp: the journal adds its own.

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/sirupsen/logrus"
)

// logFile is an append-only log file that can be reopened by path.
type logFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--log-file: %w", err)
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// Reopen opens the path again (a new file after logrotate moved the old
// one) and closes the old file. On failure the old file stays in use.
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	return old.Close()
}

// Close closes the file; a nil logFile does nothing.
func (l *logFile) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// logOutput is where the log goes: the --log-file (also returned, for
// SIGUSR1 and closing) or stderr.
func logOutput(c *mountConfig, stderr io.Writer) (io.Writer, *logFile, error) {
	if c.logFile == "" {
		return stderr, nil, nil
	}
	lf, err := openLogFile(c.logFile)
	if err != nil {
		return nil, nil, err
	}
	return lf, lf, nil
}

func newLogger(c *mountConfig, out io.Writer, journal bool) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(out)
	l.SetLevel(c.logLevel)
	var f logrus.Formatter
	if c.logJSON {
		f = &logrus.JSONFormatter{DisableTimestamp: journal}
	} else {
		f = &logrus.TextFormatter{FullTimestamp: true, DisableColors: true, DisableTimestamp: journal}
	}
	if journal {
		f = journalFormatter{f}
	}
	l.SetFormatter(f)
	return l
}

// journalFormatter prefixes each line with its syslog priority, which
// journald reads from a stream (sd-daemon(3)).
type journalFormatter struct{ inner logrus.Formatter }

func (j journalFormatter) Format(e *logrus.Entry) ([]byte, error) {
	b, err := j.inner.Format(e)
	if err != nil {
		return nil, err
	}
	return append([]byte(fmt.Sprintf("<%d>", journalPriority(e.Level))), b...), nil
}

// journalPriority is the syslog priority of a logrus level.
func journalPriority(l logrus.Level) int {
	switch l {
	case logrus.PanicLevel, logrus.FatalLevel:
		return 2 // crit
	case logrus.ErrorLevel:
		return 3
	case logrus.WarnLevel:
		return 4
	case logrus.InfoLevel:
		return 6
	}
	return 7 // debug, trace
}

// stderrIsJournal reports whether stderr is the journal stream that
// JOURNAL_STREAM ("DEV:INODE") names, as systemd.exec(5) says to check.
func stderrIsJournal(getenv func(string) string) bool {
	dev, ino, ok := strings.Cut(getenv("JOURNAL_STREAM"), ":")
	if !ok {
		return false
	}
	d, err1 := strconv.ParseUint(dev, 10, 64)
	i, err2 := strconv.ParseUint(ino, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(2, &st); err != nil {
		return false
	}
	return uint64(st.Dev) == d && uint64(st.Ino) == i
}
