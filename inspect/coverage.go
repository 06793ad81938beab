package inspect

import (
	"crypto/x509"
	"net"
	"net/netip"
	"strings"

	"github.com/weppos/publicsuffix-go/publicsuffix"

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
//
// A DNS name that holds a control character (NUL, ESC, CR, LF ...) covers
// nothing: it is no host name (RFC 5280 §4.2.1.6), and a client that stops
// reading at a NUL would see another name than the CA validated
// (CVE-2009-2408). A wildcard directly under a public suffix ("*.com",
// "*.co.uk") covers nothing either, as in browsers (see
// WildcardUnderPublicSuffix).
func (n Names) Cover(name string) (covered bool, by, match string) {
	for _, s := range n.SANs {
		if HasControl(s) {
			continue
		}
		if s == name {
			return true, ByExact, s
		}
	}
	for _, s := range n.SANs {
		if !HasControl(s) && wildcardMatches(s, name) {
			return true, ByWildcard, s
		}
	}
	if n.CN != "" && !HasControl(n.CN) && (n.CN == name || wildcardMatches(n.CN, name)) {
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
	if !ok || base == "" || strings.HasPrefix(host, "*.") || plan.IsIP(host) || WildcardUnderPublicSuffix(pattern) {
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

// HasControl reports whether a presented name holds a control character
// (U+0000–U+001F, DEL, U+0080–U+009F), which no host name has.
func HasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f })
}

// WildcardUnderPublicSuffix reports whether pattern is a wildcard whose
// "*" stands directly left of a public suffix: "*.com", "*.co.uk", "*.ck",
// or a single label such as "*.local". Browsers match such a wildcard to no
// name (Chromium's X509Certificate::VerifyHostname refuses wildcards under
// ICANN registry-controlled domains and unknown top-level domains, but
// allows them under private suffixes such as appspot.com), RFC 6125 §7.2
// warns against them, and CAs must refuse to issue them (CA/Browser Forum
// Baseline Requirements §3.2.2.6). The suffixes are the ICANN section of the
// Public Suffix List (https://publicsuffix.org/) as compiled into
// github.com/weppos/publicsuffix-go.
func WildcardUnderPublicSuffix(pattern string) bool {
	base, ok := strings.CutPrefix(strings.ToLower(strings.TrimSuffix(pattern, ".")), "*.")
	if !ok {
		return false
	}
	if base == "" || !strings.Contains(base, ".") {
		return true
	}
	rule := publicsuffix.DefaultList.Find(base, &publicsuffix.FindOptions{IgnorePrivate: true, DefaultRule: publicsuffix.DefaultRule})
	if rule == nil {
		return true
	}
	return rule.Decompose(base)[1] == ""
}
