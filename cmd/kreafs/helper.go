package main

// kreafs as a mount(8) helper:
//
//	mount -t fuse.kreafs SOURCE MOUNTPOINT -o opt,opt=value
//	/etc/fstab: krea  /mnt/krea  fuse.kreafs  token_file=/etc/kreafs/token,cache_dir=/var/cache/kreafs,_netdev  0 0
//
// mount(8) runs /sbin/mount.fuse.kreafs (a link to kreafs) as
// "mount.fuse.kreafs SOURCE MOUNTPOINT [-sfnvrw] [-N NS] -o OPTIONS";
// mount.fuse3 runs "kreafs SOURCE MOUNTPOINT -o OPTIONS". Both become
// kreafs mount --daemon with one flag per option: key=value is --key=value
// (underscores read as dashes), a bare key a boolean flag, ro is
// --read-only, nonempty --allow-non-empty; mount(8)'s generic options are
// ignored; any other option is an error. SOURCE is "krea" (or "kreafs")
// for the default API, or the API's http(s) URL. The helper mounts in the
// background unless -o daemon=false.

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// helperCommand is the first argument main gives run when kreafs was
// called by a mount helper's name.
const helperCommand = "\x00mount-helper"

// isHelperName reports whether kreafs runs as a mount(8) helper.
func isHelperName(base string) bool {
	return base == "mount.kreafs" || base == "mount.fuse.kreafs"
}

// isSource reports whether s is a SOURCE of the helper form.
func isSource(s string) bool {
	return s == "krea" || s == "kreafs" || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// asHelper reports whether args are of the helper form, and returns them
// without the helperCommand marker.
func asHelper(args []string) ([]string, bool) {
	if len(args) > 0 && args[0] == helperCommand {
		return args[1:], true
	}
	if len(args) >= 2 && isSource(args[0]) {
		return args, true
	}
	return nil, false
}

// genericOptions are mount(8)'s own options, meaningless to kreafs.
var genericOptions = map[string]bool{
	"_netdev": true, "nofail": true, "noauto": true, "auto": true, "user": true, "nouser": true,
	"users": true, "owner": true, "group": true, "defaults": true, "rw": true, "dev": true,
	"nodev": true, "suid": true, "nosuid": true, "exec": true, "noexec": true, "async": true,
	"atime": true, "noatime": true, "relatime": true, "norelatime": true, "strictatime": true,
	"diratime": true, "nodiratime": true, "lazytime": true, "nolazytime": true, "loud": true,
	"silent": true, "nomand": true, "mand": true,
}

// genericPrefixes start the names of mount(8)'s and systemd's own options
// (x-systemd.automount, x-gvfs-show, comment=...).
var genericPrefixes = []string{"x-", "comment=", "helper=", "fsname=", "subtype="}

// helperMountArgs turns the helper form into kreafs mount arguments.
func helperMountArgs(args []string) ([]string, error) {
	out := []string{"mount", "--daemon"}
	var pos, opts []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "-t" || a == "-N":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("mount helper: %s needs a value", a)
			}
			i++
			if a == "-o" {
				opts = append(opts, strings.Split(args[i], ",")...)
			}
		case strings.HasPrefix(a, "-o"):
			opts = append(opts, strings.Split(a[2:], ",")...)
		case a == "-r":
			out = append(out, "--read-only")
		case a == "-s" || a == "-f" || a == "-n" || a == "-v" || a == "-w":
			// sloppy, fake, no mtab, verbose, read-write: nothing to do
		case strings.HasPrefix(a, "-") && len(a) > 1:
			return nil, fmt.Errorf("mount helper: unknown option %s", a)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return nil, fmt.Errorf("mount helper: want SOURCE MOUNTPOINT, got %q", pos)
	}
	switch src := pos[0]; {
	case src == "krea" || src == "kreafs":
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		out = append(out, "--api-url="+src)
	default:
		return nil, fmt.Errorf("mount helper: SOURCE %q: want krea (the default API) or the API's http(s) URL", src)
	}
	flags := newMountFlags().fl
	for _, o := range opts {
		f, err := optionFlag(o, flags)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return append(out, "--", pos[1]), nil
}

// optionFlag is the flag of one -o option (none for a generic one).
func optionFlag(o string, flags *pflag.FlagSet) ([]string, error) {
	o = strings.TrimSpace(o)
	if o == "" || genericOptions[o] {
		return nil, nil
	}
	for _, p := range genericPrefixes {
		if strings.HasPrefix(o, p) {
			return nil, nil
		}
	}
	switch o {
	case "ro":
		return []string{"--read-only"}, nil
	case "nonempty":
		return []string{"--allow-non-empty"}, nil
	}
	key, val, hasVal := strings.Cut(o, "=")
	name := strings.ReplaceAll(key, "_", "-")
	f := flags.Lookup(name)
	if f == nil || name == "help" {
		return nil, fmt.Errorf("mount helper: unknown option %q (docs/configuration.md lists them)", key)
	}
	if !hasVal {
		if f.Value.Type() != "bool" {
			return nil, fmt.Errorf("mount helper: option %s needs a value (%s=...)", key, key)
		}
		return []string{"--" + name}, nil
	}
	return []string{"--" + name + "=" + val}, nil
}
