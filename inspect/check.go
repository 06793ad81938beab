package inspect

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/wording"
	"github.com/exchcert/exchcert/plan"
)

// Options say what Check checks against.
type Options struct {
	// Plan holds the names the certificate must cover, the target Exchange
	// version and whether the CA is private; nil: no coverage check.
	Plan *plan.Plan
	// Key is a private key given separately (exchcert inspect --key); nil:
	// only keys inside the files are matched.
	Key crypto.Signer
	// Roots are the trusted roots; nil: the system roots (on Windows and
	// macOS, the platform verifier).
	Roots *x509.CertPool
	// MinDays warns about certificates that expire in fewer days; 0: warn
	// only about expired ones.
	MinDays int
	// Now is the time the checks are evaluated at; zero: time.Now().
	Now time.Time
	// Exchange is the target version when there is no plan (a plan's own
	// version wins); None: key types are not checked against a version.
	Exchange exchange.Version
	// PrivateCA says the certificate comes from a private (enterprise) CA,
	// as does a plan's private_ca: then public-CA rules (validity caps,
	// internal names) are advice, not errors.
	PrivateCA bool
}

func (o *Options) version() exchange.Version {
	if o.Plan != nil {
		return o.Plan.Exchange
	}
	return o.Exchange
}

func (o *Options) private() bool { return o.PrivateCA || o.Plan != nil && o.Plan.PrivateCA }

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Finding codes. They never change once published (docs/inspect.md, "Finding codes").
const (
	CodeNameNotCovered      = "name-not-covered"
	CodeCNOnly              = "cn-only"
	CodeCNNotInSAN          = "cn-not-in-san"
	CodeExtraName           = "extra-name"
	CodeKeyMismatch         = "key-mismatch"
	CodeKeyNotChecked       = "key-not-checked"
	CodeChainIncomplete     = "chain-incomplete"
	CodeChainOutOfOrder     = "chain-out-of-order"
	CodeChainUntrusted      = "chain-untrusted"
	CodeRootIncluded        = "root-included"
	CodeExpired             = "expired"
	CodeNotYetValid         = "not-yet-valid"
	CodeExpiresSoon         = "expires-soon"
	CodeWeakSignature       = "weak-signature"
	CodeWeakKey             = "weak-key"
	CodeNoServerAuth        = "no-server-auth"
	CodeEKUMissing          = "eku-missing"
	CodeKeyUsage            = "key-usage-tls"
	CodeValidityTooLong     = "validity-too-long"
	CodeInternalName        = "internal-name"
	CodeKeyTypeUnsupported  = "key-type-unsupported"
	CodeKeyTypeConditional  = "key-type-conditions"
	CodePFXModernEncryption = "pfx-modern-encryption"
	CodeCSRSignatureInvalid = "csr-signature-invalid"
	CodeNoLeaf              = "no-leaf"
	CodeSANControl          = "san-control-character"
	CodeWildcardSuffix      = "wildcard-public-suffix"
)

// Citations used by several findings.
const (
	citeBRValidity = "CA/Browser Forum Baseline Requirements §6.3.2 (ballot SC-081)"
	citeBRKeys     = "CA/Browser Forum Baseline Requirements §6.1.5, §7.1.3"
	citeBREKU      = "CA/Browser Forum Baseline Requirements §7.1.2.7.10"
	citeRFC6125    = "RFC 6125 §6.4.4; CA/Browser Forum Baseline Requirements §7.1.4.3"
	citeECC        = "https://learn.microsoft.com/exchange/architecture/client-access/certificates"
	citeInternal   = "CA/Browser Forum Baseline Requirements §4.2.2, §7.1.2.7.12"
	citeWildcard   = "CA/Browser Forum Baseline Requirements §3.2.2.6; RFC 6125 §7.2; Chromium net/cert/x509_certificate.cc VerifyHostname"
)

// item is one certificate with where it came from.
type item struct {
	cert  *x509.Certificate
	file  string
	index int
}

