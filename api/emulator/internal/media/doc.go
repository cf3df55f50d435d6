// Package media makes the bytes of the files the emulator serves without
// storing them: gradient PNG and JPEG images of any size, seeded images
// stamped into a cached template (StampedImage, whose size StampedSize
// knows without encoding), a minimal glTF binary (GLB), and WAVs of any size
// computed on the fly (NewWAV); it also gives the Content-Type of a file key
// (MIMEForExt), the dimensions of a PNG or JPEG (ImageDims), and the image
// size a generation body asks for (RequestedSize). It knows nothing of the
// emulator's state or HTTP; the embedded ffmpeg-made samples stay in package
// emulator (samples.go, next to its testdata).
//
// Consistency rules:
//   - Everything is deterministic: the same arguments give the same bytes,
//     so racing renders of one file agree and nothing needs storing.
//   - StampedSize(jpg, w, h) is exactly len(StampedImage(jpg, w, h, seed))
//     for every seed; GLB's size does not depend on its seed; a WAV is its
//     exact (even) size and any range of it reads the bytes of the whole.
//   - Images are capped at 4096x4096 pixels (ClampDims), keeping the
//     aspect ratio.
package media
