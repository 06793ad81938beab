package inspect

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

// Schema identifies the JSON report document and its version.
const Schema = "exchcert.inspect/v1"

// DefaultMinDays is the default warning threshold for certificates close to
// expiry: Let's Encrypt and most monitoring renew 30 days before.
const DefaultMinDays = 30

// Report is the result of Check and the JSON document of
// `exchcert inspect -o json`.
type Report struct {
	Schema       string           `json:"schema"`
	EvaluatedAt  time.Time        `json:"evaluated_at"`
	Exchange     string           `json:"exchange,omitempty"` // target version the key type was checked for
	PrivateKeys  int              `json:"private_keys"`       // keys given (--key and inside the files) and matched against
	Files        []File           `json:"files"`
	Certificates []Certificate    `json:"certificates"`
	CSRs         []CSR            `json:"csrs"`
	Coverage     []Coverage       `json:"coverage"`
	Findings     finding.Findings `json:"findings"`
}

// HasErrors reports whether any finding has Error severity.
func (r *Report) HasErrors() bool { return r.Findings.HasErrors() }

// File summarises one loaded file.
type File struct {
	Name   string   `json:"name"`
	Format Format   `json:"format"`
	Certs  int      `json:"certificates"`
	CSRs   int      `json:"csrs"`
	Keys   int      `json:"private_keys"`
	PFX    *PFXInfo `json:"pfx,omitempty"`
}

// Role is a certificate's place in its chain.
type Role string

// Roles.
const (
	RoleLeaf         Role = "leaf"         // not a CA: the server certificate
	RoleIntermediate Role = "intermediate" // a CA that is not self-signed
	RoleRoot         Role = "root"         // a self-signed CA
)

// Certificate is the summary of one certificate.
type Certificate struct {
	File               string    `json:"file"`
	Index              int       `json:"index"` // position in the file, from 1
	Role               Role      `json:"role"`
	Subject            string    `json:"subject"`
	CommonName         string    `json:"common_name"`
	Issuer             string    `json:"issuer"`
	Serial             string    `json:"serial"` // uppercase hex, as Windows shows it
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	DaysLeft           int       `json:"days_left"`     // whole days from evaluated_at to not_after; negative when expired
	ValidityDays       int       `json:"validity_days"` // lifetime as CA/B Forum BR §6.3.2 counts it
	DNSNames           []string  `json:"dns_names"`     // DNS subject alternative names
	IPAddresses        []string  `json:"ip_addresses"`  // IP subject alternative names
	KeyType            string    `json:"key_type"`      // RSA, ECDSA, Ed25519
	KeyBits            int       `json:"key_bits"`      // modulus or curve size
	KeyCurve           string    `json:"key_curve"`     // P-256 … for ECDSA
	SignatureAlgorithm string    `json:"signature_algorithm"`
	KeyUsage           []string  `json:"key_usage"`     // RFC 5280 names
	ExtKeyUsage        []string  `json:"ext_key_usage"` // serverAuth, clientAuth, … or OIDs
	IsCA               bool      `json:"is_ca"`
	SelfSigned         bool      `json:"self_signed"`
	Thumbprint         string    `json:"thumbprint"`         // SHA-1, uppercase hex, as Exchange shows it
	SHA256Fingerprint  string    `json:"sha256_fingerprint"` // SHA-256, uppercase hex
	HasPrivateKey      bool      `json:"has_private_key"`    // a given key matches it
}

// CSR is the summary of one certificate request.
type CSR struct {
	File               string   `json:"file"`
	Index              int      `json:"index"`
	Subject            string   `json:"subject"`
	CommonName         string   `json:"common_name"`
	DNSNames           []string `json:"dns_names"`
	IPAddresses        []string `json:"ip_addresses"`
	KeyType            string   `json:"key_type"`
	KeyBits            int      `json:"key_bits"`
	KeyCurve           string   `json:"key_curve"`
	SignatureAlgorithm string   `json:"signature_algorithm"`
	SignatureValid     bool     `json:"signature_valid"`
	HasPrivateKey      bool     `json:"has_private_key"`
}

// Coverage is how one certificate or request covers the planned names.
type Coverage struct {
	File       string         `json:"file"`
	Kind       string         `json:"kind"` // "certificate" or "csr"
	Subject    string         `json:"subject"`
	Thumbprint string         `json:"thumbprint,omitempty"`
	Names      []NameCoverage `json:"names"`
}

// How a name is covered.
const (
	ByExact    = "san"      // a DNS or IP subject alternative name equal to it
	ByWildcard = "wildcard" // a *.domain SAN one label above it
	ByCNOnly   = "cn-only"  // only the Common Name: ignored by modern clients
	ByNone     = "none"
)

// NameCoverage is one planned name and what covers it.
type NameCoverage struct {
	Name    string      `json:"name"`
	Roles   []plan.Role `json:"roles,omitempty"`
	Covered bool        `json:"covered"`
	By      string      `json:"by"`              // san, wildcard, cn-only, none
	Match   string      `json:"match,omitempty"` // the SAN or CN that matched
}

// Summarize returns the summary of c as of now; file and index say where
// it came from.
func Summarize(c *x509.Certificate, file string, index int, now time.Time) Certificate {
	kt, bits, curve := KeyInfo(c.PublicKey)
	s := Certificate{
		File: file, Index: index, Role: RoleOf(c),
		Subject: c.Subject.String(), CommonName: c.Subject.CommonName, Issuer: c.Issuer.String(),
		Serial:    serialHex(c),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		DaysLeft:           DaysLeft(c, now),
		ValidityDays:       ValidityDays(c),
		DNSNames:           nonNil(c.DNSNames),
		IPAddresses:        ipStrings(c.IPAddresses),
		KeyType:            kt,
		KeyBits:            bits,
		KeyCurve:           curve,
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		KeyUsage:           keyUsageNames(c.KeyUsage),
		ExtKeyUsage:        extKeyUsageNames(c),
		IsCA:               c.IsCA,
		SelfSigned:         selfSigned(c),
		Thumbprint:         Thumbprint(c),
		SHA256Fingerprint:  Fingerprint256(c),
	}
	return s
}

