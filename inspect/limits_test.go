package inspect

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
)

// A file may hold at most MaxItems certificates, requests and keys.
func TestLoadMaxItems(t *testing.T) {
	f := getFixture(t)
	one := testpki.PEM(f.leaf.Cert)
	at := bytes.Repeat(one, MaxItems)
	if b, err := Load("at.pem", at, LoadOptions{}); err != nil || len(b.Certs) != MaxItems {
		t.Fatalf("%d certificates: %v", MaxItems, err)
	}
	key, err := testpki.KeyPEM(f.ecKey)
	if err != nil {
		t.Fatal(err)
	}
	over := append(at, key...)
	_, err = Load("over.pem", over, LoadOptions{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "holds 1001 certificates, requests and keys; the limit is 1000") {
		t.Errorf("one item more: %v", err)
	}
}

// BenchmarkCheckDecoysAtLimit is the costliest file Load accepts for the
// chain checks, as far as known: MaxItems certificates, half of them
// leaves and half CA certificates that carry the leaves' issuer name with
// another key. Every leaf's chain search then gives up after the signature
// checks exchange.OrderChain and crypto/x509's Verify allow (100 each).
// One iteration takes seconds: run it with -benchtime 1x.
func BenchmarkCheckDecoysAtLimit(b *testing.B) {
	data := decoyFile(b, MaxItems/2, MaxItems/2)
	bd, err := Load("decoys.pem", data, LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Check([]*Bundle{bd}, Options{Now: time.Now()})
	}
}

// decoyFile makes a PEM file of leaves issued by "CN=Decoy Issuer" and
// decoys: CA certificates with that name whose key signed none of them.
func decoyFile(tb testing.TB, leaves, decoys int) []byte {
	tb.Helper()
	issuerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	decoyKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	issuer := &x509.Certificate{Subject: pkix.Name{CommonName: "Decoy Issuer"}, SerialNumber: big.NewInt(1)}
	now := time.Now()
	var certs []*x509.Certificate
	make1 := func(serial int, tmpl *x509.Certificate, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) {
		tmpl.SerialNumber = big.NewInt(int64(serial))
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(90*24*time.Hour)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			tb.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			tb.Fatal(err)
		}
		certs = append(certs, c)
	}
	for i := range leaves {
		make1(i+2, &x509.Certificate{Subject: pkix.Name{CommonName: "exch2.acme.com"}, DNSNames: []string{"exch2.acme.com"}}, issuer, &decoyKey.PublicKey, issuerKey)
	}
	for i := range decoys {
		make1(leaves+i+2, &x509.Certificate{Subject: issuer.Subject, BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign}, issuer, &decoyKey.PublicKey, decoyKey)
	}
	return testpki.PEM(certs...)
}
