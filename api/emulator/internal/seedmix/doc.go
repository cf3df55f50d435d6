// Package seedmix is the mix of a seeded emulator account (Options.SeedAssets
// and friends): the cycle of asset kinds, image and WAV sizes, descriptions
// and metadata, the upload times of seeded assets, and the generate paths
// seeded jobs come from. Package emulator turns it into records; this
// package holds only the data and its rules, with no state.
//
// Consistency rules:
//   - Everything is deterministic: the same n and base give the same mix,
//     so two seeded emulators list the same account.
//   - AssetTimes are newest first, with millisecond precision, in runs of 1
//     to 7 assets sharing one millisecond (ties at page ends for the cursor
//     tests).
//   - The descriptions cover the naming cases the mount cares about: none,
//     a file name with and without extension, a sentence, and a name many
//     assets share.
package seedmix
