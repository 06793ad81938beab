package probe

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

// Finding codes. They never change once published, so scripts can match on
// them.
const (
	CodeUnreachable         = "unreachable"          // nothing answers (DNS, refused, timeout)
	CodeStalled             = "stalled"              // connected, then no answer in time
	CodeProtocolError       = "protocol-error"       // the server does not speak the protocol (garbage, too long, refused service)
	CodeStartTLSMissing     = "starttls-missing"     // a plain-text port without STARTTLS/STLS
	CodeTLSFailed           = "tls-failed"           // the TLS handshake failed
	CodeTLSOldVersion       = "tls-old-version"      // TLS 1.0 or 1.1 negotiated
	CodeNameNotCovered      = "name-not-covered"     // the certificate is not valid for the name used
	CodeIntermediateMissing = "intermediate-missing" // the server does not send its intermediate
	CodeUntrusted           = "untrusted"            // the chain does not lead to a trusted root
	CodeCertExpired         = "cert-expired"         // a certificate served is outside its validity
	CodeCertExpiring        = "cert-expiring"        // the leaf expires within ExpiringDays
	CodeOldCertificate      = "old-certificate"      // a service serves another certificate than the newest one seen
	CodeAutodiscoverMissing = "autodiscover-unreachable"
	CodeRootDomainSlow      = "root-domain-slow"
	CodeUnexpectedStatus    = "unexpected-status"
	CodeWindowsAuthMissing  = "windows-auth-missing"
	CodeBasicAuthMissing    = "basic-auth-missing"
	CodeHostNotPlanned      = "host-not-planned"
)

// planCovers reports whether a certificate for the plan's names would be
// valid for host, by crypto/x509's rules (wildcards included).
func planCovers(p *plan.Plan, host string) bool {
	c := &x509.Certificate{}
	for _, n := range p.DNSNames() {
		if ip := net.ParseIP(n); ip != nil {
			c.IPAddresses = append(c.IPAddresses, ip)
		} else {
			c.DNSNames = append(c.DNSNames, n)
		}
	}
	return c.VerifyHostname(host) == nil
}

// ExpiringDays is how close to its end a served certificate draws a warning.
const ExpiringDays = 14

// Sources cited by findings.
const (
	citeAutodiscover = "https://learn.microsoft.com/outlook/troubleshoot/profiles-and-accounts/unexpected-autodiscover-behavior"
	citeVdirDefaults = "https://learn.microsoft.com/exchange/clients/default-virtual-directory-settings"
	citeAutodArch    = "https://learn.microsoft.com/exchange/architecture/client-access/autodiscover"
	citeEnableCert   = "https://learn.microsoft.com/powershell/module/exchangepowershell/enable-exchangecertificate"
	citeRFC8996      = "RFC 8996 (TLS 1.0 and 1.1 deprecated)"
	citeRFC3207      = "RFC 3207 (SMTP STARTTLS); RFC 2595 (IMAP STARTTLS, POP3 STLS)"
	citeChain        = "RFC 8446 §4.4.2 (the server sends its chain); RFC 5246 §7.4.2"
)

type collector struct {
	fs   finding.Findings
	seen map[string]bool
}

// add appends f unless a finding with the same key was added already (the
// same certificate problem seen through two endpoints is reported once).
func (c *collector) add(key string, f finding.Finding) {
	if key != "" {
		if c.seen[key] {
			return
		}
		c.seen[key] = true
	}
	c.fs = append(c.fs, f)
}

// label names an endpoint in findings: "https mail.contoso.com:443 as
// autodiscover.contoso.com", "smtp mail.contoso.com:25".
func (e *Endpoint) label() string {
	s := string(e.Service) + " " + e.Address
	if h, _, err := net.SplitHostPort(e.Address); err != nil || h != e.Name {
		s += " as " + e.Name
	}
	return s
}

