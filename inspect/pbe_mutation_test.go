package inspect

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/internal/testpki"
)

// TestPKCS12KDFKnownAnswers checks the RFC 7292 Appendix B.2 derivation
// against OpenSSL 3.0's PKCS12KDF, which takes the password bytes as they
// are (here ASCII rather than the BMPString the PFX code passes):
//
//	openssl kdf -keylen 24 -kdfopt digest:SHA1 -kdfopt pass:sesame \
//	  -kdfopt hexsalt:ffffffffffffffff -kdfopt iter:2048 -kdfopt id:1 PKCS12KDF
//
// and likewise for the other rows. The lengths cover one block (20 bytes,
// SHA-1's size) exactly, less than one, two exactly and a part of a
// second; the 70-byte password fills more than one 64-byte block.
func TestPKCS12KDFKnownAnswers(t *testing.T) {
	tests := []struct {
		n, iter int
		pass    string
		salt    string
		id      byte
		wantHex string
	}{
		{24, 2048, "sesame", "ffffffffffffffff", 1, "F5E9A8257057310B83CF9BA5E4A73DB6FC3A97A280C01C63"},
		{20, 1, "sesame", "ffffffffffffffff", 3, "57CCE51AB77B8C5A3794DCF0CDA3D1AC3D7A4F0C"},
		{40, 3, "sesame", "0102030405060708", 1, "3E30E94CC2C81510C7246986F820F46AEF46338138545203836618" + "0B4E23DB0149951F010989EC7A"},
		{8, 1, "sesame", "0102030405060708", 2, "728506CB8BD1607D"},
		{24, 2, strings.Repeat("a", 70), "0102030405060708", 1, "78719D0CECA010C7B7C089270CB4F0EA1B042A86376B7ED0"},
	}
	for _, tt := range tests {
		salt, _ := hex.DecodeString(tt.salt)
		want, _ := hex.DecodeString(tt.wantHex)
		if got := pkcs12KDF(tt.id, []byte(tt.pass), salt, tt.iter, tt.n); !bytes.Equal(got, want) {
			t.Errorf("pkcs12KDF(%d, %d-byte password, %s, %d, %d) = %X, want %X", tt.id, len(tt.pass), tt.salt, tt.iter, tt.n, got, want)
		}
	}
}

func TestBMPPassword(t *testing.T) {
	for pw, want := range map[string]string{
		"":       "0000",
		"ab":     "006100620000",
		"\uffff": "ffff0000",
		"é":      "00e90000",
	} {
		got, ok := bmpPassword(pw)
		if !ok || hex.EncodeToString(got) != want {
			t.Errorf("bmpPassword(%q) = %x, %v; want %s", pw, got, ok, want)
		}
	}
	if _, ok := bmpPassword("a\U00010000"); ok {
		t.Error("a character outside the BMP accepted")
	}
}

// TestPFXIterationLimitExact: a PFX whose counts are all exactly the limit
// loads; one iteration less of a limit refuses it. The counts are reported.
func TestPFXIterationLimitExact(t *testing.T) {
	f := getFixture(t)
	const n = 300
	for _, e := range []testpki.PFXEncoding{testpki.PFXLegacyDES, testpki.PFXModern2023} {
		enc, err := e.Encoder()
		if err != nil {
			t.Fatal(err)
		}
		data, err := enc.WithIterations(n).Encode(f.leaf.Key, f.leaf.Cert, []*x509.Certificate{f.inter.Cert.Cert}, "pw")
		if err != nil {
			t.Fatal(err)
		}
		pw := func() ([]byte, error) { return []byte("pw"), nil }
		b, err := Load("a.pfx", data, LoadOptions{Password: pw, MaxIterations: n})
		if err != nil {
			t.Fatalf("%v at the limit: %v", e, err)
		}
		if b.PFX.MaxIterations != n || b.PFX.BagIterations != n || len(b.Keys) != 1 || len(b.Certs) != 2 {
			t.Errorf("%v: counts %d/%d, %d keys, %d certificates", e, b.PFX.MaxIterations, b.PFX.BagIterations, len(b.Keys), len(b.Certs))
		}
		if _, err := Load("a.pfx", data, LoadOptions{Password: pw, MaxIterations: n - 1}); !errors.Is(err, ErrTooManyIterations) {
			t.Errorf("%v over the limit: %v", e, err)
		}
	}
}
