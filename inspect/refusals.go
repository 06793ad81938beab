package inspect

import (
	"encoding/asn1"
	"math/big"
	"strings"

	"github.com/exchcert/exchcert/finding"
)

// Finding codes of the lenient path: what made crypto/x509 refuse a
// certificate or request that the lenient reader read. docs/formats.md
// explains each, with its sources.
const (
	CodeNegativeSerial       = "negative-serial"
	CodeCriticalAIA          = "critical-aia"
	CodeCriticalSKI          = "critical-ski"
	CodeCriticalAKI          = "critical-aki"
	CodeMalformedSAN         = "malformed-san"
	CodeDuplicateExtension   = "duplicate-extension"
	CodeSignatureMismatch    = "signature-algorithm-mismatch"
	CodeBadTimeEncoding      = "bad-time-encoding"
	CodeRSAKeyParams         = "rsa-key-params"
	CodeUnsupportedDNString  = "unsupported-dn-string"
	CodeNegativePathLen      = "negative-pathlen"
	CodeBadBasicConstraints  = "bad-basic-constraints"
	CodeBadVersion           = "bad-version"
	CodeExplicitECParams     = "explicit-ec-params"
	CodeBadNameConstraints   = "bad-name-constraints"
	CodeBadCertificatePolicy = "bad-certificate-policies"
	CodeBadPolicyExtension   = "bad-policy-extension"
	CodeMalformedExtension   = "malformed-extension"
	CodeBadPublicKey         = "bad-public-key"
	CodeRefusedByCryptoX509  = "x509-refused"
)

// refusalInfo explains one refusal code: what is wrong in a plain
// sentence, the rule it breaks, what clients are known to do (with the
// source, or that it is not known), and the fix.
type refusalInfo struct {
	what   string
	effect string
	rule   string
	fix    string
}

const (
	srcGo      = "https://pkg.go.dev/crypto/x509#ParseCertificate"
	unknownWin = "whether Windows (and so Exchange) and browsers accept it is not documented"
	fixReissue = "have the CA issue the certificate again from a conforming profile"
)