// server is the -Server/-Identity part of the fixes: the planned server's
// name, or the name of the machine the shell runs on.
func (r *runner) server() string {
	if r.o.Plan != nil && r.o.Plan.FQDN != "" {
		return r.o.Plan.Server()
	}
	return "$env:COMPUTERNAME"
}

func (r *runner) findings(rep *Report) finding.Findings {
	c := &collector{fs: finding.Findings{}, seen: map[string]bool{}}
	if p := r.o.Plan; p != nil && !planCovers(p, r.host) {
		c.add("", finding.Finding{Code: CodeHostNotPlanned, Severity: finding.Warning, Subject: r.host,
			Message: fmt.Sprintf("%s is not one of the planned names, yet the mail services and EWS are checked as clients reaching them under this name would see them", r.host),
			Fix:     fmt.Sprintf("probe the name clients use, e.g. exchcert probe %s (with --addr SERVICE=HOST:PORT to keep connecting to this server)", p.CommonName)})
	}
	for _, e := range rep.Endpoints {
		r.endpointFindings(c, rep, e)
	}
	r.oldCertificates(c, rep)
	for _, w := range rep.Web {
		r.webFindings(c, rep, w)
	}
	return c.fs
}

func (r *runner) endpointFindings(c *collector, rep *Report, e *Endpoint) {
	info := serviceInfos[e.Service]
	subj := e.label()
	if f := e.Failure; f != nil && !f.connected() {
		c.add(CodeUnreachable+"|"+string(e.Service)+"|"+e.Address, finding.Finding{
			Code: CodeUnreachable, Severity: info.unreachable, Subject: string(e.Service) + " " + e.Address,
			Message: fmt.Sprintf("%s: %s", f.Kind, f.Message) + unreachableWhy(e.Service),
			Fix:     r.unreachableFix(e.Service, e.Address, f),
		})
		return
	}
	if e.StartTLS != nil && !*e.StartTLS && e.Failure == nil {
		msg := fmt.Sprintf("the server does not offer %s: clients either send passwords and mail in clear text or fail", startTLSWord(e.Service))
		if e.Service == SMTP {
			msg = "the server does not offer STARTTLS: mail from other servers (and Exchange Online in hybrid) travels in clear text or is refused by senders that require TLS"
		}
		if strings.Contains(e.Banner, "XXXXXXXA") {
			msg += "; the EHLO reply shows X-ed out extensions, the mark of a firewall's SMTP inspection (Cisco ASA \"inspect esmtp\") hiding STARTTLS"
		}
		c.add("", finding.Finding{Code: CodeStartTLSMissing, Severity: finding.Error, Subject: subj, Message: msg,
			Fix: r.startTLSFix(e.Service, rep), Citation: citeRFC3207})
	}
	if f := e.Failure; f != nil {
		switch {
		case f.Kind == FailTimeout:
			c.add("", finding.Finding{Code: CodeStalled, Severity: finding.Error, Subject: subj,
				Message: fmt.Sprintf("the server accepted the connection but stopped answering (at %s) within the time limit", f.Stage),
				Fix:     "check the service on the server and any firewall or load balancer in front of it that holds connections open"})
		case f.Stage == stageHandshake:
			c.add("", finding.Finding{Code: CodeTLSFailed, Severity: finding.Error, Subject: subj,
				Message: "the TLS handshake failed: " + f.Message,
				Fix:     r.bindFix(e.Service, e.Name, "<thumbprint>") + "; a handshake failure usually means no certificate is bound to this service"})
		default:
			c.add("", finding.Finding{Code: CodeProtocolError, Severity: finding.Error, Subject: subj,
				Message: fmt.Sprintf("the server does not answer as %s should (at %s): %s", protocolName(e.Service), f.Stage, f.Message),
				Fix:     fmt.Sprintf("check that %s really leads to the Exchange %s service, not another program or a proxy", e.Address, protocolName(e.Service))})
		}
	}
	if e.TLS != nil {
		r.tlsFindings(c, rep, subj, e.Service, e.Name, e.TLS, false)
	}
}

