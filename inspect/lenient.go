package inspect

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // DSA keys are read to be reported, never used
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"strings"
	"unicode/utf16"

	zdsa "github.com/zmap/zcrypto/dsa"
	zrsa "github.com/zmap/zcrypto/rsa"
	zx509 "github.com/zmap/zcrypto/x509"
	zpkix "github.com/zmap/zcrypto/x509/pkix"
)

// Refusal is a certificate or request that Go's crypto/x509 refuses and
// the lenient reader read. The certificate (or request) as read is also in
// Bundle.Certs (Bundle.CSRs), so every check that needs only what could be
// read (coverage, dates, key match, chain, zlint) runs on it; the refusal
// itself becomes a finding with Code.
type Refusal struct {
	Cert   *x509.Certificate        // the certificate as read; nil for a request
	CSR    *x509.CertificateRequest // the request as read; nil for a certificate
	Code   string                   // the finding code, one of the Code… constants of refusals.go
	Reason string                   // crypto/x509's own words, without its "x509: " prefix
	Where  string                   // where in the file: `PEM block 2 "CERTIFICATE" (line 14)`, "PKCS#7 certificate 3"
	Unread []string                 // OIDs of extensions no parser here could read, left out of the checks
}

// readCertificate parses der as one certificate: with crypto/x509 first,
// and when it refuses, with zcrypto's parser (the one zlint's lints use),
// which accepts most of what crypto/x509 refuses. It returns the
// certificate, a *Refusal when only the lenient reader read it, or an
// ErrDamaged error that names what broke and where (where() prefixes it;
// it is called only then, so the happy path formats nothing).
func readCertificate(der []byte, where func() string) (*x509.Certificate, *Refusal, error) {
	c, err := x509.ParseCertificate(der)
	if err == nil {
		return c, nil, nil
	}
	zc, dropped, zerr := ParseZcrypto(der)
	if zerr != nil {
		return nil, nil, failure(ErrDamaged, where()+": "+describeDamage(der, "certificate", err, zerr))
	}
	c = fromZcrypto(zc, der)
	return c, &Refusal{Cert: c, Code: refusalCode(err, der), Reason: trimX509(err), Where: where(), Unread: dropped}, nil
}

// readRequest is readCertificate for a certificate request (PKCS #10).
func readRequest(der []byte, where func() string) (*x509.CertificateRequest, *Refusal, error) {
	r, err := x509.ParseCertificateRequest(der)
	if err == nil {
		return r, nil, nil
	}
	zr, zerr := zParseCertificateRequest(explicitCurveToNamed(der))
	if zerr != nil {
		what := "certificate request"
		if strings.Contains(where(), "certificate or request") {
			what = "certificate or request"
		}
		return nil, nil, failure(ErrDamaged, where()+": "+describeDamage(der, what, err, zerr))
	}
	r = requestFromZcrypto(zr, der)
	return r, &Refusal{CSR: r, Code: refusalCode(err, der), Reason: trimX509(err), Where: where()}, nil
}

// signed splits a signed structure (certificate or request) into its
// to-be-signed part and signature value, from the bytes as they are.
func signed(der []byte) (tbs, spki, sig []byte) {
	k, ok := signedElements(der)
	if !ok {
		return nil, nil, nil
	}
	var bits asn1.BitString
	if _, err := asn1.Unmarshal(k[2].full, &bits); err == nil {
		sig = bits.RightAlign()
	}
	return k[0].full, findSPKI(k[0]), sig
}

// findSPKI returns the SubjectPublicKeyInfo of a to-be-signed part: its
// first child SEQUENCE whose own first child is an AlgorithmIdentifier
// followed by a BIT STRING.
func findSPKI(tbs element) []byte {
	kids, err := tbs.children()
	if err != nil {
		return nil
	}
	for _, k := range kids {
		if !k.isSequence() {
			continue
		}
		kk, err := k.children()
		if err == nil && len(kk) == 2 && kk[0].isSequence() && kk[1].is(asn1.ClassUniversal, asn1.TagBitString) {
			if a, err := kk[0].children(); err == nil && len(a) >= 1 && a[0].oid() != nil {
				return k.full
			}
		}
	}
	return nil
}

