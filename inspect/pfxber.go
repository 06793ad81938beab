package inspect

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"hash"
	"math/big"
)

// This file reads PFX files in BER, as Java keytool and older tools write
// them (indefinite lengths, OCTET STRINGs in segments): it re-encodes the
// structure as DER before anything else looks at it, and checks the MAC
// itself, over the content octets of the AuthenticatedSafe as the file
// holds them: the MAC covers those octets, not the encoding around them
// (RFC 7292 §5.1, "the MAC is computed over the contents octets").

var errNotDER = errors.New("not ASN.1")

// derOf re-encodes e as DER: minimal definite lengths, and a constructed
// OCTET STRING (BER's segmented form) as one primitive OCTET STRING. The
// content of primitive elements is kept as it is.
func derOf(e element, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errNotDER
	}
	if !e.constructed {
		return derTLV(e.class, false, e.tag, e.content), nil
	}
	if e.is(asn1.ClassUniversal, asn1.TagOctetString) {
		v, ok := octetValue(e)
		if !ok {
			return nil, errNotDER
		}
		return derTLV(asn1.ClassUniversal, false, asn1.TagOctetString, v), nil
	}
	kids, err := e.children()
	if err != nil {
		return nil, errNotDER
	}
	var body []byte
	for _, k := range kids {
		d, err := derOf(k, depth+1)
		if err != nil {
			return nil, err
		}
		body = append(body, d...)
	}
	return derTLV(e.class, true, e.tag, body), nil
}

// derTLV encodes one element with a definite, minimal length.
func derTLV(class int, constructed bool, tag int, body []byte) []byte {
	first := byte(class << 6)
	if constructed {
		first |= 0x20
	}
	var out []byte
	if tag < 31 {
		out = append(out, first|byte(tag))
	} else {
		out = append(out, first|0x1f)
		var t []byte
		for v := tag; ; v >>= 7 {
			t = append([]byte{byte(v & 0x7f)}, t...)
			if v < 0x80 {
				break
			}
		}
		for i := 0; i < len(t)-1; i++ {
			t[i] |= 0x80
		}
		out = append(out, t...)
	}
	n := len(body)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	default:
		var l []byte
		for v := n; v > 0; v >>= 8 {
			l = append([]byte{byte(v)}, l...)
		}
		out = append(out, 0x80|byte(len(l)))
		out = append(out, l...)
	}
	return append(out, body...)
}

// normalisePFX re-encodes a PFX as DER, down to the SafeContents of its
// unencrypted safes (what an encrypted safe holds is normalised after
// decryption). It returns the DER PFX, the octets its MAC covers (the
// AuthenticatedSafe as the file holds it), and whether anything changed.
// A structure it cannot follow is returned as far as it got: scanPFX then
// names what is wrong with it.
func normalisePFX(der []byte) (out, macInput []byte, changed bool) {
	e, _, err := readElement(der)
	if err != nil {
		return der, nil, false
	}
	outer, err := derOf(e, 0)
	if err != nil {
		return der, nil, false
	}
	changed = !bytes.Equal(outer, der)
	pfx, _, _ := readElement(outer)
	kids, err := pfx.children()
	if err != nil || len(kids) < 2 {
		return outer, nil, changed
	}
	ci, err := kids[1].children()
	if err != nil || len(ci) != 2 || !ci[0].oid().Equal(oidData) {
		return outer, nil, changed
	}
	w, err := ci[1].children()
	if err != nil || len(w) != 1 {
		return outer, nil, changed
	}
	macInput, ok := w[0].octets()
	if !ok {
		return outer, nil, changed
	}
	as, rest, err := readElement(macInput)
	if err != nil || len(rest) != 0 || !as.isSequence() {
		return outer, macInput, changed
	}
	safes, err := as.children()
	if err != nil {
		return outer, macInput, changed
	}
	var body []byte
	for _, s := range safes {
		d, err := normaliseSafe(s)
		if err != nil {
			return outer, macInput, changed
		}
		body = append(body, d...)
	}
	inner := derTLV(asn1.ClassUniversal, true, asn1.TagSequence, body)
	if bytes.Equal(inner, macInput) {
		return outer, macInput, changed
	}
	// PFX ::= SEQUENCE { version, authSafe ContentInfo, macData OPTIONAL }
	authSafe := derTLV(asn1.ClassUniversal, true, asn1.TagSequence, append(append([]byte{}, ci[0].full...),
		derTLV(asn1.ClassContextSpecific, true, 0, derTLV(asn1.ClassUniversal, false, asn1.TagOctetString, inner))...))
	pbody := append(append([]byte{}, kids[0].full...), authSafe...)
	for _, k := range kids[2:] {
		pbody = append(pbody, k.full...)
	}
	return derTLV(asn1.ClassUniversal, true, asn1.TagSequence, pbody), macInput, true
}

