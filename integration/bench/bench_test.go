//go:build linux

package main

// The smoke test: a tiny run of the whole benchmark produces a table with
// a row per case. It checks that the benchmark works, never a time.

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

func TestSmokeRunPrintsATableWithEveryCase(t *testing.T) {
	kreafstest.RequireFUSE(t)
	cfg := smokeConfig()
	cfg.cases = loopbackOnly() // the wire group has its own test
	res := runSmoke(t, &cfg)
	table := res.markdown()
	for _, want := range []string{
		"| case | kreafs | baseline | ratio | floor | holds? |",
		"cold sequential read",
		"warm read, fully cached",
		"time to first 4 KiB",
		"concurrent cold reads",
		"thumbnails of",
		"reference: the same GET(s), each written into a new file",
		"reference: cp to a local file, sync FILE, then the POST",
		"reference: the same pages, then ls -l of a local directory",
		"cp of a",
		"peak resident memory",
		"ls -l assets/", "within the listing TTL",
		"resident memory (VmRSS) after listing",
		"Machine:", "CPU:", "kernel: Linux", "Go: go",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "error:") {
		t.Errorf("a case failed:\n%s", table)
	}
	if ents, _ := os.ReadDir(cfg.workDir); len(ents) != 0 {
		t.Errorf("the run left %d entries in its work directory", len(ents))
	}

	// The results block replaces itself in the docs file, keeping the rest.
	doc := filepath.Join(t.TempDir(), "performance.md")
	if err := os.WriteFile(doc, []byte("# Performance\n\nprose\n\n"+beginMarker+"\nold\n"+endMarker+"\n\nmore prose\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := writeResults(doc, res); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(doc)
	text := string(b)
	if !strings.Contains(text, "prose\n\n"+beginMarker) || !strings.Contains(text, endMarker+"\n\nmore prose\n") ||
		strings.Contains(text, "\nold\n") || !strings.Contains(text, "| case |") {
		t.Errorf("writeResults did not replace just the block:\n%s", text)
	}
}

// runSmoke runs cfg in a temporary work directory, with progress lines
// under -v, within 2 minutes.
func runSmoke(t *testing.T, cfg *config) *results {
	t.Helper()
	cfg.workDir = t.TempDir()
	cfg.log = io.Discard
	if testing.Verbose() {
		cfg.log = os.Stderr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := run(ctx, *cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestMain lets the test binary be the benchmark's child process too
// (cpu.go): the reference downloads run in a process of their own.
func TestMain(m *testing.M) {
	if code, ok := childMain(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}
