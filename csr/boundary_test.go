package csr

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/exchange"
)

// The tests in this file pin the edges of the rules: the last value that is
// accepted and the first that is refused, so that an off-by-one in a
// comparison fails a test.

func TestSubjectLengthEdges(t *testing.T) {
	key := testKey(t, RSA2048)
	for _, tt := range []struct {
		name  string
		s     Subject
		field string // "" when the subject is accepted
	}{
		{"org at 64", Subject{Organization: strings.Repeat("o", 64)}, ""},
		{"org at 65", Subject{Organization: strings.Repeat("o", 65)}, "organization"},
		{"org unit at 64", Subject{OrganizationalUnit: strings.Repeat("u", 64)}, ""},
		{"org unit at 65", Subject{OrganizationalUnit: strings.Repeat("u", 65)}, "organizational_unit"},
		{"locality at 128", Subject{Locality: strings.Repeat("l", 128)}, ""},
		{"locality at 129", Subject{Locality: strings.Repeat("l", 129)}, "locality"},
		{"state at 128", Subject{State: strings.Repeat("s", 128)}, ""},
		{"state at 129", Subject{State: strings.Repeat("s", 129)}, "state"},
		// Characters, not bytes: 64 two-byte runes fit.
		{"org of 64 runes", Subject{Organization: strings.Repeat("é", 64)}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(Request{Plan: seedPlan(t), Key: key, Subject: tt.s})
			var se *SubjectError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &se) || se.Field != tt.field):
				t.Fatalf("err %v, want a SubjectError for %s", err, tt.field)
			}
		})
	}
}

func TestCommonNameLengthEdge(t *testing.T) {
	key := testKey(t, RSA2048)
	for n, ok := range map[int]bool{63: true, 64: true, 65: false} {
		p := seedPlan(t)
		p.CommonName = strings.Repeat("a", n-len(".acme.com")) + ".acme.com"
		_, err := Build(Request{Plan: p, Key: key})
		if (err == nil) != ok {
			t.Errorf("Common Name of %d characters: err %v, want accepted %v", n, err, ok)
		}
		var se *SubjectError
		if !ok && (!errors.As(err, &se) || se.Field != "common_name" || !strings.Contains(err.Error(), "has 65 characters")) {
			t.Errorf("Common Name of %d characters: err %v", n, err)
		}
	}
}

func TestCountryEdges(t *testing.T) {
	// The first and last codes of the list and letters at the ends of the
	// alphabet on either side.
	for _, c := range []string{"AD", "ZW", "AZ", "BA", "ZA", "YT"} {
		if got, err := NormalizeCountry(c); err != nil || got != c {
			t.Errorf("NormalizeCountry(%q) = %q, %v", c, got, err)
		}
	}
	for c, want := range map[string]string{
		"@A": "not an assigned", "A[": "not an assigned", "[A": "not an assigned", "A@": "not an assigned",
		"A": "two-letter", "ABC": "two-letter", "UK": "GB", "EL": "GR", "EU": "member state",
	} {
		_, err := NormalizeCountry(c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeCountry(%q): %v, want an error saying %q", c, err, want)
		}
	}
}

// TestOVSubjectFix checks that the fix names exactly the fields missing
// from an organisation-validated subject.
func TestOVSubjectFix(t *testing.T) {
	for _, tt := range []struct {
		s   Subject
		fix string // "" for no ov-subject-incomplete finding
	}{
		{Subject{Organization: "ACME"}, "add --country and --locality or --state as"},
		{Subject{Organization: "ACME", Country: "GB"}, "add --locality or --state as"},
		{Subject{Organization: "ACME", Locality: "Canterbury"}, "add --country as"},
		{Subject{Organization: "ACME", State: "Kent"}, "add --country as"},
		{Subject{Organization: "ACME", State: "Kent", Country: "GB"}, ""},
		{Subject{Organization: "ACME", Locality: "Canterbury", Country: "GB"}, ""},
	} {
		c, err := Build(Request{Plan: seedPlan(t), Key: testKey(t, RSA2048), Subject: tt.s})
		if err != nil {
			t.Fatal(err)
		}
		var fix string
		for _, f := range c.Findings {
			if f.Code == "ov-subject-incomplete" {
				fix = f.Fix
			}
		}
		if tt.fix == "" && fix != "" || !strings.HasPrefix(fix, tt.fix) {
			t.Errorf("%+v: fix %q, want %q", tt.s, fix, tt.fix)
		}
	}
}