var refusals = map[string]refusalInfo{
	CodeNegativeSerial: {
		what:   "the serial number is negative; it must be a positive integer",
		effect: "programs written in Go refuse the certificate since Go 1.23 (" + srcGo + "); OpenSSL reads it; " + unknownWin,
		rule:   "RFC 5280 §4.1.2.2; CA/Browser Forum Baseline Requirements §7.1",
		fix:    fixReissue,
	},
	CodeCriticalAIA: {
		what:   "the authority information access extension is marked critical; it must be non-critical",
		effect: "Go refuses the certificate (" + srcGo + "); a client that does not process the extension must reject a certificate that marks it critical (RFC 5280 §4.2); " + unknownWin,
		rule:   "RFC 5280 §4.2.2.1",
		fix:    fixReissue,
	},
	CodeCriticalSKI: {
		what:   "the subject key identifier extension is marked critical; it must be non-critical",
		effect: "Go refuses the certificate (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.2.1.2",
		fix:    fixReissue,
	},
	CodeCriticalAKI: {
		what:   "the authority key identifier extension is marked critical; it must be non-critical",
		effect: "Go refuses the certificate (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.2.1.1",
		fix:    fixReissue,
	},
	CodeMalformedSAN: {
		what:   "a subject alternative name is malformed (a DNS name, e-mail address or URI that is not valid ASCII in its required syntax)",
		effect: "Go refuses the whole certificate (" + srcGo + "); such a name cannot match a host name; " + unknownWin,
		rule:   "RFC 5280 §4.2.1.6; CA/Browser Forum Baseline Requirements §7.1.2.7.12",
		fix:    fixReissue + ", with every name a valid host name",
	},
	CodeDuplicateExtension: {
		what:   "an extension appears more than once; each may appear only once",
		effect: "Go refuses it (" + srcGo + "); which instance other clients use is not documented",
		rule:   "RFC 5280 §4.2",
		fix:    "issue it again with each extension once (for a request: make the request again, e.g. with exchcert csr)",
	},
	CodeSignatureMismatch: {
		what:   "the signature algorithm inside the signed part differs from the one outside it; they must be the same",
		effect: "Go refuses the certificate (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.1.1.2, §4.1.2.3",
		fix:    fixReissue,
	},
	CodeBadTimeEncoding: {
		what:   "a validity date is not encoded as required (UTCTime or GeneralizedTime with seconds, in UTC, without fractions)",
		effect: "Go refuses the certificate (" + srcGo + "); the dates shown are as zcrypto read them; " + unknownWin,
		rule:   "RFC 5280 §4.1.2.5.1, §4.1.2.5.2",
		fix:    fixReissue,
	},
	CodeRSAKeyParams: {
		what:   "the RSA public key's algorithm identifier lacks the NULL parameters it must carry",
		effect: "Go refuses it (" + srcGo + "); " + unknownWin,
		rule:   "RFC 3279 §2.3.1; CA/Browser Forum Baseline Requirements §7.1.3.1.1",
		fix:    fixReissue,
	},
	CodeUnsupportedDNString: {
		what:   "a name attribute uses a string type certificates must not use (such as UniversalString or a BIT STRING)",
		effect: "Go refuses it (" + srcGo + "); the name is shown as zcrypto read it; " + unknownWin,
		rule:   "RFC 5280 §4.1.2.4; CA/Browser Forum Baseline Requirements §7.1.4",
		fix:    fixReissue + " that encodes names as UTF8String or PrintableString",
	},
	CodeNegativePathLen: {
		what:   "the basic constraints extension has a negative path length; it must be 0 or more",
		effect: "Go refuses the certificate (" + srcGo + "), so chains through it fail; " + unknownWin,
		rule:   "RFC 5280 §4.2.1.9",
		fix:    fixReissue,
	},
	CodeBadBasicConstraints: {
		what:   "the basic constraints extension is malformed",
		effect: "Go refuses the certificate (" + srcGo + "); whether it is a CA is unclear; " + unknownWin,
		rule:   "RFC 5280 §4.2.1.9",
		fix:    fixReissue,
	},
	CodeBadVersion: {
		what:   "the certificate's version is not 1, 2 or 3",
		effect: "Go refuses the certificate (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.1.2.1",
		fix:    fixReissue + " as version 3",
	},
	CodeExplicitECParams: {
		what:   "the EC public key spells out its curve's parameters instead of naming the curve; it was matched to the named curve with the same prime",
		effect: "Go refuses it (" + srcGo + "); Windows CryptoAPI's handling of such keys was the flaw CVE-2020-0601 (https://msrc.microsoft.com/update-guide/vulnerability/CVE-2020-0601); browsers' handling is not documented",
		rule:   "RFC 5480 §2.1.1; CA/Browser Forum Baseline Requirements §7.1.3.1.2",
		fix:    "make a new key on a named curve (P-256 or P-384) and a new request",
	},
	CodeBadNameConstraints: {
		what:   "the name constraints extension is malformed (empty, or an IP range whose mask is not a prefix, or a name that does not parse)",
		effect: "Go refuses the certificate (" + srcGo + "), so every chain through it fails; " + unknownWin,
		rule:   "RFC 5280 §4.2.1.10",
		fix:    fixReissue,
	},
	CodeBadCertificatePolicy: {
		what:   "the certificate policies extension is malformed",
		effect: "Go refuses the certificate (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.2.1.4; CA/Browser Forum Baseline Requirements §7.1.6",
		fix:    fixReissue,
	},
	CodeBadPolicyExtension: {
		what:   "a policy extension (inhibit anyPolicy, policy constraints or policy mappings) is malformed",
		effect: "Go refuses the certificate (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.2.1.5, §4.2.1.11, §4.2.1.14",
		fix:    fixReissue,
	},
	CodeMalformedExtension: {
		what:   "an extension's value does not have the syntax its definition requires",
		effect: "Go refuses it (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.2",
		fix:    fixReissue,
	},
	CodeBadPublicKey: {
		what:   "the public key is malformed or its values are out of range",
		effect: "Go refuses it (" + srcGo + "); no client can use the key for TLS",
		rule:   "RFC 3279 §2.3; RFC 8017 §3.1",
		fix:    "make a new key and a new request (exchcert csr)",
	},
	CodeRefusedByCryptoX509: {
		what:   "Go's certificate parser refuses it for a reason not classified here",
		effect: "programs written in Go refuse it (" + srcGo + "); " + unknownWin,
		rule:   "RFC 5280 §4.1",
		fix:    fixReissue,
	},
}

// RefusalCodes returns every code the lenient path reports.
func RefusalCodes() []string {
	out := make([]string, 0, len(refusals))
	for c := range refusals {
		out = append(out, c)
	}
	return out
}

