package upload

// Extensions whose files are never a type Krea takes: a file given such a
// name is refused when it gets it (fs/assets/types_by_name.go says how), instead
// of at its last close. docs/writes.md ("Type and size checks") states the
// same rule.

import "strings"

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

// NotMediaExt returns the extension (lower case, without the dot) of name
// if it says the file is not a type Krea takes, else "".
func NotMediaExt(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	if ext := strings.ToLower(name[i+1:]); notMediaExts[ext] {
		return ext
	}
	return ""
}
