package acme

import (
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

// HTTP01Findings says which planned names HTTP-01 cannot validate, or
// validates only if another server cooperates, so the admin can choose
// DNS-01 before the CA refuses. HTTP-01 fetches
// http://<name>/.well-known/acme-challenge/<token> on port 80 from the
// public internet (RFC 8555 §8.3), so it needs every name to resolve
// publicly to the machine answering the challenge.
func HTTP01Findings(p *plan.Plan) finding.Findings {
	var fs finding.Findings
	for _, n := range p.Names {
		switch {
		case strings.HasPrefix(n.Name, "*."):
			fs = append(fs, finding.Finding{
				Code: "http01-wildcard", Severity: finding.Error, Subject: n.Name,
				Message:  "a wildcard name can only be validated with DNS-01",
				Fix:      "use --dns PROVIDER",
				Citation: "RFC 8555 §7.1.3; https://letsencrypt.org/docs/challenge-types/",
			})
		case plan.IsIP(n.Name) || plan.InternalReason(n.Name) != "":
			fs = append(fs, finding.Finding{
				Code: "http01-internal", Severity: finding.Error, Subject: n.Name,
				Message:  "an internal name cannot be reached from the CA",
				Fix:      "leave it off the plan, or use an internal ACME CA that can reach it",
				Citation: "CA/Browser Forum BR §7.1.2.7.12",
			})
		case hasRole(n, plan.RoleRootDomain):
			fs = append(fs, finding.Finding{
				Code: "http01-root-domain", Severity: finding.Warning, Subject: n.Name,
				Message: fmt.Sprintf("%s usually points at the company web site, not at Exchange; HTTP-01 succeeds only if that web server answers the challenge", n.Name),
				Fix:     "use --dns PROVIDER, or leave the root domain off with --no-root",
			})
		case hasRole(n, plan.RoleLegacy):
			fs = append(fs, finding.Finding{
				Code: "http01-legacy", Severity: finding.Warning, Subject: n.Name,
				Message: fmt.Sprintf("%s points at the old Exchange server during coexistence; HTTP-01 succeeds only if port 80 of that name reaches this machine", n.Name),
				Fix:     "use --dns PROVIDER",
			})
		}
	}
	return fs
}

func hasRole(n plan.Name, r plan.Role) bool {
	for _, x := range n.Roles {
		if x == r {
			return true
		}
	}
	return false
}
