// Package startheap lets the garbage collector start later in exchcert's
// short runs.
//
// With Go's default GOGC=100 the first collection comes when the heap
// reaches 4 MB. The package initialisation of exchcert's dependencies
// (zlint's lint registry and the public suffix list, tablewriter's width
// cache, the DNS provider SDKs of lego) allocates about 3 MB, so nearly
// every command collected once during or right after start-up, before it
// had done any work: about 2 ms of a 10 ms start on two cores
// (BENCHMARKS.md, "Start-up against zlint -version"). With GOGC=200 the
// first collection comes at 8 MB, and afterwards the heap may grow to three
// times what is live instead of twice: a few MB more for the largest runs
// measured (lint over zlint's 1,555 test files: peak RSS 52 MB instead of
// 44 MB).
//
// Imported for its side effect by the main package. Go initialises
// packages in import-path order once their own imports are initialised
// (The Go Programming Language Specification, "Package initialization"),
// so this package, which imports only os and runtime/debug, runs before
// most of the allocating ones (GODEBUG=inittrace=1 shows where). A GOGC set
// in the environment is left alone.
package startheap

import (
	"os"
	"runtime/debug"
)

// Percent is the GOGC value exchcert runs with when GOGC is not set.
const Percent = 200

func init() { apply(os.Getenv) }

func apply(getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(Percent)
}