// Check summarises every certificate and request in bundles and reports
// the findings: coverage of the planned names, key match, chain, validity,
// algorithms, and what the target Exchange version can use. It does no I/O
// except, with Roots nil, reading the system roots.
func Check(bundles []*Bundle, opt Options) *Report {
	now := opt.now()
	r := &Report{Schema: Schema, EvaluatedAt: now.UTC(), Files: []File{}, Certificates: []Certificate{}, CSRs: []CSR{}, Coverage: []Coverage{}, Findings: finding.Findings{}}
	if v := opt.version(); v != exchange.None {
		r.Exchange = v.String()
	}

	// Every distinct certificate, in the order given; the first file that
	// holds a certificate names it.
	var items []item
	seen := map[string]bool{}
	for _, b := range bundles {
		r.Files = append(r.Files, File{Name: b.Name, Format: b.Format, Certs: len(b.Certs), CSRs: len(b.CSRs), Keys: len(b.Keys), PFX: b.PFX})
		for i, c := range b.Certs {
			if !seen[string(c.Raw)] {
				seen[string(c.Raw)] = true
				items = append(items, item{c, b.Name, i + 1})
			}
		}
	}
	// What crypto/x509 refused and the lenient reader read.
	refused := map[any]*Refusal{}
	for _, b := range bundles {
		for _, x := range b.Refused {
			if x.Cert != nil {
				refused[x.Cert] = x
			} else {
				refused[x.CSR] = x
			}
		}
	}
	var all []*x509.Certificate
	issuers := map[string]bool{} // the issuer names of the certificates, as a set
	for _, it := range items {
		all = append(all, it.cert)
		if string(it.cert.RawIssuer) != string(it.cert.RawSubject) {
			issuers[string(it.cert.RawIssuer)] = true
		}
	}
	// A self-signed CA certificate that names hosts is checked as a server
	// certificate (RoleOf), unless another certificate of the input names
	// it as its issuer: then it acts as the root of that chain.
	roles := map[string]Role{}
	for _, c := range all {
		role := RoleOf(c)
		if role == RoleLeaf && c.IsCA && issuers[string(c.RawSubject)] {
			role = RoleRoot
		}
		roles[string(c.Raw)] = role
	}
	// What every leaf's chain check uses, built once: a file may hold
	// many leaves.
	cc := &chainContext{all: all, inter: x509.NewCertPool(), given: map[string]bool{}, gaveUp: map[string]error{},
		named: map[string]int{}, budget: MaxChainSignatureChecks}
	for _, c := range all {
		cc.given[string(c.Raw)] = true
		cc.named[string(c.RawSubject)]++
		if c.IsCA && roles[string(c.Raw)] != RoleLeaf {
			cc.inter.AddCert(c)
		}
	}

	// Keys: --key, then the keys inside the files.
	type keyRef struct {
		key    crypto.Signer
		file   string // "" for Options.Key
		used   bool
		bundle *Bundle
	}
	var keys []*keyRef
	if opt.Key != nil {
		keys = append(keys, &keyRef{key: opt.Key})
	}
	for _, b := range bundles {
		for _, k := range b.Keys {
			keys = append(keys, &keyRef{key: k, file: b.Name, bundle: b})
		}
	}
	r.PrivateKeys = len(keys)
	matchKey := func(pub crypto.PublicKey) bool {
		found := false
		for _, k := range keys {
			if publicKeyEqual(k.key.Public(), pub) {
				k.used = true
				found = true
			}
		}
		return found
	}

	leaves := 0
	for _, it := range items {
		s := Summarize(it.cert, it.file, it.index, now)
		s.Role = roles[string(it.cert.Raw)]
		if s.Role == RoleLeaf {
			leaves++
			s.HasPrivateKey = matchKey(it.cert.PublicKey)
		}
		r.Certificates = append(r.Certificates, s)
		subject := label(it.file, it.cert.Subject.CommonName, it.cert.Subject.String())
		if x := refused[it.cert]; x != nil {
			r.Findings = append(r.Findings, refusalFinding(x, subject))
		}
		r.Findings = append(r.Findings, checkCertificate(it.cert, subject, s.Role, opt)...)
		if s.Role == RoleLeaf {
			r.Findings = append(r.Findings, checkChain(it, cc, opt)...)
			if opt.Plan != nil {
				r.Coverage = append(r.Coverage, coverCert(it, opt.Plan, &r.Findings))
			}
		}
	}

	var csrs []*x509.CertificateRequest
	for _, b := range bundles {
		for i, req := range b.CSRs {
			s := SummarizeCSR(req, b.Name, i+1)
			s.HasPrivateKey = matchKey(req.PublicKey)
			r.CSRs = append(r.CSRs, s)
			csrs = append(csrs, req)
			subject := label(b.Name, req.Subject.CommonName, req.Subject.String())
			if x := refused[req]; x != nil {
				r.Findings = append(r.Findings, refusalFinding(x, subject))
			}
			r.Findings = append(r.Findings, CheckCSR(req, subject, opt)...)
			if opt.Plan != nil {
				rows := CoverPlan(opt.Plan, CSRNames(req))
				r.Coverage = append(r.Coverage, Coverage{File: b.Name, Kind: "csr", Subject: req.Subject.String(), Names: rows})
				r.Findings = append(r.Findings, coverageFindings(rows, "the request "+subject)...)
			}
		}
	}

	// Keys that match nothing, and certificates not issued for the request.
	for _, k := range keys {
		if k.used || leaves+len(csrs) == 0 {
			continue
		}
		where := "the given private key"
		if k.file != "" {
			where = "the private key in " + k.file
		}
		r.Findings = append(r.Findings, finding.Finding{Code: CodeKeyMismatch, Severity: finding.Error, Subject: where,
			Message: where + " matches none of the certificates and requests: Exchange cannot use the certificate with it",
			Fix:     "use the key the request was made with (the CSR's key), or have the CA re-issue the certificate for this key"})
	}
	if len(csrs) > 0 {
		for _, it := range items {
			if roles[string(it.cert.Raw)] != RoleLeaf {
				continue
			}
			ok := false
			for _, req := range csrs {
				ok = ok || publicKeyEqual(req.PublicKey, it.cert.PublicKey)
			}
			if !ok {
				subject := label(it.file, it.cert.Subject.CommonName, it.cert.Subject.String())
				r.Findings = append(r.Findings, finding.Finding{Code: CodeKeyMismatch, Severity: finding.Error, Subject: subject,
					Message: "the certificate's public key is not the key of any request given: it was not issued for this request, so the pending request on the server cannot be completed with it",
					Fix:     "find the certificate the CA issued for this request, or complete the request the certificate belongs to"})
			}
		}
	}
	if len(keys) == 0 && leaves > 0 {
		r.Findings = append(r.Findings, finding.Finding{Code: CodeKeyNotChecked, Severity: finding.Info, Subject: "private key",
			Message: "no private key was given, so whether the certificate matches the key on the server was not checked",
			Fix:     "give the key with --key, or inspect the PFX"})
	}
	if leaves == 0 && len(csrs) == 0 && len(items) > 0 {
		f := finding.Finding{Code: CodeNoLeaf, Severity: finding.Warning, Subject: bundleNames(bundles),
			Message: "only CA certificates were found: no server certificate or request to check",
			Fix:     "inspect the file that holds the server certificate too (the CA often sends it separately from the chain)"}
		if opt.Plan != nil {
			// Nothing in the input covers the plan.
			f.Severity = finding.Error
			f.Message = "only CA certificates were found: no server certificate or request covers the planned names"
		}
		r.Findings = append(r.Findings, f)
	}
	for _, b := range bundles {
		r.Findings = append(r.Findings, checkBundle(b, roles, opt)...)
	}
	return r
}

