package inspect

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
)

// parseKey parses a private key in PKCS #8, PKCS #1 (RSA) or SEC 1 (EC)
// form, the three forms OpenSSL, Go and Windows tools write.
func parseKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("a %T private key is not supported", k)
		}
		return s, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS #8, PKCS #1 or SEC 1 private key")
}
