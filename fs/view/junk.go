package view

// Pure rules for the names of files written into assets/: which names are
// temporary (a program writes there and renames the file when done) and
// which are file-manager junk (never meant as content). Files with such
// names are kept in the local spool and never uploaded (the upload queue's
// Hold); temporary ones upload once renamed to a final name. No locks, no
// I/O. docs/writes.md ("Temp names" and "Junk files") lists the same rules.

import "strings"

// NameKind classifies a file name written into assets/.
type NameKind int

const (
	FinalName NameKind = iota // an ordinary name: uploaded after the last close
	TempName                  // a writer's temporary name: kept local until renamed
	JunkName                  // file-manager metadata: kept local, never uploaded
)

func (k NameKind) String() string {
	switch k {
	case TempName:
		return "temp"
	case JunkName:
		return "junk"
	}
	return "final"
}

// tempSuffixes end the names programs write to before renaming (compared
// in lower case): browsers' and file managers' partial downloads, editors'
// swap and backup files, generic temp files.
var tempSuffixes = []string{
	".part",       // KDE, Firefox, wget2, many downloaders
	".partial",    // Edge, Firefox (older)
	".crdownload", // Chrome, Chromium, Brave
	".download",   // Safari
	".filepart",   // WinSCP
	".tmp",        // generic
	".temp",       // generic
	".swp",        // vim swap files (".name.swp")
	".swo",        // vim, second swap file
	".swx",        // vim, third swap file
	"~",           // backups: vim, emacs, gedit, nano
}

// tempPrefixes start such names.
var tempPrefixes = []string{
	".#",              // emacs lock files
	".~lock.",         // LibreOffice lock files
	"~$",              // Microsoft Office owner files
	".goutputstream-", // GLib/GIO atomic saves (GNOME programs)
}

// junkNames are exact names file managers write for themselves.
var junkNames = map[string]bool{
	".DS_Store":        true, // Finder folder settings
	".localized":       true, // Finder
	".apdisk":          true, // Finder
	".VolumeIcon.icns": true, // Finder
	".Trashes":         true, // Finder trash
	".fseventsd":       true, // macOS
	".Spotlight-V100":  true, // macOS
	".TemporaryItems":  true, // macOS
	".directory":       true, // KDE Dolphin folder settings
	".hidden":          true, // GNOME Files hidden-files list
	"Thumbs.db":        true, // Windows Explorer
	"ehthumbs.db":      true, // Windows Media Center
	"desktop.ini":      true, // Windows Explorer
}

// ClassifyName says whether name is a final, temporary or junk name.
func ClassifyName(name string) NameKind {
	switch {
	case junkNames[name],
		strings.HasPrefix(name, "._"),      // macOS AppleDouble (resource forks, xattrs)
		strings.HasPrefix(name, ".Trash-"), // freedesktop.org trash (.Trash-1000)
		name == ".Trash":
		return JunkName
	case isRsyncTemp(name), emacsAutosave(name):
		return TempName
	}
	lower := strings.ToLower(name)
	for _, s := range tempSuffixes {
		if strings.HasSuffix(lower, s) && len(name) > len(s) {
			return TempName
		}
	}
	for _, p := range tempPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return TempName
		}
	}
	return FinalName
}

// HoldName reports whether a file with this name is kept in the local
// spool rather than uploaded (temporary and junk names). It is the upload
// queue's Options.Hold: pure and fast.
func HoldName(name string) bool { return ClassifyName(name) != FinalName }

// isRsyncTemp matches rsync's temporary names: "." + the final name + "." +
// six letters or digits (mkstemp's XXXXXX), e.g. ".photo.png.Gx3k9A".
func isRsyncTemp(name string) bool {
	if len(name) < 1+1+1+6 || name[0] != '.' {
		return false
	}
	dot := len(name) - 7
	if name[dot] != '.' || dot < 2 {
		return false
	}
	for i := dot + 1; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// emacsAutosave matches emacs' auto-save files, "#name#".
func emacsAutosave(name string) bool {
	return len(name) > 2 && name[0] == '#' && name[len(name)-1] == '#'
}