func startTLSWord(s Service) string {
	if s == POP3 {
		return "STLS"
	}
	return "STARTTLS"
}

func protocolName(s Service) string {
	switch s {
	case HTTPS:
		return "HTTPS"
	case SMTP, Submission:
		return "SMTP"
	case IMAP, IMAPS:
		return "IMAP4"
	}
	return "POP3"
}

func unreachableWhy(s Service) string {
	switch s {
	case HTTPS:
		return " (Outlook, OWA, ActiveSync phones and Autodiscover all need it)"
	case SMTP:
		return " (mail from the internet and hybrid mail arrive here)"
	case Submission:
		return " (fine if no client submits mail on 587: Outlook uses HTTPS, and some clients submit on 25)"
	}
	return " (fine if no client uses it: POP3 and IMAP4 are off by default from Exchange 2013 on)"
}

func (r *runner) unreachableFix(s Service, addr string, f *Failure) string {
	switch f.Kind {
	case FailDNS:
		return "add the DNS record (or check split DNS), or point the service at an address with --addr " + string(s) + "=HOST:PORT"
	case FailTimeout:
		return "a firewall drops connections to " + addr + ": open the port, or probe from where the clients are"
	}
	switch s {
	case HTTPS:
		return "check that IIS (W3SVC) runs and the Default Web Site has an https binding on port 443"
	case SMTP, Submission:
		return "check the receive connectors' bindings: Get-ReceiveConnector | Format-List Name,Bindings"
	case IMAP, IMAPS:
		return "if clients use IMAP4: Set-Service MSExchangeIMAP4 -StartupType Automatic; Start-Service MSExchangeIMAP4 (and MSExchangeIMAP4BE on 2013 and later)"
	}
	return "if clients use POP3: Set-Service MSExchangePOP3 -StartupType Automatic; Start-Service MSExchangePOP3 (and MSExchangePOP3BE on 2013 and later)"
}

// bindFix is the Exchange Management Shell command that puts a certificate
// (thumb) on a service for name: Enable-ExchangeCertificate for the
// service, https://learn.microsoft.com/powershell/module/exchangepowershell/enable-exchangecertificate.
func (r *runner) bindFix(s Service, name, thumb string) string {
	srv := r.server()
	switch s {
	case HTTPS:
		return fmt.Sprintf("Enable-ExchangeCertificate -Server %s -Thumbprint %s -Services IIS; then iisreset /noforce", srv, thumb)
	case SMTP, Submission:
		return fmt.Sprintf("Enable-ExchangeCertificate -Server %s -Thumbprint %s -Services SMTP (transport picks the certificate whose name matches the receive connector's FQDN; answer the prompt to replace the default SMTP certificate deliberately); then restart MSExchangeFrontEndTransport", srv, thumb)
	case IMAP, IMAPS:
		return fmt.Sprintf("Set-ImapSettings -Server %s -X509CertificateName %s; Enable-ExchangeCertificate -Server %s -Thumbprint %s -Services IMAP; then Restart-Service MSExchangeIMAP4,MSExchangeIMAP4BE", srv, name, srv, thumb)
	}
	return fmt.Sprintf("Set-PopSettings -Server %s -X509CertificateName %s; Enable-ExchangeCertificate -Server %s -Thumbprint %s -Services POP; then Restart-Service MSExchangePOP3,MSExchangePOP3BE", srv, name, srv, thumb)
}

func (r *runner) startTLSFix(s Service, rep *Report) string {
	thumb := bestThumbprint(rep, "")
	switch s {
	case SMTP, Submission:
		return r.bindFix(s, r.host, thumb) + "; and check that the receive connector offers TLS: Get-ReceiveConnector | Format-List Name,Bindings,Fqdn,AuthMechanism (AuthMechanism must include Tls); a firewall's SMTP inspection can also hide STARTTLS"
	}
	return r.bindFix(s, r.host, thumb)
}

