package main

import (
	"fmt"
	"time"

	"github.com/exchcert/exchcert/acme"
)

// ruleLine says which rule decided and when the next check is due.
func ruleLine(r acme.Renewal) string {
	what := map[string]string{
		acme.RulePlan:          "the plan's names",
		acme.RuleExpired:       "expiry",
		acme.RuleARI:           "the CA's renewal window (RFC 9773)",
		acme.RuleFixedFraction: "a third of the lifetime left",
		acme.RuleDays:          "--days",
	}[r.Rule]
	line := fmt.Sprintf("rule: %s (%s)", r.Rule, what)
	if r.ARIError != "" {
		line += "; renewal information: " + esc(r.ARIError)
	}
	if !r.Due && !r.NextCheck.IsZero() {
		line += "; next check: " + r.NextCheck.UTC().Format(time.RFC3339)
	}
	return line
}
