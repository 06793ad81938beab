package inspect

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
)

// The certificates below are made in the test, as in lenient_test.go: a
// certificate signed by crypto/x509, then edited into one crypto/x509
// refuses. A negative serial number is the defect of choice when the test
// is about what the lenient reader reads rather than why Go refuses.

var oidRSAKey = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// withNegativeSerial returns der with its serial number made negative.
func withNegativeSerial(t *testing.T, der []byte) []byte {
	t.Helper()
	return editField(t, der, func(_ int, f element) bool { return f.integer() != nil }, func(element) []byte { return mustMarshal(t, -4242) })
}

// refusedCertificate loads der, which crypto/x509 must refuse, and returns its one
// refusal.
func refusedCertificate(t *testing.T, der []byte) *Refusal {
	t.Helper()
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Fatal("crypto/x509 reads the fixture: it tests nothing")
	}
	b, err := Load("lenient.der", der, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Refused) != 1 || b.Refused[0].Cert == nil || len(b.Certs) != 1 || b.Certs[0] != b.Refused[0].Cert {
		t.Fatalf("refused %+v, certs %d", b.Refused, len(b.Certs))
	}
	return b.Refused[0]
}

// rsaSPKI is an RSA SubjectPublicKeyInfo with modulus n and exponent e.
func rsaSPKI(t *testing.T, n, e *big.Int) []byte {
	key := seq(mustMarshal(t, n), mustMarshal(t, e))
	return seq(seq(mustMarshal(t, oidRSAKey), asn1.NullBytes), mustMarshal(t, asn1.BitString{Bytes: key, BitLength: 8 * len(key)}))
}

// TestLenientReadsFields: the certificate the lenient reader builds
// carries the fields as they are in the file: serial, signature and its
// algorithm, the signed part, the key and its encoding, names, dates and
// extended key usages.
func TestLenientReadsFields(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	docSigning := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	good := makeCert(t, ecKey, func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{docSigning} })
	want, err := x509.ParseCertificate(good)
	if err != nil {
		t.Fatal(err)
	}
	der := withNegativeSerial(t, good)
	ref := refusedCertificate(t, der)
	if ref.Code != CodeNegativeSerial || ref.Reason != "negative serial number" {
		t.Errorf("code %s, reason %q", ref.Code, ref.Reason)
	}
	c := ref.Cert
	k, ok := signedElements(der)
	if !ok {
		t.Fatal("fixture is not a signed structure")
	}
	for _, tc := range []struct {
		field     string
		got, want any
	}{
		{"serial", c.SerialNumber.String(), "-4242"},
		{"signature", c.Signature, want.Signature},
		{"signature algorithm", c.SignatureAlgorithm, x509.ECDSAWithSHA256},
		{"raw", c.Raw, der},
		{"signed part", c.RawTBSCertificate, k[0].full},
		{"public key info", c.RawSubjectPublicKeyInfo, want.RawSubjectPublicKeyInfo},
		{"public key algorithm", c.PublicKeyAlgorithm, x509.ECDSA},
		{"subject", c.Subject.String(), want.Subject.String()},
		{"issuer", c.Issuer.String(), want.Issuer.String()},
		{"names", c.DNSNames, want.DNSNames},
		{"not before", c.NotBefore, want.NotBefore},
		{"not after", c.NotAfter, want.NotAfter},
		{"key usage", c.KeyUsage, want.KeyUsage},
		{"extended key usage", c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"unknown extended key usage", c.UnknownExtKeyUsage, []asn1.ObjectIdentifier{docSigning}},
		{"extensions", len(c.Extensions), len(want.Extensions)},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.field, tc.got, tc.want)
		}
	}
	if !ecKey.PublicKey.Equal(c.PublicKey) {
		t.Errorf("public key %v", c.PublicKey)
	}

	// Keys whose algorithm identifier is the OID alone: Ed25519, and an
	// RSA key without its NULL parameters.
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edCert := makeCert(t, edKey, nil)
	edWant, err := x509.ParseCertificate(edCert)
	if err != nil {
		t.Fatal(err)
	}
	ed := refusedCertificate(t, withNegativeSerial(t, edCert)).Cert
	if !bytes.Equal(ed.RawSubjectPublicKeyInfo, edWant.RawSubjectPublicKeyInfo) || !edKey.Public().(ed25519.PublicKey).Equal(ed.PublicKey) ||
		ed.PublicKeyAlgorithm != x509.Ed25519 || ed.SignatureAlgorithm != x509.PureEd25519 || !bytes.Equal(ed.Signature, edWant.Signature) {
		t.Errorf("Ed25519: key info %x, key %v (%v), signed with %v", ed.RawSubjectPublicKeyInfo, ed.PublicKey, ed.PublicKeyAlgorithm, ed.SignatureAlgorithm)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var noNull []byte
	rsaCert := editField(t, makeCert(t, rsaKey, nil), isSPKI, func(f element) []byte {
		k, _ := f.children()
		noNull = seq(seq(mustMarshal(t, oidRSAKey)), k[1].full)
		return noNull
	})
	ref = refusedCertificate(t, rsaCert)
	if ref.Code != CodeRSAKeyParams || !bytes.Equal(ref.Cert.RawSubjectPublicKeyInfo, noNull) || !rsaKey.PublicKey.Equal(ref.Cert.PublicKey) ||
		ref.Cert.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("RSA without NULL: %s, key info %x, key %v, signed with %v", ref.Code, ref.Cert.RawSubjectPublicKeyInfo, ref.Cert.PublicKey, ref.Cert.SignatureAlgorithm)
	}
}