// label names a certificate or request in findings: "file: CN".
func label(file, cn, subject string) string {
	if cn == "" {
		cn = subject
	}
	if file == "" {
		return cn
	}
	return file + ": " + cn
}

func bundleNames(bs []*Bundle) string {
	var n []string
	for _, b := range bs {
		n = append(n, b.Name)
	}
	return strings.Join(n, ", ")
}

func publicKeyEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// CheckCertificate runs the checks that need only the certificate itself:
// validity at opt.Now and against opt.MinDays, signature algorithm, key
// strength, and for a leaf (RoleOf) the serverAuth EKU, key usage, the
// public-CA validity cap, DNS names that cover nothing (control characters,
// a wildcard under a public suffix), internal names and the key type the
// target Exchange version can use. subject names the certificate in the
// findings. It is cheap: no parsing, no chain building.
func CheckCertificate(c *x509.Certificate, subject string, opt Options) finding.Findings {
	return checkCertificate(c, subject, RoleOf(c), opt)
}

// checkCertificate is CheckCertificate for a certificate whose role in its
// input is known.
func checkCertificate(c *x509.Certificate, subject string, role Role, opt Options) finding.Findings {
	var fs finding.Findings
	add := func(f finding.Finding) {
		f.Subject = subject
		fs = append(fs, f)
	}
	now := opt.now()
	what := map[Role]string{RoleLeaf: "certificate", RoleIntermediate: "intermediate CA certificate", RoleRoot: "root CA certificate"}[role]
	expiredSeverity := finding.Error
	if role == RoleRoot {
		// A trust anchor's own dates matter less: Windows keeps trusting
		// an expired root for certificates issued before it expired.
		expiredSeverity = finding.Warning
	}
	switch days := DaysLeft(c, now); {
	case now.After(c.NotAfter):
		add(finding.Finding{Code: CodeExpired, Severity: expiredSeverity,
			Message: fmt.Sprintf("the %s expired on %s (%d days ago)", what, c.NotAfter.UTC().Format(time.DateOnly), -days-1),
			Fix:     "renew it: exchcert csr for a new request, or fetch the current certificate from the CA"})
	case now.Before(c.NotBefore):
		add(finding.Finding{Code: CodeNotYetValid, Severity: finding.Error,
			Message: fmt.Sprintf("the %s is valid only from %s; clients reject it until then", what, c.NotBefore.UTC().Format(time.RFC3339)),
			Fix:     "wait until then before enabling it, or check the server's clock"})
	case days < opt.MinDays && role != RoleRoot:
		add(finding.Finding{Code: CodeExpiresSoon, Severity: finding.Warning,
			Message: fmt.Sprintf("the %s expires on %s, in %d days (less than %d)", what, c.NotAfter.UTC().Format(time.DateOnly), days, opt.MinDays),
			Fix:     "renew it now"})
	}
	if role != RoleRoot && weakSignature(c.SignatureAlgorithm) {
		add(finding.Finding{Code: CodeWeakSignature, Severity: finding.Error,
			Message:  fmt.Sprintf("the %s is signed with %s; browsers and Windows reject SHA-1 and MD5 signatures on TLS certificates", what, c.SignatureAlgorithm),
			Fix:      "have the CA re-issue it with SHA-256",
			Citation: citeBRKeys})
	}
	if msg := weakKey(c.PublicKey); msg != "" {
		add(finding.Finding{Code: CodeWeakKey, Severity: finding.Error, Message: "the " + what + " has " + msg,
			Fix: "make a new key of RSA 2048 bits or more (exchcert csr) and have the certificate re-issued", Citation: citeBRKeys})
	}
	if role != RoleLeaf {
		return fs
	}

	// serverAuth: Schannel clients and browsers refuse a certificate whose
	// EKU extension lacks it; public CAs must include it.
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		add(finding.Finding{Code: CodeEKUMissing, Severity: finding.Warning,
			Message:  "the certificate has no extended key usage; Windows accepts it for TLS, but public CAs must include serverAuth and some clients insist on it",
			Fix:      "request a certificate with the serverAuth (TLS Web Server Authentication) EKU",
			Citation: citeBREKU})
	} else if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
		add(finding.Finding{Code: CodeNoServerAuth, Severity: finding.Error,
			Message:  fmt.Sprintf("the certificate's extended key usage (%s) lacks serverAuth: clients refuse it for HTTPS, IMAP, POP and SMTP", strings.Join(extKeyUsageNames(c), ", ")),
			Fix:      "have it re-issued from a web server (TLS server) template or product",
			Citation: citeBREKU})
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment) == 0 {
		add(finding.Finding{Code: CodeKeyUsage, Severity: finding.Warning,
			Message: "the key usage (" + strings.Join(keyUsageNames(c.KeyUsage), ", ") + ") allows neither digitalSignature nor keyEncipherment, which TLS needs",
			Fix:     "have it re-issued from a web server template"})
	}
	if !opt.private() {
		if max, from := MaxPublicValidity(c.NotBefore); ValidityDays(c) > max {
			add(finding.Finding{Code: CodeValidityTooLong, Severity: finding.Error,
				Message:  fmt.Sprintf("the certificate is valid for %d days; a publicly trusted certificate issued on %s may be valid for at most %d days (the limit since %s), so browsers and Apple devices distrust it", ValidityDays(c), c.NotBefore.UTC().Format(time.DateOnly), max, from),
				Fix:      "this applies to certificates from public CAs; for an enterprise CA pass --private-ca",
				Citation: citeBRValidity})
		}
	}
	fs = append(fs, sanFindings(c.DNSNames, "certificate", subject)...)
	for _, n := range presentedNames(c) {
		if HasControl(n) || WildcardUnderPublicSuffix(n) {
			continue // sanFindings said what is wrong with it
		}
		why := plan.InternalReason(n)
		if why == "" {
			continue
		}
		f := finding.Finding{Code: CodeInternalName, Severity: finding.Error,
			Message:  fmt.Sprintf("the certificate names %s: %s; public CAs may not issue for it", n, why),
			Fix:      "use names under a registered domain with split DNS instead",
			Citation: citeInternal}
		if opt.private() {
			f.Severity = finding.Warning
			f.Message = fmt.Sprintf("the certificate names %s: %s; only clients that trust your internal CA accept it", n, why)
		}
		add(f)
	}
	fs = append(fs, keyTypeFindings(c.PublicKey, subject, opt)...)
	return fs
}

