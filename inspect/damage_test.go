package inspect

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"strings"
	"testing"
)

// derDamage names the first offset where the DER stops making sense, and
// why; every branch with its exact offset.
func TestDERDamageOffsets(t *testing.T) {
	deep := []byte{0x05, 0x00}
	for i := 0; i < maxDepth+2; i++ {
		n := len(deep)
		if n < 0x80 {
			deep = append([]byte{0x30, byte(n)}, deep...)
		} else {
			deep = append([]byte{0x30, 0x81, byte(n)}, deep...)
		}
	}
	for _, tt := range []struct {
		name string
		der  []byte
		off  int
		why  string
	}{
		{"empty", nil, -1, ""},
		{"empty SEQUENCE", []byte{0x30, 0x00}, -1, ""},
		{"one byte", []byte{0x30}, 0, "an element header is cut short"},
		{"indefinite length", []byte{0x30, 0x80, 0x00, 0x00}, 0, "an indefinite length (BER), which DER does not allow"},
		{"length of lengths cut", []byte{0x30, 0x81}, 0, "a length field is cut short or too long"},
		{"length of lengths just fits", []byte{0x04, 0x81, 0x01, 0xAA}, -1, ""},
		{"length of five bytes", []byte{0x04, 0x85, 0, 0, 0, 0, 1, 0xAA}, 0, "a length field is cut short or too long"},
		{"length of four bytes", []byte{0x04, 0x84, 0, 0, 0, 1, 0xAA}, -1, ""},
		{"long length summed", []byte{0x04, 0x82, 0x01, 0x00}, 0, "an element claims 256 bytes but only 0 follow"},
		{"exact content", []byte{0x04, 0x02, 0xAA, 0xBB}, -1, ""},
		{"one byte short", []byte{0x04, 0x03, 0xAA, 0xBB}, 0, "an element claims 3 bytes but only 2 follow"},
		{"primitive content is not walked", []byte{0x04, 0x02, 0x30, 0x05}, -1, ""},
		{"second element cut", []byte{0x02, 0x01, 0x05, 0x02}, 3, "an element header is cut short"},
		{"inside a SEQUENCE, at its offset", []byte{0x30, 0x04, 0x02, 0x01, 0x05, 0x02}, 5, "an element header is cut short"},
		{"inside after a long length", []byte{0x30, 0x81, 0x03, 0x02, 0x05, 0x00}, 3, "an element claims 5 bytes but only 1 follow"},
		{"high tag number", []byte{0x1f, 0x81, 0x01, 0x00}, -1, ""},
		{"high tag number cut", []byte{0x1f, 0x81}, 0, "an element header is cut short"},
		{"high tag number without length", []byte{0x1f, 0x01}, 0, "an element header is cut short"},
		{"high tag, two bytes left", []byte{0x1f, 0x01, 0x00}, -1, ""},
		{"nested too deeply", deep, maxDepth + 1, "ASN.1 nested too deeply"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			off, why := derDamage(tt.der, 0, 0)
			if tt.name == "nested too deeply" {
				// The offset is the start of the content one level deeper
				// than allowed.
				if why != tt.why || off <= maxDepth || off >= len(deep) {
					t.Errorf("= %d, %q", off, why)
				}
				return
			}
			if off != tt.off || why != tt.why {
				t.Errorf("= %d, %q; want %d, %q", off, why, tt.off, tt.why)
			}
		})
	}
}

func TestSPKIShapes(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	named := makeCert(t, ecKey, nil)
	c, err := x509.ParseCertificate(named)
	if err != nil {
		t.Fatal(err)
	}
	if spki := spkiOf(named); string(spki) != string(c.RawSubjectPublicKeyInfo) {
		t.Errorf("spkiOf: %x, want %x", spki, c.RawSubjectPublicKeyInfo)
	}
	if isExplicitCurveSPKI(c.RawSubjectPublicKeyInfo) {
		t.Error("a named-curve key counts as explicit")
	}
	if !isExplicitCurveSPKI(explicitP256(t, ecKey)) {
		t.Error("an explicit curve is not seen")
	}
	for _, bad := range [][]byte{nil, {0x30, 0x00}, {0x30, 0x03, 0x02, 0x01, 0x01}, {0x02, 0x01, 0x01}} {
		if spkiOf(bad) != nil || isExplicitCurveSPKI(bad) {
			t.Errorf("%x: a key was found", bad)
		}
	}
	// A cut certificate is damaged at a named byte.
	msg := describeDamage(named[:len(named)-5], "certificate", errTest, errTest)
	if !strings.Contains(msg, "certificate is damaged at byte 0 of ") {
		t.Errorf("cut certificate: %s", msg)
	}
}

var errTest = x509.UnknownAuthorityError{}
