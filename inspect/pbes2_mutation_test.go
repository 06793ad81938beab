package inspect

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"hash"
	"testing"
)

// TestDecryptSafePBES2 encrypts with crypto/pbkdf2 and AES-CBC and checks
// that decryptSafe reads each PRF, the iteration limits, the optional
// key length and the padding, including a whole block of it.
func TestDecryptSafePBES2(t *testing.T) {
	type prf struct {
		oid asn1.ObjectIdentifier // nil: the default, HMAC-SHA-1, left out
		h   func() hash.Hash
	}
	salt := []byte("saltsalt")
	iv := bytes.Repeat([]byte{7}, 16)
	build := func(p prf, iter int, keyLength bool, text []byte, pw string) (element, []byte) {
		params := []any{salt, iter}
		if keyLength {
			params = append(params, 32)
		}
		if p.oid != nil {
			params = append(params, struct{ OID asn1.ObjectIdentifier }{p.oid})
		}
		kdfParams, err := asn1.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		alg, err := asn1.Marshal(struct {
			OID    asn1.ObjectIdentifier
			Params struct {
				KDF struct {
					OID    asn1.ObjectIdentifier
					Params asn1.RawValue
				}
				Enc struct {
					OID asn1.ObjectIdentifier
					IV  []byte
				}
			}
		}{OID: oidPBES2, Params: struct {
			KDF struct {
				OID    asn1.ObjectIdentifier
				Params asn1.RawValue
			}
			Enc struct {
				OID asn1.ObjectIdentifier
				IV  []byte
			}
		}{KDF: struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue
		}{oidPBKDF2, asn1.RawValue{FullBytes: kdfParams}}, Enc: struct {
			OID asn1.ObjectIdentifier
			IV  []byte
		}{oidAES256CBC, iv}}})
		if err != nil {
			t.Fatal(err)
		}
		e, _, err := readElement(alg)
		if err != nil {
			t.Fatal(err)
		}
		h := p.h
		if h == nil {
			h = sha1.New
		}
		key, err := pbkdf2.Key(h, pw, salt, max(iter, 1), 32)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := aes.NewCipher(key)
		pad := 16 - len(text)%16
		plain := append(bytes.Clone(text), bytes.Repeat([]byte{byte(pad)}, pad)...)
		ct := make([]byte, len(plain))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plain)
		return e, ct
	}
	prfs := []prf{{nil, nil}, {oidHMACSHA1, sha1.New}, {oidHMACSHA256, sha256.New}, {oidHMACSHA384, sha512.New384}, {oidHMACSHA512, sha512.New}}
	for i, p := range prfs {
		for _, text := range [][]byte{[]byte("a safe"), bytes.Repeat([]byte("x"), 32)} { // the second: a whole block of padding
			alg, ct := build(p, 3, i == 0, text, "pw")
			got, err := decryptSafe(alg, ct, "pw", false)
			if err != nil || !bytes.Equal(got, text) {
				t.Errorf("PRF %v, %d bytes: %q, %v", p.oid, len(text), got, err)
			}
			if got, err := decryptSafe(alg, ct, "wrong", false); err == nil && bytes.Equal(got, text) {
				t.Errorf("PRF %v: the wrong password decrypts", p.oid)
			}
		}
	}
	// One iteration is the least; zero is refused.
	alg, ct := build(prfs[2], 1, false, []byte("one"), "pw")
	if got, err := decryptSafe(alg, ct, "pw", false); err != nil || string(got) != "one" {
		t.Errorf("one iteration: %q, %v", got, err)
	}
	alg, ct = build(prfs[2], 0, false, []byte("zero"), "pw")
	if _, err := decryptSafe(alg, ct, "pw", false); err == nil {
		t.Error("zero iterations accepted")
	}
	// An unknown PRF.
	alg, ct = build(prf{asn1.ObjectIdentifier{1, 2, 3}, sha256.New}, 2, false, []byte("x"), "pw")
	if _, err := decryptSafe(alg, ct, "pw", false); err == nil {
		t.Error("unknown PRF accepted")
	}
}

