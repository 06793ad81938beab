package inspect

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"slices"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/finding"
)

// Tests of the PFX reader's boundaries: DER re-encoding, the MAC (PKCS #12
// KDF and PBMAC1), the bags and what is counted of them, and the scan of
// the iteration counts. Inputs are built here, byte by byte where the
// point is an odd encoding.

// tlvOf encodes one DER element with a one-byte identifier and a body of
// any length.
func tlvOf(tag byte, body []byte) []byte {
	n := len(body)
	if n < 0x80 {
		return append([]byte{tag, byte(n)}, body...)
	}
	var l []byte
	for v := n; v > 0; v >>= 8 {
		l = append([]byte{byte(v)}, l...)
	}
	return append(append([]byte{tag, 0x80 | byte(len(l))}, l...), body...)
}

func seqOf(parts ...[]byte) []byte {
	return tlvOf(0x30, bytes.Join(parts, nil))
}

// pfxElement reads one element the test built.
func pfxElement(t *testing.T, der []byte) element {
	t.Helper()
	e, rest, err := readElement(der)
	if err != nil || len(rest) != 0 {
		t.Fatalf("readElement(%x): %v, %d bytes left", der, err, len(rest))
	}
	return e
}

// pfxOfSafes is buildPFX for any number of bags: one unencrypted safe and an
// HMAC-SHA-256 MAC for pw.
func pfxOfSafes(t *testing.T, pw string, bags ...[]byte) []byte {
	authSafe := seqOf(seqOf(mustDER(t, oidData), tlvOf(0xa0, tlvOf(0x04, seqOf(bags...)))))
	return seqOf(mustDER(t, 3), seqOf(mustDER(t, oidData), tlvOf(0xa0, tlvOf(0x04, authSafe))), pfxMAC(t, authSafe, pw, []byte("saltsalt"), 1))
}

// nestTLV wraps SafeContents in n SafeContentsBags, one inside the other.
func nestTLV(t *testing.T, safeContents []byte, n int) []byte {
	for range n {
		safeContents = seqOf(seqOf(mustDER(t, oidSafeContentsBag), tlvOf(0xa0, safeContents)))
	}
	return safeContents
}

// encrypt3DES encrypts plain with pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292
// Appendix C) under password as the KDF takes it (BMPString, or nil as
// some writers use for the empty password), and returns the
// AlgorithmIdentifier and the ciphertext.
func encrypt3DES(t *testing.T, password []byte, iter int, plain []byte) ([]byte, []byte) {
	salt := []byte("pfxmsalt")
	block, err := des.NewTripleDESCipher(pkcs12KDF(1, password, salt, iter, 24))
	if err != nil {
		t.Fatal(err)
	}
	p := 8 - len(plain)%8
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(p)}, p)...)
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, pkcs12KDF(2, password, salt, iter, 8)).CryptBlocks(ct, padded)
	alg := seqOf(mustDER(t, append(slices.Clone(oidPKCS12PBEPrefix), 3)), seqOf(mustDER(t, salt), mustDER(t, iter)))
	return alg, ct
}

// shroudedKeyBag is a shrouded key bag whose encryption asks for iter
// iterations; its content is never decrypted by the scan.
func shroudedKeyBag(t *testing.T, iter int) []byte {
	alg := seqOf(mustDER(t, append(slices.Clone(oidPKCS12PBEPrefix), 3)), seqOf(mustDER(t, []byte("saltsalt")), mustDER(t, iter)))
	return seqOf(mustDER(t, oidShroudedKeyBag), tlvOf(0xa0, seqOf(alg, mustDER(t, make([]byte, 16)))))
}

// TestPFXDERTLV: derTLV writes identifiers and lengths as encoding/asn1
// does, at each boundary of the one-byte and multi-byte forms.
func TestPFXDERTLV(t *testing.T) {
	for _, tc := range []struct {
		name        string
		class, tag  int
		constructed bool
		n           int // body length
	}{
		{"low tag 30 in the identifier byte", asn1.ClassUniversal, 30, false, 0},
		{"tag 31 needs the high-tag form", asn1.ClassContextSpecific, 31, false, 1},
		{"tag 127, one base-128 byte", asn1.ClassContextSpecific, 127, true, 2},
		{"tag 128, two base-128 bytes", asn1.ClassApplication, 128, false, 0},
		{"tag 16384, three base-128 bytes", asn1.ClassPrivate, 16384, true, 3},
		{"length 127, one byte", asn1.ClassUniversal, asn1.TagOctetString, false, 0x7f},
		{"length 128, long form", asn1.ClassUniversal, asn1.TagOctetString, false, 0x80},
		{"length 256, two length bytes", asn1.ClassUniversal, asn1.TagSequence, true, 0x100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := bytes.Repeat([]byte{0x05}, tc.n)
			want, err := asn1.Marshal(asn1.RawValue{Class: tc.class, Tag: tc.tag, IsCompound: tc.constructed, Bytes: body})
			if err != nil {
				t.Fatal(err)
			}
			if got := derTLV(tc.class, tc.constructed, tc.tag, body); !bytes.Equal(got, want) {
				t.Errorf("derTLV = %x, want %x", got[:min(len(got), 8)], want[:min(len(want), 8)])
			}
		})
	}
}

