package inspect

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/plan"
)

// The tests in this file pin behaviours that mutation testing
// (scripts/mutation.sh, docs/mutation.md) found no other test pinning.

// otherKey is a public key type crypto/x509 does not know, without Equal.
type otherKey struct{}

func TestKeyInfoAndAlgorithm(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name  string
		pub   any
		typ   string
		bits  int
		curve string
		alg   exchange.KeyAlgorithm
		weak  string // substring of weakKey's answer; "" when fine
	}{
		{"rsa 1024", &rsaKey.PublicKey, "RSA", 1024, "", exchange.RSA, "an RSA key of 1024 bits (at least 2048 are required)"},
		{"ecdsa p-224", &p224.PublicKey, "ECDSA", 224, "P-224", exchange.ECDSA, "an ECDSA key on P-224 (P-256 or larger is required)"},
		{"ecdsa p-256", &p256.PublicKey, "ECDSA", 256, "P-256", exchange.ECDSA, ""},
		{"ed25519", edPub, "Ed25519", 256, "", "", ""},
		{"nil", nil, "unknown", 0, "", "", "a <nil> key, which is not allowed"},
		{"other", otherKey{}, "inspect.otherKey", 0, "", "", "a inspect.otherKey key, which is not allowed"},
	}
	for _, tt := range tests {
		typ, bits, curve := KeyInfo(tt.pub)
		if typ != tt.typ || bits != tt.bits || curve != tt.curve {
			t.Errorf("%s: KeyInfo = %q %d %q, want %q %d %q", tt.name, typ, bits, curve, tt.typ, tt.bits, tt.curve)
		}
		if got := keyAlgorithm(tt.pub); got != tt.alg {
			t.Errorf("%s: keyAlgorithm = %q, want %q", tt.name, got, tt.alg)
		}
		if got := weakKey(tt.pub); tt.weak == "" && got != "" || !strings.Contains(got, tt.weak) {
			t.Errorf("%s: weakKey = %q, want %q", tt.name, got, tt.weak)
		}
	}
	// The RSA limit, one bit either side.
	for _, n := range []int{2047, 2048} {
		pub := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), uint(n-1)), E: 65537}
		if got := weakKey(pub); (got != "") != (n < 2048) {
			t.Errorf("weakKey(RSA %d) = %q", n, got)
		}
	}
}

