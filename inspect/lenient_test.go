package inspect

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

// The fixtures below are made in the test: a certificate signed by
// crypto/x509, then edited field by field (rebuild) into what other tools
// issue and crypto/x509 refuses. The edits break the signature, which the
// lenient path does not need.

var (
	oidAIA              = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidCertPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidInhibitAnyPolicy = asn1.ObjectIdentifier{2, 5, 29, 54}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
)

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tlv encodes one element of the given universal or context tag.
func tlv(class, tag int, compound bool, content []byte) []byte {
	b, _ := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: compound, Bytes: content})
	return b
}

// makeCert signs a certificate for exch2.acme.com with key, after tmpl edits
// the template.
func makeCert(t *testing.T, key crypto.Signer, edit func(*x509.Certificate)) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject:      pkix.Name{CommonName: "exch2.acme.com", Organization: []string{"Acme"}},
		DNSNames:     []string{"exch2.acme.com", "autodiscover.acme.com"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if edit != nil {
		edit(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// editField replaces the to-be-signed field for which match is true with
// what repl returns (nil: drop it).
func editField(t *testing.T, der []byte, match func(i int, f element) bool, repl func(f element) []byte) []byte {
	t.Helper()
	done := false
	out := rebuild(der, func(fields []element) [][]byte {
		var parts [][]byte
		for i, f := range fields {
			if !done && match(i, f) {
				done = true
				if r := repl(f); r != nil {
					parts = append(parts, r)
				}
				continue
			}
			parts = append(parts, f.full)
		}
		return parts
	})
	if !done || out == nil {
		t.Fatal("field to edit not found")
	}
	return out
}

// editExtensions rebuilds the extensions of der with edit.
func editExtensions(t *testing.T, der []byte, edit func(exts [][]byte) [][]byte) []byte {
	t.Helper()
	var exts [][]byte
	for _, e := range extensionElements(der) {
		exts = append(exts, e.full)
	}
	return editField(t, der, func(_ int, f element) bool { return f.is(asn1.ClassContextSpecific, 3) }, func(element) []byte {
		return tlv(asn1.ClassContextSpecific, 3, true, seq(edit(exts)...))
	})
}

func ext(t *testing.T, oid asn1.ObjectIdentifier, critical bool, value []byte) pkix.Extension {
	return pkix.Extension{Id: oid, Critical: critical, Value: value}
}

// explicitP256 is the SubjectPublicKeyInfo of key with the P-256 curve
// spelt out (RFC 3279 §2.3.5 specifiedCurve), as some HSMs and old Java
// versions write it.
func explicitP256(t *testing.T, key *ecdsa.PrivateKey) []byte {
	p := elliptic.P256().Params()
	point := elliptic.Marshal(elliptic.P256(), key.X, key.Y) //nolint:staticcheck // the uncompressed point, as the SPKI holds it
	gen := elliptic.Marshal(elliptic.P256(), p.Gx, p.Gy)     //nolint:staticcheck
	a := new(big.Int).Sub(p.P, big.NewInt(3))
	params := seq(
		mustMarshal(t, 1),
		seq(mustMarshal(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}), mustMarshal(t, p.P)),
		seq(mustMarshal(t, a.FillBytes(make([]byte, 32))), mustMarshal(t, p.B.FillBytes(make([]byte, 32)))),
		mustMarshal(t, gen),
		mustMarshal(t, p.N),
		mustMarshal(t, 1),
	)
	return seq(seq(mustMarshal(t, oidECPublicKey), params), mustMarshal(t, asn1.BitString{Bytes: point, BitLength: len(point) * 8}))
}

func isSPKI(_ int, f element) bool {
	k, err := f.children()
	return err == nil && len(k) == 2 && k[0].isSequence() && k[1].is(asn1.ClassUniversal, asn1.TagBitString)
}

func isValidity(_ int, f element) bool {
	k, err := f.children()
	return f.isSequence() && err == nil && len(k) == 2 && isTime(k[0])
}

// TestLenientCertificates: every kind of certificate crypto/x509 refuses
// is read, shown, checked, and reported with its own code.
func TestLenientCertificates(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	base := makeCert(t, ecKey, nil)
	aiaValue := seq(seq(mustMarshal(t, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 2}), tlv(asn1.ClassContextSpecific, 6, false, []byte("http://ca.example/ca.crt"))))
	withExt := func(e pkix.Extension) []byte {
		return makeCert(t, ecKey, func(c *x509.Certificate) { c.ExtraExtensions = append(c.ExtraExtensions, e) })
	}
	universal := func(s string) []byte { // UniversalString: UTF-32BE
		var b []byte
		for _, r := range s {
			b = append(b, 0, 0, byte(r>>8), byte(r))
		}
		return tlv(asn1.ClassUniversal, 28, false, b)
	}
	rdn := func(oid asn1.ObjectIdentifier, value []byte) []byte {
		return tlv(asn1.ClassUniversal, asn1.TagSet, true, seq(mustMarshal(t, oid), value))
	}
	oidCN := asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO := asn1.ObjectIdentifier{2, 5, 4, 10}

	tests := []struct {
		name string
		der  []byte
		code string
	}{
		{"negative serial", editField(t, base, func(_ int, f element) bool { return f.integer() != nil }, func(element) []byte { return mustMarshal(t, -4242) }), CodeNegativeSerial},
		{"critical AIA", withExt(ext(t, oidAIA, true, aiaValue)), CodeCriticalAIA},
		{"critical SKI", withExt(ext(t, oidSKI, true, mustMarshal(t, []byte{1, 2, 3, 4}))), CodeCriticalSKI},
		{"critical AKI", withExt(ext(t, oidAKI, true, seq(tlv(asn1.ClassContextSpecific, 0, false, []byte{1, 2, 3, 4})))), CodeCriticalAKI},
		{"non-IA5 dNSName", withExt(ext(t, oidSAN, false, seq(tlv(asn1.ClassContextSpecific, 2, false, []byte("exch2.acme.com")), tlv(asn1.ClassContextSpecific, 2, false, []byte("m\xc3\xa4il.acme.com"))))), CodeMalformedSAN},
		{"duplicate extension", editExtensions(t, base, func(e [][]byte) [][]byte { return append(e, e[len(e)-1]) }), CodeDuplicateExtension},
		{"signature algorithm mismatch", func() []byte {
			e, _, _ := readElement(base)
			k, _ := e.children()
			return seq(k[0].full, seq(mustMarshal(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3})), k[2].full)
		}(), CodeSignatureMismatch},
		{"UTCTime with -0000", editField(t, base, isValidity, func(element) []byte {
			return seq(tlv(asn1.ClassUniversal, asn1.TagUTCTime, false, []byte("260101000000-0000")), tlv(asn1.ClassUniversal, asn1.TagUTCTime, false, []byte("261201000000-0000")))
		}), CodeBadTimeEncoding},
		{"UTCTime with fractions", editField(t, base, isValidity, func(element) []byte {
			return seq(tlv(asn1.ClassUniversal, asn1.TagUTCTime, false, []byte("260101000000.5Z")), tlv(asn1.ClassUniversal, asn1.TagUTCTime, false, []byte("261201000000Z")))
		}), CodeBadTimeEncoding},
		{"GeneralizedTime without seconds", editField(t, base, isValidity, func(element) []byte {
			return seq(tlv(asn1.ClassUniversal, asn1.TagGeneralizedTime, false, []byte("202601010000Z")), tlv(asn1.ClassUniversal, asn1.TagGeneralizedTime, false, []byte("202612010000Z")))
		}), CodeBadTimeEncoding},
		{"RSA key without NULL parameters", editField(t, makeCert(t, rsaKey, nil), isSPKI, func(f element) []byte {
			k, _ := f.children()
			return seq(seq(mustMarshal(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1})), k[1].full)
		}), CodeRSAKeyParams},
		{"UniversalString CN", makeCert(t, ecKey, func(c *x509.Certificate) {
			c.RawSubject = seq(rdn(oidO, mustMarshal(t, "Acme")), rdn(oidCN, universal("exch2.acme.com")))
		}), CodeUnsupportedDNString},
		{"BIT STRING in DN", makeCert(t, ecKey, func(c *x509.Certificate) {
			c.RawSubject = seq(rdn(oidCN, mustMarshal(t, "exch2.acme.com")), rdn(asn1.ObjectIdentifier{2, 5, 4, 45}, mustMarshal(t, asn1.BitString{Bytes: []byte{0xa5}, BitLength: 8})))
		}), CodeUnsupportedDNString},
		{"negative pathLen", withExt(ext(t, oidBasicConstraints, true, seq(mustMarshal(t, true), mustMarshal(t, -1)))), CodeNegativePathLen},
		{"version 4", editField(t, base, func(i int, f element) bool { return f.is(asn1.ClassContextSpecific, 0) }, func(element) []byte {
			return tlv(asn1.ClassContextSpecific, 0, true, mustMarshal(t, 3))
		}), CodeBadVersion},
		{"explicit EC curve", editField(t, base, isSPKI, func(element) []byte { return explicitP256(t, ecKey) }), CodeExplicitECParams},
		{"IP name constraint with a bad mask", withExt(ext(t, oidNameConstraints, true, seq(tlv(asn1.ClassContextSpecific, 0, true, seq(tlv(asn1.ClassContextSpecific, 7, false, []byte{10, 0, 0, 0, 255, 0, 255, 0})))))), CodeBadNameConstraints},
		{"empty name constraints", withExt(ext(t, oidNameConstraints, true, seq())), CodeBadNameConstraints},
		{"bad certificate policies", withExt(ext(t, oidCertPolicies, false, seq(seq(mustMarshal(t, 7))))), CodeBadCertificatePolicy},
		{"bad inhibitAnyPolicy", withExt(ext(t, oidInhibitAnyPolicy, true, mustMarshal(t, true))), CodeBadPolicyExtension},
		{"bad key usage", editExtensions(t, base, func(e [][]byte) [][]byte {
			return append(e[1:], seq(mustMarshal(t, oidKeyUsage), mustMarshal(t, true), mustMarshal(t, mustMarshal(t, 5))))
		}), CodeMalformedExtension},
	}
	opt := Options{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Plan: &plan.Plan{}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := x509.ParseCertificate(tc.der); err == nil {
				t.Fatal("crypto/x509 reads the fixture: it tests nothing")
			}
			for _, form := range []struct {
				name, where string
				data        []byte
			}{
				{"DER", "DER certificate", tc.der},
				{"PEM", `PEM block 2 "CERTIFICATE" (line 4)`, append([]byte("Certificate:\n    Data: as openssl x509 -text prints it\n\n"),
					append(testpki.PEM(&x509.Certificate{Raw: tc.der}), "trailing words\n"...)...)},
				{"P7B", "PKCS#7 certificate 1", testpki.P7B(&x509.Certificate{Raw: tc.der})},
			} {
				if form.name == "PEM" {
					// A second, good certificate first: the refused one is
					// block 2.
					form.data = append(testpki.PEM(&x509.Certificate{Raw: base}), form.data...)
					form.where = `PEM block 2 "CERTIFICATE" (line 14)`
				}
				b, err := Load("cert", form.data, LoadOptions{})
				if err != nil {
					t.Fatalf("%s: %v", form.name, err)
				}
				if len(b.Refused) != 1 || b.Refused[0].Code != tc.code {
					t.Fatalf("%s: refused %+v, want one %s", form.name, b.Refused, tc.code)
				}
				ref := b.Refused[0]
				if !strings.HasPrefix(ref.Where, strings.SplitN(form.where, " (", 2)[0]) {
					t.Errorf("%s: where %q, want %q", form.name, ref.Where, form.where)
				}
				c := ref.Cert
				if c == nil || c.Subject.CommonName != "exch2.acme.com" || c.NotAfter.IsZero() || c.PublicKey == nil || c.SerialNumber == nil {
					t.Fatalf("%s: read %+v", form.name, c)
				}
				r := Check([]*Bundle{b}, opt)
				var f *finding.Finding
				for i := range r.Findings {
					if r.Findings[i].Code == tc.code {
						f = &r.Findings[i]
					}
				}
				if f == nil || f.Severity != finding.Error || f.Citation == "" || f.Fix == "" || !strings.Contains(f.Message, ref.Reason) {
					t.Fatalf("%s: finding %+v", form.name, f)
				}
				if len(r.Certificates) == 0 || r.Certificates[len(r.Certificates)-1].Subject == "" {
					t.Errorf("%s: nothing shown: %+v", form.name, r.Certificates)
				}
			}
		})
	}
}

