// Package csr makes the private key and the certificate signing request
// (PKCS #10) for an Exchange certificate plan: the Common Name and every
// planned name as subject alternative names, the subject fields a CA
// validates for an organisation-validated certificate, and the findings an
// admin should read before sending the request (a key type the target
// Exchange version cannot use, subject fields a public CA drops).
//
// It also reads and writes private keys as PEM. It does no file I/O: the
// caller reads the key file and writes the results (with
// internal/safefile), and it knows nothing of the command line.
package csr

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

// MaxKeyFileSize is the largest key file a caller should read for
// ParsePrivateKeyPEM; real PEM keys are a few kilobytes.
const MaxKeyFileSize = 1 << 20

// Upper bounds of the subject attributes, RFC 5280 Appendix A.1
// (ub-common-name, ub-organization-name, ub-organizational-unit-name,
// ub-locality-name, ub-state-name), in characters.
const (
	maxCommonName = 64
	maxOrg        = 64
	maxOrgUnit    = 64
	maxLocality   = 128
	maxState      = 128
)

// Subject holds the subject attributes besides the Common Name, which always
// comes from the plan. Empty fields are left out of the request.
type Subject struct {
	Organization       string `json:"organization,omitempty"`        // O
	OrganizationalUnit string `json:"organizational_unit,omitempty"` // OU
	Locality           string `json:"locality,omitempty"`            // L
	State              string `json:"state,omitempty"`               // ST
	Country            string `json:"country,omitempty"`             // C, ISO 3166-1 alpha-2
}

// SubjectError reports a subject attribute that cannot go into a request.
// Field is the JSON name of the attribute: "common_name", "organization",
// "organizational_unit", "locality", "state" or "country".
type SubjectError struct {
	Field string
	Err   error
}

func (e *SubjectError) Error() string { return e.Err.Error() }
func (e *SubjectError) Unwrap() error { return e.Err }

// Request is what Build needs.
type Request struct {
	Plan    *plan.Plan    // the names; required
	Key     crypto.Signer // an RSA or ECDSA private key; required
	Subject Subject
}

// CSR is a certificate signing request made by Build, with what it says.
type CSR struct {
	Subject    Subject `json:"subject"`     // as in the request: trimmed, country in upper case
	CommonName string  `json:"common_name"` // the plan's Common Name
	// DN is the subject as RFC 4514 writes it, most specific first
	// ("CN=exch2.acme.com,O=ACME").
	DN string `json:"subject_dn"`
	// SANs are the subject alternative names in plan order: DNS names and,
	// for a --private-ca plan, IP addresses.
	SANs               []string `json:"sans"`
	Key                KeyInfo  `json:"key"`
	PublicKeySHA256    string   `json:"public_key_sha256"`   // see PublicKeySHA256
	SignatureAlgorithm string   `json:"signature_algorithm"` // "SHA256-RSA", "ECDSA-SHA384", …
	// Findings are what the admin should know before sending the request.
	Findings finding.Findings `json:"findings"`

	DER []byte `json:"-"` // the PKCS #10 request
	PEM []byte `json:"-"` // DER as a "CERTIFICATE REQUEST" PEM block
}

// NormalizeSubject trims every field, upper-cases and checks the country
// code, and checks lengths (RFC 5280 upper bounds) and characters. It
// returns a *SubjectError naming the first bad field.
func NormalizeSubject(s Subject) (Subject, error) {
	fields := []struct {
		v     *string
		field string
		max   int
	}{
		{&s.Organization, "organization", maxOrg},
		{&s.OrganizationalUnit, "organizational_unit", maxOrgUnit},
		{&s.Locality, "locality", maxLocality},
		{&s.State, "state", maxState},
	}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		if err := checkAttr(*f.v, f.max); err != nil {
			return s, &SubjectError{Field: f.field, Err: err}
		}
	}
	if s.Country = strings.TrimSpace(s.Country); s.Country != "" {
		c, err := NormalizeCountry(s.Country)
		if err != nil {
			return s, &SubjectError{Field: "country", Err: err}
		}
		s.Country = c
	}
	return s, nil
}