// SummarizeCSR returns the summary of a certificate request.
func SummarizeCSR(r *x509.CertificateRequest, file string, index int) CSR {
	kt, bits, curve := KeyInfo(r.PublicKey)
	return CSR{
		File: file, Index: index,
		Subject: r.Subject.String(), CommonName: r.Subject.CommonName,
		DNSNames: nonNil(r.DNSNames), IPAddresses: ipStrings(r.IPAddresses),
		KeyType: kt, KeyBits: bits, KeyCurve: curve,
		SignatureAlgorithm: r.SignatureAlgorithm.String(),
		SignatureValid:     r.CheckSignature() == nil,
	}
}

// RoleOf says whether c is a leaf, an intermediate or a root. A
// self-signed CA certificate that names hosts is a self-signed server
// certificate (a leaf) as well: `openssl req -x509` marks what it makes a CA
// by default (OpenSSL 3.0: basicConstraints CA:TRUE, no key usage, the host
// only in the Common Name), and appliances ship such certificates with DNS
// names and keyCertSign. It names hosts when it has a DNS or IP subject
// alternative name, or, without keyCertSign, a host name as its Common
// Name. Check also treats it as a root when it issued another certificate
// of the input.
func RoleOf(c *x509.Certificate) Role {
	switch {
	case !c.IsCA:
		return RoleLeaf
	case selfSigned(c):
		if namesHosts(c) {
			return RoleLeaf
		}
		return RoleRoot
	}
	return RoleIntermediate
}

// namesHosts reports whether a CA certificate names hosts as a server
// certificate does (see RoleOf).
func namesHosts(c *x509.Certificate) bool {
	if len(c.DNSNames) > 0 || len(c.IPAddresses) > 0 {
		return true
	}
	if c.KeyUsage&x509.KeyUsageCertSign != 0 {
		return false
	}
	n, err := plan.Normalize(c.Subject.CommonName)
	return err == nil && strings.Contains(n, ".")
}

// DaysLeft returns the whole days from now until c expires; negative once
// it has expired.
func DaysLeft(c *x509.Certificate, now time.Time) int {
	return int(math.Floor(c.NotAfter.Sub(now).Hours() / 24))
}

// ValidityDays returns c's validity period in days as the CA/B Forum
// Baseline Requirements §6.3.2 count it: notBefore to notAfter inclusive
// (RFC 5280 §4.1.2.5, hence one second more), and any part of a day counts
// as a whole day.
func ValidityDays(c *x509.Certificate) int {
	d := c.NotAfter.Sub(c.NotBefore) + time.Second
	return int(math.Ceil(d.Hours() / 24))
}

// KeyInfo names a public key's type, size in bits and curve.
func KeyInfo(pub crypto.PublicKey) (typ string, bits int, curve string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen(), ""
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize, k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519", 256, ""
	case nil:
		return "unknown", 0, ""
	}
	return fmt.Sprintf("%T", pub), 0, ""
}

func serialHex(c *x509.Certificate) string {
	if c.SerialNumber == nil {
		return ""
	}
	s := strings.ToUpper(c.SerialNumber.Text(16))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

var keyUsageBits = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "contentCommitment"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

func keyUsageNames(ku x509.KeyUsage) []string {
	out := []string{}
	for _, b := range keyUsageBits {
		if ku&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	return out
}

var extKeyUsageName = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:                            "any",
	x509.ExtKeyUsageServerAuth:                     "serverAuth",
	x509.ExtKeyUsageClientAuth:                     "clientAuth",
	x509.ExtKeyUsageCodeSigning:                    "codeSigning",
	x509.ExtKeyUsageEmailProtection:                "emailProtection",
	x509.ExtKeyUsageIPSECEndSystem:                 "ipsecEndSystem",
	x509.ExtKeyUsageIPSECTunnel:                    "ipsecTunnel",
	x509.ExtKeyUsageIPSECUser:                      "ipsecUser",
	x509.ExtKeyUsageTimeStamping:                   "timeStamping",
	x509.ExtKeyUsageOCSPSigning:                    "OCSPSigning",
	x509.ExtKeyUsageMicrosoftServerGatedCrypto:     "msSGC",
	x509.ExtKeyUsageNetscapeServerGatedCrypto:      "nsSGC",
	x509.ExtKeyUsageMicrosoftCommercialCodeSigning: "msCodeCom",
	x509.ExtKeyUsageMicrosoftKernelCodeSigning:     "msKernelCode",
}

func extKeyUsageNames(c *x509.Certificate) []string {
	out := []string{}
	for _, u := range c.ExtKeyUsage {
		if n, ok := extKeyUsageName[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("eku-%d", u))
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		out = append(out, o.String())
	}
	return out
}

// selfSigned reports whether c is issued by itself, signature checked.
func selfSigned(c *x509.Certificate) bool {
	return string(c.RawSubject) == string(c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// keyAlgorithm maps a public key to the exchange package's algorithm.
func keyAlgorithm(pub crypto.PublicKey) exchange.KeyAlgorithm {
	switch pub.(type) {
	case *rsa.PublicKey:
		return exchange.RSA
	case *ecdsa.PublicKey:
		return exchange.ECDSA
	}
	return ""
}
