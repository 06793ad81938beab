package inspect

import (
	"crypto/x509"
	"net"
	"net/netip"
	"strings"

	"github.com/exchcert/exchcert/plan"
)

// Names is what a certificate or request presents to clients: its DNS and
// IP subject alternative names and its Common Name, normalised as plan
// normalises planned names. Build it once with CertNames or CSRNames and
// ask Cover for each planned name.
type Names struct {
	SANs []string // DNS SANs (A-labels, lowercase) and IP SANs (canonical text)
	CN   string   // the Common Name, normalised; "" when none
}

// CertNames returns the names c presents.
func CertNames(c *x509.Certificate) Names {
	return presented(c.DNSNames, c.IPAddresses, c.Subject.CommonName)
}

// CSRNames returns the names r asks for.
func CSRNames(r *x509.CertificateRequest) Names {
	return presented(r.DNSNames, r.IPAddresses, r.Subject.CommonName)
}

func presented(dns []string, ips []net.IP, cn string) Names {
	var n Names
	for _, d := range dns {
		n.SANs = append(n.SANs, normName(d))
	}
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok {
			n.SANs = append(n.SANs, a.Unmap().String())
		}
	}
	if cn != "" {
		n.CN = normName(cn)
	}
	return n
}

// normName normalises a presented name; one that is not a valid host name
// (an underscore, a stray space) is kept lowercase so it can still match
// exactly.
func normName(s string) string {
	if n, err := plan.Normalize(s); err == nil {
		return n
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

// Cover says whether the presented names cover name (already normalised,
// as a plan holds it), how, and which presented name matched. A DNS SAN
// equal to the name covers it; a wildcard SAN "*.acme.com" covers exactly
// one label in its place ("mail.acme.com"), not "acme.com" and not
// "a.b.acme.com" (RFC 6125 §6.4.3, CA/B Forum BR §1.6.1 "Wildcard Domain
// Name"). A name found only in the Common Name is reported as ByCNOnly and
// not covered: clients that follow RFC 6125 §6.4.4 ignore the CN whenever
// SANs are present, and Chrome, Apple and Go ignore it always.
func (n Names) Cover(name string) (covered bool, by, match string) {
	for _, s := range n.SANs {
		if s == name {
			return true, ByExact, s
		}
	}
	for _, s := range n.SANs {
		if wildcardMatches(s, name) {
			return true, ByWildcard, s
		}
	}
	if n.CN != "" && (n.CN == name || wildcardMatches(n.CN, name)) {
		return false, ByCNOnly, n.CN
	}
	return false, ByNone, ""
}

// wildcardMatches reports whether the presented wildcard pattern ("*.d")
// matches host: exactly one non-empty label in place of "*". A planned
// wildcard is matched only by the same wildcard (exact), never by another
// pattern, and IP addresses never match a wildcard.
func wildcardMatches(pattern, host string) bool {
	base, ok := strings.CutPrefix(pattern, "*.")
	if !ok || base == "" || strings.HasPrefix(host, "*.") || plan.IsIP(host) {
		return false
	}
	label, rest, ok := strings.Cut(host, ".")
	return ok && label != "" && rest == base
}

// CoverPlan returns a row for every planned name.
func CoverPlan(p *plan.Plan, n Names) []NameCoverage {
	rows := make([]NameCoverage, 0, len(p.Names))
	for _, pn := range p.Names {
		ok, by, match := n.Cover(pn.Name)
		rows = append(rows, NameCoverage{Name: pn.Name, Roles: pn.Roles, Covered: ok, By: by, Match: match})
	}
	return rows
}
