package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/textwrap"
	"github.com/exchcert/exchcert/plan"
)

func newPlanCmd(a *app) *cobra.Command {
	var (
		pf     planFlags
		output outputFlag
	)
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Work out the names the Exchange certificate must cover, and why",
		Long: `Plan works out the Common Name and every subject alternative name the
Exchange certificate needs, from the server FQDN, the SMTP domains, the
Exchange version and the version being migrated from, and explains each one.
Names a public CA refuses (.local, single-label, private TLDs, IP addresses)
are errors unless --private-ca is given.

Save the plan with -o json and pass it to the other commands with --plan.`,
		Example: `  # Exchange 2010 joining an Exchange 2003 organisation
  exchcert plan --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003

  # Exchange SE with a client namespace, saved for the other commands
  exchcert plan --fqdn exch2.acme.com --domain acme.com --namespace mail.acme.com -o json > acme.plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := pf.load(a, cmd)
			if err != nil {
				return err
			}
			return a.report(output, p, func(w io.Writer) error { return writePlanTable(w, p) })
		},
	}
	pf.register(cmd.Flags())
	addOutputFlag(cmd, &output)
	return cmd
}

func writePlanTable(w io.Writer, p *plan.Plan) error {
	head := fmt.Sprintf("Common Name: %s\nExchange:    %s", p.CommonName, p.Exchange.Title())
	if p.From != exchange.None {
		head += fmt.Sprintf(", coexisting with %s", p.From.Title())
	}
	if _, err := fmt.Fprintf(w, "%s\nSMTP domains: %s\n\n", head, strings.Join(p.Domains, ", ")); err != nil {
		return err
	}
	t := newTable(w, "Name", "Role", "Why")
	for _, n := range p.Names {
		if err := t.Append([]string{n.Name, rolesText(n.Roles), textwrap.Soft(n.Reason, 64)}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return writeFindings(w, "Notes", p.Findings)
}

// rolesText lists a name's roles.
func rolesText(roles []plan.Role) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}