// TestLenientDetails: what the lenient reader makes of particular cases.
func TestLenientDetails(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	base := makeCert(t, ecKey, nil)

	// An explicit curve is matched to P-256: the key is the same key, so
	// it matches its private key.
	explicit := editField(t, base, isSPKI, func(element) []byte { return explicitP256(t, ecKey) })
	keyDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	data := append(testpki.PEM(&x509.Certificate{Raw: explicit}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	b, err := Load("explicit.pem", data, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !ecKey.PublicKey.Equal(b.Certs[0].PublicKey) {
		t.Errorf("explicit curve key read as %v", b.Certs[0].PublicKey)
	}
	r := Check([]*Bundle{b}, Options{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if len(r.Certificates) != 1 || !r.Certificates[0].HasPrivateKey {
		t.Errorf("key match on the lenient certificate: %+v", r.Certificates)
	}

	// Dates without seconds are read as the instant they name, and the
	// date checks run on them.
	noSec := editField(t, base, isValidity, func(element) []byte {
		return seq(tlv(asn1.ClassUniversal, asn1.TagGeneralizedTime, false, []byte("202601010000Z")), tlv(asn1.ClassUniversal, asn1.TagGeneralizedTime, false, []byte("202602010000Z")))
	})
	b, err = Load("nosec.der", noSec, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC); !b.Certs[0].NotAfter.Equal(want) {
		t.Errorf("NotAfter %v, want %v", b.Certs[0].NotAfter, want)
	}
	if r := Check([]*Bundle{b}, Options{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}); !hasCode(r.Findings, CodeExpired) {
		t.Errorf("no expired finding: %v", r.Findings)
	}
	if !bytes.Equal(b.Certs[0].Raw, noSec) {
		t.Error("Raw is not the certificate as in the file")
	}

	// A v1 certificate (no version field, no extensions) is read by
	// crypto/x509 itself.
	v1 := editField(t, base, func(_ int, f element) bool { return f.is(asn1.ClassContextSpecific, 0) }, func(element) []byte { return nil })
	v1 = editField(t, v1, func(_ int, f element) bool { return f.is(asn1.ClassContextSpecific, 3) }, func(element) []byte { return nil })
	if b, err := Load("v1.der", v1, LoadOptions{}); err != nil || len(b.Refused) != 0 || b.Certs[0].Version != 1 {
		t.Errorf("v1: %v %+v", err, b)
	}

	// A BMPString in a DN is read by crypto/x509 itself.
	bmp := makeCert(t, ecKey, func(c *x509.Certificate) {
		c.RawSubject = seq(tlv(asn1.ClassUniversal, asn1.TagSet, true, seq(mustMarshal(t, asn1.ObjectIdentifier{2, 5, 4, 3}), tlv(asn1.ClassUniversal, 30, false, []byte{0, 'e', 0, 'x', 0, 'c', 0, 'h'}))))
	})
	if b, err := Load("bmp.der", bmp, LoadOptions{}); err != nil || b.Certs[0].Subject.CommonName != "exch" {
		t.Errorf("BMPString: %v %+v", err, b)
	}
}

func hasCode(fs finding.Findings, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestLenientRequests: requests with an explicit curve or an extension
// requested twice are read and reported.
func TestLenientRequests(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "exch2.acme.com"},
		DNSNames: []string{"exch2.acme.com", "mail.acme.com"},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2}, Value: mustMarshal(t, "WebServer")},
		},
	}, ecKey)
	if err != nil {
		t.Fatal(err)
	}
	// The requested extensions are in attribute [0] { SEQUENCE { OID
	// extensionRequest, SET { SEQUENCE OF Extension } } }: repeat the last.
	dup := editField(t, csr, func(_ int, f element) bool { return f.is(asn1.ClassContextSpecific, 0) }, func(f element) []byte {
		attrs, _ := f.children()
		parts, _ := attrs[0].children()
		set, _ := parts[1].children()
		exts, _ := set[0].children()
		var es [][]byte
		for _, e := range exts {
			es = append(es, e.full)
		}
		es = append(es, exts[0].full)
		return tlv(asn1.ClassContextSpecific, 0, true, seq(parts[0].full, tlv(asn1.ClassUniversal, asn1.TagSet, true, seq(es...))))
	})
	explicit := editField(t, csr, isSPKI, func(element) []byte { return explicitP256(t, ecKey) })
	for _, tc := range []struct {
		name string
		der  []byte
		code string
	}{
		{"duplicate requested extension", dup, CodeDuplicateExtension},
		{"explicit EC curve", explicit, CodeExplicitECParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := x509.ParseCertificateRequest(tc.der); err == nil {
				t.Fatal("crypto/x509 reads the fixture: it tests nothing")
			}
			for _, data := range [][]byte{tc.der, pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: tc.der})} {
				b, err := Load("req", data, LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(b.CSRs) != 1 || len(b.Refused) != 1 || b.Refused[0].Code != tc.code || b.Refused[0].CSR != b.CSRs[0] {
					t.Fatalf("read %+v", b.Refused)
				}
				if got := b.CSRs[0].DNSNames; len(got) != 2 {
					t.Errorf("names %v", got)
				}
				r := Check([]*Bundle{b}, Options{Plan: &plan.Plan{}})
				if !hasCode(r.Findings, tc.code) || len(r.CSRs) != 1 {
					t.Errorf("findings %v", r.Findings)
				}
			}
		})
	}
}