// TestRSAExponent: an RSA exponent larger than the largest int of a
// 32-bit platform (2^31-1) is no key the checks can use.
func TestRSAExponent(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	base := withNegativeSerial(t, makeCert(t, rsaKey, nil))
	for _, tc := range []struct {
		e    int64
		read bool
	}{
		{65537, true},
		{1<<31 - 1, true},
		{1 << 31, false},
		{1<<31 + 1, false},
	} {
		t.Run(fmt.Sprint(tc.e), func(t *testing.T) {
			der := editField(t, base, isSPKI, func(element) []byte { return rsaSPKI(t, rsaKey.N, big.NewInt(tc.e)) })
			c := refusedCertificate(t, der).Cert
			got, ok := c.PublicKey.(*rsa.PublicKey)
			switch {
			case tc.read && (!ok || int64(got.E) != tc.e || got.N.Cmp(rsaKey.N) != 0 || c.PublicKeyAlgorithm != x509.RSA):
				t.Errorf("key %v (%v), want the key with exponent %d", c.PublicKey, c.PublicKeyAlgorithm, tc.e)
			case !tc.read && (c.PublicKey != nil || c.PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm):
				t.Errorf("key %v (%v), want none", c.PublicKey, c.PublicKeyAlgorithm)
			}
		})
	}
}

// TestLenientNames: the names of a refused certificate are read value
// by value: BMPString decoded to its last character, a value that is
// no string at all written as # and its DER in hex (RFC 4514 §2.4).
func TestLenientNames(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bmp := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r>>8), byte(r))
		}
		return tlv(asn1.ClassUniversal, asn1.TagBMPString, false, b)
	}
	rdn := func(oid asn1.ObjectIdentifier, value []byte) []byte {
		return tlv(asn1.ClassUniversal, asn1.TagSet, true, seq(mustMarshal(t, oid), value))
	}
	tagged := tlv(asn1.ClassContextSpecific, 0, false, []byte("Exchange"))
	constructed := seq(mustMarshal(t, "Exchange"))
	der := withNegativeSerial(t, makeCert(t, ecKey, func(c *x509.Certificate) {
		c.RawSubject = seq(
			rdn(asn1.ObjectIdentifier{2, 5, 4, 3}, bmp("exch2.acme.com")),
			rdn(asn1.ObjectIdentifier{2, 5, 4, 10}, bmp("Acme")),
			rdn(asn1.ObjectIdentifier{2, 5, 4, 11}, tagged),
			rdn(asn1.ObjectIdentifier{2, 5, 4, 11}, constructed),
		)
	}))
	s := refusedCertificate(t, der).Cert.Subject
	if s.CommonName != "exch2.acme.com" {
		t.Errorf("common name %q", s.CommonName)
	}
	if want := []string{"Acme"}; !reflect.DeepEqual(s.Organization, want) {
		t.Errorf("organization %q, want %q", s.Organization, want)
	}
	if want := []string{"#" + hex.EncodeToString(tagged), "#" + hex.EncodeToString(constructed)}; !reflect.DeepEqual(s.OrganizationalUnit, want) {
		t.Errorf("organizational units %q, want %q", s.OrganizationalUnit, want)
	}
}