// TestPFXDerOfDepth: derOf follows nesting down to maxDepth and refuses
// one level more, counting each level.
func TestPFXDerOfDepth(t *testing.T) {
	nest := func(levels int) []byte {
		d := []byte{0x30, 0x00}
		for range levels - 1 {
			d = seqOf(d)
		}
		return d
	}
	prim := pfxElement(t, []byte{0x02, 0x01, 0x05})
	for _, tc := range []struct {
		name  string
		e     element
		depth int
		ok    bool
	}{
		{"a primitive at maxDepth", prim, maxDepth, true},
		{"a primitive below maxDepth", prim, maxDepth + 1, false},
		{"nesting down to maxDepth", pfxElement(t, nest(maxDepth+1)), 0, true},
		{"nesting one level deeper", pfxElement(t, nest(maxDepth+2)), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := derOf(tc.e, tc.depth)
			if tc.ok && (err != nil || !bytes.Equal(d, tc.e.full)) {
				t.Errorf("derOf: %v", err)
			}
			if !tc.ok && !errors.Is(err, errNotDER) {
				t.Errorf("derOf = %v, want errNotDER", err)
			}
		})
	}
}

// TestPFXNormaliseSafe: a data safe is re-encoded as DER down to its
// SafeContents; what is not a data safe with one SafeContents inside is
// only re-encoded itself.
func TestPFXNormaliseSafe(t *testing.T) {
	bagsDER := seqOf(seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 3}), tlvOf(0xa0, mustDER(t, 7))))
	bagsBER := []byte{0x30, 0x80, 0x30, 0x80}
	bagsBER = append(append(bagsBER, mustDER(t, asn1.ObjectIdentifier{1, 2, 3})...), 0xa0, 0x80)
	bagsBER = append(append(bagsBER, mustDER(t, 7)...), 0, 0, 0, 0, 0, 0)
	if d, err := derOf(pfxElement(t, bagsBER), 0); err != nil || !bytes.Equal(d, bagsDER) {
		t.Fatalf("the BER SafeContents is not the DER one: %x, %v", d, err)
	}
	dataSafe := func(oid asn1.ObjectIdentifier, content []byte) []byte {
		return seqOf(mustDER(t, oid), tlvOf(0xa0, tlvOf(0x04, content)))
	}
	trailing := append(bytes.Clone(bagsBER), 0x05, 0x00)
	for _, tc := range []struct {
		name     string
		safe     []byte
		want     []byte
		wantSame bool // the safe comes back as it was
	}{
		{"data safe: its BER SafeContents becomes DER", dataSafe(oidData, bagsBER), dataSafe(oidData, bagsDER), false},
		{"data safe already DER", dataSafe(oidData, bagsDER), nil, true},
		{"SafeContents with bytes after it: left as it is", dataSafe(oidData, trailing), nil, true},
		{"not a data safe: its content is not touched", dataSafe(oidEncrypted, bagsBER), nil, true},
		{"a ContentInfo of three parts: not touched", seqOf(mustDER(t, oidData), tlvOf(0xa0, tlvOf(0x04, bagsBER)), mustDER(t, 1)), nil, true},
		{"two elements in [0]: not touched", seqOf(mustDER(t, oidData), tlvOf(0xa0, append(tlvOf(0x04, bagsBER), tlvOf(0x04, bagsBER)...))), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if tc.wantSame {
				want = tc.safe
			}
			got, err := normaliseSafe(pfxElement(t, tc.safe))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("normaliseSafe = %x, %v\nwant %x", got, err, want)
			}
		})
	}
}

// TestPFXKDFOneBlockInputs: a salt or password of 63 or 64 bytes fills
// exactly one 64-byte block of the PKCS #12 KDF. The answers are
// OpenSSL 3.0's, for example:
//
//	openssl kdf -keylen 24 -kdfopt digest:SHA1 -kdfopt pass:sesame \
//	  -kdfopt hexsalt:aaaa…(64 bytes) -kdfopt iter:2 -kdfopt id:1 PKCS12KDF
func TestPFXKDFOneBlockInputs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pass, salt []byte
		want       string
	}{
		{"64-byte salt", []byte("sesame"), bytes.Repeat([]byte{0xaa}, 64), "C937B2CB0C158B7D0DD0A7D30634FE5BA732DF3423D4E2C8"},
		{"63-byte password", bytes.Repeat([]byte("b"), 63), []byte{1, 2, 3, 4, 5, 6, 7, 8}, "F0D5AA12EB5973C1CC92F0AD4BD2C58D8AF8B914EE8BB8B2"},
	} {
		if got := pkcs12KDFHash(sha1.New, 64, 1, tc.pass, tc.salt, 2, 24); !strings.EqualFold(hex.EncodeToString(got), tc.want) {
			t.Errorf("%s: %X, want %s", tc.name, got, tc.want)
		}
	}
}

