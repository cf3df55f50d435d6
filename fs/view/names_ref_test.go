package view

// A plain, slower implementation of the naming rules, kept as the
// reference the optimised code must agree with exactly.

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
)

func refUsableName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > MaxNameLen {
		return false
	}
	if reservedName(s) || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '/' || badRune(r) {
			return false
		}
	}
	return true
}

func refAssetNames(assets []api.Asset) []string {
	names := make([]string, len(assets))
	wants := make([]string, len(assets))
	order := make([]int, len(assets))
	for i := range assets {
		wants[i] = preferredName(&assets[i])
		order[i] = i
	}
	// Oldest first (then id, then input index as a last resort for
	// identical entries), which makes every pass below deterministic.
	sort.SliceStable(order, func(x, y int) bool {
		a, b := &assets[order[x]], &assets[order[y]]
		if !a.UploadedAt.Equal(b.UploadedAt) {
			return a.UploadedAt.Before(b.UploadedAt)
		}
		return a.ID < b.ID
	})

	// Rule 2: the oldest wanting a name keeps it.
	plain := make([]bool, len(assets))
	taken := make(map[string]bool, len(assets))
	for _, i := range order {
		w := wants[i]
		if !taken[w] {
			taken[w] = true
			names[i], plain[i] = w, true
			continue
		}
		if n := withSuffix(w, shortID(assets[i].ID)); n != "" && refUsableName(n) {
			names[i] = n
		} else {
			names[i] = idName(assets[i].ID, api.ExtForMIME(assets[i].MIME()))
		}
	}

	// Rule 3: settle names still claimed more than once.
	owner := make(map[string]int, len(assets))
	var losers []int
	for _, i := range order { // plain names claim first
		if plain[i] {
			owner[names[i]] = i
		}
	}
	for _, i := range order {
		if plain[i] {
			continue
		}
		if _, ok := owner[names[i]]; ok {
			losers = append(losers, i)
			continue
		}
		owner[names[i]] = i
	}
	for _, i := range losers {
		ext := api.ExtForMIME(assets[i].MIME())
		base := idName(assets[i].ID, ext)
		n := base
		for k := 2; ; k++ {
			if _, ok := owner[n]; !ok {
				break
			}
			n = withSuffix(base, strconv.Itoa(k))
			if n == "" { // base is a near-255-byte id: use its hashed form
				n = withSuffix(idName("", ext), HashTag(assets[i].ID)+" "+strconv.Itoa(k))
			}
		}
		names[i] = n
		owner[n] = i
	}
	return names
}

func TestFasterNamingAgreesWithTheReference(t *testing.T) {
	descs := []string{"", "cat", "cat.png", "cat (0000000a).png", "a/b", "..", "\x01x", "é.png", "\xff", "x.PNG", "v1.0 final",
		".by-id", ".kreafs-x", "\u202ex", strings.Repeat("z", 254), "00000003-id.png", "data.xyz", "\x7f", "tab\tx"}
	mimes := []string{"image/png", "image/jpeg", "video/mp4", "", "text/plain"}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 300; round++ {
		n := 1 + rng.Intn(60)
		as := make([]api.Asset, n)
		for i := range as {
			m := mimes[rng.Intn(len(mimes))]
			as[i] = api.Asset{
				ID:          fmt.Sprintf("%08x-id", rng.Intn(12)),
				UploadedAt:  base.Add(time.Duration(rng.Intn(5)) * time.Minute),
				Description: descs[rng.Intn(len(descs))],
			}
			if m != "" {
				as[i].MIMEType = &m
			}
			if rng.Intn(4) == 0 {
				as[i].ID = strconv.Itoa(i) + "-" + as[i].ID
			}
		}
		if round%3 == 0 { // newest first, as the API lists
			sort.SliceStable(as, func(i, j int) bool { return as[j].UploadedAt.Before(as[i].UploadedAt) })
		}
		if got, want := AssetNames(as), refAssetNames(as); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: names differ\ngot  %q\nwant %q", round, got, want)
		}
		for _, a := range as {
			for _, s := range []string{a.Description, a.ID, a.Description + ".png"} {
				if UsableName(s) != refUsableName(s) {
					t.Fatalf("UsableName(%q) = %v, reference %v", s, UsableName(s), refUsableName(s))
				}
			}
		}
	}
}