// bestThumbprint returns the thumbprint of the newest served leaf that is
// trusted and covers name (any name when name is ""), or a placeholder.
func bestThumbprint(rep *Report, name string) string {
	var best *TLS
	for _, e := range rep.Endpoints {
		t := e.TLS
		if t == nil || t.leaf == nil || !t.Trusted {
			continue
		}
		if name != "" && t.leaf.VerifyHostname(name) != nil {
			continue
		}
		if best == nil || t.leaf.NotBefore.After(best.leaf.NotBefore) {
			best = t
		}
	}
	if best == nil {
		return "<thumbprint>"
	}
	return best.Thumbprint
}

// tlsFindings judges one handshake's certificate for name. Findings about
// the same certificate and name are reported once, whichever endpoint saw
// them first.
func (r *runner) tlsFindings(c *collector, rep *Report, subj string, s Service, name string, t *TLS, rootDomain bool) {
	key := func(code string) string { return code + "|" + name + "|" + t.Thumbprint + "|" + string(s) }
	if t.leaf == nil {
		c.add("", finding.Finding{Code: CodeTLSFailed, Severity: finding.Error, Subject: subj, Message: t.Problem})
		return
	}
	leaf := t.leaf
	id := fmt.Sprintf("%s (%s)", t.Thumbprint, leaf.Subject.CommonName)
	if !t.CoversName {
		fix := r.bindFix(s, name, bestThumbprint(rep, name))
		if rootDomain {
			fix = fmt.Sprintf("put %s on the certificate of the server that answers there, or make that server not answer on port 443 (Outlook then moves on to autodiscover.%s)", name, name)
		}
		c.add(key(CodeNameNotCovered), finding.Finding{Code: CodeNameNotCovered, Severity: finding.Error, Subject: subj,
			Message: fmt.Sprintf("the certificate served, %s, is valid for %s, not %s: clients that connect as %s show a certificate warning or refuse to connect", id, coverList(leaf), name, name),
			Fix:     fix, Citation: "RFC 6125 §6.4; " + citeEnableCert})
	}
	switch {
	case !t.Complete:
		issuer := t.missingIssuer
		msg := fmt.Sprintf("the server sends %s without the intermediate certificate %q", id, issuer)
		if t.Trusted {
			msg += ": this computer completes the chain from its own store, as Windows desktops do (they also fetch it through AIA); iPhones, Android and most mail servers do not, and reject the certificate"
		} else {
			msg += " that issued it, and that issuer is no trusted root: iPhones, Android and mail servers reject the certificate (if the issuer is a private root rather than an intermediate, give it with --roots)"
		}
		c.add(key(CodeIntermediateMissing), finding.Finding{Code: CodeIntermediateMissing, Severity: finding.Error, Subject: subj, Message: msg,
			Fix:      "install the CA's intermediate certificate on the server in the Intermediate Certification Authorities store (certutil -addstore CA intermediate.cer), or import the full chain (.p7b, or a PFX with the chain from exchcert pfx); then iisreset /noforce and restart the transport, POP3 and IMAP4 services",
			Citation: citeChain})
	case !t.Trusted:
		c.add(key(CodeUntrusted), finding.Finding{Code: CodeUntrusted, Severity: finding.Error, Subject: subj,
			Message: fmt.Sprintf("%s is not trusted: %s", id, t.Problem),
			Fix:     "use a certificate from a public CA (or, for an internal CA, give its root with --roots and make sure every client trusts it)"})
	}
	if !t.InDate {
		for _, cs := range t.Chain {
			switch {
			case r.now.After(cs.NotAfter):
				c.add(key(CodeCertExpired), finding.Finding{Code: CodeCertExpired, Severity: finding.Error, Subject: subj,
					Message: fmt.Sprintf("%q (%s) expired on %s", cs.Subject, cs.Thumbprint, cs.NotAfter.Format(time.DateOnly)),
					Fix:     "bind the renewed certificate: " + r.bindFix(s, name, bestThumbprint(rep, name))})
			case r.now.Before(cs.NotBefore):
				c.add(key(CodeCertExpired), finding.Finding{Code: CodeCertExpired, Severity: finding.Error, Subject: subj,
					Message: fmt.Sprintf("%q (%s) is not valid before %s", cs.Subject, cs.Thumbprint, cs.NotBefore.Format(time.DateOnly)),
					Fix:     "check the server's clock, or wait until the certificate's start date"})
			default:
				continue
			}
			break
		}
	} else if left := leaf.NotAfter.Sub(r.now); left < ExpiringDays*24*time.Hour {
		c.add(key(CodeCertExpiring), finding.Finding{Code: CodeCertExpiring, Severity: finding.Warning, Subject: subj,
			Message: fmt.Sprintf("%s expires on %s, in %d days", id, leaf.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24)),
			Fix:     "renew now and bind the new certificate on every service"})
	}
	if v := versionOf(t.Version); v != 0 && v < tls.VersionTLS12 {
		c.add(key(CodeTLSOldVersion), finding.Finding{Code: CodeTLSOldVersion, Severity: finding.Warning, Subject: subj,
			Message:  fmt.Sprintf("the server negotiated %s, its best version: current iOS, macOS, Android and browsers refuse TLS 1.0 and 1.1", t.Version),
			Fix:      "enable TLS 1.2 in Schannel and .NET on the server (Microsoft's Exchange TLS guidance) and update Exchange",
			Citation: citeRFC8996})
	}
}