// TestRefusalCodeChoice: the code is what crypto/x509 refused the
// certificate for; the key's explicit curve and a negative path length
// refine only the codes they explain.
func TestRefusalCodeChoice(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	base := makeCert(t, ecKey, nil)
	explicit := editField(t, base, isSPKI, func(element) []byte { return explicitP256(t, ecKey) })
	bc := func(critical bool, pathLen int) []byte {
		return makeCert(t, ecKey, func(c *x509.Certificate) {
			c.ExtraExtensions = append(c.ExtraExtensions, ext(t, oidBasicConstraints, critical, seq(mustMarshal(t, true), mustMarshal(t, pathLen))))
		})
	}
	for _, tc := range []struct {
		name string
		der  []byte
		code string
	}{
		{"explicit curve and negative serial", withNegativeSerial(t, explicit), CodeNegativeSerial},
		{"explicit curve", explicit, CodeExplicitECParams},
		{"negative pathLen, critical", bc(true, -1), CodeNegativePathLen},
		{"negative pathLen, not critical", bc(false, -2), CodeNegativePathLen},
		{"pathLen beyond an int", makeCert(t, ecKey, func(c *x509.Certificate) {
			c.ExtraExtensions = append(c.ExtraExtensions, ext(t, oidBasicConstraints, true, seq(mustMarshal(t, true), mustMarshal(t, new(big.Int).Lsh(big.NewInt(1), 70)))))
		}), CodeBadBasicConstraints},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ref := refusedCertificate(t, tc.der); ref.Code != tc.code {
				t.Errorf("code %s (%s), want %s", ref.Code, ref.Reason, tc.code)
			}
		})
	}

	// A reason this version of the code does not know, for a key with an
	// explicit curve, is put down to the curve; for another key it stays
	// unclassified.
	unknown := errors.New("x509: a reason not classified")
	if got := refusalCode(unknown, explicit); got != CodeExplicitECParams {
		t.Errorf("unknown reason, explicit curve: %s", got)
	}
	if got := refusalCode(unknown, base); got != CodeRefusedByCryptoX509 {
		t.Errorf("unknown reason, named curve: %s", got)
	}
	if isExplicitCurve(base) || !isExplicitCurve(explicit) || isExplicitCurve([]byte{0x30, 0}) {
		t.Error("isExplicitCurve")
	}

	// negativePathLen reads the extension itself: 0 is not negative.
	for pathLen, want := range map[int]bool{-1: true, 0: false, 1: false} {
		if got := negativePathLen(bc(false, pathLen)); got != want {
			t.Errorf("negativePathLen(%d) = %v", pathLen, got)
		}
	}
	if negativePathLen(base) {
		t.Error("negativePathLen without basic constraints")
	}
}

