package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/plan"
)

// decide asks the CA for the certificate's renewal window (RFC 9773) and
// decides with it, or with the fixed rule when the CA offers none or
// cannot be reached; a failed request never stops the renewal check.
func (o *acmeOptions) decide(ctx context.Context, a *app, cert *x509.Certificate, p *plan.Plan) (acme.Renewal, error) {
	var roots *x509.CertPool
	if o.serverRoot != "" {
		var err error
		if roots, err = loadRoots("--server-root", o.serverRoot); err != nil {
			return acme.Renewal{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	w, err := acme.FetchWindow(ctx, cert, acme.Options{Server: o.server, Roots: roots})
	return acme.Decide(cert, p, acme.Policy{Days: o.days, Window: w, WindowErr: err}, a.now()), nil
}

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
		line += "; renewal information: " + r.ARIError
	}
	if !r.Due && !r.NextCheck.IsZero() {
		line += "; next check: " + r.NextCheck.UTC().Format(time.RFC3339)
	}
	return line
}
