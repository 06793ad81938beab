package inspect

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/exchcert/exchcert/internal/testpki"
)

// mustDER, seq and tlv build DER by hand for the structures Go cannot
// write: explicit-curve keys, DSA keys, enveloped PKCS #7.
func mustDER(t *testing.T, v any, params ...string) []byte {
	t.Helper()
	b, err := asn1.MarshalWithParams(v, strings.Join(params, ","))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kindSeq(parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	return kindTLV(0x30, body)
}

func kindTLV(tag byte, body []byte) []byte {
	n := len(body)
	switch {
	case n < 0x80:
		return append([]byte{tag, byte(n)}, body...)
	case n < 0x100:
		return append([]byte{tag, 0x81, byte(n)}, body...)
	default:
		return append([]byte{tag, 0x82, byte(n >> 8), byte(n)}, body...)
	}
}

// kindFixtures are files of every kind Load tells apart from certificate
// files, made here: name, content, the kind's wording and whether it is a
// private key in a form Load cannot use.
type kindCase struct {
	name string
	data []byte
	what string
	key  bool
}

func kindFixtures(t *testing.T) []kindCase {
	f := getFixture(t)
	ca := f.inter
	now := time.Now()
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(7), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(42), RevocationTime: now}}}, ca.Cert.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ocsp.CreateResponse(ca.Cert.Cert, ca.Cert.Cert, ocsp.Response{Status: ocsp.Good, SerialNumber: f.leaf.Cert.SerialNumber,
		ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	req, err := ocsp.CreateRequest(f.leaf.Cert, ca.Cert.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	oidPBES2 := mustDER(t, oidPBES2)
	encPKCS8 := kindSeq(kindSeq(oidPBES2, kindSeq(kindSeq(mustDER(t, oidPBKDF2), kindSeq(mustDER(t, []byte("salt")), mustDER(t, 2048))))), mustDER(t, []byte("ciphertext")))
	// ECPrivateKey with specifiedCurve parameters (RFC 5915, RFC 3279 §2.3.5),
	// as openssl ecparam -param_enc explicit writes it.
	explicitParams := kindSeq(mustDER(t, 1), kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}), mustDER(t, big.NewInt(97))),
		kindSeq(mustDER(t, []byte{1}), mustDER(t, []byte{2})), mustDER(t, []byte{4, 1, 2}), mustDER(t, big.NewInt(89)))
	explicitSEC1 := kindSeq(mustDER(t, 1), mustDER(t, make([]byte, 32)), kindTLV(0xa0, explicitParams))
	explicitPKCS8 := kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyEC), explicitParams), mustDER(t, explicitSEC1))
	dsaParams := kindSeq(mustDER(t, big.NewInt(23)), mustDER(t, big.NewInt(11)), mustDER(t, big.NewInt(4)))
	dsaPKCS8 := kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyDSA), dsaParams), mustDER(t, mustDER(t, big.NewInt(3))))
	dsaOpenSSL := kindSeq(mustDER(t, 0), mustDER(t, 23), mustDER(t, 11), mustDER(t, 4), mustDER(t, 18), mustDER(t, 3))
	ed448 := kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyEd448)), mustDER(t, mustDER(t, make([]byte, 57))))
	enveloped := kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}), kindTLV(0xa0, kindSeq(mustDER(t, 0), kindTLV(0x31, nil),
		kindSeq(mustDER(t, oidData), kindSeq(mustDER(t, oidAES256CBC), mustDER(t, make([]byte, 16))), kindTLV(0x80, []byte("ciphertext"))))))
	authEnveloped := kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 23}), kindTLV(0xa0, kindSeq(mustDER(t, 0))))
	return []kindCase{
		{"revoked.crl", crl, "a certificate revocation list (CRL)", false},
		{"revoked-pem.crl", pemBlock("X509 CRL", crl), "a certificate revocation list (CRL)", false},
		{"revoked.txt", []byte(base64.StdEncoding.EncodeToString(crl)), "a certificate revocation list (CRL)", false},
		{"response.der", resp, "an OCSP response", false},
		{"unauthorized.ocsp", []byte{0x30, 0x03, 0x0a, 0x01, 0x06}, "an OCSP response", false},
		{"request.der", req, "an OCSP request", false},
		{"message.p7m", enveloped, "PKCS #7 enveloped data (an encrypted message, such as S/MIME)", false},
		{"message-pem.p7m", pemBlock("PKCS7", enveloped), "PKCS #7 enveloped data (an encrypted message, such as S/MIME)", false},
		{"message.cms", authEnveloped, "CMS authenticated enveloped data (an encrypted message)", false},
		{"empty.p7b", testpki.P7B(), "an empty PKCS #7 file (SignedData holding no certificates)", false},
		{"empty-pem.p7b", pemBlock("PKCS7", testpki.P7B()), "an empty PKCS #7 file (SignedData holding no certificates)", false},
		{"store.jks", []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 0}, "a Java keystore (JKS)", false},
		{"store.jceks", []byte{0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2, 0, 0, 0, 0}, "a Java keystore (JCEKS)", false},
		{"public.pem", pemBlock("PUBLIC KEY", mustDER(t, 1)), "a public key", false},
		{"enc.der", encPKCS8, "an encrypted private key (PKCS #8)", true},
		{"enc.key", pemBlock("ENCRYPTED PRIVATE KEY", encPKCS8), "an encrypted private key (PKCS #8)", true},
		{"explicit-sec1.key", pemBlock("EC PRIVATE KEY", explicitSEC1), "an EC private key with explicit curve parameters", true},
		{"explicit-sec1.der", explicitSEC1, "an EC private key with explicit curve parameters", true},
		{"explicit-pkcs8.key", pemBlock("PRIVATE KEY", explicitPKCS8), "an EC private key with explicit curve parameters", true},
		{"dsa-pkcs8.key", pemBlock("PRIVATE KEY", dsaPKCS8), "a DSA private key", true},
		{"dsa-openssl.key", pemBlock("DSA PRIVATE KEY", dsaOpenSSL), "a DSA private key", true},
		{"dsa.der", dsaOpenSSL, "a DSA private key", true},
		{"ed448.key", pemBlock("PRIVATE KEY", ed448), "an Ed448 private key", true},
		{"id_ed25519", pemBlock("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00")), "an OpenSSH private key", true},
		{"key.ppk", []byte("PuTTY-User-Key-File-3: ssh-ed25519\r\nEncryption: none\r\n"), "a PuTTY private key", true},
		{"params.pem", pemBlock("EC PARAMETERS", mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})), "key parameters (EC PARAMETERS)", false},
	}
}

