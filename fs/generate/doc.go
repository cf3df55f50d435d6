// Package generate is the FUSE-free logic of starting jobs from files:
// which file names start anything, how a request file is read, and how
// values that are paths into the mount become the hosted URLs and style
// ids Krea needs. It never speaks HTTP and never touches FUSE; the fs
// adapters call it on the last close (or rename) of a request file and the
// api client sends what it returns.
//
// Rules (docs/jobs-and-styles.md, "Generating", says the same to users):
//   - Only a file named exactly "request.json" in a directory the user made
//     in jobs/, or "train.json" in one made in styles/, starts anything
//     (Trigger). Temp names, editor swap and backup files, AppleDouble
//     files and any other name start nothing; a rename onto the exact name
//     does.
//   - A request file is one JSON object of at most MaxRequestBytes. Its
//     "model" names the endpoint as a path of models/ ("image/bfl/flux-1-dev")
//     and is not sent; for an endpoint whose own body has a "model" field
//     (Topaz enhance), "endpoint" names the endpoint and "model" is sent.
//     Everything else is the body, sent as written after path resolution.
//   - A string value that is a path into the mount ("assets/cat.png",
//     "jobs/x/result-0.png", an absolute path below the mount point, or
//     "styles/Ink" for a style) is replaced by the file's hosted URL or the
//     style's id, through a Resolver. A path to a local file outside the
//     mount, or a file:// URL, is refused: kreafs never uploads as a side
//     effect. Other strings (prompts, http(s) URLs) are left alone.
//
// Everything here is pure but for Resolver calls and the Stat used to tell
// a local file from free text; safe for concurrent use.
package generate