func TestSecurityBitsEdges(t *testing.T) {
	for bits, want := range map[int]int{
		1024: 80, 2047: 80, 2048: 112, 3071: 112, 3072: 128, 7679: 128, 7680: 192, 15359: 192, 15360: 256,
	} {
		if got := (KeyInfo{Algorithm: exchange.RSA, Bits: bits}).SecurityBits(); got != want {
			t.Errorf("RSA %d: %d bits of security, want %d", bits, got, want)
		}
	}
	for bits, want := range map[int]int{256: 128, 384: 192, 521: 260} {
		if got := (KeyInfo{Algorithm: exchange.ECDSA, Bits: bits}).SecurityBits(); got != want {
			t.Errorf("ECDSA %d: %d bits of security, want %d", bits, got, want)
		}
	}
}

// rsaPublic returns an RSA public key whose modulus has exactly bits bits;
// DescribeKey looks only at the size.
func rsaPublic(bits int) *rsa.PublicKey {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	return &rsa.PublicKey{N: n.Add(n, big.NewInt(1)), E: 65537}
}

func TestDescribeKeyRSAEdges(t *testing.T) {
	for _, tt := range []struct {
		bits int
		why  string // "" when accepted
	}{
		{2040, "2048 bits or more"},
		{2047, "2048 bits or more"},
		{2048, ""},
		{2049, "multiple of 8"},
		{2052, "multiple of 8"},
		{2056, ""},
		{4096, ""},
	} {
		info, err := DescribeKey(rsaPublic(tt.bits))
		if info.Bits != tt.bits || info.Algorithm != exchange.RSA {
			t.Errorf("%d bits: described as %v", tt.bits, info)
		}
		var ke *UnsupportedKeyError
		switch {
		case tt.why == "" && err != nil:
			t.Errorf("%d bits refused: %v", tt.bits, err)
		case tt.why != "" && (!errors.As(err, &ke) || !strings.Contains(ke.Reason, tt.why)):
			t.Errorf("%d bits: %v, want an UnsupportedKeyError saying %q", tt.bits, err, tt.why)
		}
	}
}

func TestLooksBinary(t *testing.T) {
	text := func(n int) []byte { return bytes.Repeat([]byte("a"), n) }
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tt := range []struct {
		name string
		data []byte
		want bool
	}{
		{"empty", nil, false},
		{"text", []byte("-----BEGIN PRIVATE KEY-----\n"), false},
		{"NUL first", join([]byte{0}, text(100)), true},
		{"NUL last in head", join(text(511), []byte{0}), true},
		{"NUL past head", join(text(512), []byte{0}), false},
		{"DER", []byte{0x30, 0x82, 0x01, 0x0a, 0x02}, true},
		// A rune cut by the 512-byte head is forgiven, up to four bytes long.
		{"two-byte rune cut", join(text(511), []byte("é")), false},
		{"three-byte rune cut", join(text(510), []byte("€")), false},
		{"four-byte rune cut after 1", join(text(511), []byte("😀")), false},
		{"four-byte rune cut after 3", join(text(509), []byte("😀")), false},
		// Only the head is judged: what follows a cut rune is not read.
		{"cut rune, binary after the head", join(text(511), []byte{0xe2, 0xff, 0xff, 0xff}), false},
		// An invalid byte four bytes before the end of the head is no cut rune.
		{"invalid byte before the cut", join(text(508), []byte{0xff}, text(10)), true},
		{"invalid byte in a short file", []byte{'a', 0xff}, true},
		{"lone invalid byte", []byte{0xff}, true},
	} {
		if got := looksBinary(tt.data); got != tt.want {
			t.Errorf("%s: looksBinary = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNotKeyErrorText(t *testing.T) {
	_, err := ParsePrivateKeyPEM([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"))
	var nk *NotKeyError
	if !errors.As(err, &nk) || err.Error() != "not a private key: it holds a certificate request" {
		t.Errorf("err %v", err)
	}
}