// TestDamagedSaysWhere: bytes no parser reads are damaged, and the error
// names the block, its line and the byte where the structure breaks.
func TestDamagedSaysWhere(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := makeCert(t, ecKey, nil)
	cut := append([]byte(nil), good...)
	cut[len(cut)/2+1] = 0x7f // a length in the middle now runs past its parent
	var wrongInner []byte
	for i := 100; i < len(good)-1; i++ { // find a length byte to break
		c := append([]byte(nil), good...)
		c[i] = 0xff
		if _, _, err := ParseZcrypto(c); err == nil {
			continue
		}
		if off, _ := derDamage(c, 0, 0); off >= 0 {
			wrongInner = c
			break
		}
	}
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"PEM, second block", append(testpki.PEM(&x509.Certificate{Raw: good}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: wrongInner})...),
			[]string{`PEM block 2 "CERTIFICATE" (line 12)`, "damaged at byte"}},
		{"DER", wrongInner, []string{"DER certificate", "damaged at byte"}},
		{"PEM, broken base64", append(testpki.PEM(&x509.Certificate{Raw: good}), "-----BEGIN CERTIFICATE-----\nMIIB!!\n-----END CERTIFICATE-----\n"...),
			[]string{`PEM block "CERTIFICATE" (line 12) is damaged: bad base64`}},
		{"P7B", testpki.P7B(&x509.Certificate{Raw: good}, &x509.Certificate{Raw: wrongInner}), []string{"PKCS#7 certificate 2", "damaged at byte"}},
		{"whole but wrong", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: seq(seq(mustMarshal(t, 1)), seq(mustMarshal(t, oidECPublicKey)), mustMarshal(t, asn1.BitString{Bytes: []byte{1}, BitLength: 8}))}),
			[]string{`PEM block 1 "CERTIFICATE" (line 1)`, "whole as ASN.1", "crypto/x509:", "zcrypto:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("x", tc.data, LoadOptions{})
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("err %v, want ErrDamaged", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "does not parse") {
				t.Errorf("%q is generic", err)
			}
		})
	}
}