// TestRefusalFinding: the finding says where, what was refused (a
// certificate or a request), crypto/x509's reason, the explanation with
// each sentence capitalised, and the extensions left unread, if any.
func TestRefusalFinding(t *testing.T) {
	san := refusals[CodeMalformedSAN]
	f := refusalFinding(&Refusal{Cert: &x509.Certificate{}, Code: CodeMalformedSAN, Reason: "SAN dNSName is malformed", Where: `PEM block 2 "CERTIFICATE" (line 14)`}, "exch2.acme.com")
	want := finding.Finding{
		Code: CodeMalformedSAN, Severity: finding.Error, Subject: "exch2.acme.com",
		Message: `PEM block 2 "CERTIFICATE" (line 14): Go's crypto/x509 refuses this certificate (SAN dNSName is malformed); what could be read is shown. ` +
			"A subject alternative name is malformed (a DNS name, e-mail address or URI that is not valid ASCII in its required syntax). " +
			"Go refuses the whole certificate (" + srcGo + "); such a name cannot match a host name; " + unknownWin + ".",
		Fix: san.fix, Citation: san.rule,
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("finding\n %+v\nwant\n %+v", f, want)
	}

	f = refusalFinding(&Refusal{CSR: &x509.CertificateRequest{}, Code: CodeDuplicateExtension, Reason: "certificate request contains duplicate requested extensions",
		Unread: []string{"1.3.6.1.5.5.7.1.1", "unknown"}}, "request.csr")
	if w := "Go's crypto/x509 refuses this request (certificate request contains duplicate requested extensions); what could be read is shown. An extension appears more than once;"; !strings.HasPrefix(f.Message, w) {
		t.Errorf("message %q does not begin %q", f.Message, w)
	}
	if w := ". Go refuses it (" + srcGo + "); which instance other clients use is not documented. Extensions no parser here reads, left out of every check: 1.3.6.1.5.5.7.1.1, unknown."; !strings.HasSuffix(f.Message, w) {
		t.Errorf("message %q does not end %q", f.Message, w)
	}

	// A code without an explanation of its own gets the generic one.
	f = refusalFinding(&Refusal{Cert: &x509.Certificate{}, Code: "no-such-code", Reason: "new"}, "x")
	if f.Code != "no-such-code" || !strings.Contains(f.Message, "(new); what could be read is shown. Go's certificate parser refuses it for a reason not classified here. Programs written in Go refuse it") ||
		f.Fix != fixReissue || strings.Contains(f.Message, "Extensions") {
		t.Errorf("unknown code: %+v", f)
	}

	for in, want := range map[string]string{"": "", "a": "A", "an extension": "An extension", "zcrypto reads it": "Zcrypto reads it",
		"Go refuses": "Go refuses", "`x`": "`x`", "{x}": "{x}", "2 names": "2 names"} {
		if got := upperFirst(in); got != want {
			t.Errorf("upperFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnreadableExtensions: an extension zcrypto cannot read is left out
// of the reading, named by its OID ("unknown" when it has none), when the
// certificate has at most maxDropTries extensions.
func TestUnreadableExtensions(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	base := makeCert(t, ecKey, nil)
	// A critical access description without its location.
	badAIA := unreadableAIA(t)
	noOID := seq(mustMarshal(t, 5), mustMarshal(t, asn1.NullBytes))
	filler := func(i int) []byte {
		return seq(mustMarshal(t, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, i}), mustMarshal(t, asn1.NullBytes))
	}
	upTo := func(n int) [][]byte { // the base's extensions, filled up to n with the bad AIA last
		var out [][]byte
		for _, e := range extensionElements(base) {
			out = append(out, e.full)
		}
		for i := 0; len(out) < n-1; i++ {
			out = append(out, filler(i))
		}
		return append(out, badAIA)
	}
	for _, tc := range []struct {
		name   string
		exts   [][]byte
		unread []string
	}{
		{"bad AIA", upTo(len(extensionElements(base)) + 1), []string{"1.3.6.1.5.5.7.1.1"}},
		{"bad AIA alone", [][]byte{badAIA}, []string{"1.3.6.1.5.5.7.1.1"}},
		{"no OID", [][]byte{extensionElements(base)[0].full, noOID}, []string{"unknown"}},
		{"empty extension", [][]byte{seq(), extensionElements(base)[0].full}, []string{"unknown"}},
		{"two", [][]byte{badAIA, extensionElements(base)[0].full, noOID}, []string{"1.3.6.1.5.5.7.1.1", "unknown"}},
		{"maxDropTries extensions", upTo(maxDropTries), []string{"1.3.6.1.5.5.7.1.1"}},
		{"one more", upTo(maxDropTries + 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der := editExtensions(t, base, func([][]byte) [][]byte { return tc.exts })
			if tc.unread == nil {
				if _, err := Load("x.der", der, LoadOptions{}); !errors.Is(err, ErrDamaged) {
					t.Errorf("err %v, want ErrDamaged", err)
				}
				return
			}
			ref := refusedCertificate(t, der)
			if !reflect.DeepEqual(ref.Unread, tc.unread) {
				t.Errorf("unread %q, want %q", ref.Unread, tc.unread)
			}
			if c := ref.Cert; c.Subject.CommonName != "exch2.acme.com" || !c.NotAfter.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !bytes.Equal(c.Raw, der) {
				t.Errorf("read %q until %v", c.Subject.CommonName, c.NotAfter)
			}
			f := refusalFinding(ref, "x")
			if !strings.HasSuffix(f.Message, " left out of every check: "+strings.Join(tc.unread, ", ")+".") {
				t.Errorf("message %q", f.Message)
			}
		})
	}
}

// TestCurveOfParams: explicit curve parameters are matched by their
// prime alone; parameters without one match nothing.
func TestCurveOfParams(t *testing.T) {
	p256 := asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	field := func(p *big.Int) []byte {
		return seq(mustMarshal(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}), mustMarshal(t, p))
	}
	for _, tc := range []struct {
		name   string
		params []byte
		want   asn1.ObjectIdentifier
	}{
		{"version and field", seq(mustMarshal(t, 1), field(elliptic.P256().Params().P)), p256},
		{"P-384 prime", seq(mustMarshal(t, 1), field(elliptic.P384().Params().P), mustMarshal(t, 0)), asn1.ObjectIdentifier{1, 3, 132, 0, 34}},
		{"version only", seq(mustMarshal(t, 1)), nil},
		{"another prime", seq(mustMarshal(t, 1), field(big.NewInt(65537))), nil},
	} {
		e, _, err := readElement(tc.params)
		if err != nil {
			t.Fatal(err)
		}
		if got := curveOfParams(e); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCanonicalTime: a validity date is re-encoded in its own type (a
// UTCTime stays a UTCTime), and only when its encoding is not the one RFC
// 5280 requires.
func TestCanonicalTime(t *testing.T) {
	utc := func(s string) []byte { return tlv(asn1.ClassUniversal, asn1.TagUTCTime, false, []byte(s)) }
	gen := func(s string) []byte { return tlv(asn1.ClassUniversal, asn1.TagGeneralizedTime, false, []byte(s)) }
	for _, tc := range []struct {
		in, want []byte
		changed  bool
	}{
		{utc("260101000000Z"), utc("260101000000Z"), false},
		{utc("2601010000Z"), utc("260101000000Z"), true},
		{utc("260101020000+0200"), utc("260101000000Z"), true},
		{gen("20260101000000Z"), gen("20260101000000Z"), false},
		{gen("202601010000Z"), gen("20260101000000Z"), true},
		{gen("20260101000000.5Z"), gen("20260101000000Z"), true},
		{utc("not a time"), utc("not a time"), false},
	} {
		e, _, err := readElement(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got, changed := canonicalTime(e)
		if !bytes.Equal(got, tc.want) || changed != tc.changed {
			t.Errorf("%q: %q %v, want %q %v", tc.in, got, changed, tc.want, tc.changed)
		}
	}
}

// TestShortEd25519Key: an Ed25519 key shorter than 32 bytes, which
// zcrypto reads, is no key: checking a signature with it would make
// crypto/ed25519 panic.
func TestShortEd25519Key(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	day := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Acme Issuing CA"}, NotBefore: day(1), NotAfter: day(12),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, &x509.Certificate{Subject: pkix.Name{CommonName: "Acme Root"}}, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: "exch2.acme.com"},
		DNSNames: []string{"exch2.acme.com"}, NotBefore: day(1), NotAfter: day(11)}, ca, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	short := editField(t, caDER, isSPKI, func(element) []byte {
		return seq(seq(mustMarshal(t, asn1.ObjectIdentifier{1, 3, 101, 112})), mustMarshal(t, asn1.BitString{Bytes: pub[:31], BitLength: 31 * 8}))
	})
	b, err := Load("chain.pem", append(testpki.PEM(&x509.Certificate{Raw: leaf}), testpki.PEM(&x509.Certificate{Raw: short})...), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Refused) != 1 || b.Refused[0].Code != CodeBadPublicKey || b.Refused[0].Cert.PublicKey != nil || b.Refused[0].Cert.Subject.CommonName != "Acme Issuing CA" {
		t.Fatalf("refused %d: %+v", len(b.Refused), b.Refused[0])
	}
	r := Check([]*Bundle{b}, Options{Now: day(6)})
	if !hasCode(r.Findings, CodeBadPublicKey) || len(r.Certificates) != 2 {
		t.Errorf("findings %v, certificates %d", r.Findings, len(r.Certificates))
	}
}
