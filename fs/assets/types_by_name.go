package assets

// Names whose extension says the file is not a type Krea takes
// (.txt, .pdf, .mkv...; the list is cache/upload's NotMediaExt). Such a file is refused when it gets that name
// (create, mknod, rename), with ENOTSUP ("Operation not supported"), so
// the program sees the refusal where it can report it: shells and many
// programs ignore a failed close, which is where a content check answers.
// Names that do not tell (no extension, an extension not listed,
// temp and junk names) are judged by their content at the last close, as
// before. docs/writes.md ("Type and size checks") states
// the same rule.
//
// Why ENOTSUP rather than EPERM: the refusal is about the file's type, not
// about who asks; "Operation not permitted" sends users after permissions
// and sudo, and EPERM already answers mkdir and links in assets/.

import (
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/fs/node"
)

// refusedTypeExt returns the extension (lower case, without the dot) of a
// final name that says its file is not a type Krea takes, else "".
func refusedTypeExt(name string) string {
	if classifyName(name) != finalName {
		return ""
	}
	return upload.NotMediaExt(name)
}

// refuseType answers an operation that would give a file in assets/ a
// name Krea's types exclude: ENOTSUP and one warning saying why; 0 for
// any other name.
func (r *Tree) refuseType(op, name string) syscall.Errno {
	ext := refusedTypeExt(name)
	if ext == "" {
		return 0
	}
	return node.Refuse(r.Log, logrus.Fields{"op": op, "path": "assets/" + name}, syscall.ENOTSUP,
		"refused (ENOTSUP): ."+ext+" files are not a type Krea accepts (JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV, MP3); nothing is created")
}
