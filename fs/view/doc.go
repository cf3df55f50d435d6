// Package view is what kreafs' directories show, without FUSE: which name
// each asset and style gets, which names written into assets/ are
// temporary or junk, the name table of one listing, what assets/ lists
// (the listing, minus pending deletes, plus queued files), and what the
// generated files of jobs/ and styles/ contain and which a job's directory
// holds, the trash's info files, and the events log. It imports no
// go-fuse and does no I/O; its only locks guard what an AssetTable builds
// from itself once (its List, its last Show) and the events log's lines,
// never held while calling out. Every
// function is unit-tested without a mount.
// Package fs adapts it: an operation asks the view, builds attributes and
// maps the error.
//
// # Layout
//
//	names.go         which file name each asset gets (AssetNames, WantedName);
//	                 names that cannot be ids (IDLike)
//	names_given.go   file names told from prose; names read from hosted URLs
//	junk.go          temporary and junk names (ClassifyName, HoldName)
//	styles_names.go  which directory name each style gets (StyleNames)
//	table.go         Table: one listing generation under its names; Diff
//	assets.go        AssetTable, and the listing of assets/ (Show, Merge)
//	folders.go       folders of assets/: paths in descriptions (SplitPath,
//	                 WantedPath), naming per folder
//	assets_tree.go   AssetTable with folders (NewAssetTree, MergeDir)
//	trash.go         the freedesktop.org trash: info files, paths back
//	events.go        the events log (.kreafs/events); Changes of a table
//	ino.go           inode numbers: stable hashes of object keys
//	jobs_files.go    names of result and preview files; job.json and status
//	job_dir.go       what a job's directory holds (JobEntries)
//
// # Consistency rules
//
//   - Names are a function of the whole listing: the same assets give the
//     same names in any order, and an asset's name changes only when the
//     assets it competes with change (docs/semantics.md, "File names").
//     A name kept on this machine for an asset (AssetTable.Kept) wins over
//     its description.
//   - A Table is one listing generation and is never edited; a refresh
//     builds a new one, and Diff says which names the kernel must forget
//     (gone, or now leading to another object) and whether the directory's
//     mtime moves. A table grown by an upload shares its indexes (Index)
//     and its sorted name lists (lazySorted, sorted on first read) with
//     the table it grew from, which reads as before.
//   - assets/ shows t.Show(p).Merge(p.Queued), p being the upload side's
//     report (Pending, asked once per operation): the assets of the
//     listing minus those being deleted or replaced (p.Hidden), plus
//     finished uploads the listing lacks yet (p.Uploaded), named from that
//     set only, so a replaced asset never pushes its replacement to a
//     suffixed name; then the queued files, each of which wins over a
//     listed asset of its name.
//   - In a tree (NewAssetTree) names are paths under assets/; each folder
//     is named by the rules above on its own, and a folder wins its name
//     over a file (folders.go). A flat table (NewAssetTable) shows no
//     folder: a description with '/' is not a usable name there.
//   - The events log only grows: its size and the bytes at each offset
//     never change once written, except that dropped lines read as
//     padding (events.go).
//   - A List's Sum changes when any name or inode number does: it tells
//     whether the kernel's cached copy of the listing is still current.
//   - Inode numbers are stable hashes of the object's key (Ino), so the
//     same asset, job or style gets the same number in every mount.
package view