func checkAttr(v string, max int) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%q is not valid UTF-8 text", v)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q contains a control character", v)
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Errorf("%q has %d characters; X.509 allows at most %d (RFC 5280)", v, n, max)
	}
	return nil
}

// Build makes the certificate signing request for r.Plan, signed with
// r.Key: the subject is CN = the plan's Common Name plus the fields of
// r.Subject; the subject alternative name extension holds every planned
// name in order (IP addresses as IP SANs). The signature uses SHA-256 for
// RSA and ECDSA P-256 keys, and the hash that matches the curve for P-384
// (SHA-384) and P-521 (SHA-512), as the Baseline Requirements §7.1.3.2.2
// pair them.
//
// Build returns a *SubjectError for a bad subject field or a Common Name
// longer than 64 characters, an *UnsupportedKeyError for a key a public CA
// refuses, and an error for a missing plan or key.
func Build(r Request) (*CSR, error) {
	if r.Plan == nil || len(r.Plan.Names) == 0 {
		return nil, errors.New("no plan names to request")
	}
	if r.Key == nil {
		return nil, errors.New("no private key")
	}
	subj, err := NormalizeSubject(r.Subject)
	if err != nil {
		return nil, err
	}
	cn := r.Plan.CommonName
	if n := utf8.RuneCountInString(cn); n > maxCommonName {
		return nil, &SubjectError{Field: "common_name", Err: fmt.Errorf("the Common Name %s has %d characters; X.509 allows at most %d (RFC 5280), so choose a shorter --namespace or server name", cn, n, maxCommonName)}
	}
	info, err := DescribeKey(r.Key.Public())
	if err != nil {
		return nil, err
	}

	tmpl := &x509.CertificateRequest{
		Subject:            pkixName(cn, subj),
		SignatureAlgorithm: signatureAlgorithm(r.Key.Public()),
	}
	sans := r.Plan.DNSNames()
	for _, n := range sans {
		if plan.IsIP(n) {
			tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(n))
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, r.Key)
	if err != nil {
		return nil, fmt.Errorf("signing the request: %w", err)
	}
	// Read the request back, as the CA will, before anyone sends it.
	parsed, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("internal error: the request does not parse: %w", err)
	}
	if err := parsed.CheckSignature(); err != nil {
		return nil, fmt.Errorf("internal error: the request's signature does not verify: %w", err)
	}
	if !slices.Equal(parsed.DNSNames, tmpl.DNSNames) || len(parsed.IPAddresses) != len(tmpl.IPAddresses) {
		return nil, errors.New("internal error: the request's names differ from the plan")
	}
	fp, err := PublicKeySHA256(r.Key.Public())
	if err != nil {
		return nil, err
	}
	c := &CSR{
		Subject:            subj,
		CommonName:         cn,
		DN:                 tmpl.Subject.String(),
		SANs:               sans,
		Key:                info,
		PublicKeySHA256:    fp,
		SignatureAlgorithm: parsed.SignatureAlgorithm.String(),
		Findings:           findings(r.Plan, subj, info),
		DER:                der,
		PEM:                pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
	}
	return c, nil
}

func pkixName(cn string, s Subject) pkix.Name {
	n := pkix.Name{CommonName: cn}
	add := func(dst *[]string, v string) {
		if v != "" {
			*dst = []string{v}
		}
	}
	add(&n.Organization, s.Organization)
	add(&n.OrganizationalUnit, s.OrganizationalUnit)
	add(&n.Locality, s.Locality)
	add(&n.Province, s.State)
	add(&n.Country, s.Country)
	return n
}

func signatureAlgorithm(pub crypto.PublicKey) x509.SignatureAlgorithm {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P384():
			return x509.ECDSAWithSHA384
		case elliptic.P521():
			return x509.ECDSAWithSHA512
		}
		return x509.ECDSAWithSHA256
	}
	return x509.SHA256WithRSA
}

