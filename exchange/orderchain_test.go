package exchange

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
)

// decoyCAs returns n CA certificates named like the real issuer but with
// another key: each one costs OrderChain a signature check that fails.
func decoyCAs(t *testing.T, name pkix.Name, n int) []*x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var out []*x509.Certificate
	for i := range n {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: name,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// OrderChain checks at most maxChainSignatureChecks signatures: a file of
// decoys named like the issuer cannot make it check every one at every
// step, and the real issuer is still found behind a few decoys.
func TestOrderChainSignatureLimit(t *testing.T) {
	root, err := testpki.NewRoot("Decoy Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Decoy Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}, KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	decoys := decoyCAs(t, inter.Cert.Cert.Subject, maxChainSignatureChecks+20)

	few := append(append([]*x509.Certificate{}, decoys[:10]...), inter.Cert.Cert, root.Cert.Cert)
	chain, unused, missing := OrderChain(leaf.Cert, few)
	if len(chain) != 2 || chain[0] != inter.Cert.Cert || chain[1] != root.Cert.Cert || missing != "" || len(unused) != 10 {
		t.Errorf("behind 10 decoys: chain %d, unused %d, missing %q; want the intermediate and the root", len(chain), len(unused), missing)
	}

	many := append(append([]*x509.Certificate{}, decoys...), inter.Cert.Cert, root.Cert.Cert)
	chain, unused, missing = OrderChain(leaf.Cert, many)
	if len(chain) != 0 || missing != inter.Cert.Cert.Subject.String() || len(unused) != len(many) {
		t.Errorf("behind %d decoys: chain %d, unused %d, missing %q; want the search given up, naming the issuer", len(decoys), len(chain), len(unused), missing)
	}
}
