// Package plan works out which names an Exchange certificate must carry:
// the Common Name and every subject alternative name, each with the role it
// plays and the reason clients need it, plus the findings an admin should
// read before buying the certificate.
//
// Build applies the rules to an Input; Decode reads a plan saved as JSON
// (the "exchcert.plan/v1" document) and checks it. The package does no I/O
// beyond the reader and writer it is given, and knows nothing of the
// command line.
package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
)

// Schema identifies the JSON plan document and its version.
const Schema = "exchcert.plan/v1"

// Role is why a name is on the certificate.
type Role string

// Roles a planned name can have.
const (
	RoleServer       Role = "server"       // the Exchange server's FQDN
	RoleNamespace    Role = "namespace"    // the client namespace (--namespace)
	RoleLegacy       Role = "legacy"       // the legacy host name during coexistence
	RoleRootDomain   Role = "root-domain"  // the SMTP domain itself (Autodiscover step 2)
	RoleAutodiscover Role = "autodiscover" // autodiscover.<domain>
	RoleExtra        Role = "extra"        // asked for with --name
)

// Input is what the admin knows: the server, the SMTP domains, the Exchange
// versions, and optional extra names.
type Input struct {
	FQDN        string           // the Exchange server's FQDN (required)
	Domains     []string         // SMTP domains; default: FQDN's parent domain
	Exchange    exchange.Version // target version; default Exchange SE
	From        exchange.Version // version being migrated from; None for none
	LegacyName  string           // default legacy.<first domain> when a legacy name is needed
	Names       []string         // extra names
	Namespace   string           // the client namespace (mail.example.com); becomes the Common Name
	IncludeFQDN bool             // keep the server FQDN when a namespace is given (2013 and later)
	NoRoot      bool             // leave <domain> off
	PrivateCA   bool             // allow names a public CA refuses
}

// Name is one name on the certificate.
type Name struct {
	Name   string `json:"name"`
	Roles  []Role `json:"roles"`
	Reason string `json:"reason"`
}

// Plan is the result: the Common Name, every SAN in order, and findings. It
// is also the JSON document that --plan reads back.
type Plan struct {
	Schema     string           `json:"schema"`
	FQDN       string           `json:"fqdn"`
	Domains    []string         `json:"domains"`
	Exchange   exchange.Version `json:"exchange"`
	From       exchange.Version `json:"from,omitempty"`
	Namespace  string           `json:"namespace,omitempty"`
	PrivateCA  bool             `json:"private_ca,omitempty"`
	CommonName string           `json:"common_name"`
	Names      []Name           `json:"names"`
	Findings   finding.Findings `json:"findings"`
}

// DNSNames returns the planned names in order (the SAN list).
func (p *Plan) DNSNames() []string {
	out := make([]string, len(p.Names))
	for i, n := range p.Names {
		out[i] = n.Name
	}
	return out
}

// Server returns the Exchange server's NetBIOS-style short name: the first
// label of its FQDN, upper-cased as Exchange shows it.
func (p *Plan) Server() string {
	s, _, _ := strings.Cut(p.FQDN, ".")
	return strings.ToUpper(s)
}

// InputError reports input that cannot be planned: a bad name, a refused
// name, or an unsupported migration. Field names the flag or field at fault;
// Value, when set, is the name in its normalised form, so the message is
// one line of printable text whatever the input held.
type InputError struct {
	Field string // "fqdn", "domain", "name", "from", …
	Value string
	Err   error
}

func (e *InputError) Error() string {
	if e.Value == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s %s", e.Value, e.Err.Error())
}

func (e *InputError) Unwrap() error { return e.Err }

// ErrRefusedName is wrapped by the InputError for a name that a public CA
// refuses (an internal name) when PrivateCA is off.
var ErrRefusedName = errors.New("a public CA refuses this name")

// Build applies the planning rules to in. It returns an *InputError for a
// name that is not a valid host name, a name a public CA refuses (unless
// in.PrivateCA), or a migration Exchange does not support.
func Build(in Input) (*Plan, error) {
	b := &builder{in: in, index: map[string]int{}}
	if err := b.run(); err != nil {
		return nil, err
	}
	return b.p, nil
}

type builder struct {
	in    Input
	p     *Plan
	index map[string]int
}

