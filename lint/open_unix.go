//go:build unix

package lint

import (
	"os"
	"syscall"
)

// openFile opens a file for reading without blocking: if a regular file was
// swapped for a named pipe after the walk looked at it, a plain open would
// wait for a writer forever. O_NONBLOCK changes nothing for regular files.
func openFile(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
