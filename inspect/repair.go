package inspect

import (
	"bytes"
	"crypto/elliptic"
	"encoding/asn1"
	"fmt"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
)

// The repairs below let zcrypto read what it refuses as it stands. They
// work on a copy that is only parsed: what is shown, hashed and linted is
// the certificate as it is in the file (restoreRaw).

// namedCurves are the curves an explicitly encoded EC key is matched
// against, by their field prime, as OpenSSL does when it prints one.
var namedCurves = []struct {
	oid   asn1.ObjectIdentifier
	curve elliptic.Curve
}{
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, elliptic.P256()},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 34}, elliptic.P384()},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 35}, elliptic.P521()},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 33}, elliptic.P224()},
}

// explicitCurveToNamed returns der with the explicit curve parameters of
// its EC public key (RFC 3279 §2.3.5 specifiedCurve) replaced by the OID of
// the named curve they describe, so that zcrypto, which reads only named
// curves, can read the rest. It returns der itself when there is nothing to
// replace or the curve is none of the named ones. The result is only
// parsed: Raw, the signed part and the signature are taken from der.
func explicitCurveToNamed(der []byte) []byte {
	k, ok := signedElements(der)
	if !ok {
		return der
	}
	spki := findSPKI(k[0])
	if spki == nil {
		return der
	}
	se, _, _ := readElement(spki)
	sk, err := se.children()
	if err != nil {
		return der
	}
	alg, err := sk[0].children()
	if err != nil || len(alg) != 2 || !alg[0].oid().Equal(oidECPublicKey) || !alg[1].isSequence() {
		return der
	}
	oid := curveOfParams(alg[1])
	if oid == nil {
		return der
	}
	named, _ := asn1.Marshal(oid)
	// Rebuild the SEQUENCEs from the parameters outwards: the algorithm
	// identifier, the SPKI, the to-be-signed part, the whole.
	newAlg := seq(alg[0].full, named)
	newSPKI := seq(append(append([]byte(nil), newAlg...), sk[1].full...))
	tbsKids, _ := k[0].children()
	var tbs []byte
	for _, t := range tbsKids {
		if bytes.Equal(t.full, spki) {
			tbs = append(tbs, newSPKI...)
		} else {
			tbs = append(tbs, t.full...)
		}
	}
	return seq(seq(tbs), k[1].full, k[2].full)
}

// curveOfParams returns the OID of the named curve whose prime is that of
// explicit ECParameters (RFC 3279 §2.3.5), or nil.
func curveOfParams(p element) asn1.ObjectIdentifier {
	kids, err := p.children()
	if err != nil || len(kids) < 2 {
		return nil
	}
	field, err := kids[1].children() // FieldID { fieldType, prime }
	if err != nil || len(field) != 2 {
		return nil
	}
	prime := field[1].integer()
	if prime == nil {
		return nil
	}
	for _, c := range namedCurves {
		if c.curve.Params().P.Cmp(prime) == 0 {
			return c.oid
		}
	}
	return nil
}

// seq encodes a DER SEQUENCE of the given encoded elements.
func seq(parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	out, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	return out
}

// ParseZcrypto parses a certificate with zcrypto's parser, the one zlint's
// lints are written against. When zcrypto refuses der as it is, it parses
// a repaired copy: an explicitly encoded EC curve named, validity dates
// without seconds or with fractions re-encoded, and extensions zcrypto
// cannot read left out (dropped lists their OIDs). The certificate
// returned keeps der as Raw and der's own to-be-signed bytes, so lints
// that read the encoding see the file as it is.
func ParseZcrypto(der []byte) (c *zx509.Certificate, dropped []string, err error) {
	c, err = zParseCertificate(der)
	if err == nil {
		return c, nil, nil
	}
	fixed := fixTimes(explicitCurveToNamed(der))
	if c, err2 := zParseCertificate(fixed); err2 == nil {
		return restoreRaw(c, der), nil, nil
	}
	fixed, dropped = dropUnreadableExtensions(fixed)
	if dropped == nil {
		return nil, nil, err
	}
	c, err2 := zParseCertificate(fixed)
	if err2 != nil {
		return nil, nil, err
	}
	return restoreRaw(c, der), dropped, nil
}

func restoreRaw(c *zx509.Certificate, der []byte) *zx509.Certificate {
	tbs, _, sig := signed(der)
	c.Raw, c.RawTBSCertificate, c.Signature = der, tbs, sig
	return c
}

// rebuild returns the certificate der with its to-be-signed fields
// replaced by what edit makes of them, or nil when der is not the shape
// of a certificate.
func rebuild(der []byte, edit func(fields []element) [][]byte) []byte {
	k, ok := signedElements(der)
	if !ok {
		return nil
	}
	fields, err := k[0].children()
	if err != nil {
		return nil
	}
	return seq(seq(edit(fields)...), k[1].full, k[2].full)
}