// sanFindings reports the DNS names of a certificate or request (what) that
// cover nothing: those with control characters, and wildcards directly
// under a public suffix.
func sanFindings(dns []string, what, subject string) finding.Findings {
	var fs finding.Findings
	for _, d := range dns {
		switch {
		case HasControl(d):
			fs = append(fs, finding.Finding{Code: CodeSANControl, Severity: finding.Error, Subject: subject,
				Message:  fmt.Sprintf("the %s's DNS name %q holds control characters: it is no host name and covers no name, and a client that stops reading at a NUL byte sees another name than the one the CA checked", what, d),
				Fix:      "have it re-issued with plain host names only",
				Citation: "RFC 5280 §4.2.1.6 (dNSName in the preferred name syntax of RFC 1034 §3.5); CVE-2009-2408"})
		case WildcardUnderPublicSuffix(d):
			fs = append(fs, finding.Finding{Code: CodeWildcardSuffix, Severity: finding.Error, Subject: subject,
				Message:  fmt.Sprintf("the %s names the wildcard %s, directly under a public suffix: browsers match it to no name, and public CAs may not issue it", what, d),
				Fix:      "have it re-issued for the names themselves, or for a wildcard under your own domain (*.acme.com)",
				Citation: citeWildcard})
		}
	}
	return fs
}