// macDataOf is MacData with the AlgorithmIdentifier alg, digest and
// salt; iter < 0 leaves out the iteration count (DEFAULT 1).
func macDataOf(t *testing.T, alg, digest, salt []byte, iter int) []byte {
	parts := [][]byte{seqOf(alg, mustDER(t, digest)), mustDER(t, salt)}
	if iter >= 0 {
		parts = append(parts, mustDER(t, iter))
	}
	return seqOf(parts...)
}

// hmacOf is the RFC 7292 Appendix B MAC with HMAC-SHA-1 for a password
// as the KDF takes it.
func hmacOf(password, salt []byte, iter int, msg []byte) []byte {
	m := hmac.New(sha1.New, pkcs12KDFHash(sha1.New, 64, 3, password, salt, iter, 20))
	m.Write(msg)
	return m.Sum(nil)
}

// pbmac1Algorithm is a PBMAC1 AlgorithmIdentifier (RFC 9579): PBKDF2 with
// salt, iterations, keyLen and prf (nil: none, the default HMAC-SHA-1),
// and the MAC scheme.
func pbmac1Algorithm(t *testing.T, salt []byte, iter, keyLen int, prf, scheme []byte) []byte {
	kp := [][]byte{mustDER(t, salt), mustDER(t, iter), mustDER(t, keyLen)}
	if prf != nil {
		kp = append(kp, prf)
	}
	return seqOf(mustDER(t, oidPBMAC1), seqOf(seqOf(mustDER(t, oidPBKDF2), seqOf(kp...)), scheme))
}

// TestPFXVerifyMAC: the digest, the default count, both forms of the
// empty password and which one verified, and PBMAC1.
func TestPFXVerifyMAC(t *testing.T) {
	msg := []byte("the AuthenticatedSafe as the file holds it")
	salt := []byte("macsalt!")
	sha1Alg := seqOf(mustDER(t, oidSHA1), []byte{0x05, 0x00})
	bmpEmpty, _ := bmpPassword("")
	bmpPW, _ := bmpPassword("pw")
	pbmac := pbmac1Algorithm(t, salt, 3, 32, nil, seqOf(mustDER(t, oidHMACSHA256)))
	pbKey, err := pbkdf2.Key(sha1.New, "pw", salt, 3, 32)
	if err != nil {
		t.Fatal(err)
	}
	pbSum := hmac.New(sha256.New, pbKey)
	pbSum.Write(msg)
	for _, tc := range []struct {
		name           string
		md             []byte
		pw             string
		ok, emptyAsNil bool
		err            error
		msg            string
	}{
		{"the password's MAC", macDataOf(t, sha1Alg, hmacOf(bmpPW, salt, 2, msg), salt, 2), "pw", true, false, nil, ""},
		{"no count: one iteration", macDataOf(t, sha1Alg, hmacOf(bmpPW, salt, 1, msg), salt, -1), "pw", true, false, nil, ""},
		{"another password's MAC", macDataOf(t, sha1Alg, hmacOf(bmpPW, salt, 2, msg), salt, 2), "pW", false, false, nil, ""},
		{"empty password as two zero bytes", macDataOf(t, sha1Alg, hmacOf(bmpEmpty, salt, 2, msg), salt, 2), "", true, false, nil, ""},
		{"empty password as no bytes", macDataOf(t, sha1Alg, hmacOf(nil, salt, 2, msg), salt, 2), "", true, true, nil, ""},
		{"no bytes is tried only for the empty password", macDataOf(t, sha1Alg, hmacOf(nil, salt, 2, msg), salt, 2), "pw", false, false, nil, ""},
		{"unknown digest", macDataOf(t, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5})), make([]byte, 16), salt, 2), "pw", false, false,
			ErrUnsupported, "the PFX's MAC uses an unknown digest (1.2.840.113549.2.5)"},
		// 2^31 iterations pass the bound; the unknown digest stops it before any.
		{"2^31 iterations are not damage", macDataOf(t, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5})), make([]byte, 16), salt, 1<<31), "pw", false, false,
			ErrUnsupported, "unknown digest"},
		{"2^31+1 iterations are", macDataOf(t, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5})), make([]byte, 16), salt, 1<<31+1), "pw", false, false,
			ErrDamaged, "MacData does not parse"},
		{"PBMAC1", macDataOf(t, pbmac, pbSum.Sum(nil), salt, 1), "pw", true, false, nil, ""},
		{"PBMAC1, wrong password", macDataOf(t, pbmac, pbSum.Sum(nil), salt, 1), "pw2", false, false, nil, ""},
		{"PBMAC1 that does not parse", macDataOf(t, seqOf(mustDER(t, oidPBMAC1)), pbSum.Sum(nil), salt, 1), "pw", false, false,
			ErrDamaged, "PBMAC1 parameters do not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, nilPW, err := verifyMAC(pfxElement(t, tc.md), msg, tc.pw)
			if ok != tc.ok || nilPW != tc.emptyAsNil {
				t.Errorf("verified %v, empty as no bytes %v; want %v, %v", ok, nilPW, tc.ok, tc.emptyAsNil)
			}
			if (err == nil) != (tc.err == nil) || !errors.Is(err, tc.err) || err != nil && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want %v saying %q", err, tc.err, tc.msg)
			}
		})
	}
}