// TestLoadKinds: a file of another kind says what it is, in one line, and
// matches ErrNotRecognised (a key in a form Load cannot use:
// ErrUnsupported, and its message says how to convert it).
func TestLoadKinds(t *testing.T) {
	for _, tt := range kindFixtures(t) {
		t.Run(tt.name, func(t *testing.T) {
			want := ErrNotRecognised
			if tt.key {
				want = ErrUnsupported
			}
			checkLoadError(t, errorCase{data: tt.data, want: want})
			_, err := Load(tt.name, tt.data, LoadOptions{})
			var k *KindError
			if !errors.As(err, &k) {
				t.Fatalf("error %q is not a *KindError", err)
			}
			if k.What != tt.what || k.Key != tt.key {
				t.Errorf("kind %q (key %v), want %q (key %v)", k.What, k.Key, tt.what, tt.key)
			}
			if got, w := k.Not("a certificate"), tt.what+", not a certificate"; !strings.HasPrefix(got, w) {
				t.Errorf("Not = %q, want it to start %q", got, w)
			}
			if tt.key && (err.Error() == k.Not("a certificate") || !strings.Contains(err.Error(), "key")) {
				t.Errorf("key message %q does not speak of converting the key", err)
			}
		})
	}
}

// TestLoadKindsNotCertificates: files Load reads are never mistaken for
// another kind, and damaged certificate files stay damaged.
func TestLoadKindsNotCertificates(t *testing.T) {
	f := getFixture(t)
	for name, der := range map[string][]byte{"certificate": f.leaf.Cert.Raw, "request": f.csrDER, "p7b": testpki.P7B(f.leaf.Cert),
		"damaged certificate": corruptTBS(f.leaf.Cert.Raw)} {
		if k := identifyDER(der); k != nil {
			t.Errorf("%s identified as %q", name, k.What)
		}
	}
	pfx, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if k := identifyDER(pfx); k != nil {
		t.Errorf("PFX identified as %q", k.What)
	}
	// A certificate with a CRL in the same PEM file is a certificate file.
	crl := kindFixtures(t)[1].data
	b, err := Load("both.pem", append(testpki.PEM(f.leaf.Cert), crl...), LoadOptions{})
	if err != nil || len(b.Certs) != 1 {
		t.Errorf("certificate + CRL: %v", err)
	}
	// PEM with text around and between the blocks, as openssl x509 -text
	// and mail clients leave it.
	text := "Bag Attributes\n    friendlyName: exch2\nsubject=CN = exch2.acme.com\n" + string(testpki.PEM(f.leaf.Cert)) +
		"Certificate:\n    Data: ...\n" + string(testpki.PEM(f.inter.Cert.Cert)) + "-- end of message --\n"
	b, err = Load("chain.txt", []byte(text), LoadOptions{})
	if err != nil || len(b.Certs) != 2 {
		t.Errorf("PEM with text around: %v", err)
	}
	// The name is a hint only when the content says nothing.
	_, err = Load("store.jks", []byte("not a keystore at all"), LoadOptions{})
	if !errors.Is(err, ErrNotRecognised) || !strings.Contains(err.Error(), "the name suggests a Java keystore") {
		t.Errorf("unknown content named .jks: %v", err)
	}
	crlDER := kindFixtures(t)[0].data
	_, err = Load("cert.cer", crlDER, LoadOptions{})
	var k *KindError
	if !errors.As(err, &k) || !strings.Contains(k.What, "revocation list") {
		t.Errorf("a CRL named .cer: %v", err)
	}
}

