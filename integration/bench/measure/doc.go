//go:build linux

// Package measure holds the benchmark's measuring primitives that need no
// mount, no server and no state of a run: reads as cat does them (ReadAll,
// FirstBytes, ReadChecked) and a byte comparison of two files, the CPU time
// of a process (ProcCPU), medians and speeds, the text of the table's
// figures (Ms, MiB, CPUPerGiB, ...), and the description of the machine
// (Machine, LoadAvg).
//
// Consistency rules:
//   - A timed read is open, read(2) loops with a buffer of max(ReadBuf,
//     st_blksize) from pre-touched memory, and close; the lookup before it
//     is not timed where the name says so (ReadChecked).
//   - A figure is formatted in one place only, so every row of the table
//     writes the same quantity the same way.
package measure