// normaliseSafe re-encodes one ContentInfo of the AuthenticatedSafe as
// DER, and for a data safe the SafeContents inside its OCTET STRING too.
func normaliseSafe(s element) ([]byte, error) {
	d, err := derOf(s, 1)
	if err != nil {
		return nil, err
	}
	e, _, _ := readElement(d)
	parts, err := e.children()
	if err != nil || len(parts) != 2 || !parts[0].oid().Equal(oidData) {
		return d, nil
	}
	w, err := parts[1].children()
	if err != nil || len(w) != 1 {
		return d, nil
	}
	v, ok := w[0].octets()
	if !ok {
		return d, nil
	}
	sc, rest, err := readElement(v)
	if err != nil || len(rest) != 0 {
		return d, nil
	}
	scDER, err := derOf(sc, 2)
	if err != nil {
		return nil, err
	}
	return derTLV(asn1.ClassUniversal, true, asn1.TagSequence, append(append([]byte{}, parts[0].full...),
		derTLV(asn1.ClassContextSpecific, true, 0, derTLV(asn1.ClassUniversal, false, asn1.TagOctetString, scDER))...)), nil
}

// macHash returns the hash of a MAC digest or HMAC algorithm, and its
// block size for the PKCS #12 KDF.
func macHash(o asn1.ObjectIdentifier) (func() hash.Hash, int) {
	switch {
	case o.Equal(oidSHA1), o.Equal(oidHMACSHA1):
		return sha1.New, 64
	case o.Equal(oidSHA256), o.Equal(oidHMACSHA256):
		return sha256.New, 64
	case o.Equal(oidSHA384), o.Equal(oidHMACSHA384):
		return sha512.New384, 128
	case o.Equal(oidSHA512), o.Equal(oidHMACSHA512):
		return sha512.New, 128
	}
	return nil, 0
}

// verifyMAC checks the MacData md of a PFX over msg with pw: the PKCS #12
// KDF and HMAC (RFC 7292 Appendix B) or PBMAC1 (RFC 9579). For the empty
// password it also tries the empty byte string, as some writers use, and
// reports with emptyAsNil which one verified. The iteration counts were
// checked by scanPFX.
func verifyMAC(md element, msg []byte, pw string) (ok, emptyAsNil bool, err error) {
	damaged := failure(ErrDamaged, "PFX structure is damaged: MacData does not parse")
	f, err := md.children()
	if err != nil || len(f) < 2 || !f[0].isSequence() {
		return false, false, damaged
	}
	di, err := f[0].children()
	if err != nil || len(di) != 2 {
		return false, false, damaged
	}
	alg, err := di[0].children()
	digest, dok := di[1].octets()
	if err != nil || len(alg) < 1 || !dok {
		return false, false, damaged
	}
	salt, sok := f[1].octets()
	iter := big.NewInt(1)
	if len(f) == 3 {
		iter = f[2].integer()
	}
	if !sok || iter == nil || !iter.IsInt64() || iter.Int64() < 1 || iter.Int64() > 1<<31 {
		return false, false, damaged
	}
	o := alg[0].oid()
	if o.Equal(oidPBMAC1) {
		sum, err := pbmac1(alg, msg, []byte(pw))
		if err != nil {
			return false, false, err
		}
		return hmac.Equal(sum, digest), false, nil
	}
	h, v := macHash(o)
	if h == nil {
		return false, false, failure(ErrUnsupported, "the PFX's MAC uses an unknown digest ("+o.String()+")")
	}
	bmp, good := bmpPassword(pw)
	if !good {
		return false, false, nil
	}
	tries := [][]byte{bmp}
	if pw == "" {
		tries = append(tries, nil)
	}
	for i, p := range tries {
		key := pkcs12KDFHash(h, v, 3, p, salt, int(iter.Int64()), h().Size())
		m := hmac.New(h, key)
		m.Write(msg)
		if hmac.Equal(m.Sum(nil), digest) {
			return true, i == 1, nil
		}
	}
	return false, false, nil
}

