//go:build !unix

package main

import "os"

// openInput opens an input file for reading.
func openInput(name string) (*os.File, error) { return os.Open(name) }
