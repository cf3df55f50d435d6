package kreafstest

import (
	"encoding/binary"
	"io"
	"net/http"
	"testing"
	"time"
)

// PutWAVHeader writes the 44-byte header of a 16-bit mono 44.1 kHz PCM WAV
// file of len(b) bytes into b (len(b) >= 44); the samples are the
// caller's.
func PutWAVHeader(b []byte) {
	n := len(b)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(n-8))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)    // fmt chunk size
	binary.LittleEndian.PutUint16(b[20:], 1)     // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)     // mono
	binary.LittleEndian.PutUint32(b[24:], 44100) // sample rate
	binary.LittleEndian.PutUint32(b[28:], 88200) // byte rate
	binary.LittleEndian.PutUint16(b[32:], 2)     // block align
	binary.LittleEndian.PutUint16(b[34:], 16)    // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n-44))
}

// HTTPGet is the baseline of an asset's bytes: a plain GET of its
// image_url, the way curl would fetch it (no token).
func HTTPGet(t testing.TB, url string) []byte {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Minute}
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return b
}