// TestPFXPBMAC1: each part of PBMAC1-params, at its limits, against
// crypto/pbkdf2 and crypto/hmac.
func TestPFXPBMAC1(t *testing.T) {
	msg := []byte("content octets")
	salt := []byte("pbmacsalt")
	hmac256 := seqOf(mustDER(t, oidHMACSHA256), []byte{0x05, 0x00})
	prf256 := seqOf(mustDER(t, oidHMACSHA256), []byte{0x05, 0x00})
	want := func(prf func() hash.Hash, iter, keyLen int, h func() hash.Hash) []byte {
		key, err := pbkdf2.Key(prf, "pw", salt, iter, keyLen)
		if err != nil {
			t.Fatal(err)
		}
		m := hmac.New(h, key)
		m.Write(msg)
		return m.Sum(nil)
	}
	alg := func(kdf, scheme []byte) []byte { return seqOf(mustDER(t, oidPBMAC1), seqOf(kdf, scheme)) }
	kdf := func(kp ...[]byte) []byte { return seqOf(mustDER(t, oidPBKDF2), seqOf(kp...)) }
	for _, tc := range []struct {
		name string
		alg  []byte
		want []byte
		err  error
		msg  string
	}{
		{"PRF and HMAC SHA-256", pbmac1Algorithm(t, salt, 2, 32, prf256, hmac256), want(sha256.New, 2, 32, sha256.New), nil, ""},
		{"no PRF: HMAC-SHA-1", pbmac1Algorithm(t, salt, 2, 32, nil, hmac256), want(sha1.New, 2, 32, sha256.New), nil, ""},
		{"PRF without parameters", pbmac1Algorithm(t, salt, 2, 20, seqOf(mustDER(t, oidHMACSHA256)), hmac256), want(sha256.New, 2, 20, sha256.New), nil, ""},
		{"HMAC scheme without parameters", pbmac1Algorithm(t, salt, 2, 20, nil, seqOf(mustDER(t, oidHMACSHA1))), want(sha1.New, 2, 20, sha1.New), nil, ""},
		{"one iteration", pbmac1Algorithm(t, salt, 1, 32, nil, hmac256), want(sha1.New, 1, 32, sha256.New), nil, ""},
		{"a one-byte key", pbmac1Algorithm(t, salt, 2, 1, nil, hmac256), want(sha1.New, 2, 1, sha256.New), nil, ""},
		{"a 64-byte key", pbmac1Algorithm(t, salt, 2, 64, nil, hmac256), want(sha1.New, 2, 64, sha256.New), nil, ""},
		{"no parameters", seqOf(mustDER(t, oidPBMAC1)), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"parameters not a SEQUENCE", seqOf(mustDER(t, oidPBMAC1), []byte{0x05, 0x00}), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"no MAC scheme", seqOf(mustDER(t, oidPBMAC1), seqOf(kdf(mustDER(t, salt), mustDER(t, 2), mustDER(t, 32)))), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"a KDF other than PBKDF2", alg(seqOf(mustDER(t, oidPBES2), seqOf()), hmac256), nil, ErrUnsupported, "other than PBKDF2"},
		{"PBKDF2 without parameters", alg(seqOf(mustDER(t, oidPBKDF2)), hmac256), nil, ErrUnsupported, "other than PBKDF2"},
		{"PBKDF2 without the key length", alg(kdf(mustDER(t, salt), mustDER(t, 2)), hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"salt not an OCTET STRING", alg(kdf(mustDER(t, 5), mustDER(t, 2), mustDER(t, 32)), hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"count not an INTEGER", alg(kdf(mustDER(t, salt), mustDER(t, salt), mustDER(t, 32)), hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"no iterations", pbmac1Algorithm(t, salt, 0, 32, nil, hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"key length 0", pbmac1Algorithm(t, salt, 2, 0, nil, hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"key length 65", pbmac1Algorithm(t, salt, 2, 65, nil, hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"key length not an INTEGER", alg(kdf(mustDER(t, salt), mustDER(t, 2), mustDER(t, salt)), hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"empty PRF", pbmac1Algorithm(t, salt, 2, 32, seqOf(), hmac256), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"unknown PRF", pbmac1Algorithm(t, salt, 2, 32, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 3})), hmac256), nil, ErrUnsupported, "unknown PRF"},
		{"empty MAC scheme", pbmac1Algorithm(t, salt, 2, 32, nil, seqOf()), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		// 2^31 iterations pass the bound; the unknown HMAC stops it before any.
		{"2^31 iterations are not damage", pbmac1Algorithm(t, salt, 1<<31, 32, nil, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 6}))), nil, ErrUnsupported, "unknown HMAC"},
		{"2^31+1 iterations are", pbmac1Algorithm(t, salt, 1<<31+1, 32, nil, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 6}))), nil, ErrDamaged, "PBMAC1 parameters do not parse"},
		{"unknown HMAC", pbmac1Algorithm(t, salt, 2, 32, nil, seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 6}))), nil, ErrUnsupported, "unknown HMAC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := pfxElement(t, tc.alg).children()
			if err != nil {
				t.Fatal(err)
			}
			got, err := pbmac1(a, msg, []byte("pw"))
			if tc.err == nil {
				if err != nil || !bytes.Equal(got, tc.want) {
					t.Errorf("pbmac1 = %x, %v; want %x", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want %v saying %q", err, tc.err, tc.msg)
			}
		})
	}
}

