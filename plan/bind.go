package plan

import (
	"slices"
	"strings"

	"github.com/exchcert/exchcert/exchange"
)

// BindInput is what the plan says about binding a certificate: the
// version, the server, the name clients use (the Common Name), the planned
// names, and the legacy host during a coexistence. The caller adds the
// certificate (thumbprint, file, names when they come from the
// certificate) and its own options.
func (p *Plan) BindInput() exchange.BindInput {
	in := exchange.BindInput{
		Version:       p.Exchange,
		From:          p.From,
		Server:        p.Server(),
		URLHost:       p.CommonName,
		CommonName:    p.CommonName,
		Names:         p.DNSNames(),
		NamesFromPlan: true,
	}
	for _, n := range p.Names {
		if slices.Contains(n.Roles, RoleLegacy) {
			in.LegacyHost = n.Name
		}
	}
	return in
}

// Missing returns, for each planned name that names do not cover, which
// finding it is and what breaks without it, from the name's roles.
func (p *Plan) Missing(names []string) []exchange.MissingName {
	var out []exchange.MissingName
	for _, n := range p.Names {
		if !exchange.Covers(names, n.Name) {
			out = append(out, missingName(n))
		}
	}
	return out
}

func missingName(n Name) exchange.MissingName {
	m := exchange.MissingName{Name: n.Name, Code: "planned-name-missing"}
	var breaks []string
	for _, r := range n.Roles {
		switch r {
		case RoleAutodiscover:
			m.Code = "autodiscover-not-covered"
			breaks = append(breaks, "Outlook and phones look up their settings at https://"+n.Name+"/autodiscover/autodiscover.xml and get a certificate warning or no settings")
		case RoleNamespace:
			breaks = append(breaks, "every client URL (OWA, ActiveSync, EWS, OAB, MAPI, Outlook Anywhere) uses this name, so every client gets a certificate warning")
		case RoleServer:
			breaks = append(breaks, "the default internal URLs and the Autodiscover SCP name the server; Outlook inside the network warns until they all point at a covered name")
		case RoleLegacy:
			breaks = append(breaks, "users whose mailbox is still on the old version are sent to this name during the migration and get a certificate warning")
		case RoleRootDomain:
			breaks = append(breaks, "Outlook tries https://"+n.Name+"/autodiscover/autodiscover.xml first and shows a certificate warning if that site answers")
		case RoleExtra:
			breaks = append(breaks, "clients that use this name (asked for with --name) get a certificate warning")
		}
	}
	m.Breaks = strings.Join(breaks, "; ")
	return m
}