func (b *builder) run() error {
	in := b.in
	if in.Exchange == exchange.None {
		in.Exchange = exchange.ExchangeSE
	}
	if in.Exchange < exchange.Exchange2007 || in.Exchange > exchange.ExchangeSE {
		return &InputError{Field: "exchange", Err: fmt.Errorf("exchcert plans certificates for Exchange %s only", exchange.Join(exchange.Targets))}
	}
	if in.From < exchange.None || in.From > exchange.ExchangeSE {
		return &InputError{Field: "from", Err: fmt.Errorf("unknown Exchange version %d to migrate from (want one of %s)", in.From, exchange.Join(exchange.Sources))}
	}
	if strings.TrimSpace(in.FQDN) == "" {
		return &InputError{Field: "fqdn", Err: errors.New("the server FQDN is required (--fqdn exch2.example.com)")}
	}
	fqdn, err := b.norm("fqdn", in.FQDN)
	if err != nil {
		return err
	}
	if strings.HasPrefix(fqdn, "*.") || IsIP(fqdn) {
		return &InputError{Field: "fqdn", Value: fqdn, Err: errors.New("is not a server host name")}
	}
	var domains []string
	seen := map[string]bool{}
	for _, d := range in.Domains {
		n, err := b.norm("domain", d)
		if err != nil {
			return err
		}
		if strings.HasPrefix(n, "*.") || IsIP(n) {
			return &InputError{Field: "domain", Value: n, Err: errors.New("is not an SMTP domain")}
		}
		if !seen[n] {
			seen[n] = true
			domains = append(domains, n)
		}
	}
	if len(domains) == 0 {
		_, parent, ok := strings.Cut(fqdn, ".")
		if !ok {
			return &InputError{Field: "fqdn", Value: fqdn, Err: errors.New("has no parent domain; name the SMTP domain with --domain")}
		}
		domains = []string{parent}
	}
	b.p = &Plan{
		Schema:    Schema,
		FQDN:      fqdn,
		Domains:   domains,
		Exchange:  in.Exchange,
		From:      in.From,
		PrivateCA: in.PrivateCA,
		Findings:  finding.Findings{},
	}
	p := b.p
	if len(in.Domains) == 0 {
		b.finding(finding.Finding{Code: "domain-from-fqdn", Severity: finding.Info, Subject: domains[0],
			Message: fmt.Sprintf("no --domain given; planning for %s, the server's parent domain", domains[0]),
			Fix:     "name every SMTP domain that has Outlook or mobile users with --domain"})
	}

	legacy, err := coexistence(in.From, in.Exchange)
	if err != nil {
		return &InputError{Field: "from", Err: err}
	}
	// A legacy name is checked even when the coexistence needs none: the
	// finding that says it is ignored names it, and a report must not echo
	// control characters or broken UTF-8.
	legacyName := in.LegacyName
	if legacyName != "" {
		if legacyName, err = Normalize(legacyName); err != nil {
			return &InputError{Field: "legacy-name", Err: err}
		}
	}

	// The Common Name: the client namespace when there is one, else the server FQDN.
	ns := ""
	if in.Namespace != "" {
		if ns, err = b.norm("namespace", in.Namespace); err != nil {
			return err
		}
		if strings.HasPrefix(ns, "*.") || IsIP(ns) {
			return &InputError{Field: "namespace", Value: ns, Err: errors.New("is not a host name clients can use as a namespace")}
		}
		p.Namespace = ns
		p.CommonName = ns
		b.add(ns, RoleNamespace, "the client namespace: Outlook, OWA, ActiveSync, EWS, OAB and MAPI URLs use this name, so it is the Common Name; older Outlook clients compare the Outlook Anywhere principal name (msstd:) with the Common Name")
	} else {
		p.CommonName = fqdn
	}

	switch {
	case ns == "":
		b.add(fqdn, RoleServer, "the server's FQDN is the Common Name and, as clients ignore the Common Name, also a SAN; the default virtual-directory URLs and the Autodiscover SCP use it")
		if in.Exchange.Is2013OrLater() {
			b.finding(finding.Finding{Code: "no-namespace", Severity: finding.Info, Subject: fqdn,
				Message:  fmt.Sprintf("%s and later are designed around a client namespace rather than server host names; a certificate that names only this server must be replaced when servers change", in.Exchange.Title()),
				Fix:      fmt.Sprintf("add --namespace mail.%s (and point the virtual-directory URLs at it with exchcert bind)", domains[0]),
				Citation: "https://learn.microsoft.com/exchange/digital-certificates-and-ssl-exchange-2013-help"})
		}
	case !in.Exchange.Is2013OrLater():
		b.add(fqdn, RoleServer, fmt.Sprintf("%s's default internal URLs and the Autodiscover SCP use the server's FQDN; keep it unless you change them all to the namespace", in.Exchange.Title()))
	case in.IncludeFQDN:
		b.add(fqdn, RoleServer, "kept with --include-fqdn: clients that still use the server's own name (internal URLs or the SCP not yet moved to the namespace) need it")
	default:
		b.finding(finding.Finding{Code: "fqdn-left-off", Severity: finding.Info, Subject: fqdn,
			Message:  fmt.Sprintf("the server FQDN %s is not on the certificate: with a client namespace, Microsoft advises against server host names on certificates", fqdn),
			Fix:      "point every internal URL and the Autodiscover SCP at the namespace (exchcert bind does), or keep the name with --include-fqdn",
			Citation: "https://learn.microsoft.com/exchange/digital-certificates-and-ssl-exchange-2013-help"})
	}

	if legacy.needed {
		name := legacyName
		if name == "" {
			name = "legacy." + domains[0]
		}
		n, err := b.norm("legacy-name", name)
		if err != nil {
			return err
		}
		b.add(n, RoleLegacy, strings.ReplaceAll(legacy.why, "legacy.<domain>", n))
	} else if in.From != exchange.None {
		b.finding(finding.Finding{Code: "no-legacy-name", Severity: finding.Info, Subject: in.From.Title() + " to " + in.Exchange.Title(),
			Message: "no legacy name is needed: " + legacy.why, Citation: legacy.source})
		if legacyName != "" {
			b.finding(finding.Finding{Code: "legacy-name-unused", Severity: finding.Warning, Subject: legacyName,
				Message: "--legacy-name is ignored because this coexistence needs no legacy name", Fix: "drop --legacy-name, or add the name with --name if clients really use it"})
		}
	} else if legacyName != "" {
		b.finding(finding.Finding{Code: "legacy-name-unused", Severity: finding.Warning, Subject: legacyName,
			Message: "--legacy-name is ignored without --from", Fix: "name the version being migrated from with --from"})
	}

	for i, d := range domains {
		if in.NoRoot {
			b.finding(finding.Finding{Code: "root-domain-left-off", Severity: finding.Info, Subject: d,
				Message: fmt.Sprintf("%s is left off (--no-root): Outlook's Autodiscover then relies on the SCP inside the network and on autodiscover.%s (or an SRV record) outside; if https://%s/ answers with a certificate that does not name it, Outlook shows a certificate warning before it gets there", d, d, d),
				Fix:     fmt.Sprintf("make sure https://%s/autodiscover/autodiscover.xml does not answer on port 443, or set ExcludeHttpsRootDomain on the clients", d), Citation: "https://learn.microsoft.com/outlook/troubleshoot/profiles-and-accounts/unexpected-autodiscover-behavior"})
		} else {
			b.add(d, RoleRootDomain, fmt.Sprintf("Outlook tries https://%s/autodiscover/autodiscover.xml before autodiscover.%s; if %s answers on 443 with a certificate that does not name it, users see a certificate warning", d, d, d))
		}
		why := fmt.Sprintf("Outlook and mobile clients (iPhone, Android) find their settings at https://autodiscover.%s/autodiscover/autodiscover.xml; a CNAME does not help, TLS checks the name the client asked for", d)
		if i > 0 {
			why += fmt.Sprintf("; alternative without this SAN: an SRV record _autodiscover._tcp.%s pointing at %s (Outlook then shows a redirect prompt, and some mobile clients ignore SRV)", d, "autodiscover."+domains[0])
		}
		b.add("autodiscover."+d, RoleAutodiscover, why)
	}

	for _, x := range in.Names {
		n, err := b.norm("name", x)
		if err != nil {
			return err
		}
		b.add(n, RoleExtra, "asked for with --name")
	}
	if in.From != exchange.None {
		b.currentNameNote(ns)
	}
	return b.check()
}