// TestPFXBags: how deep SafeContentsBags nest, that reading goes on after
// a nested one, and the item limit counted over every kind of item.
func TestPFXBags(t *testing.T) {
	f := getFixture(t)
	certBag := certBagOf(t, f.leaf.Cert.Raw)
	inner := seqOf(certBag)
	if err := (&pfxContents{}).bags([]byte{0x30, 0x00}, "", false, maxPFXBagNestingDepth); err != nil {
		t.Errorf("at the deepest level: %v", err)
	}
	if err := (&pfxContents{}).bags([]byte{0x30, 0x00}, "", false, maxPFXBagNestingDepth+1); !errors.Is(err, ErrDamaged) {
		t.Errorf("one level deeper: %v", err)
	}
	unknownBag := seqOf(mustDER(t, asn1.ObjectIdentifier{1, 2, 3}), tlvOf(0xa0, mustDER(t, 1)))
	for _, tc := range []struct {
		name  string
		c     *pfxContents
		data  []byte
		certs int
		err   error
	}{
		{"four SafeContentsBags deep", &pfxContents{}, nestTLV(t, inner, 4), 1, nil},
		{"five SafeContentsBags deep", &pfxContents{}, nestTLV(t, inner, 5), 0, ErrDamaged},
		{"a bag after a SafeContentsBag is read", &pfxContents{}, seqOf(seqOf(mustDER(t, oidSafeContentsBag), tlvOf(0xa0, inner)), certBag), 2, nil},
		{"a damaged SafeContentsBag stops the reading", &pfxContents{}, seqOf(seqOf(mustDER(t, oidSafeContentsBag), tlvOf(0xa0, []byte{0x05, 0x00})), certBag), 0, ErrDamaged},
		{"MaxItems before a bag", &pfxContents{certs: make([]*x509.Certificate, 400), refused: make([][]byte, 300), keys: make([]crypto.Signer, 200), unusable: make([]string, 100)},
			seqOf(unknownBag), 400, nil},
		{"MaxItems+1 refused certificates", &pfxContents{refused: make([][]byte, MaxItems+1)}, seqOf(unknownBag), 0, ErrTooLarge},
		{"MaxItems+1 keys", &pfxContents{keys: make([]crypto.Signer, MaxItems+1)}, seqOf(unknownBag), 0, ErrTooLarge},
		{"MaxItems+1 unusable keys", &pfxContents{unusable: make([]string, MaxItems+1)}, seqOf(unknownBag), 0, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.bags(tc.data, "", false, 0)
			if (err == nil) != (tc.err == nil) || !errors.Is(err, tc.err) {
				t.Fatalf("bags: %v, want %v", err, tc.err)
			}
			if tc.err == nil && len(tc.c.certs) != tc.certs {
				t.Errorf("%d certificates, want %d", len(tc.c.certs), tc.certs)
			}
		})
	}
}

// TestPFXBERBagContents: a certificate or key in BER inside its bag is
// read as its DER; a key nothing reads is named as well as can be.
func TestPFXBERBagContents(t *testing.T) {
	f := getFixture(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(f.ecKey)
	if err != nil {
		t.Fatal(err)
	}
	c := &pfxContents{}
	c.cert(berOf(t, f.leaf.Cert.Raw))
	if len(c.certs) != 1 || len(c.refused) != 0 || !bytes.Equal(c.certs[0].Raw, f.leaf.Cert.Raw) {
		t.Errorf("BER certificate: %d read, %d refused", len(c.certs), len(c.refused))
	}
	c.key(berOf(t, pkcs8))
	if len(c.keys) != 1 || len(c.unusable) != 0 || !publicKeysEqual(c.keys[0].Public(), f.ecKey.Public()) {
		t.Errorf("BER key: %d read, unusable %v", len(c.keys), c.unusable)
	}
	dsaKey := kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyDSA), kindSeq(mustDER(t, big.NewInt(23)), mustDER(t, big.NewInt(11)), mustDER(t, big.NewInt(4)))),
		mustDER(t, mustDER(t, big.NewInt(3))))
	c.key(dsaKey)
	c.key([]byte{0x30, 0x03, 0x02, 0x01, 0x05})
	if want := []string{identifyKey(dsaKey).What, "a private key that does not parse"}; !slices.Equal(c.unusable, want) || !strings.Contains(want[0], "DSA") {
		t.Errorf("unusable keys %q, want %q", c.unusable, want)
	}
}