// fixTimes re-encodes validity dates zcrypto cannot read (a UTCTime or
// GeneralizedTime without seconds, with fractions or an offset) as the
// same instant in the form RFC 5280 §4.1.2.5 requires; it returns der
// unchanged when there is nothing to fix.
func fixTimes(der []byte) []byte {
	changed := false
	out := rebuild(der, func(fields []element) [][]byte {
		var parts [][]byte
		for _, f := range fields {
			kids, err := f.children()
			if f.isSequence() && err == nil && len(kids) == 2 && isTime(kids[0]) && isTime(kids[1]) {
				a, ca := canonicalTime(kids[0])
				b, cb := canonicalTime(kids[1])
				if ca || cb {
					changed = true
					parts = append(parts, seq(a, b))
					continue
				}
			}
			parts = append(parts, f.full)
		}
		return parts
	})
	if !changed || out == nil {
		return der
	}
	return out
}

func isTime(e element) bool {
	return e.class == asn1.ClassUniversal && (e.tag == asn1.TagUTCTime || e.tag == asn1.TagGeneralizedTime)
}

// canonicalTime returns t encoded as RFC 5280 requires and whether that
// differs from its encoding in the file. A value that is no time at all
// is left as it is.
func canonicalTime(t element) ([]byte, bool) {
	s := string(t.content)
	layouts := []string{"20060102150405Z0700", "200601021504Z0700", "20060102150405.999999999Z0700", "2006010215Z0700"}
	if t.tag == asn1.TagUTCTime {
		layouts = []string{"060102150405Z0700", "0601021504Z0700"}
	}
	for _, l := range layouts {
		v, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		v = v.UTC()
		var enc []byte
		if t.tag == asn1.TagUTCTime {
			enc, _ = asn1.MarshalWithParams(v, "utc")
		} else {
			enc, _ = asn1.MarshalWithParams(v, "generalized")
		}
		return enc, !bytes.Equal(enc, t.full)
	}
	return t.full, false
}

// maxDropTries bounds the parses dropUnreadableExtensions makes, one per
// extension: real certificates carry at most a dozen or two, and a hostile
// one of thousands would otherwise cost thousands of parses of a large
// certificate.
const maxDropTries = 32

// dropUnreadableExtensions leaves out of der each extension that keeps
// zcrypto from reading a certificate that it reads without extensions.
// It returns the result and the OIDs left out, nil when there are none.
func dropUnreadableExtensions(der []byte) ([]byte, []string) {
	var exts []element
	with := func(keep func(i int) bool) []byte {
		return rebuild(der, func(fields []element) [][]byte {
			var parts [][]byte
			for _, f := range fields {
				if !f.is(asn1.ClassContextSpecific, 3) {
					parts = append(parts, f.full)
					continue
				}
				var kept [][]byte
				for i, x := range exts {
					if keep(i) {
						kept = append(kept, x.full)
					}
				}
				if len(kept) > 0 { // >= 0 (an empty list when all are left out) parses the same: zcrypto reads it as none
					w, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 3, IsCompound: true, Bytes: seq(kept...)})
					parts = append(parts, w)
				}
			}
			return parts
		})
	}
	for _, v := range extensionElements(der) {
		exts = append(exts, v)
	}
	if len(exts) == 0 || len(exts) > maxDropTries {
		return der, nil
	}
	if _, err := zParseCertificate(with(func(int) bool { return false })); err != nil {
		return der, nil // something else is wrong
	}
	bad := map[int]bool{}
	var dropped []string
	for i := range exts {
		if _, err := zParseCertificate(with(func(j int) bool { return j == i })); err != nil {
			bad[i] = true
			name := "unknown"
			if f, err := exts[i].children(); err == nil && len(f) > 0 && f[0].oid() != nil {
				name = f[0].oid().String()
			}
			dropped = append(dropped, name)
		}
	}
	if len(dropped) == 0 {
		return der, nil
	}
	return with(func(i int) bool { return !bad[i] }), dropped
}

// extensionElements returns the Extension elements of a certificate.
func extensionElements(der []byte) []element {
	k, ok := signedElements(der)
	if !ok {
		return nil
	}
	tbs, err := k[0].children()
	if err != nil {
		return nil
	}
	for _, t := range tbs {
		if !t.is(asn1.ClassContextSpecific, 3) {
			continue
		}
		inner, err := t.children()
		if err != nil || len(inner) != 1 {
			return nil
		}
		exts, err := inner[0].children()
		if err != nil {
			return nil
		}
		return exts
	}
	return nil
}

// zParseCertificate is zcrypto's ParseCertificate, with a panic in it (on
// input crafted against it) turned into an error: its parser is a fork of
// an older crypto/x509 and has not been hardened like the original.
func zParseCertificate(der []byte) (c *zx509.Certificate, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("zcrypto's parser failed: %v", r)
		}
	}()
	return zx509.ParseCertificate(der)
}

// zParseCertificateRequest is zParseCertificate for a request.
func zParseCertificateRequest(der []byte) (r *zx509.CertificateRequest, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("zcrypto's parser failed: %v", p)
		}
	}()
	return zx509.ParseCertificateRequest(der)
}