// currentNameNote tells a migrating admin to keep the name clients use
// today: phones, Outlook Anywhere profiles and bookmarks point at the old
// version's name (often mail.<domain>), and when that name moves to the new
// servers the certificate must still carry it. The fix names the exact flag:
// --namespace for 2013 and later (the name becomes the client namespace),
// --name for 2007 and 2010 (an extra SAN beside the server FQDN).
func (b *builder) currentNameNote(ns string) {
	p, in := b.p, b.in
	guess := "mail." + p.Domains[0]
	flag := "--name " + guess
	if in.Exchange.Is2013OrLater() {
		flag = "--namespace " + guess
	}
	msg := fmt.Sprintf("during the migration, phones, Outlook Anywhere profiles and bookmarks keep using the name clients use for %s today (often %s); when that name moves to %s it must be on this certificate, or they break", in.From.Title(), guess, in.Exchange.Title())
	fix := fmt.Sprintf("if clients use a name the plan lacks, add it: %s (or the name they really use)", flag)
	if _, ok := b.index[guess]; ok || ns != "" {
		have := guess
		if ns != "" {
			have = ns
		}
		msg = fmt.Sprintf("during the migration, phones, Outlook Anywhere profiles and bookmarks keep using the name clients use for %s today; the plan carries %s, so that name is kept if it is the one they use", in.From.Title(), have)
		fix = fmt.Sprintf("if clients use yet another name, add it with --name (for example --name %s)", "owa."+p.Domains[0])
	}
	b.finding(finding.Finding{Code: "keep-current-name", Severity: finding.Info, Subject: guess, Message: msg, Fix: fix,
		Citation: exchange.SrcTransition2010})
}