// fromZcrypto builds the crypto/x509 form of a certificate zcrypto read, so
// that inspect's checks run on it. der is the certificate as it is in the
// file: Raw and the signed parts come from it, not from what zcrypto saw
// (explicitCurveToNamed may have rewritten the key's parameters).
func fromZcrypto(z *zx509.Certificate, der []byte) *x509.Certificate {
	tbs, spki, sig := signed(der)
	c := &x509.Certificate{
		Raw:                     der,
		RawTBSCertificate:       tbs,
		RawSubjectPublicKeyInfo: spki,
		RawSubject:              z.RawSubject,
		RawIssuer:               z.RawIssuer,
		Signature:               sig,
		SignatureAlgorithm:      signatureAlgorithm(der),
		PublicKey:               publicKey(z.PublicKey),
		Version:                 z.Version,
		SerialNumber:            z.SerialNumber,
		Subject:                 name(z.RawSubject, z.Subject),
		Issuer:                  name(z.RawIssuer, z.Issuer),
		NotBefore:               z.NotBefore,
		NotAfter:                z.NotAfter,
		KeyUsage:                x509.KeyUsage(z.KeyUsage),
		BasicConstraintsValid:   z.BasicConstraintsValid,
		IsCA:                    z.IsCA,
		MaxPathLen:              z.MaxPathLen,
		MaxPathLenZero:          z.MaxPathLenZero,
		SubjectKeyId:            z.SubjectKeyId,
		AuthorityKeyId:          z.AuthorityKeyId,
		DNSNames:                z.DNSNames,
		EmailAddresses:          z.EmailAddresses,
		IPAddresses:             z.IPAddresses,
		OCSPServer:              z.OCSPServer,
		IssuingCertificateURL:   z.IssuingCertificateURL,
		CRLDistributionPoints:   z.CRLDistributionPoints,
	}
	if c.SerialNumber == nil {
		c.SerialNumber = new(big.Int)
	}
	c.PublicKeyAlgorithm = publicKeyAlgorithm(c.PublicKey)
	for _, e := range z.Extensions {
		c.Extensions = append(c.Extensions, pkix.Extension{Id: asn1.ObjectIdentifier(e.Id), Critical: e.Critical, Value: e.Value})
		if asn1.ObjectIdentifier(e.Id).Equal(oidExtKeyUsage) {
			c.ExtKeyUsage, c.UnknownExtKeyUsage = extKeyUsage(e.Value)
		}
	}
	return c
}

// requestFromZcrypto is fromZcrypto for a certificate request.
func requestFromZcrypto(z *zx509.CertificateRequest, der []byte) *x509.CertificateRequest {
	tbs, spki, sig := signed(der)
	r := &x509.CertificateRequest{
		Raw:                      der,
		RawTBSCertificateRequest: tbs,
		RawSubjectPublicKeyInfo:  spki,
		RawSubject:               z.RawSubject,
		Version:                  z.Version,
		Signature:                sig,
		SignatureAlgorithm:       signatureAlgorithm(der),
		PublicKey:                publicKey(z.PublicKey),
		Subject:                  name(z.RawSubject, z.Subject),
		DNSNames:                 z.DNSNames,
		EmailAddresses:           z.EmailAddresses,
		IPAddresses:              z.IPAddresses,
	}
	r.PublicKeyAlgorithm = publicKeyAlgorithm(r.PublicKey)
	for _, e := range z.Extensions {
		r.Extensions = append(r.Extensions, pkix.Extension{Id: asn1.ObjectIdentifier(e.Id), Critical: e.Critical, Value: e.Value})
	}
	return r
}

