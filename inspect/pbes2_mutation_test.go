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
