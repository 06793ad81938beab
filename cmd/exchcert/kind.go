package main

import (
	"errors"

	"github.com/exchcert/exchcert/inspect"
)

// notA words a loader error about a file that is recognisably something
// else than want ("a certificate", "a private key") as "NAME is a
// certificate revocation list (CRL), not a certificate". A private key in a
// form the loader cannot use, given as the key, keeps the loader's advice
// on converting it. Other errors are returned unchanged.
func notA(name, want string, err error) error {
	var k *inspect.KindError
	if !errors.As(err, &k) || k.Key && want == "a private key" {
		return err
	}
	return &fileError{name: name, err: errors.New(k.Not(want)), is: true}
}

// keyOnly refuses a private key file given where a certificate is expected,
// unless another file holds the certificate or request it belongs to
// (exchcert inspect cert.pem cert.key keeps matching them).
func keyOnly(bundles []*inspect.Bundle) error {
	for _, b := range bundles {
		if len(b.Certs) > 0 || len(b.CSRs) > 0 {
			return nil
		}
	}
	for _, b := range bundles {
		if k := b.KeyOnly(); k != nil {
			k.Hint = "give it with --key, together with the certificate"
			return &fileError{name: b.Name, err: errors.New(k.Not("a certificate")), is: true}
		}
	}
	return nil
}
