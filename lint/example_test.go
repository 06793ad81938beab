package lint_test

import (
	"context"
	"fmt"
	"os"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/lint"
)

// Check a repository's certificate files the way a CI job does: zlint's
// default sources, SARIF on stdout, failing on errors.
func ExampleRun() {
	linter, err := lint.NewLinter(nil) // RFC5280 and CABF_BR; build it once
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	w := lint.NewWriter(os.Stdout, lint.SARIF, lint.WriterOptions{FailOn: finding.Error})
	sum, err := lint.Run(context.Background(), lint.Options{
		Paths:   []string{"certs"},
		Linter:  linter,
		MinDays: 30,
		FailOn:  finding.Error,
	}, w)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	if sum.HasFailures() {
		fmt.Fprintln(os.Stderr, sum)
	}
}
