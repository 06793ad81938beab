package inspect

import (
	"fmt"
	"strings"
)

// describeDamage says what broke in a certificate or request neither
// crypto/x509 (err) nor zcrypto (zerr) could read, and where: the byte
// offset at which its ASN.1 structure stops making sense, or, when the
// structure is whole, which part both parsers refused.
func describeDamage(der []byte, what string, err, zerr error) string {
	if off, why := derDamage(der, 0, 0); off >= 0 {
		return fmt.Sprintf("%s is damaged at byte %d of %d: %s (crypto/x509: %s)", what, off, len(der), why, trimX509(err))
	}
	if spki := spkiOf(der); spki != nil && isExplicitCurveSPKI(spki) {
		return fmt.Sprintf("%s has an EC key with explicit curve parameters that are none of the named curves P-224, P-256, P-384, P-521; no reader here can use the key (crypto/x509: %s)", what, trimX509(err))
	}
	z := strings.TrimPrefix(zerr.Error(), "x509: ")
	if i := strings.Index(z, " {"); i > 0 {
		z = z[:i] // encoding/asn1's dump of its field parameters
	}
	return fmt.Sprintf("%s is whole as ASN.1 but neither certificate parser reads it: crypto/x509: %s; zcrypto: %s", what, trimX509(err), z)
}

// derDamage walks the DER elements of b (at offset base in the whole) and
// returns the offset of the first element whose header or length does not
// fit, with why, or -1 when every element fits. It descends into
// constructed elements only: a primitive element's content is not ASN.1.
func derDamage(b []byte, base, depth int) (int, string) {
	if depth > maxDepth {
		return base, "ASN.1 nested too deeply"
	}
	for off := 0; off < len(b); {
		at := base + off
		if len(b)-off < 2 {
			return at, "an element header is cut short"
		}
		tag := b[off]
		i := off + 1
		if tag&0x1f == 0x1f {
			for i < len(b) && b[i]&0x80 != 0 {
				i++
			}
			i++
			if i >= len(b) {
				return at, "an element header is cut short"
			}
		}
		l := int(b[i])
		i++
		switch {
		case l == 0x80:
			return at, "an indefinite length (BER), which DER does not allow"
		case l > 0x80: // >= behaves the same: 0x80 is the case above
			n := l & 0x7f
			if n > 4 || i+n > len(b) {
				return at, "a length field is cut short or too long"
			}
			l = 0
			for _, c := range b[i : i+n] {
				l = l<<8 | int(c)
			}
			i += n
		}
		if l > len(b)-i {
			return at, fmt.Sprintf("an element claims %d bytes but only %d follow", l, len(b)-i)
		}
		if tag&0x20 != 0 {
			if o, why := derDamage(b[i:i+l], base+i, depth+1); o >= 0 { // never 0: an inner offset is past the header, so > 0 behaves the same
				return o, why
			}
		}
		off = i + l
	}
	return -1, ""
}

// spkiOf returns the SubjectPublicKeyInfo of a certificate or request, or
// nil.
func spkiOf(der []byte) []byte {
	k, ok := signedElements(der)
	if !ok {
		return nil
	}
	return findSPKI(k[0])
}

// isExplicitCurveSPKI reports whether spki is an EC key whose parameters
// are a SEQUENCE (explicit curve) rather than a named curve's OID.
func isExplicitCurveSPKI(spki []byte) bool {
	e, _, err := readElement(spki)
	if err != nil {
		return false
	}
	k, err := e.children()
	if err != nil || len(k) != 2 {
		return false
	}
	alg, err := k[0].children()
	return err == nil && len(alg) == 2 && alg[0].oid().Equal(oidECPublicKey) && alg[1].isSequence()
}
