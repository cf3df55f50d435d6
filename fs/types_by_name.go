package fs

// Names whose extension says the file is not a type Krea takes
// (.txt, .pdf, .mkv...). Such a file is refused when it gets that name
// (create, mknod, rename), with ENOTSUP ("Operation not supported"), so
// the program sees the refusal where it can report it: shells and many
// programs ignore a failed close, which is where a content check answers.
// Names that do not tell (no extension, an extension not listed here,
// temp and junk names) are judged by their content at the last close, as
// before. No locks, no I/O. docs/writes.md ("Type and size checks") states
// the same rule.
//
// Why ENOTSUP rather than EPERM: the refusal is about the file's type, not
// about who asks; "Operation not permitted" sends users after permissions
// and sudo, and EPERM already answers mkdir and links in assets/.

import (
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
)

// notMediaExts are extensions (lower case) whose files are never one of
// the types Krea takes. Extensions that may hold an accepted type under
// another name (.m4v, .m4a and .3gp are MP4 containers; .jfif, .jpe are
// JPEG; .bak, .old, .orig are copies of anything) are not listed.
var notMediaExts = setOf(
	// text and documents
	"txt", "text", "md", "markdown", "rst", "pdf", "doc", "docx", "odt", "rtf",
	"xls", "xlsx", "ods", "ppt", "pptx", "odp", "key", "numbers", "pages", "epub",
	"csv", "tsv", "json", "xml", "yaml", "yml", "toml", "ini", "cfg", "conf", "log",
	"html", "htm", "css", "js", "mjs", "tex", "eml", "ics", "vcf",
	// source code and scripts
	"go", "py", "c", "h", "cpp", "hpp", "java", "rs", "rb", "php", "sh", "pl", "sql",
	// archives, packages, executables, databases, fonts
	"zip", "tar", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "iso", "dmg",
	"exe", "dll", "so", "dylib", "deb", "rpm", "apk", "jar", "msi", "class",
	"db", "sqlite", "sqlite3", "mdb", "ttf", "otf", "woff", "woff2", "torrent",
	// images Krea does not take
	"gif", "bmp", "tif", "tiff", "svg", "svgz", "ico", "icns", "psd", "xcf",
	"raw", "cr2", "cr3", "nef", "arw", "dng", "orf", "rw2", "eps", "ai",
	"avif", "jxl", "jp2", "tga", "ppm", "pgm", "pbm", "exr", "hdr",
	// video and audio Krea does not take
	"mkv", "avi", "wmv", "flv", "mpg", "mpeg", "vob", "ogv", "rm", "rmvb", "asf",
	"mts", "m2ts", "flac", "ogg", "oga", "opus", "aac", "wma", "aif", "aiff",
	"aifc", "mid", "midi", "amr", "ape", "wv", "ac3",
	// 3D formats other than GLB
	"obj", "fbx", "stl", "gltf", "ply", "blend", "usd", "usdz", "3ds", "dae", "mtl",
)

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// refusedTypeExt returns the extension (lower case, without the dot) of a
// final name that says its file is not a type Krea takes, else "".
func refusedTypeExt(name string) string {
	if classifyName(name) != finalName {
		return ""
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	if ext := strings.ToLower(name[i+1:]); notMediaExts[ext] {
		return ext
	}
	return ""
}

// refuseType answers an operation that would give a file in assets/ a
// name Krea's types exclude: ENOTSUP and one warning saying why; 0 for
// any other name.
func (r *Root) refuseType(op, name string) syscall.Errno {
	ext := refusedTypeExt(name)
	if ext == "" {
		return 0
	}
	r.log.WithFields(logrus.Fields{"op": op, "path": "assets/" + name}).
		Warn("refused (ENOTSUP): ." + ext + " files are not a type Krea accepts (JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV, MP3); nothing is created")
	return syscall.ENOTSUP
}
