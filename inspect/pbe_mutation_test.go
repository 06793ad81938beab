package inspect

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"math/big"
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

// TestPFXScanCounts checks one iteration count, the running total and
// the counts reported, at each limit.
func TestPFXScanCounts(t *testing.T) {
	s := &pfxScan{max: 10}
	for _, tt := range []struct {
		n   *big.Int
		err error
	}{
		{nil, ErrDamaged},
		{big.NewInt(0), ErrDamaged},
		{big.NewInt(-1), ErrDamaged},
		{big.NewInt(11), ErrTooManyIterations},
		{new(big.Int).Lsh(big.NewInt(1), 70), ErrTooManyIterations},
		{big.NewInt(1), nil},
		{big.NewInt(10), nil},
		{big.NewInt(3), nil},
	} {
		if err := s.count("x", tt.n); !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("count(%v) = %v, want %v", tt.n, err, tt.err)
		}
	}
	if s.last != 3 || s.total != 14 || s.info.MaxIterations != 10 {
		t.Errorf("last %d, total %d, max %d; want 3, 14, 10", s.last, s.total, s.info.MaxIterations)
	}
	s.info.BagIterations = 5
	s.bag()
	if s.info.BagIterations != 5 {
		t.Errorf("a smaller count lowered BagIterations to %d", s.info.BagIterations)
	}
	s.last = 5
	s.bag()
	s.last = 6
	s.bag()
	if s.info.BagIterations != 6 {
		t.Errorf("BagIterations = %d, want 6", s.info.BagIterations)
	}

	s = &pfxScan{max: 10, total: int64(MaxTotalIterationsFactor) * 10}
	if err := s.checkTotal(); err != nil {
		t.Errorf("total at the limit: %v", err)
	}
	s.total++
	if err := s.checkTotal(); !errors.Is(err, ErrTooManyIterations) {
		t.Errorf("total over the limit: %v", err)
	}

	// SafeContents nest at most four deep.
	empty := []byte{0x30, 0x00}
	if err := (&pfxScan{max: 10}).safeContents(empty, 4); err != nil {
		t.Errorf("depth 4: %v", err)
	}
	if err := (&pfxScan{max: 10}).safeContents(empty, 5); !errors.Is(err, ErrDamaged) {
		t.Errorf("depth 5: %v", err)
	}
}

// TestPFXMACIterations: the MAC's count is reported, and alone over the
// limit refuses the file.
func TestPFXMACIterations(t *testing.T) {
	f := getFixture(t)
	enc, _ := testpki.PFXLegacyDES.Encoder()
	data, err := enc.WithIterations(300).Encode(f.leaf.Key, f.leaf.Cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	pw := func() ([]byte, error) { return []byte("pw"), nil }
	b, err := Load("a.pfx", data, LoadOptions{Password: pw, MaxIterations: 300})
	if err != nil || b.PFX.MACIterations != 300 {
		t.Fatalf("%v, %+v", err, b)
	}
	hostile, err := testpki.SetPFXIterations(data, 301, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load("a.pfx", hostile, LoadOptions{Password: pw, MaxIterations: 300}); !errors.Is(err, ErrTooManyIterations) || !strings.Contains(err.Error(), "the MAC") {
		t.Errorf("MAC over the limit: %v", err)
	}
}