// Citations of the subject rules.
const (
	citeOVSubject = "CA/Browser Forum Baseline Requirements §7.1.2.7.4 (Organization Validated subject)"
	citeDVSubject = "CA/Browser Forum Baseline Requirements §7.1.2.7.2 (Domain Validated subject)"
	citeNoOU      = "CA/Browser Forum ballot SC47v2: no organizationalUnitName in certificates issued from 2022-09-01 (Baseline Requirements §7.1.2.7.4)"
	citeECC       = "https://learn.microsoft.com/exchange/architecture/client-access/certificates#elliptic-curve-cryptography-certificates-support-in-exchange-server"
)

// findings says what the admin should know about the subject and the key
// before sending the request.
func findings(p *plan.Plan, s Subject, k KeyInfo) finding.Findings {
	fs := finding.Findings{}
	if ok, note := exchange.KeySupport(p.Exchange, k.Algorithm); !ok {
		fs = append(fs, finding.Finding{Code: "key-type-unsupported", Severity: finding.Warning, Subject: k.String(),
			Message:  note,
			Fix:      "make the key with --key-type rsa2048 (or rsa3072/rsa4096)",
			Citation: citeECC})
	} else if note != "" {
		fs = append(fs, finding.Finding{Code: "key-type-conditions", Severity: finding.Warning, Subject: k.String(),
			Message:  note,
			Fix:      "check the build of every Exchange server that will use the certificate, or use --key-type rsa2048",
			Citation: citeECC})
	}
	if s.OrganizationalUnit != "" {
		fs = append(fs, finding.Finding{Code: "org-unit-dropped", Severity: finding.Warning, Subject: "OU=" + s.OrganizationalUnit,
			Message: "public CAs no longer put an organisational unit in certificates; the CA drops it or rejects the request",
			Fix:     "leave out --org-unit unless the certificate comes from an internal CA", Citation: citeNoOU})
	}
	if s.Organization != "" && (s.Country == "" || s.Locality == "" && s.State == "") {
		var missing []string
		if s.Country == "" {
			missing = append(missing, "--country")
		}
		if s.Locality == "" && s.State == "" {
			missing = append(missing, "--locality or --state")
		}
		fs = append(fs, finding.Finding{Code: "ov-subject-incomplete", Severity: finding.Info, Subject: "O=" + s.Organization,
			Message: "an organisation-validated certificate names the organisation with its country and its locality or state; the CA checks them against its records and fills them in, so a request that carries them shows the certificate you will get",
			Fix:     "add " + strings.Join(missing, " and ") + " as the organisation is registered", Citation: citeOVSubject})
	}
	if s.Organization == "" && (s.Locality != "" || s.State != "" || s.OrganizationalUnit != "") {
		fs = append(fs, finding.Finding{Code: "dv-subject-dropped", Severity: finding.Info, Subject: "no organisation",
			Message: "without --org this is a request for a domain-validated certificate, which carries only the Common Name (and at most the country): the CA drops the locality, state and organisational unit",
			Fix:     "add --org for an organisation-validated certificate", Citation: citeDVSubject})
	}
	return fs
}

// X500Name returns the subject as New-ExchangeCertificate -SubjectName takes
// it: "C=GB,S=Kent,L=Canterbury,O=ACME,OU=IT,CN=exch2.acme.com", least
// specific first as Microsoft's examples write it
// (https://learn.microsoft.com/powershell/module/exchangepowershell/new-exchangecertificate). A value
// holding a comma, plus, equals, quote, angle bracket, hash or semicolon, or
// with spaces at either end, is put in double quotes with inner quotes
// doubled, as Windows' CertStrToName reads it. S is the state, as Windows
// spells the attribute.
func (c *CSR) X500Name() string {
	var parts []string
	add := func(attr, v string) {
		if v == "" {
			return
		}
		if strings.ContainsAny(v, ",+=\"<>#;") || strings.TrimSpace(v) != v {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		parts = append(parts, attr+"="+v)
	}
	add("C", c.Subject.Country)
	add("S", c.Subject.State)
	add("L", c.Subject.Locality)
	add("O", c.Subject.Organization)
	add("OU", c.Subject.OrganizationalUnit)
	add("CN", c.CommonName)
	return strings.Join(parts, ",")
}