// norm normalises a name and, unless PrivateCA, refuses internal names.
func (b *builder) norm(field, name string) (string, error) {
	n, err := Normalize(name)
	if err != nil {
		return "", &InputError{Field: field, Err: err}
	}
	if why := InternalReason(n); why != "" && !b.in.PrivateCA {
		return "", &InputError{Field: field, Value: n, Err: fmt.Errorf("%w: %s (use a name under a registered domain with split DNS, or --private-ca for an internal CA)", ErrRefusedName, why)}
	}
	return n, nil
}

func (b *builder) add(name string, role Role, why string) {
	if i, ok := b.index[name]; ok {
		n := &b.p.Names[i]
		for _, r := range n.Roles {
			if r == role {
				return
			}
		}
		n.Roles = append(n.Roles, role)
		if role != RoleExtra {
			n.Reason += "; " + why
		}
		return
	}
	b.index[name] = len(b.p.Names)
	b.p.Names = append(b.p.Names, Name{Name: name, Roles: []Role{role}, Reason: why})
}

func (b *builder) finding(f finding.Finding) { b.p.Findings = append(b.p.Findings, f) }

// check adds the findings that look at the whole list: internal names
// allowed by PrivateCA, wildcards, and the name count.
func (b *builder) check() error {
	p := b.p
	if len(p.Names) > MaxNames {
		return &InputError{Field: "name", Err: fmt.Errorf("the plan has %d names; the limit is %d", len(p.Names), MaxNames)}
	}
	for _, n := range p.Names {
		if why := InternalReason(n.Name); why != "" {
			b.finding(finding.Finding{Code: "internal-name", Severity: finding.Warning, Subject: n.Name,
				Message:  "a public CA refuses this name: " + why + "; allowed because of --private-ca, so only clients that trust your internal CA will accept the certificate",
				Fix:      "for a public certificate use a name under a registered domain (split DNS) instead",
				Citation: "CA/Browser Forum Baseline Requirements §4.2.2, §7.1.2.7.12"})
		}
		if strings.HasPrefix(n.Name, "*.") {
			b.finding(finding.Finding{Code: "wildcard-name", Severity: finding.Info, Subject: n.Name,
				Message: "a wildcard covers exactly one label: not the bare domain and not deeper names; Exchange needs X509CertificateName for POP/IMAP and msstd:" + n.Name + " for old Outlook Anywhere clients",
				Fix:     "prefer listing the names (a SAN certificate), as Microsoft advises", Citation: "https://learn.microsoft.com/exchange/architecture/client-access/certificates"})
		}
	}
	switch n := len(p.Names); {
	case n > 100:
		b.finding(finding.Finding{Code: "too-many-names", Severity: finding.Warning, Subject: fmt.Sprintf("%d names", n),
			Message: "Let's Encrypt and most UCC products take at most 100 names per certificate", Fix: "split the names over two certificates, or drop names clients do not use",
			Citation: "https://letsencrypt.org/docs/rate-limits/"})
	case n > 5:
		b.finding(finding.Finding{Code: "ucc-tier", Severity: finding.Info, Subject: fmt.Sprintf("%d names", n),
			Message: "UCC products commonly include 3 to 5 names and charge for each extra SAN; check the tier you buy"})
	}
	return nil
}