// TestPFXLoadFindings: what Load says of PFX files holding several keys,
// certificates no parser reads, and items at and over MaxItems.
func TestPFXLoadFindings(t *testing.T) {
	f := getFixture(t)
	leafKey, err := x509.MarshalPKCS8PrivateKey(f.leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := x509.MarshalPKCS8PrivateKey(f.ecKey)
	if err != nil {
		t.Fatal(err)
	}
	dsaKey := keyBagOf(t, kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyDSA), kindSeq(mustDER(t, big.NewInt(23)), mustDER(t, big.NewInt(11)), mustDER(t, big.NewInt(4)))),
		mustDER(t, mustDER(t, big.NewInt(3)))))
	garbage := certBagOf(t, []byte{0x30, 0x03, 0x02, 0x01, 0x05})
	many := func(bag []byte, n int) [][]byte { return slices.Repeat([][]byte{bag}, n) }
	for _, tc := range []struct {
		name     string
		bags     [][]byte
		codes    []string
		messages []string // substrings of the findings' messages
		err      error
		errMsg   string
	}{
		{"a key and a DSA key are two keys", [][]byte{certBagOf(t, f.leaf.Cert.Raw), keyBagOf(t, leafKey), dsaKey},
			[]string{"pfx-key-unusable:error", "pfx-several-keys:warning"}, []string{"the PFX holds 2 private keys"}, nil, ""},
		{"only a certificate no parser reads", [][]byte{garbage},
			[]string{"pfx-certificate-unreadable:error", "pfx-no-private-key:error"}, []string{"(bag 1 of the refused ones)", "it holds certificates only"}, nil, ""},
		{"a certificate and one no parser reads", [][]byte{certBagOf(t, f.leaf.Cert.Raw), garbage},
			[]string{"pfx-certificate-unreadable:error", "pfx-no-private-key:error"}, []string{"(bag 1 of the refused ones)"}, nil, ""},
		// The lenient reader shows it, but it is still no key and a
		// certificate, not "only a private key".
		{"only a certificate crypto/x509 refuses", [][]byte{certBagOf(t, negativeSerial(t, f.leaf.Cert.Raw))},
			[]string{"pfx-no-private-key:error"}, []string{"it holds certificates only"}, nil, ""},
		{"MaxItems unusable keys", many(dsaKey, MaxItems), nil, nil, nil, ""},
		{"MaxItems+1 certificates no parser reads", many(garbage, MaxItems+1), nil, nil, ErrTooLarge, "holds 1001 certificates and keys; the limit is 1000"},
		{"MaxItems+1 keys", many(keyBagOf(t, ecKey), MaxItems+1), nil, nil, ErrTooLarge, "holds 1001 certificates and keys; the limit is 1000"},
		{"MaxItems+1 unusable keys", many(dsaKey, MaxItems+1), nil, nil, ErrTooLarge, "holds 1001 certificates and keys; the limit is 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Load("x.pfx", pfxOfSafes(t, "", tc.bags...), LoadOptions{})
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.errMsg) {
					t.Errorf("error %v, want %v saying %q", err, tc.err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tc.codes != nil {
				if got := codesOf(b.Findings); !slices.Equal(got, tc.codes) {
					t.Errorf("findings %v, want %v", got, tc.codes)
				}
			}
			for _, m := range tc.messages {
				if !slices.ContainsFunc(b.Findings, func(x finding.Finding) bool { return strings.Contains(x.Message, m) }) {
					t.Errorf("no finding says %q: %+v", m, b.Findings)
				}
			}
		})
	}
	// A certificate crypto/x509 refuses but the lenient reader reads says
	// which of the refused bags it was.
	b, err := Load("x.pfx", pfxOfSafes(t, "", keyBagOf(t, leafKey), certBagOf(t, f.inter.Cert.Cert.Raw), certBagOf(t, negativeSerial(t, f.leaf.Cert.Raw))), LoadOptions{})
	if err != nil || len(b.Refused) != 1 || b.Refused[0].Where != "certificate bag 1 of the refused ones" {
		t.Errorf("lenient certificate: %v, %+v", err, b)
	}
}