// refusalPatterns map crypto/x509's parse errors to refusal codes, first
// match wins. They are checked against the Go version in go.mod by the
// tests, which build each case.
var refusalPatterns = []struct{ substr, code string }{
	{"negative serial number", CodeNegativeSerial},
	{"authority info access incorrectly marked critical", CodeCriticalAIA},
	{"subject key identifier incorrectly marked critical", CodeCriticalSKI},
	{"authority key identifier incorrectly marked critical", CodeCriticalAKI},
	{"SAN ", CodeMalformedSAN},
	{"subject alternative name", CodeMalformedSAN},
	{"cannot be encoded as an IA5String", CodeMalformedSAN},
	{"cannot parse URI", CodeMalformedSAN},
	{"duplicate extension", CodeDuplicateExtension},
	{"duplicate requested extensions", CodeDuplicateExtension},
	{"inner and outer signature algorithm", CodeSignatureMismatch},
	{"UTCTime", CodeBadTimeEncoding},
	{"GeneralizedTime", CodeBadTimeEncoding},
	{"malformed validity", CodeBadTimeEncoding},
	{"unsupported time format", CodeBadTimeEncoding},
	{"RSA key missing NULL parameters", CodeRSAKeyParams},
	{"invalid RDNSequence", CodeUnsupportedDNString},
	{"invalid MaxPathLen", CodeNegativePathLen},
	{"basic constraints", CodeBadBasicConstraints},
	{"invalid version", CodeBadVersion},
	{"malformed version", CodeBadVersion},
	{"invalid ECDSA parameters", CodeExplicitECParams},
	{"unsupported elliptic curve", CodeExplicitECParams},
	{"name constraints", CodeBadNameConstraints},
	{"NameConstraints", CodeBadNameConstraints},
	{"IP constraint", CodeBadNameConstraints},
	{"constraint \"", CodeBadNameConstraints},
	{"certificate policies", CodeBadCertificatePolicy},
	{"inhibit any policy", CodeBadPolicyExtension},
	{"policy constraints", CodeBadPolicyExtension},
	{"policy mappings", CodeBadPolicyExtension},
	{"RSA", CodeBadPublicKey},
	{"DSA", CodeBadPublicKey},
	{"Ed25519", CodeBadPublicKey},
	{"X25519", CodeBadPublicKey},
	{"public key", CodeBadPublicKey},
	{"invalid key usage", CodeMalformedExtension},
	{"extended key usage", CodeMalformedExtension},
	{"key identifier", CodeMalformedExtension},
	{"authority info access", CodeMalformedExtension},
	{"CRL distribution point", CodeMalformedExtension},
	{"malformed extension", CodeMalformedExtension},
}

// refusalCode classifies crypto/x509's refusal of der.
func refusalCode(err error, der []byte) string {
	msg := err.Error()
	code := CodeRefusedByCryptoX509
	for _, p := range refusalPatterns {
		if strings.Contains(msg, p.substr) {
			code = p.code
			break
		}
	}
	switch {
	case code == CodeBadBasicConstraints && negativePathLen(der):
		return CodeNegativePathLen
	case (code == CodeBadPublicKey || code == CodeRefusedByCryptoX509) && isExplicitCurve(der):
		return CodeExplicitECParams
	}
	return code
}

var oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}

// negativePathLen reports whether a certificate's basic constraints carry
// a negative pathLenConstraint.
func negativePathLen(der []byte) bool {
	var bc struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen *big.Int
	}
	for _, v := range extensionValues(der, oidBasicConstraints) {
		if _, err := asn1.Unmarshal(v, &bc); err == nil && bc.MaxPathLen != nil && bc.MaxPathLen.Sign() < 0 {
			return true
		}
	}
	return false
}

// extensionValues returns the values of every extension of a
// certificate with the given OID.
func extensionValues(der []byte, oid asn1.ObjectIdentifier) [][]byte {
	var out [][]byte
	for _, x := range extensionElements(der) {
		f, err := x.children()
		if err != nil || len(f) < 2 || !f[0].oid().Equal(oid) {
			continue
		}
		if v, ok := f[len(f)-1].octets(); ok {
			out = append(out, v)
		}
	}
	return out
}

// refusalFinding is the finding of one refusal, about subject.
func refusalFinding(r *Refusal, subject string) finding.Finding {
	info, ok := refusals[r.Code]
	if !ok {
		info = refusals[CodeRefusedByCryptoX509]
	}
	where := ""
	if r.Where != "" {
		where = r.Where + ": "
	}
	what := "certificate"
	if r.CSR != nil {
		what = "request"
	}
	unread := ""
	if len(r.Unread) > 0 {
		unread = " Extensions no parser here reads, left out of every check: " + strings.Join(r.Unread, ", ") + "."
	}
	return finding.Finding{
		Code:     r.Code,
		Severity: finding.Error,
		Subject:  subject,
		Message: where + "Go's crypto/x509 refuses this " + what + " (" + r.Reason + "); what could be read is shown. " +
			upperFirst(info.what) + ". " + upperFirst(info.effect) + "." + unread,
		Fix:      info.fix,
		Citation: info.rule,
	}
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