// TestPFXScanAlgorithms reads encryption AlgorithmIdentifiers of each
// shape, at the edges of what parses.
func TestPFXScanAlgorithms(t *testing.T) {
	oid := func(o asn1.ObjectIdentifier) []byte {
		der, err := asn1.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	seq := func(kids ...[]byte) []byte { return shortTLV(0x30, kids...) }
	octets := shortTLV(0x04, []byte("salt"))
	five := shortTLV(0x02, []byte{5})
	pbkdf2 := func(params ...[]byte) []byte { return seq(oid(oidPBKDF2), seq(params...)) }
	pbes2 := func(kdf, enc []byte) []byte { return seq(oid(oidPBES2), seq(kdf, enc)) }
	pkcs12PBE := append(append(asn1.ObjectIdentifier{}, oidPKCS12PBEPrefix...), 3)
	tests := []struct {
		name string
		der  []byte
		want string // the cipher's name, or "damaged"
		iter int    // BagIterations after it; 0: not checked
	}{
		{"empty", seq(), "damaged", 0},
		{"OID alone", seq(oid(asn1.ObjectIdentifier{1, 2, 3})), "1.2.3", 0},
		{"PBES2 AES-256", pbes2(pbkdf2(octets, five), seq(oid(oidAES256CBC), octets)), "AES-256-CBC", 5},
		{"PBES2 cipher OID alone", pbes2(pbkdf2(octets, five), seq(oid(oidAES128CBC))), "AES-128-CBC", 5},
		{"PBES2 no cipher", pbes2(pbkdf2(octets, five), seq()), "damaged", 0},
		{"PBES2 3DES", pbes2(pbkdf2(octets, five), seq(oid(oidDESEDE3CBC))), "PBES2-3DES", 5},
		{"PBES2 other cipher", pbes2(pbkdf2(octets, five), seq(oid(asn1.ObjectIdentifier{1, 2, 3}))), "PBES2 1.2.3", 5},
		{"PBKDF2 salt alone", pbes2(pbkdf2(octets), seq(oid(oidAES256CBC))), "damaged", 0},
		{"PBES2 one part", seq(oid(oidPBES2), seq(pbkdf2(octets, five))), "damaged", 0},
		{"PKCS #12 PBE", seq(oid(pkcs12PBE), seq(octets, five)), pkcs12PBENames[3], 5},
		{"PKCS #12 PBE no parameters", seq(oid(pkcs12PBE)), "damaged", 0},
	}
	for _, tt := range tests {
		e, _, err := readElement(tt.der)
		if err != nil {
			t.Fatal(err)
		}
		s := &pfxScan{max: 100}
		got, err := s.pbe(e)
		if tt.want == "damaged" {
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("%s: %q, %v; want damaged", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || tt.iter != 0 && s.info.BagIterations != tt.iter {
			t.Errorf("%s: %q, %v, bag iterations %d; want %q, %d", tt.name, got, err, s.info.BagIterations, tt.want, tt.iter)
		}
	}

	// isPFX: version, then a ContentInfo with at least its type.
	data := oid(oidData)
	for _, tt := range []struct {
		der  []byte
		want bool
	}{
		{seq(shortTLV(0x02, []byte{3}), seq(data)), true},
		{seq(shortTLV(0x02, []byte{3}), seq(oid(oidSignedData), seq())), true},
		{seq(shortTLV(0x02, []byte{3}), seq()), false},
		{seq(shortTLV(0x02, []byte{3})), false},
		{seq(seq(data), seq(data)), false},
		{seq(shortTLV(0x02, []byte{3}), seq(oid(asn1.ObjectIdentifier{1, 2, 3}))), false},
	} {
		if got := isPFX(tt.der); got != tt.want {
			t.Errorf("isPFX(%x) = %v, want %v", tt.der, got, tt.want)
		}
	}
}
