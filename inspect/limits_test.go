package inspect

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
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

// A certificate may carry at most MaxCertNames names.
func TestLoadMaxCertNames(t *testing.T) {
	f := getFixture(t)
	names := make([]string, MaxCertNames+1)
	for i := range names {
		names[i] = fmt.Sprintf("h%05d.acme.com", i)
	}
	c, err := f.inter.Issue(testpki.Template{CommonName: names[0], DNSNames: names, Key: f.ecKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load("many.pem", testpki.PEM(c.Cert), LoadOptions{})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "certificate 1 has 10001 names; the limit is 10000" {
		t.Errorf("10,001 names: %v", err)
	}
	c, err = f.inter.Issue(testpki.Template{CommonName: names[0], DNSNames: names[:MaxCertNames], Key: f.ecKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load("at.pem", testpki.PEM(c.Cert), LoadOptions{}); err != nil {
		t.Errorf("10,000 names: %v", err)
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
