package plan

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// MaxNameLength is the longest DNS name accepted (RFC 1035 §2.3.4, without
// the trailing dot).
const MaxNameLength = 253

// MaxNames is the most names a plan may hold. Let's Encrypt and most UCC
// products stop at 100 SANs; the hard limit here only guards against
// runaway input.
const MaxNames = 1000

// NameError reports a name that is not a valid host name.
type NameError struct {
	Name   string // as given
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("%q is not a valid host name: %s", e.Name, e.Reason)
}

var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
)

// Normalize returns the name as it belongs on a certificate: lowercase, no
// trailing dot, internationalised labels in their ASCII (punycode) form. A
// leading "*." wildcard label is kept. IP addresses are returned in their
// canonical text form. It returns a *NameError for anything that is not a
// valid host name.
func Normalize(name string) (string, error) {
	s := strings.TrimSpace(name)
	if s == "" {
		return "", &NameError{Name: name, Reason: "it is empty"}
	}
	if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil && !strings.Contains(s, "%") {
		return ip.String(), nil
	}
	s = strings.TrimSuffix(s, ".")
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return "", &NameError{Name: name, Reason: "it is not valid UTF-8 text"}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", &NameError{Name: name, Reason: "it contains a control character"}
		}
	}
	wild := false
	if strings.HasPrefix(s, "*.") {
		wild = true
		s = s[2:]
	}
	if strings.Contains(s, "*") {
		return "", &NameError{Name: name, Reason: "a wildcard is allowed only as the whole leftmost label (*.example.com)"}
	}
	a, err := idnaProfile.ToASCII(s)
	if err != nil {
		return "", &NameError{Name: name, Reason: idnaReason(s, err)}
	}
	a = strings.ToLower(a)
	if _, err := idnaProfile.ToUnicode(a); err != nil {
		return "", &NameError{Name: name, Reason: idnaReason(a, err)}
	}
	if err := checkLDH(a); err != nil {
		return "", &NameError{Name: name, Reason: err.Error()}
	}
	if wild {
		if !strings.Contains(a, ".") {
			return "", &NameError{Name: name, Reason: "a wildcard needs at least two labels after it (*.example.com)"}
		}
		a = "*." + a
	}
	if len(a) > MaxNameLength {
		return "", &NameError{Name: name, Reason: fmt.Sprintf("it is %d characters long; the limit is %d", len(a), MaxNameLength)}
	}
	return a, nil
}

func idnaReason(s string, err error) string {
	if len(s) > MaxNameLength {
		return fmt.Sprintf("it is longer than %d characters", MaxNameLength)
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" {
			return "it has an empty label (two dots in a row, or a leading dot)"
		}
		if len(l) > 63 {
			return fmt.Sprintf("label %q is longer than 63 characters", l)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("label %q starts or ends with a hyphen", l)
		}
	}
	for _, r := range s {
		if r == '_' {
			return "it contains an underscore, which host names may not"
		}
		if r == ' ' {
			return "it contains a space"
		}
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// checkLDH checks the letters-digits-hyphen rule of RFC 1123 §2.1 on an
// ASCII name.
func checkLDH(a string) error {
	for _, l := range strings.Split(a, ".") {
		if l == "" {
			return errors.New("it has an empty label (two dots in a row, or a leading dot)")
		}
		if len(l) > 63 {
			return fmt.Errorf("label %q is longer than 63 characters", l)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("label %q starts or ends with a hyphen", l)
		}
		// A second guard: idnaProfile (StrictDomainName, the STD3 rules)
		// already refuses every other ASCII character, so changing these
		// comparisons changes no result (equivalent mutants).
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("label %q has the character %q; only letters, digits and hyphens are allowed", l, c)
			}
		}
	}
	return nil
}

// internalTLDs are top-level labels that are reserved or commonly used for
// private networks; none is delegated in the public DNS root. Anything the
// public suffix list does not know as an ICANN suffix is internal too.
var internalTLDs = map[string]string{
	"local":       "\".local\" is reserved for multicast DNS (RFC 6762) and never delegated",
	"localdomain": "\".localdomain\" is not a public top-level domain",
	"localhost":   "\".localhost\" is reserved (RFC 6761)",
	"internal":    "\".internal\" is reserved by ICANN for private use",
	"lan":         "\".lan\" is not a public top-level domain",
	"corp":        "\".corp\" is not a public top-level domain (ICANN will not delegate it)",
	"home":        "\".home\" is not a public top-level domain (ICANN will not delegate it)",
	"intranet":    "\".intranet\" is not a public top-level domain",
	"private":     "\".private\" is not a public top-level domain",
	"test":        "\".test\" is reserved for testing (RFC 6761)",
	"example":     "\".example\" is reserved for documentation (RFC 6761)",
	"invalid":     "\".invalid\" is reserved (RFC 6761)",
}

// InternalReason returns why a public CA refuses name (already normalised),
// or "" when the name is acceptable to a public CA. The CA/Browser Forum
// Baseline Requirements (§4.2.2, §7.1.2.7.12) forbid Internal Names (names
// not ending in a delegated top-level domain) and Reserved IP addresses, and
// since 2026-03-15 names under the reverse-DNS zones.
func InternalReason(name string) string {
	if ip, err := netip.ParseAddr(name); err == nil {
		if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || !ip.IsGlobalUnicast() {
			return "it is a reserved (private) IP address"
		}
		return "it is an IP address; Exchange clients connect by host name, and few public CAs issue for IP addresses"
	}
	n := strings.TrimPrefix(name, "*.")
	if !strings.Contains(n, ".") {
		return "it is a single-label (NetBIOS-style) name, which cannot be validated on the public internet"
	}
	if strings.HasSuffix(n, ".in-addr.arpa") || strings.HasSuffix(n, ".ip6.arpa") || n == "in-addr.arpa" || n == "ip6.arpa" {
		return "names in the reverse-DNS zones are refused since 2026-03-15 (Baseline Requirements §4.2.2)"
	}
	tld := n[strings.LastIndexByte(n, '.')+1:]
	if why, ok := internalTLDs[tld]; ok {
		return why
	}
	if _, icann := publicsuffix.PublicSuffix(tld); !icann {
		return fmt.Sprintf("%q is not a public top-level domain", "."+tld)
	}
	if ps, _ := publicsuffix.PublicSuffix(n); ps == n {
		return "it is a public suffix (a top-level or registry-controlled domain), not a name anyone can validate"
	}
	return ""
}

// IsIP reports whether a normalised name is an IP address.
func IsIP(name string) bool {
	_, err := netip.ParseAddr(name)
	return err == nil
}
