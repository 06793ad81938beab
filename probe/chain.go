package probe

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/exchcert/exchcert/inspect"
)

// TLS is what one TLS handshake showed.
type TLS struct {
	Version     string `json:"version"`      // "TLS 1.2", "TLS 1.3"
	CipherSuite string `json:"cipher_suite"` // IANA name
	// Chain is the certificates as the server sent them, leaf first.
	Chain []Cert `json:"chain"`
	// Thumbprint is the leaf's SHA-1 thumbprint as Get-ExchangeCertificate
	// shows it.
	Thumbprint string `json:"thumbprint"`
	// Complete is true when the server sends every intermediate between
	// its certificate and a root: clients that cannot fetch a missing one
	// (iPhone, Android, most mail servers) need that.
	Complete bool `json:"chain_complete"`
	// Trusted is true when the chain leads to a trusted root (the --roots
	// file, or the system's roots).
	Trusted bool `json:"trusted"`
	// InDate is true when every certificate sent is valid at the time of the
	// probe.
	InDate bool `json:"in_date"`
	// CoversName is true when the leaf is valid for the name the client
	// used (crypto/x509's VerifyHostname rules: SAN only, one-label
	// wildcards).
	CoversName bool `json:"covers_name"`
	// Problem says why the chain is not trusted, when it is not.
	Problem string `json:"problem,omitempty"`

	leaf          *x509.Certificate
	missingIssuer string // the issuer the server should have sent
}

// Cert summarises one certificate of a served chain.
type Cert struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	DNSNames   []string  `json:"dns_names,omitempty"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	Thumbprint string    `json:"thumbprint"`
}

// tlsVersionName names a negotiated TLS version.
func tlsVersionName(v uint16) string {
	return tls.VersionName(v)
}

// analyze checks the chain a server sent for the name the client used.
func analyze(st tls.ConnectionState, name string, roots *x509.CertPool, now time.Time) *TLS {
	t := &TLS{
		Version:     tlsVersionName(st.Version),
		CipherSuite: tls.CipherSuiteName(st.CipherSuite),
		Chain:       []Cert{},
	}
	served := st.PeerCertificates
	if len(served) == 0 {
		t.Problem = "the server sent no certificate"
		return t
	}
	for _, c := range served {
		t.Chain = append(t.Chain, summarize(c))
	}
	leaf := served[0]
	t.leaf = leaf
	t.Thumbprint = t.Chain[0].Thumbprint
	t.CoversName = coversName(leaf, name)
	t.InDate = true
	for _, c := range served {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			t.InDate = false
		}
	}
	t.Trusted, t.Complete, t.Problem, t.missingIssuer = verifyChain(served, roots, now)
	return t
}

// coversName reports whether leaf is valid for name as browsers see it:
// crypto/x509's VerifyHostname, without the DNS names that cover nothing
// (a wildcard directly under a public suffix, a name with control
// characters; see inspect.Names.Cover).
func coversName(leaf *x509.Certificate, name string) bool {
	c := *leaf
	c.DNSNames = slices.DeleteFunc(slices.Clone(leaf.DNSNames), func(d string) bool {
		return inspect.HasControl(d) || inspect.WildcardUnderPublicSuffix(d)
	})
	return c.VerifyHostname(name) == nil
}

func summarize(c *x509.Certificate) Cert {
	return Cert{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		DNSNames:   c.DNSNames,
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		Thumbprint: inspect.Thumbprint(c),
	}
}

// verifyChain verifies the served chain against roots (nil: the system's)
// with the intermediates the server sent and nothing else. Dates are judged
// separately (InDate): a chain that fails only because a certificate
// expired is verified again at a time inside the leaf's validity, so that
// "expired" and "untrusted" are told apart.
//
// The chain is complete when a verified chain uses only certificates the
// server sent (up to the root). When verification fails and the server did
// not send the leaf's issuer, the intermediate is missing: desktops that
// cached it or fetch it through the leaf's AIA URL still connect, phones and
// mail servers do not.
func verifyChain(served []*x509.Certificate, roots *x509.CertPool, now time.Time) (trusted, complete bool, problem, missing string) {
	leaf := served[0]
	inter := x509.NewCertPool()
	for _, c := range served[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	chains, err := leaf.Verify(opts)
	var cie x509.CertificateInvalidError
	if errors.As(err, &cie) && cie.Reason == x509.Expired {
		// The latest start of any certificate sent, kept inside the leaf's
		// validity: the moment the chain was most likely valid as a whole.
		at := leaf.NotBefore
		for _, c := range served {
			if c.NotBefore.After(at) {
				at = c.NotBefore
			}
		}
		at = at.Add(time.Minute)
		if at.After(leaf.NotAfter) {
			at = leaf.NotAfter
		}
		opts.CurrentTime = at
		chains, err = leaf.Verify(opts)
	}
	issuerServed := false
	for _, c := range served[1:] {
		if bytes.Equal(c.RawSubject, leaf.RawIssuer) && leaf.CheckSignatureFrom(c) == nil {
			issuerServed = true
		}
	}
	if err == nil {
		// Complete: everything below the trust anchor was sent, and the
		// anchor is a real (self-signed) root or was sent too. An anchor
		// that is an intermediate trusted only locally (in --roots, or a
		// store that caches intermediates) still had to be sent.
		for _, ch := range chains {
			anchor := ch[len(ch)-1]
			if allServed(ch[:len(ch)-1], served) && (isSelfSigned(anchor) || isServed(anchor, served) || len(ch) == 1) {
				return true, true, "", ""
			}
		}
		// Trusted here only thanks to a certificate the server did not send
		// (one in --roots, or in the system store).
		ch := chains[0]
		for _, c := range ch[1:] {
			if !isServed(c, served) {
				return true, false, "", c.Subject.String()
			}
		}
		return true, false, "", ch[len(ch)-1].Subject.String()
	}
	if isSelfSigned(leaf) {
		return false, true, "the certificate is self-signed and not in the trusted roots", ""
	}
	if !issuerServed {
		return false, false, verifyProblem(err), leaf.Issuer.String()
	}
	return false, true, verifyProblem(err), ""
}

func allServed(chain, served []*x509.Certificate) bool {
	for _, c := range chain {
		if !isServed(c, served) {
			return false
		}
	}
	return true
}

func isServed(c *x509.Certificate, served []*x509.Certificate) bool {
	for _, s := range served {
		if bytes.Equal(s.Raw, c.Raw) {
			return true
		}
	}
	return false
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

// verifyProblem words a verification error for an admin.
func verifyProblem(err error) string {
	var ua x509.UnknownAuthorityError
	var cie x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return "the chain does not lead to a trusted root"
	case errors.As(err, &cie):
		switch cie.Reason {
		case x509.IncompatibleUsage:
			return "the certificate is not valid for server authentication (extended key usage)"
		case x509.NotAuthorizedToSign:
			return "a certificate in the chain is not a CA but signs another"
		case x509.Expired:
			return "a certificate in the chain is outside its validity period"
		}
		return cie.Error()
	}
	return strings.TrimPrefix(err.Error(), "x509: ")
}