// TestPFXScan: the scan of the structure before anything is decrypted:
// an encrypted safe without content, nesting, PKCS #5 v1 PBE counts, the
// total's limit, and what it looks into once a password is known.
func TestPFXScan(t *testing.T) {
	s := &pfxScan{max: 10, total: 41}
	if err := s.checkTotal(); !errors.Is(err, ErrTooManyIterations) || !strings.Contains(err.Error(), "41 key-derivation iterations in all; the limit is 40 (10 per count)") {
		t.Errorf("checkTotal: %v", err)
	}

	// EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm,
	// encryptedContent [0] OPTIONAL }: without the content there is nothing to
	// look into, and the algorithm is still named.
	alg, _ := encrypt3DES(t, nil, 7, []byte{0x30, 0x00})
	ed := seqOf(mustDER(t, 0), seqOf(mustDER(t, oidData), alg))
	authSafe := seqOf(seqOf(mustDER(t, oidEncrypted), tlvOf(0xa0, ed)))
	pfx := seqOf(mustDER(t, 3), seqOf(mustDER(t, oidData), tlvOf(0xa0, tlvOf(0x04, authSafe))))
	if s, err := scanPFX(pfx, 10); err != nil || s.info.CertEncryption != "3DES" || len(s.safes) != 0 || s.info.BagIterations != 7 {
		t.Errorf("encrypted safe without content: %v, %+v", err, s)
	}

	over := shroudedKeyBag(t, 11)
	for _, tc := range []struct {
		name   string
		data   []byte
		err    error
		nested bool
	}{
		{"four SafeContentsBags deep", nestTLV(t, seqOf(shroudedKeyBag(t, 5)), 4), nil, true},
		{"five SafeContentsBags deep", nestTLV(t, seqOf(shroudedKeyBag(t, 5)), 5), ErrDamaged, true},
		{"a count after a SafeContentsBag is checked", seqOf(seqOf(mustDER(t, oidSafeContentsBag), tlvOf(0xa0, seqOf())), over), ErrTooManyIterations, true},
		{"a count inside a SafeContentsBag is checked", nestTLV(t, seqOf(over), 1), ErrTooManyIterations, true},
		{"no SafeContentsBag", seqOf(shroudedKeyBag(t, 5)), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pfxScan{max: 10}
			err := s.safeContents(tc.data, 0)
			if (err == nil) != (tc.err == nil) || !errors.Is(err, tc.err) || s.nested != tc.nested {
				t.Errorf("safeContents: %v, nested %v; want %v, %v", err, s.nested, tc.err, tc.nested)
			}
		})
	}

	pkcs5 := func(oid asn1.ObjectIdentifier, iter int) element {
		return pfxElement(t, seqOf(mustDER(t, oid), seqOf(mustDER(t, []byte("saltsalt")), mustDER(t, iter))))
	}
	md5DES := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3} // pbeWithMD5AndDES-CBC (RFC 8018 §A.3)
	for _, tc := range []struct {
		name string
		alg  element
		want string
		iter int // BagIterations after it
		err  error
	}{
		{"PKCS #5 v1 PBE: its count is checked", pkcs5(md5DES, 11), "", 0, ErrTooManyIterations},
		{"PKCS #5 v1 PBE: its count is recorded", pkcs5(md5DES, 9), "1.2.840.113549.1.5.3", 9, nil},
		{"longer OID under PKCS #5: not a PBE", pkcs5(append(slices.Clone(md5DES), 1), 11), "1.2.840.113549.1.5.3.1", 0, nil},
		{"the PKCS #12 PBE arc itself: counted, named by OID", pkcs5(oidPKCS12PBEPrefix, 8), "1.2.840.113549.1.12.1", 8, nil},
		{"the PKCS #12 PBE arc itself: over the limit", pkcs5(oidPKCS12PBEPrefix, 11), "", 0, ErrTooManyIterations},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pfxScan{max: 10}
			name, err := s.pbe(tc.alg)
			if (err == nil) != (tc.err == nil) || !errors.Is(err, tc.err) || name != tc.want || s.info.BagIterations != tc.iter {
				t.Errorf("pbe = %q, %v, BagIterations %d; want %q, %v, %d", name, err, s.info.BagIterations, tc.want, tc.err, tc.iter)
			}
		})
	}
}

// TestPFXInside: the counts inside encrypted safes, with the empty
// password in both forms, and the running total.
func TestPFXInside(t *testing.T) {
	bmpEmpty, _ := bmpPassword("")
	bmpPW, _ := bmpPassword("pw")
	safe := func(password []byte, bagIter int) encryptedSafe {
		alg, ct := encrypt3DES(t, password, 3, seqOf(shroudedKeyBag(t, bagIter)))
		return encryptedSafe{alg: pfxElement(t, alg), ciphertext: ct}
	}
	for _, tc := range []struct {
		name   string
		safe   encryptedSafe
		total  int64
		pw     string
		err    error
		opened int
	}{
		{"empty password as two zero bytes", safe(bmpEmpty, 11), 0, "", ErrTooManyIterations, 0},
		{"empty password as no bytes", safe(nil, 11), 0, "", ErrTooManyIterations, 0},
		{"no bytes is tried only for the empty password", safe(nil, 11), 0, "pw", nil, 0},
		{"the password", safe(bmpPW, 5), 0, "pw", nil, 1},
		{"a count under the limit opens the safe", safe(nil, 5), 0, "", nil, 1},
		{"the total over its limit", safe(bmpPW, 5), 36, "pw", ErrTooManyIterations, 1},
		{"the total at its limit", safe(bmpPW, 5), 35, "pw", nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pfxScan{max: 10, total: tc.total, safes: []encryptedSafe{tc.safe}}
			err := s.inside(tc.pw)
			if (err == nil) != (tc.err == nil) || !errors.Is(err, tc.err) || s.opened != tc.opened {
				t.Errorf("inside: %v, %d opened; want %v, %d", err, s.opened, tc.err, tc.opened)
			}
		})
	}
}