func TestKeyTypeFindings(t *testing.T) {
	rsaKey := getFixture(t).leaf.Cert.PublicKey
	ecKey := &getFixture(t).ecKey.PublicKey
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		pub  any
		v    exchange.Version
		code string
		msg  string
	}{
		{"no version", ecKey, exchange.None, "", ""},
		{"rsa 2010", rsaKey, exchange.Exchange2010, "", ""},
		{"ecdsa 2013", ecKey, exchange.Exchange2013, CodeKeyTypeUnsupported, "Exchange 2013 cannot use ECC"},
		{"ecdsa 2016", ecKey, exchange.Exchange2016, CodeKeyTypeConditional, "Exchange 2016 accepts ECC certificates only from CU23"},
		{"ecdsa SE", ecKey, exchange.ExchangeSE, CodeKeyTypeConditional, "ECC certificates need the opt-in"},
		{"ed25519", edPub, exchange.ExchangeSE, CodeKeyTypeUnsupported, "the key is Ed25519; Exchange uses RSA or ECDSA keys only"},
	}
	for _, tt := range tests {
		fs := keyTypeFindings(tt.pub, "s", Options{Exchange: tt.v})
		if tt.code == "" {
			if len(fs) != 0 {
				t.Errorf("%s: %v", tt.name, fs)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Code != tt.code || !strings.Contains(fs[0].Message, tt.msg) || fs[0].Subject != "s" {
			t.Errorf("%s: %v, want one %s saying %q", tt.name, fs, tt.code, tt.msg)
		}
	}
	// A plan's version wins over Options.Exchange.
	fs := keyTypeFindings(ecKey, "s", Options{Exchange: exchange.ExchangeSE, Plan: &plan.Plan{Exchange: exchange.Exchange2013}})
	if len(fs) != 1 || fs[0].Code != CodeKeyTypeUnsupported {
		t.Errorf("plan 2013 over SE: %v", fs)
	}
}

func TestSerialHexAndNames(t *testing.T) {
	for serial, want := range map[int64]string{0xABC: "0ABC", 0xAB: "AB", 1: "01", 0x1000: "1000"} {
		if got := serialHex(&x509.Certificate{SerialNumber: big.NewInt(serial)}); got != want {
			t.Errorf("serialHex(%x) = %q, want %q", serial, got, want)
		}
	}
	if got := serialHex(&x509.Certificate{}); got != "" {
		t.Errorf("no serial: %q", got)
	}
	if got := ipStrings([]net.IP{net.ParseIP("192.0.2.1"), net.ParseIP("2001:db8::1")}); !slices.Equal(got, []string{"192.0.2.1", "2001:db8::1"}) {
		t.Errorf("ipStrings = %v", got)
	}
	c := &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsage(99)}, UnknownExtKeyUsage: []asn1.ObjectIdentifier{{1, 2, 3}}}
	if got := extKeyUsageNames(c); !slices.Equal(got, []string{"serverAuth", "eku-99", "1.2.3"}) {
		t.Errorf("extKeyUsageNames = %v", got)
	}
	for _, tt := range []struct{ file, cn, subject, want string }{
		{"a.pem", "exch2", "CN=exch2,O=ACME", "a.pem: exch2"},
		{"a.pem", "", "O=ACME", "a.pem: O=ACME"},
		{"", "exch2", "CN=exch2", "exch2"},
		{"", "", "O=ACME", "O=ACME"},
	} {
		if got := label(tt.file, tt.cn, tt.subject); got != tt.want {
			t.Errorf("label(%q, %q, %q) = %q, want %q", tt.file, tt.cn, tt.subject, got, tt.want)
		}
	}
	n := presented([]string{"Mail.Acme.com."}, []net.IP{net.ParseIP("192.0.2.1"), {1, 2, 3}, net.ParseIP("2001:db8::1")}, "")
	if !slices.Equal(n.SANs, []string{"mail.acme.com", "192.0.2.1", "2001:db8::1"}) || n.CN != "" {
		t.Errorf("presented = %+v", n)
	}
}

func TestWildcardUnderPublicSuffixCases(t *testing.T) {
	for pattern, want := range map[string]bool{
		"*.":                false, // "*" once the root dot is gone
		"*..":               true,  // nothing under the wildcard
		"*.com":             true,
		"*.co.uk":           true,
		"*.acme.com":        false,
		"*.ACME.co.uk.":     false,
		"acme.com":          false,
		"*.localdomain":     true, // no dot: a single label is a suffix of its own
		"*.example.invalid": false,
	} {
		if got := WildcardUnderPublicSuffix(pattern); got != want {
			t.Errorf("WildcardUnderPublicSuffix(%q) = %v, want %v", pattern, got, want)
		}
	}
}

func TestParseKeyForms(t *testing.T) {
	rsaKey := getFixture(t).leaf.Key.(*rsa.PrivateKey)
	ec := getFixture(t).ecKey
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	sec1, _ := x509.MarshalECPrivateKey(ec)
	tests := []struct {
		name string
		der  []byte
		err  string
	}{
		{"pkcs8 rsa", pkcs8(rsaKey), ""},
		{"pkcs8 ed25519", pkcs8(edKey), ""},
		{"pkcs8 x25519", pkcs8(x), "a *ecdh.PrivateKey private key is not supported"},
		{"pkcs1", x509.MarshalPKCS1PrivateKey(rsaKey), ""},
		{"sec1", sec1, ""},
		{"garbage", []byte{0x30, 0x03, 0x02, 0x01, 0x01}, "not a PKCS #8, PKCS #1 or SEC 1 private key"},
	}
	for _, tt := range tests {
		k, err := parseKey(tt.der)
		switch {
		case tt.err == "" && (err != nil || k == nil):
			t.Errorf("%s: %v", tt.name, err)
		case tt.err != "" && (err == nil || err.Error() != tt.err || k != nil):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.err)
		}
	}
}

