package main

// KREAFS_<FLAG>: every flag of every command can also come from the
// environment (--cache-dir from KREAFS_CACHE_DIR, --read-only from
// KREAFS_READ_ONLY=true), so systemd units and fstab lines stay short.
// A flag on the command line wins.

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// envPrefix starts the name of each flag's variable.
const envPrefix = "KREAFS_"

// envName is the variable of the flag called name: KREAFS_CACHE_DIR for
// cache-dir.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnv sets each flag of fl not given on the command line from its
// variable, when that is set and not empty.
func applyEnv(fl *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fl.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if serr := fl.Set(f.Name, v); serr != nil {
			shown := fmt.Sprintf("%q", v)
			if strings.Contains(f.Name, "token") {
				shown = "(not shown)"
			}
			err = &usageError{fmt.Sprintf("invalid %s=%s for --%s: %v", envName(f.Name), shown, f.Name, serr)}
		}
	})
	return err
}
