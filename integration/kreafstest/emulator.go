package kreafstest

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// Emulator is the in-process Krea emulator of one test.
type Emulator struct {
	*emulator.Server
	t         testing.TB
	closeOnce sync.Once
}

// TB is the test the emulator belongs to.
func (e *Emulator) TB() testing.TB { return e.t }

// Close stops the emulator; tests may call it early, cleanup calls it again.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() {
		if err := e.Server.Close(); err != nil {
			e.t.Errorf("closing the emulator: %v", err)
		}
	})
}

// StartEmulator starts an emulator with a random token and its own data
// dir (unless opts say otherwise). Cleanup checks the token never went to
// a file host, then closes it.
func StartEmulator(t testing.TB, opts emulator.Options) *Emulator {
	t.Helper()
	if opts.Token == "" {
		opts.Token = RandomToken()
	}
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	srv, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	return Adopt(t, srv)
}

// Adopt gives an emulator the test started itself (emulator.Listen on
// fixed ports, say) the cleanup StartEmulator gives its own.
func Adopt(t testing.TB, srv *emulator.Server) *Emulator {
	e := &Emulator{Server: srv, t: t}
	t.Cleanup(func() {
		if srv.AuthLeaked() {
			t.Errorf("the API token was sent somewhere other than the API's origin")
		}
		e.Close()
	})
	return e
}

// RandomToken is a token no test output could contain by chance.
func RandomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "kt-test-" + hex.EncodeToString(b)
}