// presentedNames lists a leaf's SANs and CN, normalised, without repeats.
func presentedNames(c *x509.Certificate) []string {
	n := CertNames(c)
	out := slices.Clone(n.SANs)
	if n.CN != "" && !slices.Contains(out, n.CN) {
		out = append(out, n.CN)
	}
	return out
}

// keyTypeFindings checks a leaf or request key against the target version.
func keyTypeFindings(pub crypto.PublicKey, subject string, opt Options) finding.Findings {
	v := opt.version()
	if v == exchange.None {
		return nil
	}
	alg := keyAlgorithm(pub)
	if alg == "" {
		typ, _, _ := KeyInfo(pub)
		return finding.Findings{{Code: CodeKeyTypeUnsupported, Severity: finding.Error, Subject: subject,
			Message: fmt.Sprintf("the key is %s; Exchange uses RSA or ECDSA keys only", typ),
			Fix:     "make a new RSA 2048 key (exchcert csr) and have the certificate re-issued"}}
	}
	ok, note := exchange.KeySupport(v, alg)
	switch {
	case !ok:
		return finding.Findings{{Code: CodeKeyTypeUnsupported, Severity: finding.Error, Subject: subject,
			Message: note, Fix: "make a new RSA 2048 key (exchcert csr --key-type rsa2048) and have the certificate re-issued", Citation: citeECC}}
	case note != "":
		return finding.Findings{{Code: CodeKeyTypeConditional, Severity: finding.Warning, Subject: subject,
			Message: note, Fix: "check the build and the opt-in on every Exchange server, or use an RSA key", Citation: citeECC}}
	}
	return nil
}

// CheckCSR checks a certificate request: its signature, key strength and
// the key type the target Exchange version can use. Names are checked by
// coverage (CoverPlan) when there is a plan.
func CheckCSR(r *x509.CertificateRequest, subject string, opt Options) finding.Findings {
	var fs finding.Findings
	if err := r.CheckSignature(); err != nil {
		fs = append(fs, finding.Finding{Code: CodeCSRSignatureInvalid, Severity: finding.Error, Subject: subject,
			Message: "the request's signature does not verify (" + trimX509(err) + "): a CA will refuse it",
			Fix:     "make the request again (exchcert csr); do not edit a request by hand"})
	}
	if msg := weakKey(r.PublicKey); msg != "" {
		fs = append(fs, finding.Finding{Code: CodeWeakKey, Severity: finding.Error, Subject: subject,
			Message: "the request has " + msg + "; public CAs refuse it", Fix: "make a new key of RSA 2048 bits or more (exchcert csr)", Citation: citeBRKeys})
	}
	fs = append(fs, sanFindings(r.DNSNames, "request", subject)...)
	n := CSRNames(r)
	for _, name := range n.SANs {
		if HasControl(name) || WildcardUnderPublicSuffix(name) {
			continue
		}
		if why := plan.InternalReason(name); why != "" && !opt.private() {
			fs = append(fs, finding.Finding{Code: CodeInternalName, Severity: finding.Error, Subject: subject,
				Message: fmt.Sprintf("the request asks for %s: %s; public CAs refuse it", name, why), Fix: "leave the name off, or use an internal CA", Citation: citeInternal})
		}
	}
	return append(fs, keyTypeFindings(r.PublicKey, subject, opt)...)
}

// weakSignature reports signature algorithms browsers and Windows refuse on
// TLS certificates: MD2, MD5, SHA-1.
func weakSignature(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

// weakKey describes a key public CAs may not certify (BR §6.1.5): RSA under
// 2048 bits, ECDSA under P-256, DSA. "" when it is fine.
func weakKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Sprintf("an RSA key of %d bits (at least 2048 are required)", n)
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < 256 {
			return fmt.Sprintf("an ECDSA key on %s (P-256 or larger is required)", k.Curve.Params().Name)
		}
	default:
		if _, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok {
			return fmt.Sprintf("a %T key, which is not allowed", pub)
		}
	}
	return ""
}

