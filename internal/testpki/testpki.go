// Package testpki makes throw-away certificate chains for exchcert's tests:
// a root CA, intermediates and leaf certificates with chosen names, dates
// and keys. Nothing here is for production use: keys are generated fresh
// each run and never protected.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"sync"
	"time"
)

// KeyType selects the key of a generated certificate.
type KeyType string

// Key types.
const (
	RSA2048   KeyType = "rsa2048"
	RSA1024   KeyType = "rsa1024" // weak on purpose, for tests of weak-key checks
	ECDSAP256 KeyType = "ecdsa-p256"
)

// NewKey generates a key of type t.
func NewKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case "", RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA1024:
		return rsa.GenerateKey(rand.Reader, 1024)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("testpki: unknown key type %q", t)
}

// Cert is a certificate with its private key.
type Cert struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CA is a certificate authority that can issue certificates.
type CA struct {
	Cert
	// Chain is the CA's chain up to, not including, the root; empty for a root.
	Chain []*x509.Certificate
}

// Template describes a certificate to issue. Zero fields get defaults:
// valid from an hour ago for 90 days, an RSA 2048 key, serverAuth EKU.
type Template struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	NotBefore  time.Time
	NotAfter   time.Time
	KeyType    KeyType
	Key        crypto.Signer           // use this key instead of a new one
	SigAlg     x509.SignatureAlgorithm // default: chosen by Go (SHA-256)
	EKU        []x509.ExtKeyUsage      // default serverAuth; set to []x509.ExtKeyUsage{} for none
	Org        string
}

var serial int64 = time.Now().UnixNano()
var serialMu sync.Mutex

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial++
	return big.NewInt(serial)
}

// NewRoot makes a self-signed root CA named name.
func NewRoot(name string) (*CA, error) {
	key, err := NewKey(RSA2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"exchcert test"}},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: Cert{Cert: c, Key: key}}, nil
}

// Intermediate makes a CA named name signed by ca.
func (ca *CA) Intermediate(name string) (*CA, error) {
	key, err := NewKey(RSA2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"exchcert test"}},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	chain := append([]*x509.Certificate{c}, ca.Chain...)
	return &CA{Cert: Cert{Cert: c, Key: key}, Chain: chain}, nil
}

// Issue makes a leaf certificate from t, signed by ca.
func (ca *CA) Issue(t Template) (*Cert, error) {
	key := t.Key
	if key == nil {
		var err error
		if key, err = NewKey(t.KeyType); err != nil {
			return nil, err
		}
	}
	return ca.sign(t, key.Public(), key)
}

// IssueFor signs a leaf for an existing public key (for example, a CSR's).
func (ca *CA) IssueFor(t Template, pub crypto.PublicKey) (*x509.Certificate, error) {
	c, err := ca.sign(t, pub, nil)
	if err != nil {
		return nil, err
	}
	return c.Cert, nil
}

func (ca *CA) sign(t Template, pub crypto.PublicKey, key crypto.Signer) (*Cert, error) {
	now := time.Now()
	if t.NotBefore.IsZero() {
		t.NotBefore = now.Add(-time.Hour)
	}
	if t.NotAfter.IsZero() {
		t.NotAfter = t.NotBefore.Add(90 * 24 * time.Hour)
	}
	eku := t.EKU
	if eku == nil {
		eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	ku := x509.KeyUsageDigitalSignature
	if _, ok := pub.(*rsa.PublicKey); ok {
		ku |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: t.CommonName},
		DNSNames:              t.DNSNames,
		IPAddresses:           t.IPs,
		NotBefore:             t.NotBefore,
		NotAfter:              t.NotAfter,
		KeyUsage:              ku,
		ExtKeyUsage:           eku,
		BasicConstraintsValid: true,
		SignatureAlgorithm:    t.SigAlg,
	}
	if t.Org != "" {
		tmpl.Subject.Organization = []string{t.Org}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert.Cert, pub, ca.Key)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Cert{Cert: c, Key: key}, nil
}

// PEM encodes certificates as a PEM bundle.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// KeyPEM encodes a private key as PKCS#8 PEM.
func KeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// WriteFile writes data to name with mode 0600.
func WriteFile(name string, data []byte) error { return os.WriteFile(name, data, 0o600) }
