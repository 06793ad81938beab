//go:build unix

package main

import (
	"os"
	"syscall"
)

// openInput opens an input file for reading without waiting: a named pipe
// that no program writes to would make a plain open wait forever, while
// with O_NONBLOCK it opens at once and reads as empty. A pipe that has a
// writer (a shell's <(...)) is still read to its end, and regular files do
// not notice the flag.
func openInput(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