// pbmac1 computes a PBMAC1 MAC (RFC 9579): PBMAC1-params ::= SEQUENCE {
// keyDerivationFunc (PBKDF2), messageAuthScheme (an HMAC) }, the password
// in UTF-8.
func pbmac1(alg []element, msg, pw []byte) ([]byte, error) {
	damaged := failure(ErrDamaged, "PFX structure is damaged: PBMAC1 parameters do not parse")
	if len(alg) != 2 {
		return nil, damaged
	}
	p, err := alg[1].children()
	if err != nil || len(p) != 2 {
		return nil, damaged
	}
	kdf, err := p[0].children()
	if err != nil || len(kdf) != 2 || !kdf[0].oid().Equal(oidPBKDF2) {
		return nil, failure(ErrUnsupported, "the PFX's PBMAC1 uses a key derivation other than PBKDF2")
	}
	kp, err := kdf[1].children()
	if err != nil || len(kp) < 3 {
		return nil, damaged
	}
	salt, ok := kp[0].octets()
	n, keyLen := kp[1].integer(), kp[2].integer()
	if !ok || n == nil || keyLen == nil || !n.IsInt64() || n.Int64() < 1 || n.Int64() > 1<<31 || !keyLen.IsInt64() || keyLen.Int64() < 1 || keyLen.Int64() > 64 {
		return nil, damaged
	}
	prf := sha1.New
	if len(kp) > 3 {
		pa, err := kp[3].children()
		if err != nil || len(pa) < 1 {
			return nil, damaged
		}
		if prf, _ = macHash(pa[0].oid()); prf == nil {
			return nil, failure(ErrUnsupported, "the PFX's PBMAC1 uses an unknown PRF")
		}
	}
	scheme, err := p[1].children()
	if err != nil || len(scheme) < 1 {
		return nil, damaged
	}
	h, _ := macHash(scheme[0].oid())
	if h == nil {
		return nil, failure(ErrUnsupported, "the PFX's PBMAC1 uses an unknown HMAC")
	}
	key, err := pbkdf2.Key(prf, string(pw), salt, int(n.Int64()), int(keyLen.Int64()))
	if err != nil {
		return nil, damaged
	}
	m := hmac.New(h, key)
	m.Write(msg)
	return m.Sum(nil), nil
}

// pkcs12KDFHash is the key derivation of RFC 7292 Appendix B.2 with any
// hash h of block size v (64 for SHA-1 and SHA-256, 128 for SHA-384 and
// SHA-512), as MACs other than HMAC-SHA-1 use it.
func pkcs12KDFHash(h func() hash.Hash, v int, id byte, password, salt []byte, iterations, n int) []byte {
	D := bytes.Repeat([]byte{id}, v)
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		out := make([]byte, v*((len(src)+v-1)/v))
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	I := append(fill(salt), fill(password)...)
	var out []byte
	// The break below leaves the loop once len(out) >= n, so <= here changes no
	// result (equivalent mutant); n is never 0.
	for len(out) < n {
		d := h()
		d.Write(D)
		d.Write(I)
		A := d.Sum(nil)
		for r := 1; r < iterations; r++ {
			d.Reset()
			d.Write(A)
			A = d.Sum(A[:0])
		}
		out = append(out, A...)
		// With > the loop condition above stops it instead: equivalent mutant.
		if len(out) >= n {
			break
		}
		B := fill(A)[:v]
		for j := 0; j < len(I); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				x := int(I[j+k]) + int(B[k]) + carry
				I[j+k] = byte(x)
				carry = x >> 8
			}
		}
	}
	return out[:n]
}
