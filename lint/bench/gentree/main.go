// Command gentree writes the benchmark tree of lint/bench/run.sh: N varied
// certificate files, one certificate each (see lint/internal/benchtree).
//
// Usage:
//
//	go run ./lint/bench/gentree [-n 2000] [-seed 1] DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/exchcert/exchcert/lint/internal/benchtree"
)

func main() {
	n := flag.Int("n", 2000, "number of certificate files")
	seed := flag.Uint64("seed", 1, "seed of the tree's shape")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gentree [-n 2000] [-seed 1] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	st, err := benchtree.Write(flag.Arg(0), *n, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentree:", err)
		os.Exit(1)
	}
	fmt.Printf("%d files (%d PEM, %d DER), %d expired, %d breaking a rule on purpose\n",
		st.Files, st.PEM, st.DER, st.Expired, st.RuleBreaking)
}
