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

// Leaves whose issuer name many CA certificates carry cost signature checks
// until MaxChainSignatureChecks is used up; the rest are reported, not
// searched, and a leaf with a real issuer in the files still verifies.
func TestCheckDecoys(t *testing.T) {
	data := decoyFile(t, 120, 99)
	bd, err := Load("decoys.pem", data, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := getFixture(t)
	good := &Bundle{Name: "good.pem", Format: FormatPEM, Certs: []*x509.Certificate{f.leaf.Cert, f.inter.Cert.Cert}}
	r := Check([]*Bundle{bd, good}, Options{Now: time.Now(), Roots: rootsOf(f.root)})
	notChecked, searched := 0, 0
	for _, x := range r.Findings {
		switch {
		case x.Code == CodeChainUntrusted && strings.Contains(x.Message, "the chain was not checked"):
			notChecked++
		case x.Code == CodeChainUntrusted || x.Code == CodeChainIncomplete:
			if strings.HasPrefix(x.Subject, "good.pem") {
				t.Errorf("the real chain: %s", x.Message)
			}
			searched++
		}
	}
	// 198 checks per leaf: 50 leaves fit in the budget.
	if want := MaxChainSignatureChecks / 198; searched != want || notChecked != 120-want {
		t.Errorf("%d leaves searched and %d not checked, want %d and %d", searched, notChecked, want, 120-want)
	}
}

// BenchmarkCheckDecoys measures files built against the chain checks:
// leaves and CA certificates that carry the leaves' issuer name with
// another key, MaxItems in all. With 100 or more decoys crypto/x509's
// Verify gives up after 100 signature checks, and the other leaves of that
// issuer are not searched again; with 99 every leaf's search tries each
// decoy, once in exchange.OrderChain and once in Verify, until
// MaxChainSignatureChecks are used up. Run it with -benchtime 1x.
func BenchmarkCheckDecoys(b *testing.B) {
	for _, bc := range []struct{ leaves, decoys int }{{MaxItems / 2, MaxItems / 2}, {MaxItems - 99, 99}} {
		b.Run(fmt.Sprintf("leaves=%d/decoys=%d", bc.leaves, bc.decoys), func(b *testing.B) {
			bd, err := Load("decoys.pem", decoyFile(b, bc.leaves, bc.decoys), LoadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				Check([]*Bundle{bd}, Options{Now: time.Now()})
			}
		})
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