// name is the crypto/x509 form of a distinguished name, read attribute by
// attribute from raw (string types encoding/asn1 does not read, such as
// UniversalString, are decoded; other values are shown as # and their DER
// in hex, as RFC 4514 §2.4 writes them), else copied from zcrypto's
// reading of it.
func name(raw []byte, z zpkix.Name) pkix.Name {
	if rdn, ok := readRDNs(raw); ok {
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		return n
	}
	n := pkix.Name{
		Country:            z.Country,
		Organization:       z.Organization,
		OrganizationalUnit: z.OrganizationalUnit,
		Locality:           z.Locality,
		Province:           z.Province,
		StreetAddress:      z.StreetAddress,
		PostalCode:         z.PostalCode,
		SerialNumber:       z.SerialNumber,
		CommonName:         z.CommonName,
	}
	for _, a := range z.Names {
		n.Names = append(n.Names, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier(a.Type), Value: a.Value})
	}
	return n
}

// readRDNs reads a Name whose values encoding/asn1 refuses.
func readRDNs(raw []byte) (pkix.RDNSequence, bool) {
	e, _, err := readElement(raw)
	if err != nil || !e.isSequence() {
		return nil, false
	}
	sets, err := e.children()
	if err != nil {
		return nil, false
	}
	var out pkix.RDNSequence
	for _, set := range sets {
		atvs, err := set.children()
		if err != nil {
			return nil, false
		}
		var rdn pkix.RelativeDistinguishedNameSET
		for _, atv := range atvs {
			k, err := atv.children()
			if err != nil || len(k) != 2 || k[0].oid() == nil {
				return nil, false
			}
			rdn = append(rdn, pkix.AttributeTypeAndValue{Type: k[0].oid(), Value: attributeString(k[1])})
		}
		out = append(out, rdn)
	}
	return out, true
}

// attributeString is the text of a name attribute's value.
func attributeString(v element) string {
	if v.class != asn1.ClassUniversal || v.constructed {
		return "#" + hex.EncodeToString(v.full)
	}
	switch v.tag {
	case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String, asn1.TagT61String, asn1.TagNumericString, 26: // 26: VisibleString
		return string(v.content)
	case 28: // UniversalString: UTF-32BE
		var b strings.Builder
		for i := 0; i+4 <= len(v.content); i += 4 {
			b.WriteRune(rune(uint32(v.content[i])<<24 | uint32(v.content[i+1])<<16 | uint32(v.content[i+2])<<8 | uint32(v.content[i+3])))
		}
		return b.String()
	case asn1.TagBMPString: // UTF-16BE
		u := make([]uint16, 0, len(v.content)/2) // a capacity only: another size changes no result
		for i := 0; i+2 <= len(v.content); i += 2 {
			u = append(u, uint16(v.content[i])<<8|uint16(v.content[i+1]))
		}
		return string(utf16.Decode(u))
	}
	return "#" + hex.EncodeToString(v.full)
}

// publicKey returns a key zcrypto parsed as the crypto type crypto/x509
// uses, or nil for a key of another kind or one no check can use.
func publicKey(k any) any {
	switch k := k.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, *dsa.PublicKey:
		return k
	case ed25519.PublicKey:
		// zcrypto reads a key shorter than 32 bytes; crypto/ed25519 panics
		// on one when it checks a signature.
		if len(k) == ed25519.PublicKeySize {
			return k
		}
	case *zx509.AugmentedECDSA:
		return k.Pub
	case *zrsa.PublicKey:
		if k.N == nil || k.E == nil || !k.E.IsInt64() || k.E.Int64() > 1<<31-1 {
			return nil
		}
		return &rsa.PublicKey{N: k.N, E: int(k.E.Int64())}
	case *zdsa.PublicKey:
		return &dsa.PublicKey{Parameters: dsa.Parameters{P: k.P, Q: k.Q, G: k.G}, Y: k.Y}
	}
	return nil
}

func publicKeyAlgorithm(k any) x509.PublicKeyAlgorithm {
	switch k.(type) {
	case *rsa.PublicKey:
		return x509.RSA
	case *ecdsa.PublicKey:
		return x509.ECDSA
	case ed25519.PublicKey:
		return x509.Ed25519
	case *dsa.PublicKey:
		return x509.DSA
	}
	return x509.UnknownPublicKeyAlgorithm
}

