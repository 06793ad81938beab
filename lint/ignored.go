package lint

import (
	"errors"

	"github.com/exchcert/exchcert/inspect"
)

// ignore marks f as ignored when the loader's error says it is not a
// certificate file, or the loaded bundle b holds only a private key, and
// reports whether it did. A file recognisably of another kind (a CRL, an
// OCSP response, a key, a keystore) keeps the reason, which the writers
// show; a file that is nothing of the kind is only counted. A key file
// paired by name with a certificate next to it (exch2.key beside
// exch2.crt) is checked with that certificate, so it is not ignored.
func ignore(f *File, err error, b *inspect.Bundle, paired bool) bool {
	var k *inspect.KindError
	switch {
	case b != nil:
		if k = b.KeyOnly(); k == nil || paired {
			return false
		}
	case errors.As(err, &k):
	case errors.Is(err, inspect.ErrNotRecognised):
		f.Ignored = true
		return true
	default:
		return false
	}
	f.Ignored = true
	f.IgnoredReason = k.Reason()
	return true
}
