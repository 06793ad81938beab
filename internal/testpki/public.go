package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"
)

// OIDDomainValidated is the CA/Browser Forum reserved policy identifier of a
// domain-validated TLS server certificate (Baseline Requirements 7.1.6.1).
var OIDDomainValidated = mustOID(2, 23, 140, 1, 2, 1)

func mustOID(arcs ...uint64) x509.OID {
	oid, err := x509.OIDFromInts(arcs)
	if err != nil {
		panic(err)
	}
	return oid
}

// PublicLeaf returns the template of a TLS server certificate shaped the
// way a public CA issues it under the CA/Browser Forum Baseline
// Requirements 7.1.2.7 (domain validated): every name a SAN and no Common
// Name (BR 7.1.4.3: "NOT RECOMMENDED"; set Subject.CommonName for clients
// that still read it), the DV policy, AIA with OCSP and CA issuers, a CRL
// distribution point, serverAuth only, a critical key usage, a 128-bit
// random serial. zlint's RFC5280 and CABF_BR lints find nothing to say
// about it while notAfter-notBefore stays under 200 days (BR 6.3.2 from
// 15 March 2026), but for RFC 5280's wish for a subject key identifier,
// which BR 7.1.2.7.6 advises against. Change fields afterwards to break a
// rule on purpose; sign it with CA.Sign.
func PublicLeaf(names []string, notBefore, notAfter time.Time) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	serial.SetBit(serial, 126, 1) // always 16 bytes of DER, never negative
	return &x509.Certificate{
		SerialNumber:          serial,
		DNSNames:              names,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		Policies:              []x509.OID{OIDDomainValidated},
		// Public-looking addresses: zlint warns about internal names such
		// as .example or .test here. Nothing ever fetches them.
		OCSPServer:            []string{"http://ocsp.example.com/"},
		IssuingCertificateURL: []string{"http://ca.example.com/intermediate.crt"},
		CRLDistributionPoints: []string{"http://crl.example.com/intermediate.crl"},
	}
}

// Sign signs tmpl for pub with ca's key and returns the parsed
// certificate. RSA subject keys get keyEncipherment added to the key usage,
// as TLS with RSA key exchange needs.
func (ca *CA) Sign(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	t := *tmpl
	if _, ok := pub.(*rsa.PublicKey); ok && !t.IsCA {
		t.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if t.SerialNumber == nil {
		t.SerialNumber = nextSerial()
	}
	der, err := x509.CreateCertificate(rand.Reader, &t, ca.Cert.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: signing %q: %w", t.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}