func versionOf(name string) uint16 {
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		if tls.VersionName(v) == name {
			return v
		}
	}
	return 0
}

func coverList(leaf *x509.Certificate) string {
	names := leaf.DNSNames
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		if cn := leaf.Subject.CommonName; cn != "" {
			return fmt.Sprintf("no name at all: it has no subject alternative names, and its Common Name %s is ignored by current clients", cn)
		}
		return "no name at all (no subject alternative names)"
	}
	const max = 8
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
	}
	return strings.Join(names, ", ")
}

// oldCertificates reports the endpoints that serve another certificate
// than the newest one seen anywhere: a service that was not switched over.
func (r *runner) oldCertificates(c *collector, rep *Report) {
	var newest *TLS
	count := map[string]int{}
	for _, e := range rep.Endpoints {
		if t := e.TLS; t != nil && t.leaf != nil {
			count[t.Thumbprint]++
		}
	}
	if len(count) < 2 {
		return
	}
	// The newest is the one issued last; of two issued in the same second,
	// the one more services serve.
	for _, e := range rep.Endpoints {
		t := e.TLS
		if t == nil || t.leaf == nil {
			continue
		}
		if newest == nil || t.leaf.NotBefore.After(newest.leaf.NotBefore) ||
			t.leaf.NotBefore.Equal(newest.leaf.NotBefore) && count[t.Thumbprint] > count[newest.Thumbprint] {
			newest = t
		}
	}
	for _, e := range rep.Endpoints {
		if t := e.TLS; t != nil && t.leaf != nil && t.Thumbprint != newest.Thumbprint {
			c.add(CodeOldCertificate+"|"+string(e.Service)+"|"+e.Address+"|"+t.Thumbprint, finding.Finding{
				Code: CodeOldCertificate, Severity: finding.Warning, Subject: e.label(),
				Message: fmt.Sprintf("serves %s (%s, valid until %s), not the newest certificate seen, %s (%s, issued %s)",
					t.Thumbprint, t.leaf.Subject.CommonName, t.leaf.NotAfter.UTC().Format(time.DateOnly),
					newest.Thumbprint, newest.leaf.Subject.CommonName, newest.leaf.NotBefore.UTC().Format(time.DateOnly)),
				Fix:      r.bindFix(e.Service, e.Name, newest.Thumbprint),
				Citation: citeEnableCert,
			})
		}
	}
}