// TestPFXDecryptSafePKCS12: the PKCS #12 PBE decryption at its limits:
// one iteration, the empty password as no bytes, and an OID too short to
// name a cipher.
func TestPFXDecryptSafePKCS12(t *testing.T) {
	plain := []byte("a SafeContents, or near enough")
	bmpPW, _ := bmpPassword("pw")
	for _, tc := range []struct {
		name       string
		password   []byte // as encrypted
		iter       int
		pw         string // as given
		emptyAsNil bool
		ok         bool
	}{
		{"one iteration", bmpPW, 1, "pw", false, true},
		{"empty password as no bytes", nil, 2, "", true, true},
		{"no bytes only when asked", nil, 2, "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alg, ct := encrypt3DES(t, tc.password, tc.iter, plain)
			got, err := decryptSafe(pfxElement(t, alg), ct, tc.pw, tc.emptyAsNil)
			if tc.ok && (err != nil || !bytes.Equal(got, plain)) {
				t.Errorf("decryptSafe = %q, %v", got, err)
			}
			if !tc.ok && err == nil && bytes.Equal(got, plain) {
				t.Error("decrypted with the wrong password bytes")
			}
		})
	}
	alg, ct := encrypt3DES(t, bmpPW, 1, plain)
	a := pfxElement(t, alg)
	kids, _ := a.children()
	short := pfxElement(t, seqOf(mustDER(t, oidPKCS12PBEPrefix), kids[1].full))
	if _, err := decryptSafe(short, ct, "pw", false); !errors.Is(err, errNoDecrypt) {
		t.Errorf("the PKCS #12 PBE arc itself: %v", err)
	}
}

// TestPFXHasPrefix: an OID is its own prefix; a shorter one is not.
func TestPFXHasPrefix(t *testing.T) {
	p := asn1.ObjectIdentifier{1, 2, 840}
	for _, tc := range []struct {
		o    asn1.ObjectIdentifier
		want bool
	}{
		{asn1.ObjectIdentifier{1, 2, 840}, true},
		{asn1.ObjectIdentifier{1, 2, 840, 5}, true},
		{asn1.ObjectIdentifier{1, 2}, false},
		{asn1.ObjectIdentifier{1, 2, 841}, false},
	} {
		if got := hasPrefix(tc.o, p); got != tc.want {
			t.Errorf("hasPrefix(%v, %v) = %v", tc.o, p, got)
		}
	}
}

// TestPFXError: how go-pkcs12's errors are worded.
func TestPFXError(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   error
		want error
		msg  string
	}{
		{"not implemented", pkcs12.NotImplementedError("only DER-encoded PKCS #12 files are supported"), ErrUnsupported,
			"PFX variant not supported: only DER-encoded PKCS #12 files are supported"},
		{"asn1 structure error", fmt.Errorf("pkcs12: %w", asn1.StructuralError{Msg: "tags don't match"}), ErrDamaged,
			"PFX content is damaged: asn1: structure error: tags don't match"},
		{"x509 error", errors.New("pkcs12: x509: malformed certificate"), ErrDamaged, "PFX content is damaged: x509: malformed certificate"},
		{"anything else", errors.New("pkcs12: unknown digest algorithm"), ErrDamaged, "PFX does not decode: unknown digest algorithm"},
		{"private key missing", errors.New("pkcs12: private key missing"), ErrUnsupported, "the PFX holds no private key"},
		{"wrong password", pkcs12.ErrIncorrectPassword, ErrWrongPassword, ""},
		{"content that does not decrypt", pkcs12.ErrDecryption, ErrDamaged, "does not decrypt although its MAC verified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pfxError(tc.in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("pfxError = %v, want %v saying %q", err, tc.want, tc.msg)
			}
		})
	}
}

// TestPFXDecryptSafePBES2Minimal: PBES2 with PBKDF2-params of a salt and
// a count only (no key length, the default PRF), as most writers make it.
func TestPFXDecryptSafePBES2Minimal(t *testing.T) {
	salt, iv := []byte("pbes2salt"), bytes.Repeat([]byte{9}, 16)
	key, err := pbkdf2.Key(sha1.New, "pw", salt, 2, 32)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := bytes.Repeat([]byte{0x30}, 5)
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{11}, 11)...)
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	alg := seqOf(mustDER(t, oidPBES2), seqOf(
		seqOf(mustDER(t, oidPBKDF2), seqOf(mustDER(t, salt), mustDER(t, 2))),
		seqOf(mustDER(t, oidAES256CBC), mustDER(t, iv))))
	if got, err := decryptSafe(pfxElement(t, alg), ct, "pw", false); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("decryptSafe = %x, %v", got, err)
	}
}