var (
	oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSAPSS      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidHashSHA256  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidHashSHA384  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidHashSHA512  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	signatureByOID = map[string]x509.SignatureAlgorithm{
		"1.2.840.113549.1.1.2":   x509.MD2WithRSA,
		"1.2.840.113549.1.1.4":   x509.MD5WithRSA,
		"1.2.840.113549.1.1.5":   x509.SHA1WithRSA,
		"1.3.14.3.2.29":          x509.SHA1WithRSA,
		"1.2.840.113549.1.1.11":  x509.SHA256WithRSA,
		"1.2.840.113549.1.1.12":  x509.SHA384WithRSA,
		"1.2.840.113549.1.1.13":  x509.SHA512WithRSA,
		"1.2.840.10040.4.3":      x509.DSAWithSHA1,
		"2.16.840.1.101.3.4.3.2": x509.DSAWithSHA256,
		"1.2.840.10045.4.1":      x509.ECDSAWithSHA1,
		"1.2.840.10045.4.3.2":    x509.ECDSAWithSHA256,
		"1.2.840.10045.4.3.3":    x509.ECDSAWithSHA384,
		"1.2.840.10045.4.3.4":    x509.ECDSAWithSHA512,
		"1.3.101.112":            x509.PureEd25519,
	}
	extKeyUsageByOID = map[string]x509.ExtKeyUsage{
		"2.5.29.37.0":       x509.ExtKeyUsageAny,
		"1.3.6.1.5.5.7.3.1": x509.ExtKeyUsageServerAuth,
		"1.3.6.1.5.5.7.3.2": x509.ExtKeyUsageClientAuth,
		"1.3.6.1.5.5.7.3.3": x509.ExtKeyUsageCodeSigning,
		"1.3.6.1.5.5.7.3.4": x509.ExtKeyUsageEmailProtection,
		"1.3.6.1.5.5.7.3.8": x509.ExtKeyUsageTimeStamping,
		"1.3.6.1.5.5.7.3.9": x509.ExtKeyUsageOCSPSigning,
	}
)

// signatureAlgorithm returns the algorithm of the outer signature of a
// signed structure, the one its signature value was made with.
func signatureAlgorithm(der []byte) x509.SignatureAlgorithm {
	k, ok := signedElements(der)
	if !ok {
		return x509.UnknownSignatureAlgorithm
	}
	a, err := k[1].children()
	if err != nil || len(a) == 0 || a[0].oid() == nil {
		return x509.UnknownSignatureAlgorithm
	}
	oid := a[0].oid()
	if oid.Equal(oidRSAPSS) {
		// The hash is in the parameters; the first OID that names one.
		switch {
		case bytes.Contains(k[1].full, oidBytes(oidHashSHA256)):
			return x509.SHA256WithRSAPSS
		case bytes.Contains(k[1].full, oidBytes(oidHashSHA384)):
			return x509.SHA384WithRSAPSS
		case bytes.Contains(k[1].full, oidBytes(oidHashSHA512)):
			return x509.SHA512WithRSAPSS
		}
		return x509.UnknownSignatureAlgorithm
	}
	return signatureByOID[oid.String()]
}

func oidBytes(o asn1.ObjectIdentifier) []byte {
	b, _ := asn1.Marshal(o)
	return b
}

// extKeyUsage reads an extended key usage extension value.
func extKeyUsage(v []byte) (known []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) {
	var oids []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(v, &oids); err != nil {
		return nil, nil
	}
	for _, o := range oids {
		if u, ok := extKeyUsageByOID[o.String()]; ok {
			known = append(known, u)
		} else {
			unknown = append(unknown, o)
		}
	}
	return known, unknown
}

// isExplicitCurve reports whether der's EC public key has explicit
// curve parameters.
func isExplicitCurve(der []byte) bool {
	spki := spkiOf(der)
	return spki != nil && isExplicitCurveSPKI(spki)
}

// signedElements splits a signed structure (a certificate, a request, a
// CRL: SEQUENCE { to-be-signed, algorithm, signature }) into its three
// elements, or reports false when der is not of that shape.
func signedElements(der []byte) ([]element, bool) {
	e, _, err := readElement(der)
	if err != nil {
		return nil, false
	}
	k, err := e.children()
	if err != nil || len(k) != 3 {
		return nil, false
	}
	return k, true
}
