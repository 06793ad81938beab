package testpki

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// P7B encodes certificates as a degenerate PKCS #7 SignedData in DER, the
// .p7b a CA delivers (RFC 5652 §5.2: no content, no signers): ContentInfo
// { signedData, [0] SignedData { 1, {}, { data }, [0] certificates, {} } }.
func P7B(certs ...*x509.Certificate) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(*cryptobyte.Builder) {})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					for _, c := range certs {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(*cryptobyte.Builder) {})
			})
		})
	})
	return b.BytesOrPanic()
}

// P7BIndefinite encodes the same structure in BER with indefinite lengths
// on every constructed level above the certificates, as some Windows and
// Java tools write .p7b files.
func P7BIndefinite(certs ...*x509.Certificate) []byte {
	indef := func(tag byte, inner ...[]byte) []byte {
		out := []byte{tag, 0x80}
		for _, in := range inner {
			out = append(out, in...)
		}
		return append(out, 0, 0)
	}
	oid := func(o asn1.ObjectIdentifier) []byte { b, _ := asn1.Marshal(o); return b }
	var certBytes []byte
	for _, c := range certs {
		certBytes = append(certBytes, c.Raw...)
	}
	sd := indef(0x30,
		[]byte{0x02, 0x01, 0x01}, // version 1
		[]byte{0x31, 0x00},       // digestAlgorithms {}
		indef(0x30, oid(oidData)),
		indef(0xa0, certBytes),
		[]byte{0x31, 0x00}, // signerInfos {}
	)
	return indef(0x30, oid(oidSignedData), indef(0xa0, sd))
}

// P7BPEM wraps a P7B in PEM with the label label: "PKCS7" as OpenSSL
// writes it, "CERTIFICATE" as Windows writes a base64 .p7b.
func P7BPEM(label string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: label, Bytes: der})
}
