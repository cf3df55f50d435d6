//go:build linux && race

package integration

// raceEnabled: the tests run under -race, so the kreafs binary is built
// with -race too.
const raceEnabled = true
