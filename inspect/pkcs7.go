package inspect

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
)

var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidEncrypted  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
)

// isPKCS7 reports whether der starts like a PKCS#7 SignedData ContentInfo:
// SEQUENCE { OID signedData, [0] … }.
func isPKCS7(der []byte) bool {
	e, _, err := readElement(der)
	if err != nil || !e.isSequence() {
		return false
	}
	kids, err := e.children()
	return err == nil && len(kids) >= 1 && kids[0].oid().Equal(oidSignedData)
}

// parsePKCS7 returns the certificates of a PKCS#7 SignedData (RFC 2315 §9.1,
// RFC 5652 §5.1), in file order. A .p7b is a "degenerate" SignedData: no
// content, no signers, only certificates (RFC 5652 §5.2). BER is accepted,
// as Windows and Java write it; signatures and CRLs are ignored. It returns
// ErrDamaged when the structure does not parse. A certificate that
// crypto/x509 refuses is read leniently (readCertificate) and comes with
// its Refusal.
func parsePKCS7(der []byte) ([]*x509.Certificate, []*Refusal, error) {
	damaged := func(why string) error {
		return failure(ErrDamaged, "PKCS#7 structure is damaged: "+why)
	}
	ci, rest, err := readElement(der)
	if err != nil || !ci.isSequence() {
		return nil, nil, damaged("the outer ContentInfo does not parse")
	}
	if len(trimZeros(rest)) != 0 {
		return nil, nil, damaged("data after the end of the structure")
	}
	kids, err := ci.children()
	if err != nil || len(kids) != 2 || !kids[0].oid().Equal(oidSignedData) || !kids[1].is(asn1.ClassContextSpecific, 0) || !kids[1].constructed {
		return nil, nil, damaged("ContentInfo is not SignedData")
	}
	inner, err := kids[1].children()
	if err != nil || len(inner) != 1 || !inner[0].isSequence() {
		return nil, nil, damaged("SignedData does not parse")
	}
	fields, err := inner[0].children()
	if err != nil || len(fields) < 3 || fields[0].integer() == nil {
		return nil, nil, damaged("SignedData does not parse")
	}
	var certs []*x509.Certificate
	var refused []*Refusal
	for _, f := range fields[3:] {
		if !f.is(asn1.ClassContextSpecific, 0) {
			continue // [1] CRLs, then the SignerInfos SET
		}
		items, err := f.children()
		if err != nil {
			return nil, nil, damaged("the certificate list does not parse")
		}
		for i, it := range items {
			if !it.isSequence() {
				continue // an extended or attribute certificate: not X.509
			}
			c, r, err := readCertificate(it.full, func() string { return fmt.Sprintf("PKCS#7 certificate %d", i+1) })
			if err != nil {
				return nil, nil, err
			}
			certs = append(certs, c)
			if r != nil {
				refused = append(refused, r)
			}
		}
	}
	return certs, refused, nil
}

// trimZeros drops trailing zero bytes, which some tools pad files with.
func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}