// TestPEMWithText: PEM blocks with text before, between and after them, as
// openssl x509 -text and mail clients leave them, are read.
func TestPEMWithText(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := makeCert(t, ecKey, nil)
	block := testpki.PEM(&x509.Certificate{Raw: c})
	for name, data := range map[string][]byte{
		"text around":       append(append([]byte("subject=CN = exch2.acme.com\nissuer=CN = x\n"), block...), "Bag Attributes\n"...),
		"text between":      append(append(append([]byte(nil), block...), "-- and the chain --\n"...), block...),
		"CRLF and trailing": []byte(strings.ReplaceAll(string(block), "\n", "\r\n") + "\r\n\r\nthanks,\r\nthe CA\r\n"),
		"indented text":     append([]byte("   Certificate:\n\tData:\n"), block...),
	} {
		b, err := Load(name, data, LoadOptions{})
		if err != nil || len(b.Certs) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRefusalCodesDocumented: every refusal code has its explanation,
// rule and fix, and a row in docs/formats.md.
func TestRefusalCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/formats.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range RefusalCodes() {
		info := refusals[code]
		if info.what == "" || info.effect == "" || info.rule == "" || info.fix == "" {
			t.Errorf("%s: incomplete %+v", code, info)
		}
		if !strings.Contains(string(doc), "| `"+code+"` |") {
			t.Errorf("%s has no row in docs/formats.md", code)
		}
	}
	for _, p := range refusalPatterns {
		if _, ok := refusals[p.code]; !ok {
			t.Errorf("pattern %q maps to unknown code %s", p.substr, p.code)
		}
	}
}

// TestRefusalCode: crypto/x509's words map to codes; a reason not
// classified keeps the generic code and is quoted.
func TestRefusalCode(t *testing.T) {
	for msg, want := range map[string]string{
		"x509: invalid basic constraints":                                   CodeBadBasicConstraints,
		"x509: RSA modulus is not a positive number":                        CodeBadPublicKey,
		"x509: invalid CRL distribution points":                             CodeMalformedExtension,
		"x509: invalid extended key usages":                                 CodeMalformedExtension,
		"x509: invalid authority info access":                               CodeMalformedExtension,
		"x509: IP constraint contained invalid mask 01020304":               CodeBadNameConstraints,
		`x509: failed to parse dnsName constraint "a..b"`:                   CodeBadNameConstraints,
		"x509: certificate request contains duplicate requested extensions": CodeDuplicateExtension,
		"x509: malformed UTCTime":                                           CodeBadTimeEncoding,
		"x509: something new":                                               CodeRefusedByCryptoX509,
	} {
		if got := refusalCode(errors.New(msg), nil); got != want {
			t.Errorf("%q: %s, want %s", msg, got, want)
		}
	}
}

// TestLenientBounded: a certificate of thousands of extensions that
// zcrypto cannot read costs a few parses, not one per extension.
func TestLenientBounded(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	base := makeCert(t, ecKey, nil)
	bad := unreadableAIA(t)
	many := editExtensions(t, base, func(e [][]byte) [][]byte {
		for i := 0; i < 20000; i++ {
			e = append(e, bad)
		}
		return e
	})
	start := time.Now()
	_, err = Load("many.der", many, LoadOptions{})
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("err %v, want ErrDamaged", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// unreadableAIA is a critical authority information access extension whose
// access description has a method but no location: zcrypto cannot read it.
func unreadableAIA(t *testing.T) []byte {
	return seq(mustMarshal(t, oidAIA), mustMarshal(t, true), mustMarshal(t, seq(seq(mustMarshal(t, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 2})))))
}
