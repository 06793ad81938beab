package inspect

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/internal/testpki"
)

// TestRC2 checks the RC2 decryption against the test vectors of RFC 2268
// §5 (key, effective bits, plaintext, ciphertext).
func TestRC2(t *testing.T) {
	for _, v := range []struct {
		key  string
		bits int
		pt   string
		ct   string
	}{
		{"0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
		{"ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
		{"3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
		{"88", 64, "0000000000000000", "61a8a244adacccf0"},
		{"88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
		{"88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
		{"88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
	} {
		key, _ := hex.DecodeString(v.key)
		ct, _ := hex.DecodeString(v.ct)
		got := make([]byte, 8)
		newRC2(key, v.bits).Decrypt(got, ct)
		if hex.EncodeToString(got) != v.pt {
			t.Errorf("RC2 key %s/%d: decrypt(%s) = %x, want %s", v.key, v.bits, v.ct, got, v.pt)
		}
	}
	seen := map[byte]bool{}
	for _, b := range rc2Pi {
		seen[b] = true
	}
	if len(seen) != 256 {
		t.Errorf("PITABLE is not a permutation: %d distinct values", len(seen))
	}
}

// TestLookInsideEncryptedSafes checks that the scanner decrypts the
// certificate safe of every encoding it meets in practice — go-pkcs12's
// and OpenSSL's — with the right password, and not with a wrong one.
func TestLookInsideEncryptedSafes(t *testing.T) {
	f := getFixture(t)
	files := map[string][]byte{}
	for _, e := range []testpki.PFXEncoding{testpki.PFXLegacyDES, testpki.PFXLegacyRC2, testpki.PFXModern2023, testpki.PFXModern2026} {
		der, err := testpki.PFX(e, f.leaf.Key, f.leaf.Cert, []*x509.Certificate{f.inter.Cert.Cert}, "Pa55 wörd")
		if err != nil {
			t.Fatal(err)
		}
		files[string(e)] = der
	}
	if openssl, ok := testpki.OptionalTool(t, "openssl"); ok {
		dir := t.TempDir()
		key, _ := testpki.KeyPEM(f.leaf.Key)
		keyFile, certFile := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
		os.WriteFile(keyFile, key, 0o600)
		os.WriteFile(certFile, testpki.PEM(f.leaf.Cert, f.inter.Cert.Cert), 0o600)
		for name, extra := range map[string][]string{"openssl": nil, "openssl-legacy": {"-legacy"}, "openssl-descert": {"-descert"}} {
			out := filepath.Join(dir, name+".pfx")
			args := append([]string{"pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-passout", "pass:Pa55 wörd", "-out", out}, extra...)
			if b, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %v: %v\n%s", args, err, b)
			}
			files[name], _ = os.ReadFile(out)
		}
	}
	for name, der := range files {
		s, err := scanPFX(der, DefaultMaxIterations)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(s.safes) == 0 {
			t.Fatalf("%s: no encrypted safe found", name)
		}
		if err := s.inside("wrong"); err != nil || s.opened != 0 {
			t.Errorf("%s: wrong password opened %d safes (%v)", name, s.opened, err)
		}
		if err := s.inside("Pa55 wörd"); err != nil || s.opened != len(s.safes) {
			t.Errorf("%s: opened %d of %d safes (%v)", name, s.opened, len(s.safes), err)
		}
	}
}

// hostileNestedPFX builds a PFX whose MAC verifies with password, holding
// one 3DES-encrypted safe with a shrouded key bag that asks for keyIter
// iterations: a count no one can see before decrypting the safe.
func hostileNestedPFX(t *testing.T, password string, keyIter int) []byte {
	t.Helper()
	type algo struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters struct {
			Salt       []byte
			Iterations int
		}
	}
	type epki struct {
		Algorithm algo
		Data      []byte
	}
	type bag struct {
		ID    asn1.ObjectIdentifier
		Value asn1.RawValue
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	explicit := func(b []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b}
	}
	salt := make([]byte, 8)
	rand.Read(salt)
	var k epki
	k.Algorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	k.Algorithm.Parameters.Salt, k.Algorithm.Parameters.Iterations = salt, keyIter
	k.Data = make([]byte, 64)
	safeContents := must(asn1.Marshal([]bag{{ID: oidShroudedKeyBag, Value: explicit(must(asn1.Marshal(k)))}}))

	// Encrypt the safe with pbeWithSHAAnd3-KeyTripleDES-CBC, 2048 iterations.
	bmp, _ := bmpPassword(password)
	block, _ := des.NewTripleDESCipher(pkcs12KDF(1, bmp, salt, 2048, 24))
	pad := 8 - len(safeContents)%8
	plain := append(append([]byte{}, safeContents...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, pkcs12KDF(2, bmp, salt, 2048, 8)).CryptBlocks(ct, plain)
	var safeAlg algo
	safeAlg.Algorithm = k.Algorithm.Algorithm
	safeAlg.Parameters.Salt, safeAlg.Parameters.Iterations = salt, 2048
	type eci struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   algo
		Content     asn1.RawValue
	}
	type encData struct {
		Version int
		Info    eci
	}
	ed := encData{Info: eci{ContentType: oidData, Algorithm: safeAlg, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: ct}}}
	type contentInfo struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue
	}
	authSafe := must(asn1.Marshal([]contentInfo{{Type: oidEncrypted, Content: explicit(must(asn1.Marshal(ed)))}}))

	macKey := pkcs12KDF(3, bmp, salt, 2048, 20)
	h := hmac.New(sha1.New, macKey)
	h.Write(authSafe)
	type digestInfo struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	type macData struct {
		Mac        digestInfo
		Salt       []byte
		Iterations int
	}
	type pfx struct {
		Version  int
		AuthSafe contentInfo
		Mac      macData
	}
	return must(asn1.Marshal(pfx{
		Version:  3,
		AuthSafe: contentInfo{Type: oidData, Content: explicit(must(asn1.Marshal(authSafe)))},
		Mac:      macData{Mac: digestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue}, Digest: h.Sum(nil)}, Salt: salt, Iterations: 2048},
	}))
}

// TestHostileCountInsideEncryptedSafe: the shrouded key bag's count is
// refused once the safe is decrypted, before go-pkcs12 would spend minutes
// deriving its key. Were the guard missing, this test would not finish.
func TestHostileCountInsideEncryptedSafe(t *testing.T) {
	for _, pw := range []string{"", "pw"} {
		der := hostileNestedPFX(t, pw, 1<<31-1)
		// The file is well-formed: go-pkcs12 accepts its MAC (checked
		// with a key count it can afford).
		if _, _, _, err := pkcs12.DecodeChain(hostileNestedPFX(t, pw, 1), pw); err != nil && errors.Is(err, pkcs12.ErrIncorrectPassword) {
			t.Fatalf("password %q: the test file's MAC does not verify: %v", pw, err)
		}
		_, err := Load("hostile.pfx", der, LoadOptions{Password: func() ([]byte, error) { return []byte(pw), nil }})
		if !errors.Is(err, ErrTooManyIterations) {
			t.Fatalf("password %q: err = %v, want ErrTooManyIterations", pw, err)
		}
		// With a wrong password the safe does not open: a wrong password.
		if pw != "" {
			_, err = Load("hostile.pfx", der, LoadOptions{Password: func() ([]byte, error) { return []byte("guess"), nil }})
			if !errors.Is(err, ErrWrongPassword) {
				t.Errorf("wrong password: err = %v", err)
			}
		}
	}
}
