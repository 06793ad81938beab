package lint

import (
	"crypto/x509"
	"testing"

	"github.com/exchcert/exchcert/internal/testpki"
)

// Test helpers for the lint_test package.
var MakeTree = makeTree

// WriteHostileCert writes a certificate whose Common Name is cn, which is
// not among its SANs.
func WriteHostileCert(t *testing.T, name, cn string) {
	c := leaf(t, testKey(t, testpki.ECDSAP256), func(c *x509.Certificate) { c.Subject.CommonName = cn }, "exch2.acme.com")
	write(t, name, testpki.PEM(c))
}