// TestPKCS7Damaged: each way a PKCS #7 file can be broken gives its own
// reason; zero bytes after the structure are padding, anything else is not.
func TestPKCS7Damaged(t *testing.T) {
	f := getFixture(t)
	leaf := f.leaf.Cert
	mk := func(v any) []byte {
		der, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	explicit := func(inner []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
	}
	set := func(items ...[]byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: slices.Concat(items...)}
	}
	certsField := func(items ...[]byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: slices.Concat(items...)}
	}
	contentInfo := mk(struct{ OID asn1.ObjectIdentifier }{oidData})
	signedData := func(fields ...any) []byte {
		return mk(struct {
			OID     asn1.ObjectIdentifier
			Content asn1.RawValue
		}{oidSignedData, explicit(mk(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: func() []byte {
			var b []byte
			for _, f := range fields {
				b = append(b, mk(f)...)
			}
			return b
		}()}))})
	}
	good := signedData(1, set(), contentInfo, certsField(leaf.Raw), set())
	crl := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: mk(1)}
	attrCert := mk(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, IsCompound: true, Bytes: mk(1)})
	tests := []struct {
		name  string
		der   []byte
		certs int
		err   string
	}{
		{"good", good, 1, ""},
		{"zero padding", append(slices.Clone(good), 0, 0, 0), 1, ""},
		{"crl and attribute certificate", signedData(1, set(), contentInfo, certsField(attrCert, leaf.Raw), crl, set()), 1, ""},
		{"no certificates", signedData(1, set(), contentInfo, set()), 0, ""},
		{"three fields", signedData(1, set(), contentInfo), 0, ""},
		{"trailing data", append(slices.Clone(good), 0, 1), 0, "data after the end of the structure"},
		{"not a sequence", mk(1), 0, "the outer ContentInfo does not parse"},
		{"empty", nil, 0, "the outer ContentInfo does not parse"},
		{"data, not signed data", mk(struct {
			OID     asn1.ObjectIdentifier
			Content asn1.RawValue
		}{oidData, explicit(mk(1))}), 0, "ContentInfo is not SignedData"},
		{"no content", mk(struct{ OID asn1.ObjectIdentifier }{oidSignedData}), 0, "ContentInfo is not SignedData"},
		{"content not [0]", mk(struct {
			OID     asn1.ObjectIdentifier
			Content int
		}{oidSignedData, 1}), 0, "ContentInfo is not SignedData"},
		{"content [0] primitive", mk(struct {
			OID     asn1.ObjectIdentifier
			Content asn1.RawValue
		}{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: []byte{1}}}), 0, "ContentInfo is not SignedData"},
		{"signed data not a sequence", mk(struct {
			OID     asn1.ObjectIdentifier
			Content asn1.RawValue
		}{oidSignedData, explicit(mk(1))}), 0, "SignedData does not parse"},
		{"signed data two elements", mk(struct {
			OID     asn1.ObjectIdentifier
			Content asn1.RawValue
		}{oidSignedData, explicit(append(mk([]int{1}), mk([]int{1})...))}), 0, "SignedData does not parse"},
		{"signed data too short", signedData(1, set()), 0, "SignedData does not parse"},
		{"version not an integer", signedData(true, set(), contentInfo, certsField(leaf.Raw)), 0, "SignedData does not parse"},
		{"certificate list broken", signedData(1, set(), contentInfo, certsField([]byte{0x30, 0x05, 0x01})), 0, "the certificate list does not parse"},
		{"certificate broken", signedData(1, set(), contentInfo, certsField(leaf.Raw, mk([]int{1, 2}))), 0, "PKCS#7 certificate 2: certificate is whole as ASN.1 but neither certificate parser reads it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, _, err := parsePKCS7(tt.der)
			if tt.err == "" {
				if err != nil || len(certs) != tt.certs {
					t.Fatalf("got %d certificates, %v; want %d", len(certs), err, tt.certs)
				}
				if tt.certs > 0 && !certs[0].Equal(leaf) {
					t.Fatal("the certificate changed")
				}
				return
			}
			want := tt.err
			if !strings.HasPrefix(want, "PKCS#7 certificate") {
				want = "PKCS#7 structure is damaged: " + want
			}
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
	if isPKCS7(mk(1)) || isPKCS7(nil) || isPKCS7(mk(struct{ OID asn1.ObjectIdentifier }{oidData})) || !isPKCS7(good) || isPKCS7(mk([]int{})) ||
		!isPKCS7(mk(struct{ OID asn1.ObjectIdentifier }{oidSignedData})) { // only the type: still PKCS #7, so the error names its structure
		t.Error("isPKCS7 misjudges")
	}
}
