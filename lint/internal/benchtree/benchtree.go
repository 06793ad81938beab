// Package benchtree writes the tree of certificate files that lint's
// benchmarks run on: n leaf certificates, one per file, in folders of 100,
// varied the way a real repository is (key types and sizes, issuers,
// signature algorithms, names, lifetimes, extensions, PEM and DER), with a
// share of them breaking a rule on purpose so that the checks report as
// much as they check. The shape of the tree depends only on n and the
// seed; keys, serials and signatures are fresh each time, and dates are
// relative to now.
//
// Every file holds one certificate and nothing else, so that the zlint
// command-line tool, which reads one certificate per file and stops at the
// first file it cannot parse, lints the same certificates as exchcert.
package benchtree

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
)

// Stats counts what Write put in the tree.
type Stats struct {
	Files, PEM, DER, Expired, RuleBreaking int
}

// Write writes n certificate files under dir (created if missing) and
// returns what it wrote. Files are named dNN/cert-NNNNN.{pem,crt,der}.
func Write(dir string, n int, seed uint64) (Stats, error) {
	var st Stats
	rng := rand.New(rand.NewPCG(seed, 0x65786368))
	keys, err := keyPool()
	if err != nil {
		return st, err
	}
	root, err := testpki.NewRoot("exchcert Bench Root")
	if err != nil {
		return st, err
	}
	rsaCA, err := root.Intermediate("exchcert Bench RSA CA")
	if err != nil {
		return st, err
	}
	ecCA, err := ecIntermediate(root)
	if err != nil {
		return st, err
	}
	now := time.Now().Truncate(time.Hour)
	for i := range n {
		t, ca, key, bad := variant(rng, i, now, keys, rsaCA, ecCA)
		c, err := ca.Sign(t, key.Public())
		if err != nil {
			return st, fmt.Errorf("certificate %d: %w", i, err)
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", i/100))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return st, err
		}
		var name string
		var data []byte
		switch i % 3 {
		case 0:
			name, data = fmt.Sprintf("cert-%05d.pem", i), testpki.PEM(c)
			st.PEM++
		case 1:
			name, data = fmt.Sprintf("cert-%05d.crt", i), testpki.PEM(c)
			st.PEM++
		default:
			name, data = fmt.Sprintf("cert-%05d.der", i), c.Raw
			st.DER++
		}
		if err := os.WriteFile(filepath.Join(sub, name), data, 0o644); err != nil {
			return st, err
		}
		st.Files++
		if c.NotAfter.Before(now) {
			st.Expired++
		}
		if bad {
			st.RuleBreaking++
		}
	}
	return st, nil
}

// keyPool makes the subject keys, shared between certificates: making a
// fresh RSA key per certificate would take minutes and test nothing more.
func keyPool() ([]crypto.Signer, error) {
	var keys []crypto.Signer
	for _, t := range []testpki.KeyType{testpki.RSA2048, testpki.RSA2048, testpki.RSA2048, testpki.ECDSAP256, testpki.ECDSAP256, testpki.RSA1024} {
		k, err := testpki.NewKey(t)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	for _, c := range []elliptic.Curve{elliptic.P384()} {
		k, err := ecdsa.GenerateKey(c, crand.Reader)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ecIntermediate makes an ECDSA P-384 issuing CA, for ECDSA signatures.
func ecIntermediate(root *testpki.CA) (*testpki.CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), crand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	c, err := root.Sign(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "exchcert Bench ECDSA CA", Organization: []string{"exchcert test"}},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, key.Public())
	if err != nil {
		return nil, err
	}
	return &testpki.CA{Cert: testpki.Cert{Cert: c, Key: key}, Chain: []*x509.Certificate{c}}, nil
}

var domains = []string{"acme.com", "contoso.com", "fabrikam.net", "example.org", "northwind.co.uk", "tailspin.de", "wingtip.fr"}

// variant picks certificate i: the template, the issuer, the subject key
// and whether it breaks a rule on purpose.
func variant(rng *rand.Rand, i int, now time.Time, keys []crypto.Signer, rsaCA, ecCA *testpki.CA) (*x509.Certificate, *testpki.CA, crypto.Signer, bool) {
	dom := domains[rng.IntN(len(domains))]
	host := fmt.Sprintf("exch%d.%s", i, dom)
	names := []string{host}
	switch rng.IntN(4) {
	case 0: // a single name
	case 1: // an Exchange UCC certificate
		names = append(names, "autodiscover."+dom, "mail."+dom, dom)
	case 2: // a wildcard
		names = append(names, "*."+dom)
	default: // many names
		for j := range 2 + rng.IntN(12) {
			names = append(names, fmt.Sprintf("svc%d-%d.%s", i, j, dom))
		}
	}
	nb := now.Add(-time.Duration(1+rng.IntN(60*24)) * time.Hour)
	t := testpki.PublicLeaf(names, nb, nb.Add(90*24*time.Hour))
	bad := false
	switch r := rng.IntN(100); {
	case r < 8: // expired
		t.NotBefore = now.Add(-120 * 24 * time.Hour)
		t.NotAfter = now.Add(-time.Duration(1+rng.IntN(25)) * 24 * time.Hour)
		bad = true
	case r < 14: // too long a lifetime for BR 6.3.2
		t.NotAfter = t.NotBefore.Add(397 * 24 * time.Hour)
		bad = true
	case r < 20: // no policy, no AIA, no CRL: a private CA's leaf
		t.Policies, t.OCSPServer, t.IssuingCertificateURL, t.CRLDistributionPoints = nil, nil, nil, nil
		bad = true
	case r < 25: // a Common Name that is not among the SANs
		t.Subject.CommonName = "legacy." + dom
		bad = true
	case r < 28: // an internal name a public CA may not certify
		t.DNSNames = append(t.DNSNames, fmt.Sprintf("exch%d.corp.local", i))
		bad = true
	case r < 30: // an IP address SAN
		t.IPAddresses = []net.IP{net.IPv4(10, 0, byte(i>>8), byte(i))}
		bad = true
	case r < 33: // client and server authentication
		t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		bad = true
	case r < 45: // the Common Name Exchange admins still set
		t.Subject.CommonName = host
	}
	ca := rsaCA
	switch rng.IntN(5) {
	case 0:
		ca = ecCA
		t.SignatureAlgorithm = []x509.SignatureAlgorithm{x509.ECDSAWithSHA256, x509.ECDSAWithSHA384}[rng.IntN(2)]
	case 1:
		t.SignatureAlgorithm = []x509.SignatureAlgorithm{x509.SHA384WithRSA, x509.SHA512WithRSA, x509.SHA256WithRSAPSS}[rng.IntN(3)]
	}
	key := keys[rng.IntN(len(keys))]
	if k, ok := key.Public().(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		bad = true // RSA 1024
	}
	return t, ca, key, bad
}