func (r *runner) webFindings(c *collector, rep *Report, w *WebCheck) {
	f := w.Failure
	switch {
	case f != nil && !f.connected():
		switch w.Kind {
		case WebAutodiscover:
			_, domain, _ := strings.Cut(w.host, ".")
			c.add("", finding.Finding{Code: CodeAutodiscoverMissing, Severity: finding.Warning, Subject: w.URL,
				Message:  fmt.Sprintf("%s: %s; Outlook outside the network and phones cannot find their settings there (an SRV record _autodiscover._tcp.%s can stand in for Outlook, not for every phone)", f.Kind, f.Message, domain),
				Fix:      fmt.Sprintf("publish %s in DNS (a CNAME or A record to the Exchange namespace) and allow port 443 to it", w.host),
				Citation: citeAutodArch})
		case WebRootDomain:
			if f.Kind == FailTimeout {
				c.add("", finding.Finding{Code: CodeRootDomainSlow, Severity: finding.Info, Subject: w.URL,
					Message:  "does not answer: Outlook waits for this URL to time out before it tries autodiscover." + w.host,
					Fix:      "let the web server behind " + w.host + " answer or refuse on port 443, or set ExcludeHttpsRootDomain on the clients",
					Citation: citeAutodiscover})
			}
		case WebEWS:
			if w.Address != r.addr(HTTPS) {
				c.add("", finding.Finding{Code: CodeUnreachable, Severity: finding.Error, Subject: w.URL,
					Message: fmt.Sprintf("%s: %s (Out of Office, free/busy and Outlook for Mac need EWS)", f.Kind, f.Message),
					Fix:     r.unreachableFix(HTTPS, w.Address, f)})
			}
		}
		return
	case f != nil && f.Kind == FailTimeout && w.Kind == WebRootDomain:
		c.add("", finding.Finding{Code: CodeRootDomainSlow, Severity: finding.Info, Subject: w.URL,
			Message:  "accepts the connection, then does not answer: Outlook waits for this URL to time out before it tries autodiscover." + w.host,
			Fix:      "let the web server behind " + w.host + " answer on port 443 (or not accept there at all), or set ExcludeHttpsRootDomain on the clients",
			Citation: citeAutodiscover})
		return
	case f != nil && f.Kind == FailTimeout:
		c.add("", finding.Finding{Code: CodeStalled, Severity: finding.Error, Subject: w.URL,
			Message: fmt.Sprintf("the server accepted the connection but stopped answering (at %s) within the time limit", f.Stage),
			Fix:     "check IIS and any reverse proxy or load balancer in front of it that holds connections open"})
		return
	case f != nil && f.Stage == stageHandshake:
		sev, fix := finding.Error, r.bindFix(HTTPS, w.host, "<thumbprint>")
		if w.Kind == WebRootDomain {
			// A quick failure lets Outlook move on to autodiscover.<domain>
			// without a prompt.
			sev, fix = finding.Info, "nothing to do for Outlook, which moves on to autodiscover."+w.host
		}
		c.add("tls-failed|"+w.Address+"|"+w.host, finding.Finding{Code: CodeTLSFailed, Severity: sev, Subject: w.URL,
			Message: "the TLS handshake failed: " + f.Message, Fix: fix})
		return
	}
	if w.TLS != nil {
		r.tlsFindings(c, rep, w.URL, HTTPS, w.host, w.TLS, w.Kind == WebRootDomain)
	}
	if f != nil {
		if w.Kind != WebRootDomain {
			c.add("", finding.Finding{Code: CodeProtocolError, Severity: finding.Error, Subject: w.URL,
				Message: fmt.Sprintf("no valid HTTP answer (%s): %s", f.Kind, f.Message),
				Fix:     "check IIS and any reverse proxy or load balancer in front of it"})
		}
		return
	}
	if w.Status != 401 {
		if w.Kind == WebRootDomain {
			return // a web site answering is fine, as long as its certificate is valid
		}
		sev := finding.Warning
		msg := fmt.Sprintf("answered %d to a request without credentials; Exchange answers 401 and offers Windows authentication", w.Status)
		if w.Status == 404 || w.Status >= 500 {
			sev = finding.Error
			msg = fmt.Sprintf("answered %d: %s is not served here", w.Status, w.URL)
		}
		if w.Location != "" {
			msg += " (redirect to " + w.Location + ")"
		}
		c.add("", finding.Finding{Code: CodeUnexpectedStatus, Severity: sev, Subject: w.URL, Message: msg,
			Fix: "check that this name and port lead to Exchange's Default Web Site, not another web site or a pre-authenticating proxy"})
		return
	}
	r.authFindings(c, w)
}

