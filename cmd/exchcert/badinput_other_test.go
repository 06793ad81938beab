//go:build !unix

package main

import "errors"

// Windows has no RLIMIT_FSIZE, and the suite does not read its memory
// counters: the full-disk cases and the memory bound run on Unix.
const canLimitFileSize = false

func limitFileSize(uint64) error { return errors.New("not supported") }

func peakRSS() int64 { return 0 }

func makeFIFO(string) error { return errors.New("no named pipes") }