// brLimits are the maximum validity periods of publicly trusted TLS
// certificates by issue date (CA/B Forum BR §6.3.2; ballot SC-22 for 398
// days from 2020-09-01, ballot SC-081 for the 2026–2029 steps; 825 days
// from 2018-03-01 by ballot 193).
var brLimits = []struct {
	from time.Time
	days int
}{
	{time.Date(2029, 3, 15, 0, 0, 0, 0, time.UTC), 47},
	{time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC), 100},
	{time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 200},
	{time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC), 398},
	{time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC), 825},
}

// MaxPublicValidity returns the longest validity in days a publicly trusted
// TLS certificate issued at notBefore may have, and the date that limit
// took effect. Before 2018-03-01 it returns 39 months (1,188 days).
func MaxPublicValidity(notBefore time.Time) (days int, since string) {
	for _, l := range brLimits {
		if !notBefore.Before(l.from) {
			return l.days, l.from.Format(time.DateOnly)
		}
	}
	return 1188, "2015-04-01"
}

// coverCert computes a leaf's coverage of the plan and adds the findings.
func coverCert(it item, p *plan.Plan, fs *finding.Findings) Coverage {
	c := it.cert
	names := CertNames(c)
	rows := CoverPlan(p, names)
	subject := label(it.file, c.Subject.CommonName, c.Subject.String())
	*fs = append(*fs, coverageFindings(rows, subject)...)
	if names.CN != "" && len(names.SANs) > 0 && !slices.Contains(names.SANs, names.CN) {
		*fs = append(*fs, finding.Finding{Code: CodeCNNotInSAN, Severity: finding.Warning, Subject: subject,
			Message:  fmt.Sprintf("the Common Name %s is not among the SANs; clients ignore the Common Name, and public CAs must repeat it as a SAN", names.CN),
			Citation: citeRFC6125})
	}
	planned := map[string]bool{}
	for _, n := range p.Names {
		planned[n.Name] = true
	}
	for _, s := range names.SANs {
		if !planned[s] {
			*fs = append(*fs, finding.Finding{Code: CodeExtraName, Severity: finding.Info, Subject: s,
				Message: fmt.Sprintf("%s is on the certificate (%s) but not in the plan", s, subject)})
		}
	}
	return Coverage{File: it.file, Kind: "certificate", Subject: c.Subject.String(), Thumbprint: Thumbprint(c), Names: rows}
}

// coverageFindings turns uncovered rows into findings about what.
func coverageFindings(rows []NameCoverage, what string) finding.Findings {
	var fs finding.Findings
	for _, row := range rows {
		switch row.By {
		case ByCNOnly:
			fs = append(fs, finding.Finding{Code: CodeCNOnly, Severity: finding.Error, Subject: row.Name,
				Message:  fmt.Sprintf("%s is only in the Common Name of %s, not in its subject alternative names; Outlook, iOS, Android and browsers ignore the Common Name", row.Name, what),
				Fix:      "have the certificate re-issued with the name as a SAN",
				Citation: citeRFC6125})
		case ByNone:
			fs = append(fs, finding.Finding{Code: CodeNameNotCovered, Severity: finding.Error, Subject: row.Name,
				Message: fmt.Sprintf("%s is not covered by %s (roles: %s); clients that use it get a certificate warning", row.Name, what, joinRoles(row.Roles)),
				Fix:     "have the certificate re-issued with this name (most CAs re-issue a UCC certificate with added SANs)"})
		}
	}
	return fs
}

