//go:build linux

package main

// A tiny run of the wire group (the namespace itself: wirenet's test).

import (
	"strings"
	"testing"

	"github.com/kreafs/kreafs/integration/bench/wirenet"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

func requireWire(t *testing.T) {
	t.Helper()
	if err := wirenet.Check("rsync", "curl"); err != nil {
		if kreafstest.FUSERequired() { // CI (root, iproute2 installed) must run it
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func TestSmokeRunOfTheWireGroupPrintsItsTableAndRemovesTheNamespace(t *testing.T) {
	requireWire(t)
	kreafstest.RequireFUSE(t)
	cfg := smokeConfig()
	cfg.wire.ns, cfg.wire.slot = "kreafs-bench-smoke", 2
	cfg.cases = wireOnly
	table := runSmoke(t, &cfg).markdown()
	for _, want := range []string{"Real wire:", "| fast | cold read", "concurrent cold reads", "time to first 4 KiB",
		"ls -l assets/", "cp of a", "job result-0 readable", "rsync of 10 images"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "error:") || strings.Contains(table, "Loopback:") {
		t.Errorf("a case failed, or loopback cases ran:\n%s", table)
	}
	if left := wirenet.New(cfg.wire.ns, cfg.wire.slot).Leftovers(); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