// authFindings reads the WWW-Authenticate offers of a 401. Outlook uses
// Windows authentication (Negotiate/NTLM) for Autodiscover and EWS; if it
// is off, Outlook prompts for credentials in a loop and Out of Office and
// free/busy report the server unavailable (the authentication each
// virtual directory has by default:
// https://learn.microsoft.com/exchange/clients/default-virtual-directory-settings). Phones and
// non-Windows clients use Basic on Autodiscover, which is on by default.
func (r *runner) authFindings(c *collector, w *WebCheck) {
	srv := r.server()
	offered := "nothing"
	if len(w.AuthOffered) > 0 {
		offered = strings.Join(w.AuthOffered, ", ")
	}
	windows := offers(w.AuthOffered, "Negotiate", "NTLM")
	basic := offers(w.AuthOffered, "Basic")
	iisFeature := "; the switches work only with the IIS features installed: Install-WindowsFeature Web-Windows-Auth,Web-Basic-Auth (exchcert bind --prereqs); the same lines are in the script exchcert bind prints"
	vdir := func(name string) string {
		if r.o.Plan == nil {
			return `"` + srv + `\` + name + ` (Default Web Site)"` // double quotes: $env: expands
		}
		return exchange.PSQuote(srv + `\` + name + " (Default Web Site)")
	}
	switch w.Kind {
	case WebAutodiscover, WebRootDomain:
		cmd := fmt.Sprintf(`Set-AutodiscoverVirtualDirectory -Identity %s -WindowsAuthentication $true -BasicAuthentication $true; then iisreset /noforce`, vdir("Autodiscover"))
		if !windows {
			c.add("", finding.Finding{Code: CodeWindowsAuthMissing, Severity: finding.Error, Subject: w.URL,
				Message:  "Autodiscover offers " + offered + ", not Windows authentication (Negotiate/NTLM): Outlook prompts for credentials again and again, and cannot find EWS for Out of Office and free/busy",
				Fix:      cmd + iisFeature,
				Citation: citeVdirDefaults})
		}
		if !basic {
			c.add("", finding.Finding{Code: CodeBasicAuthMissing, Severity: finding.Warning, Subject: w.URL,
				Message:  "Autodiscover offers " + offered + ", not Basic authentication (on by default): iPhone, Android and other non-Windows clients cannot set up the account",
				Fix:      cmd + iisFeature + " (leave Basic off only if every client uses modern authentication)",
				Citation: citeVdirDefaults})
		}
	case WebEWS:
		if !windows {
			c.add("", finding.Finding{Code: CodeWindowsAuthMissing, Severity: finding.Error, Subject: w.URL,
				Message:  "EWS offers " + offered + ", not Windows authentication (Negotiate/NTLM, the default): Out of Office, free/busy and mail tips fail in Outlook (\"the server is unavailable\")",
				Fix:      fmt.Sprintf(`Set-WebServicesVirtualDirectory -Identity %s -WindowsAuthentication $true -BasicAuthentication $true (drop -BasicAuthentication if Basic is off on purpose, for modern authentication); then iisreset /noforce`, vdir("EWS")) + iisFeature,
				Citation: citeVdirDefaults})
		}
	}
}