func joinRoles(rs []plan.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// checkChain builds the leaf's chain from the certificates of all files
// and the roots, and reports what is missing or untrusted. Dates are
// checked per certificate, so the chain is built at a time inside the
// leaf's validity.
// MaxChainSignatureChecks bounds the signature checks the chain checks of
// one Check may cost. Finding a leaf's issuer costs a check for every
// certificate of the files that carries the issuer's name, up to 100, once
// in exchange.OrderChain and once in crypto/x509's Verify. Real files have
// one or two such certificates per leaf, so even MaxItems leaves stay far
// below the bound; a file of hundreds of leaves and about a hundred CA
// certificates named like their issuer, with other keys, would cost
// 180,000 checks, ten seconds and more. Leaves beyond the bound get a
// chain-untrusted error saying their chain was not checked.
const MaxChainSignatureChecks = 10_000

// chainContext is what checkChain needs of all the files.
type chainContext struct {
	all    []*x509.Certificate // every distinct certificate
	inter  *x509.CertPool      // the CA certificates among them
	given  map[string]bool     // the DER of each, as a set
	named  map[string]int      // how many carry each subject name
	gaveUp map[string]error    // issuer names whose chain search ran out of signature checks
	budget int                 // signature checks left
}

func checkChain(it item, cc *chainContext, opt Options) finding.Findings {
	leaf := it.cert
	all, inter := cc.all, cc.inter
	subject := label(it.file, leaf.Subject.CommonName, leaf.Subject.String())
	// crypto/x509 gives up after 100 signature checks, which only a file
	// of many CA certificates sharing the issuer's name reaches; searching
	// again for every leaf of that issuer would give up the same way, at
	// the price of another 100 checks each.
	if err := cc.gaveUp[string(leaf.RawIssuer)]; err != nil {
		return chainDoesNotVerify(subject, err)
	}
	cost := 2 * min(cc.named[string(leaf.RawIssuer)], 100)
	if cost > cc.budget {
		return finding.Findings{{Code: CodeChainUntrusted, Severity: finding.Error, Subject: subject,
			Message: fmt.Sprintf("the chain was not checked: the files hold %d certificates named like its issuer %q, and the chain checks of the files before it used up the %d signature checks one run may take", cc.named[string(leaf.RawIssuer)], leaf.Issuer.String(), MaxChainSignatureChecks),
			Fix:     "inspect the certificate with only its own chain; a file of many certificates that carry one CA's name is not what a CA sends"}}
	}
	cc.budget -= cost
	// Verify at a time when the leaf and the issuers found in the files
	// are all valid, if there is one: dates are CheckCertificate's job.
	lo, hi := leaf.NotBefore, leaf.NotAfter
	issuers, _, missing := exchange.OrderChain(leaf, all)
	for _, c := range issuers {
		if c.NotBefore.After(lo) && !c.NotBefore.After(hi) {
			lo = c.NotBefore
		}
		if c.NotAfter.Before(hi) && !c.NotAfter.Before(lo) {
			hi = c.NotAfter
		}
	}
	at := opt.now()
	if at.Before(lo) {
		at = lo
	}
	if at.After(hi) {
		at = hi
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Intermediates: inter, Roots: opt.Roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	given := cc.given
	if err != nil && strings.Contains(err.Error(), "signature check attempts limit reached") {
		cc.gaveUp[string(leaf.RawIssuer)] = err
		return chainDoesNotVerify(subject, err)
	}
	if err == nil {
		// Trusted. The intermediates must still be in the files: servers
		// send only what is in the Windows store, and clients other than
		// Windows do not fetch missing intermediates.
		best := chains[0]
		for _, ch := range chains[1:] {
			if len(ch) < len(best) {
				best = ch
			}
		}
		// best is the leaf alone when the leaf is itself a trusted root.
		for _, c := range best[1:max(1, len(best)-1)] {
			if !given[string(c.Raw)] {
				return finding.Findings{{Code: CodeChainIncomplete, Severity: finding.Error, Subject: subject,
					Message: fmt.Sprintf("the intermediate %q is not in the files; it was found only among the trusted roots, but Exchange can send only what is imported", c.Subject.String()),
					Fix:     "import the CA's intermediate certificate(s) with the certificate (a .p7b or the chain file the CA sent)"}}
			}
		}
		return nil
	}
	if selfSigned(leaf) {
		return finding.Findings{{Code: CodeChainUntrusted, Severity: finding.Error, Subject: subject,
			Message: "the certificate is self-signed: only clients that were told to trust this very certificate accept it",
			Fix:     "use a certificate from a CA your clients trust (exchcert csr, then buy it or request it from your enterprise CA)"}}
	}
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) && inv.Reason == x509.Expired {
		// No time suits every certificate (CheckCertificate reports the
		// dates). Whether the issuers chain up to a trusted root can
		// still be asked of the first issuer, within its own validity.
		if len(issuers) == 0 {
			return nil
		}
		first := issuers[0]
		t := opt.now()
		if t.Before(first.NotBefore) {
			t = first.NotBefore
		}
		if t.After(first.NotAfter) {
			t = first.NotAfter
		}
		_, err = first.Verify(x509.VerifyOptions{Intermediates: inter, Roots: opt.Roots, CurrentTime: t, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err == nil || !errors.As(err, new(x509.UnknownAuthorityError)) {
			return nil
		}
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		return chainDoesNotVerify(subject, err)
	}
	top := leaf
	if len(issuers) > 0 {
		top = issuers[len(issuers)-1]
	}
	for _, c := range all {
		if string(c.RawSubject) == string(top.RawIssuer) {
			if err := top.CheckSignatureFrom(c); err != nil {
				return finding.Findings{{Code: CodeChainUntrusted, Severity: finding.Error, Subject: subject,
					Message: fmt.Sprintf("%q names %q as its issuer, which is in the files, but the signature does not verify with it: %s", top.Subject.String(), c.Subject.String(), trimX509(err)),
					Fix:     "have the CA re-issue the certificate with SHA-256, or find the right intermediate"}}
			}
		}
	}
	switch {
	case missing == "":
		return finding.Findings{{Code: CodeChainUntrusted, Severity: finding.Error, Subject: subject,
			Message: fmt.Sprintf("the chain ends at the root %q, which is not trusted (not among the trusted roots)", top.Subject.String()),
			Fix:     "for a public certificate, use a CA that Windows and your clients trust; for an internal CA, deploy its root to every client (Group Policy) and pass it here with --roots"}}
	case top == leaf:
		return finding.Findings{{Code: CodeChainIncomplete, Severity: finding.Error, Subject: subject,
			Message: fmt.Sprintf("the issuer of the certificate, %q, is not in the files and not a trusted root: the intermediate certificate is missing", missing),
			Fix:     "add the intermediate certificate(s) the CA sent (often a separate .crt or the .p7b bundle) and inspect them together"}}
	}
	return finding.Findings{{Code: CodeChainUntrusted, Severity: finding.Error, Subject: subject,
		Message: fmt.Sprintf("the chain ends at %q, whose issuer %q is neither in the files nor a trusted root", top.Subject.String(), missing),
		Fix:     "add the missing intermediate, or pass the CA's root with --roots"}}
}

// checkBundle runs the checks about one file as a whole: certificate order,
// a root sent along, and the PFX encryption Windows can import.
func checkBundle(b *Bundle, roles map[string]Role, opt Options) finding.Findings {
	fs := slices.Clone(b.Findings)
	var leaves []*x509.Certificate
	hasRoot := false
	for _, c := range b.Certs {
		switch roles[string(c.Raw)] {
		case RoleLeaf:
			leaves = append(leaves, c)
		case RoleRoot:
			hasRoot = true
		}
	}
	if len(leaves) == 1 && len(b.Certs) > 1 { // >= 1 behaves the same: a lone leaf is always in order
		leaf := leaves[0]
		chain, _, _ := exchange.OrderChain(leaf, b.Certs)
		want := append([]*x509.Certificate{leaf}, chain...)
		var got []*x509.Certificate
		for _, c := range b.Certs {
			if slices.ContainsFunc(want, c.Equal) {
				got = append(got, c)
			}
		}
		if !slices.EqualFunc(got, want, func(a, b *x509.Certificate) bool { return a.Equal(b) }) {
			sev, why := finding.Warning, "TLS servers and load balancers that read this file send the certificates in file order, and some take the first one as the server certificate"
			if b.Format == FormatPKCS7 || b.Format == FormatPKCS12 {
				sev, why = finding.Info, "Windows does not mind when importing it, but other servers and load balancers may"
			}
			fs = append(fs, finding.Finding{Code: CodeChainOutOfOrder, Severity: sev, Subject: b.Name,
				Message: fmt.Sprintf("the certificates are in the order %s, not the server certificate first and then each issuer; %s", order(got), why),
				Fix:     "write the server certificate first, then its issuer, then that one's issuer"})
		}
	}
	if hasRoot && len(leaves) > 0 {
		fs = append(fs, finding.Finding{Code: CodeRootIncluded, Severity: finding.Info, Subject: b.Name,
			Message: "the file includes the root CA certificate; clients must already trust the root, so servers need not send it (harmless)"})
	}
	if b.PFX != nil && b.PFX.Modern() {
		v := opt.version()
		old := v == exchange.None
		for _, w := range exchange.SupportedWindows(v) {
			old = old || w < exchange.Windows2019
		}
		if old {
			sev, who := finding.Info, "if the server runs Windows Server 2016 or older"
			if v != exchange.None {
				sev, who = finding.Warning, v.Title()+" runs on Windows Server 2016 or older, which"
			}
			fs = append(fs, finding.Finding{Code: CodePFXModernEncryption, Severity: sev, Subject: b.Name,
				Message:  fmt.Sprintf("the PFX is encrypted with %s (PBES2); %s cannot import it and reports \"The password is incorrect\"", b.PFX.KeyEncryption, who),
				Fix:      wording.RebuildLegacyPFX + " (or openssl pkcs12 -export -legacy)",
				Citation: "https://learn.microsoft.com/windows/win32/api/wincrypt/ns-wincrypt-pkcs12_pbes2_export_params"})
		}
	}
	return fs
}

func order(cs []*x509.Certificate) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = fmt.Sprintf("%q", label("", c.Subject.CommonName, c.Subject.String()))
	}
	return strings.Join(s, ", ")
}

// chainDoesNotVerify is the finding for a chain that crypto/x509 rejects
// for a reason other than an unknown authority.
func chainDoesNotVerify(subject string, err error) finding.Findings {
	return finding.Findings{{Code: CodeChainUntrusted, Severity: finding.Error, Subject: subject,
		Message: "the chain does not verify: " + trimX509(err),
		Fix:     "check the intermediate certificates the CA sent"}}
}