// TestBundleKeyOnly: a key file is a key file in every common form, and
// loads as today for --key; KeyOnly tells it apart.
func TestBundleKeyOnly(t *testing.T) {
	f := getFixture(t)
	rsaKey := f.leaf.Key
	pkcs8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(f.ecKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv, ok := rsaKey.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("the fixture's key is a %T, not RSA", rsaKey)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaPriv)
	for name, data := range map[string][]byte{
		"PKCS #8 PEM": pemBlock("PRIVATE KEY", pkcs8), "PKCS #8 DER": pkcs8,
		"PKCS #1 PEM": pemBlock("RSA PRIVATE KEY", pkcs1), "PKCS #1 DER": pkcs1,
		"SEC 1 PEM": pemBlock("EC PRIVATE KEY", sec1), "SEC 1 DER": sec1,
		"SEC 1 with EC PARAMETERS": append(pemBlock("EC PARAMETERS", mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})), pemBlock("EC PRIVATE KEY", sec1)...),
	} {
		b, err := Load("x.key", data, LoadOptions{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(b.Keys) != 1 {
			t.Errorf("%s: %d keys", name, len(b.Keys))
		}
		if k := b.KeyOnly(); k == nil || k.Not("a certificate") != "a private key, not a certificate" {
			t.Errorf("%s: KeyOnly = %v", name, k)
		}
	}
	b, err := Load("both.pem", append(testpki.PEM(f.leaf.Cert), pemBlock("PRIVATE KEY", pkcs8)...), LoadOptions{})
	if err != nil || b.KeyOnly() != nil {
		t.Errorf("certificate and key: KeyOnly %v, error %v", b.KeyOnly(), err)
	}
	pfx, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Load("x.pfx", pfx, LoadOptions{}); err != nil || b.KeyOnly() != nil {
		t.Errorf("PFX: KeyOnly %v, error %v", b.KeyOnly(), err)
	}
}
