package record

import (
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes a file's data and the metadata needed to read it back
// (its size), skipping timestamps: the cheaper sync an append-only log needs.
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
