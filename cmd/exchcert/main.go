package main

import (
	"os"

	// For its side effect: the garbage collector starts later, so that
	// package initialisation does not trigger a collection.
	_ "github.com/exchcert/exchcert/internal/startheap"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
