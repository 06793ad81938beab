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
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/internal/testpki"
)

// fixture is one test PKI shared by the tests of this package: generating
// RSA keys is the slow part.
type fixture struct {
	root, inter *testpki.CA
	leaf        *testpki.Cert
	csr         *x509.CertificateRequest
	csrDER      []byte
	ecKey       *ecdsa.PrivateKey
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

// seedNames are the names of the seed plan: Exchange 2010 joining an
// Exchange 2003 organisation at acme.com.
var seedNames = []string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{}
		if f.root, fixErr = testpki.NewRoot("Inspect Test Root"); fixErr != nil {
			return
		}
		if f.inter, fixErr = f.root.Intermediate("Inspect Test Intermediate"); fixErr != nil {
			return
		}
		if f.leaf, fixErr = f.inter.Issue(testpki.Template{CommonName: seedNames[0], DNSNames: seedNames}); fixErr != nil {
			return
		}
		f.csrDER, fixErr = x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
			Subject: pkix.Name{CommonName: seedNames[0], Organization: []string{"ACME Ltd"}}, DNSNames: seedNames,
		}, f.leaf.Key)
		if fixErr != nil {
			return
		}
		if f.csr, fixErr = x509.ParseCertificateRequest(f.csrDER); fixErr != nil {
			return
		}
		f.ecKey, fixErr = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		fix = f
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func utf16LE(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func utf16BE(s string) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// base64Lines wraps der in base64 lines of 64 characters with CRLF, as
// Exchange 2010 prints a request.
func base64Lines(der []byte) []byte {
	s := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\r\n")
		s = s[64:]
	}
	b.WriteString(s + "\r\n")
	return []byte(b.String())
}

// want describes the expected content of a loaded bundle.
type want struct {
	format              Format
	certs, csrs, keys   int
	leafFirst, checkKey bool
}

func TestLoadRecognisesContent(t *testing.T) {
	f := getFixture(t)
	leaf, inter := f.leaf.Cert, f.inter.Cert.Cert
	chainPEM := testpki.PEM(leaf, inter)
	csrPEM := pemBlock("CERTIFICATE REQUEST", f.csrDER)
	newCSRPEM := pemBlock("NEW CERTIFICATE REQUEST", f.csrDER)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(f.leaf.Key)
	pkcs1 := x509.MarshalPKCS1PrivateKey(f.leaf.Key.(*rsa.PrivateKey))
	sec1, _ := x509.MarshalECPrivateKey(f.ecKey)
	p7 := testpki.P7B(leaf, inter)
	pfx, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, leaf, []*x509.Certificate{inter}, "")
	if err != nil {
		t.Fatal(err)
	}
	openSSLText := append([]byte("Certificate:\n    Data:\n        Version: 3 (0x2)\n"), chainPEM...)

	tests := []struct {
		name string
		data []byte
		want want
	}{
		{"PEM chain", chainPEM, want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"PEM chain CRLF", crlf(chainPEM), want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"PEM chain UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, chainPEM...), want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"PEM chain UTF-16LE BOM CRLF (PowerShell 5.1 >)", utf16LE(string(crlf(chainPEM)), true), want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"PEM chain UTF-16LE no BOM", utf16LE(string(chainPEM), false), want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"PEM chain UTF-16BE BOM", utf16BE(string(chainPEM)), want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"PEM after openssl -text", openSSLText, want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"X509 CERTIFICATE label", pemBlock("X509 CERTIFICATE", leaf.Raw), want{format: FormatPEM, certs: 1, leafFirst: true}},
		{"TRUSTED CERTIFICATE", pemBlock("TRUSTED CERTIFICATE", append(append([]byte{}, leaf.Raw...), 0x30, 0x00)), want{format: FormatPEM, certs: 1, leafFirst: true}},
		{"DER certificate", leaf.Raw, want{format: FormatDER, certs: 1, leafFirst: true}},
		{"DER certificates concatenated", append(append([]byte{}, leaf.Raw...), inter.Raw...), want{format: FormatDER, certs: 2, leafFirst: true}},
		{"base64 certificate", base64Lines(leaf.Raw), want{format: FormatBase64, certs: 1, leafFirst: true}},
		{"P7B DER", p7, want{format: FormatPKCS7, certs: 2, leafFirst: true}},
		{"P7B BER indefinite", testpki.P7BIndefinite(leaf, inter), want{format: FormatPKCS7, certs: 2, leafFirst: true}},
		{"P7B PEM PKCS7", testpki.P7BPEM("PKCS7", p7), want{format: FormatPKCS7, certs: 2, leafFirst: true}},
		{"P7B PEM CERTIFICATE label (Windows)", crlf(testpki.P7BPEM("CERTIFICATE", p7)), want{format: FormatPEM, certs: 2, leafFirst: true}},
		{"P7B base64", base64Lines(p7), want{format: FormatPKCS7, certs: 2, leafFirst: true}},
		{"P7B UTF-16", utf16LE(string(testpki.P7BPEM("PKCS7", p7)), true), want{format: FormatPKCS7, certs: 2, leafFirst: true}},
		{"CSR PEM", csrPEM, want{format: FormatPEM, csrs: 1}},
		{"CSR NEW CERTIFICATE REQUEST", newCSRPEM, want{format: FormatPEM, csrs: 1}},
		{"CSR NEW CERTIFICATE REQUEST UTF-16 CRLF", utf16LE(string(crlf(newCSRPEM)), true), want{format: FormatPEM, csrs: 1}},
		{"CSR UTF-16LE without BOM (Encoding.Unicode.GetBytes)", utf16LE(string(crlf(newCSRPEM)), false), want{format: FormatPEM, csrs: 1}},
		{"CSR DER (-BinaryEncoded)", f.csrDER, want{format: FormatDER, csrs: 1}},
		{"CSR bare base64 (Exchange 2010)", base64Lines(f.csrDER), want{format: FormatBase64, csrs: 1}},
		{"CSR bare base64 UTF-16", utf16LE(string(base64Lines(f.csrDER)), true), want{format: FormatBase64, csrs: 1}},
		{"key PKCS#8", pemBlock("PRIVATE KEY", pkcs8), want{format: FormatPEM, keys: 1, checkKey: true}},
		{"key PKCS#1", pemBlock("RSA PRIVATE KEY", pkcs1), want{format: FormatPEM, keys: 1, checkKey: true}},
		{"key SEC1", pemBlock("EC PRIVATE KEY", sec1), want{format: FormatPEM, keys: 1}},
		{"key SEC1 with EC PARAMETERS", append(pemBlock("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}), pemBlock("EC PRIVATE KEY", sec1)...), want{format: FormatPEM, keys: 1}},
		{"key DER", pkcs8, want{format: FormatDER, keys: 1, checkKey: true}},
		{"cert and key PEM", append(append([]byte{}, chainPEM...), pemBlock("PRIVATE KEY", pkcs8)...), want{format: FormatPEM, certs: 2, keys: 1, leafFirst: true, checkKey: true}},
		{"PFX", pfx, want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true}},
		{"PFX base64 (Export-ExchangeCertificate without -BinaryEncoded)", base64Lines(pfx), want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true}},
		{"PFX PEM PKCS12", pemBlock("PKCS12", pfx), want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Load("file", tt.data, LoadOptions{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkLoaded(t, f, b, tt.want)
		})
	}
}

func checkLoaded(t *testing.T, f *fixture, b *Bundle, w want) {
	t.Helper()
	if b.Name != "file" {
		t.Errorf("Name = %q", b.Name)
	}
	if b.Format != w.format {
		t.Errorf("Format = %q, want %q", b.Format, w.format)
	}
	if len(b.Certs) != w.certs || len(b.CSRs) != w.csrs || len(b.Keys) != w.keys {
		t.Fatalf("got %d certs, %d CSRs, %d keys; want %d, %d, %d", len(b.Certs), len(b.CSRs), len(b.Keys), w.certs, w.csrs, w.keys)
	}
	if w.leafFirst && !b.Certs[0].Equal(f.leaf.Cert) {
		t.Errorf("first certificate is %s, want the leaf", b.Certs[0].Subject)
	}
	if w.certs == 2 && !b.Certs[1].Equal(f.inter.Cert.Cert) {
		t.Errorf("second certificate is %s, want the intermediate", b.Certs[1].Subject)
	}
	if w.csrs == 1 {
		if got := strings.Join(b.CSRs[0].DNSNames, ","); got != strings.Join(seedNames, ",") {
			t.Errorf("CSR names = %s", got)
		}
	}
	if w.checkKey {
		if !publicKeysEqual(b.Keys[0].Public(), f.leaf.Key.Public()) {
			t.Errorf("key does not match the leaf key")
		}
	}
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// errorCase is a Load input that must fail with a given sentinel.
type errorCase struct {
	name string
	data []byte
	opt  LoadOptions
	want error
	text string // a substring of the message
}

func checkLoadError(t *testing.T, tt errorCase) {
	t.Helper()
	b, err := Load("file", tt.data, tt.opt)
	if err == nil {
		t.Fatalf("Load succeeded (%d certs), want %v", len(b.Certs), tt.want)
	}
	if !errors.Is(err, tt.want) {
		t.Fatalf("error %q does not match %q", err, tt.want)
	}
	matches := 0
	for _, s := range []error{ErrNotRecognised, ErrNeedPassword, ErrWrongPassword, ErrDamaged, ErrTooManyIterations, ErrUnsupported, ErrTooLarge} {
		if errors.Is(err, s) {
			matches++
		}
	}
	if matches != 1 {
		t.Errorf("error %q matches %d sentinels, want exactly 1", err, matches)
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || msg == "" {
		t.Errorf("message %q is not one line", msg)
	}
	if tt.text != "" && !strings.Contains(err.Error(), tt.text) {
		t.Errorf("message %q does not say %q", err, tt.text)
	}
	if strings.Contains(err.Error(), "file:") {
		t.Errorf("message %q repeats the file name", err)
	}
}

func TestLoadErrors(t *testing.T) {
	f := getFixture(t)
	leaf, inter := f.leaf.Cert, f.inter.Cert.Cert
	certPEM := string(testpki.PEM(leaf))
	brokenPEM := strings.Replace(certPEM, "\n", "\n!!", 2)
	noEnd := certPEM[:strings.Index(certPEM, "-----END")]
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(f.leaf.Key)
	encKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: pkcs8})
	p7 := testpki.P7B(leaf, inter)
	badCertInP7 := bytes.Replace(p7, leaf.Raw[:40], append([]byte{0x30, 0x01}, leaf.Raw[2:40]...), 1)
	pubPEM := pemBlock("PUBLIC KEY", leaf.RawSubjectPublicKeyInfo)

	tests := []errorCase{
		{name: "empty", data: nil, want: ErrNotRecognised, text: "empty"},
		{name: "blank text", data: []byte("\r\n  \r\n"), want: ErrNotRecognised},
		{name: "JSON", data: []byte(`{"schema": "exchcert.plan/v1"}`), want: ErrNotRecognised, text: "JSON"},
		{name: "prose", data: []byte("This is a README for the certificates folder.\n"), want: ErrNotRecognised},
		{name: "binary", data: []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3}, want: ErrNotRecognised},
		{name: "zero then text", data: []byte("0123456789"), want: ErrNotRecognised},
		{name: "random SEQUENCE", data: []byte{0x30, 0x03, 0x02, 0x01, 0x05}, want: ErrNotRecognised},
		{name: "PEM public key only", data: pubPEM, want: ErrNotRecognised, text: "a public key"},
		{name: "base64 words", data: []byte("Mary had a little lamb whose fleece was white as snow and everywhere that Mary went"), want: ErrNotRecognised},
		{name: "PEM broken base64", data: []byte(brokenPEM), want: ErrDamaged, text: `"CERTIFICATE"`},
		{name: "PEM no END line", data: []byte(noEnd), want: ErrDamaged, text: "END"},
		{name: "PEM certificate garbage", data: pemBlock("CERTIFICATE", []byte("not DER at all")), want: ErrDamaged, text: "PEM block 1 \"CERTIFICATE\" (line 1): certificate is damaged at byte 0 of 14: an element claims 111 bytes but only 12 follow"},
		{name: "PEM CSR garbage", data: pemBlock("NEW CERTIFICATE REQUEST", []byte{0x30, 0x00}), want: ErrDamaged, text: "request"},
		{name: "PEM key garbage", data: pemBlock("PRIVATE KEY", []byte{0x30, 0x00}), want: ErrDamaged, text: "private key"},
		{name: "DER certificate truncated", data: leaf.Raw[:len(leaf.Raw)-10], want: ErrDamaged},
		{name: "DER certificate bad inner", data: corruptTBS(leaf.Raw), want: ErrDamaged, text: "certificate"},
		{name: "DER CSR bad inner", data: corruptTBS(f.csrDER), want: ErrDamaged, text: "request"},
		{name: "P7B truncated", data: p7[:len(p7)-100], want: ErrDamaged, text: "PKCS#7"},
		{name: "P7B bad certificate", data: badCertInP7, want: ErrDamaged, text: "PKCS#7"},
		{name: "P7B empty", data: testpki.P7B(), want: ErrNotRecognised, text: "holding no certificates"},
		{name: "encrypted PEM key", data: encKey, want: ErrUnsupported, text: "encrypted"},
		{name: "ENCRYPTED PRIVATE KEY", data: pemBlock("ENCRYPTED PRIVATE KEY", pkcs8), want: ErrUnsupported, text: "encrypted"},
		{name: "too large", data: make([]byte, MaxFileSize+1), want: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkLoadError(t, tt) })
	}
}

// authSafeOf returns the AuthenticatedSafe octets of a PFX.
func authSafeOf(t *testing.T, pfx []byte) []byte {
	t.Helper()
	outer, _, err := readElement(pfx)
	if err != nil {
		t.Fatal(err)
	}
	kids, _ := outer.children()
	ci, _ := kids[1].children()
	wrapped, _ := ci[1].children()
	octets, ok := wrapped[0].octets()
	if !ok {
		t.Fatal("no authSafe octets")
	}
	return octets
}

// corruptTBS keeps the outer shape of a signed structure (SEQUENCE {
// SEQUENCE, AlgorithmIdentifier, BIT STRING }) but breaks the first field
// of the signed part.
func corruptTBS(der []byte) []byte {
	e, _, _ := readElement(der)
	kids, _ := e.children()
	tbs := kids[0]
	inner, _ := tbs.children()
	first := inner[0].full
	out := append([]byte{}, der...)
	i := bytes.Index(out, first)
	// Replace the first field by a BOOLEAN of the same length.
	out[i] = 0x01
	return out
}

func TestLoadPFXEncodings(t *testing.T) {
	f := getFixture(t)
	chain := []*x509.Certificate{f.inter.Cert.Cert}
	// Every encoder go-pkcs12 v0.7.4 exports, aliases included.
	encoders := map[string]*pkcs12.Encoder{
		"Legacy": pkcs12.Legacy, "LegacyDES": pkcs12.LegacyDES, "LegacyRC2": pkcs12.LegacyRC2,
		"Modern": pkcs12.Modern, "Modern2023": pkcs12.Modern2023, "Modern2026": pkcs12.Modern2026,
		"Passwordless": pkcs12.Passwordless,
	}
	wantEnc := map[string][3]string{ // MAC, cert encryption, key encryption
		"Legacy": {"HMAC-SHA-1", "3DES", "3DES"}, "LegacyDES": {"HMAC-SHA-1", "3DES", "3DES"},
		"LegacyRC2": {"HMAC-SHA-1", "RC2-40", "3DES"},
		"Modern":    {"HMAC-SHA-256", "AES-256-CBC", "AES-256-CBC"}, "Modern2023": {"HMAC-SHA-256", "AES-256-CBC", "AES-256-CBC"},
		"Modern2026":   {"PBMAC1", "AES-256-CBC", "AES-256-CBC"},
		"Passwordless": {"none", "none", "none"},
	}
	for name, enc := range encoders {
		passwords := []string{"", "Secr3t pässword"}
		if name == "Passwordless" {
			passwords = []string{""}
		}
		for _, pw := range passwords {
			t.Run(name+"/"+map[bool]string{true: "empty", false: "password"}[pw == ""], func(t *testing.T) {
				der, err := enc.Encode(f.leaf.Key, f.leaf.Cert, chain, pw)
				if err != nil {
					t.Fatal(err)
				}
				calls := 0
				opt := LoadOptions{Password: func() ([]byte, error) { calls++; return []byte(pw), nil }}
				b, err := Load("file", der, opt)
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				checkLoaded(t, f, b, want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true})
				if wantCalls := map[bool]int{true: 0, false: 1}[pw == ""]; calls != wantCalls {
					t.Errorf("Password called %d times, want %d", calls, wantCalls)
				}
				e := wantEnc[name]
				if b.PFX == nil || b.PFX.MAC != e[0] || b.PFX.CertEncryption != e[1] || b.PFX.KeyEncryption != e[2] {
					t.Errorf("PFX info = %+v, want %v", b.PFX, e)
				}
				if b.PFX.Modern() != strings.HasPrefix(e[1], "AES") {
					t.Errorf("Modern() = %v", b.PFX.Modern())
				}
				if name != "Passwordless" && b.PFX.MaxIterations != 2048 {
					t.Errorf("MaxIterations = %d, want 2048", b.PFX.MaxIterations)
				}
				if pw == "" {
					return
				}
				// The wrong password is told apart from damage.
				calls = 0
				checkLoadError(t, errorCase{data: der, want: ErrWrongPassword, text: "wrong password",
					opt: LoadOptions{Password: func() ([]byte, error) { calls++; return []byte("guess"), nil }}})
				if calls != 1 {
					t.Errorf("Password called %d times, want 1", calls)
				}
				checkLoadError(t, errorCase{data: der, want: ErrNeedPassword, text: "password"})
			})
		}
	}
}

func TestLoadPFXErrors(t *testing.T) {
	f := getFixture(t)
	chain := []*x509.Certificate{f.inter.Cert.Cert}
	legacy, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, chain, "pw")
	if err != nil {
		t.Fatal(err)
	}
	pw := LoadOptions{Password: func() ([]byte, error) { return []byte("pw"), nil }}
	hostileMAC, err := testpki.SetPFXIterations(legacy, 1<<31-1, 0)
	if err != nil {
		t.Fatal(err)
	}
	hostileKey, err := testpki.SetPFXIterations(legacy, 0, 1<<31-1)
	if err != nil {
		t.Fatal(err)
	}
	zeroIter, err := testpki.SetPFXIterations(legacy, 0, -5)
	if err != nil {
		t.Fatal(err)
	}
	// BER, certificate-only and nested PFX files are read now:
	// TestLoadPFXAsWindowsReadsIt.
	truncated := legacy[:len(legacy)-40]
	// Flip a bit inside the MAC digest: the structure is intact, the MAC
	// fails for every password, which is all PKCS#12 lets us see.
	macFlipped := append([]byte{}, legacy...)
	macFlipped[len(macFlipped)-20] ^= 1
	// Turn the AuthenticatedSafe SEQUENCE into a SET: the structure fails.
	structBroken := append([]byte{}, legacy...)
	structBroken[bytes.Index(legacy, authSafeOf(t, legacy)[:32])] = 0x31
	wantErr := errors.New("no terminal")

	tests := []errorCase{
		{name: "limit below the file's 2048", data: legacy, opt: LoadOptions{Password: pw.Password, MaxIterations: 1000}, want: ErrTooManyIterations, text: "2048"},
		{name: "hostile MAC count", data: hostileMAC, opt: pw, want: ErrTooManyIterations, text: "2147483647"},
		{name: "hostile key bag count", data: hostileKey, opt: pw, want: ErrTooManyIterations, text: "encryption key"},
		{name: "non-positive count", data: zeroIter, opt: pw, want: ErrDamaged, text: "iteration"},
		{name: "truncated", data: truncated, opt: pw, want: ErrDamaged, text: "PFX"},
		{name: "MAC digest flipped", data: macFlipped, opt: pw, want: ErrWrongPassword},
		{name: "structure broken", data: structBroken, opt: pw, want: ErrDamaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkLoadError(t, tt) })
	}

	t.Run("password callback error passes through", func(t *testing.T) {
		_, err := Load("file", legacy, LoadOptions{Password: func() ([]byte, error) { return nil, wantErr }})
		if err != wantErr {
			t.Fatalf("err = %v, want the callback's", err)
		}
	})
	t.Run("password cleared after use", func(t *testing.T) {
		buf := []byte("pw")
		if _, err := Load("file", legacy, LoadOptions{Password: func() ([]byte, error) { return buf, nil }}); err != nil {
			t.Fatal(err)
		}
		if string(buf) == "pw" {
			t.Error("the password slice was not cleared")
		}
	})
}

func TestThumbprint(t *testing.T) {
	f := getFixture(t)
	tp := Thumbprint(f.leaf.Cert)
	if len(tp) != 40 || strings.ToUpper(tp) != tp || strings.ContainsAny(tp, ": ") {
		t.Errorf("Thumbprint = %q, want 40 uppercase hex digits", tp)
	}
	fp := Fingerprint256(f.leaf.Cert)
	if len(fp) != 64 || strings.ToUpper(fp) != fp {
		t.Errorf("Fingerprint256 = %q", fp)
	}
	// Cross-check against openssl (required in CI).
	if _, ok := testpki.OptionalTool(t, "openssl"); ok {
		out := opensslOut(t, testpki.PEM(f.leaf.Cert), "x509", "-noout", "-fingerprint", "-sha1")
		want := strings.ReplaceAll(strings.TrimSpace(out[strings.Index(out, "=")+1:]), ":", "")
		if tp != want {
			t.Errorf("Thumbprint = %s, openssl says %s", tp, want)
		}
	}
}

// opensslOut runs openssl with stdin and returns its stdout.
func opensslOut(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(testpki.Tool(t, "openssl"), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestLoadOpenSSL reads files made by OpenSSL, an independent encoder:
// pkcs12 -export (OpenSSL 3 default: PBES2/AES-256, SHA-256 MAC) and with
// -legacy (RC2-40 certificates, 3DES key, SHA-1 MAC), crl2pkcs7 -nocrl in
// PEM and DER, and req -new.
func TestLoadOpenSSL(t *testing.T) {
	openssl := testpki.Tool(t, "openssl")
	f := getFixture(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, _ := testpki.KeyPEM(f.leaf.Key)
	keyFile := write("leaf.key", key)
	leafFile := write("leaf.pem", testpki.PEM(f.leaf.Cert))
	chainFile := write("chain.pem", testpki.PEM(f.inter.Cert.Cert))
	run := func(args ...string) {
		t.Helper()
		out, err := exec.Command(openssl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	read := func(p string) []byte {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	pw := LoadOptions{Password: func() ([]byte, error) { return []byte("Pa55word"), nil }}

	t.Run("pkcs12 -export", func(t *testing.T) {
		out := filepath.Join(dir, "modern.pfx")
		run("pkcs12", "-export", "-inkey", keyFile, "-in", leafFile, "-certfile", chainFile, "-passout", "pass:Pa55word", "-out", out)
		b, err := Load("file", read(out), pw)
		if err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, f, b, want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true})
		if !b.PFX.Modern() {
			t.Errorf("OpenSSL 3 default PFX not reported as modern: %+v", b.PFX)
		}
		checkLoadError(t, errorCase{data: read(out), want: ErrWrongPassword,
			opt: LoadOptions{Password: func() ([]byte, error) { return []byte("wrong"), nil }}})
	})
	t.Run("pkcs12 -export -legacy", func(t *testing.T) {
		out := filepath.Join(dir, "legacy.pfx")
		run("pkcs12", "-export", "-legacy", "-inkey", keyFile, "-in", leafFile, "-certfile", chainFile, "-passout", "pass:Pa55word", "-out", out)
		b, err := Load("file", read(out), pw)
		if err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, f, b, want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true})
		if b.PFX.Modern() || b.PFX.CertEncryption != "RC2-40" {
			t.Errorf("legacy PFX info = %+v", b.PFX)
		}
	})
	t.Run("pkcs12 -export empty password", func(t *testing.T) {
		out := filepath.Join(dir, "nopass.pfx")
		run("pkcs12", "-export", "-inkey", keyFile, "-in", leafFile, "-certfile", chainFile, "-passout", "pass:", "-out", out)
		b, err := Load("file", read(out), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, f, b, want{format: FormatPKCS12, certs: 2, keys: 1, leafFirst: true, checkKey: true})
	})
	for _, form := range []string{"PEM", "DER"} {
		t.Run("crl2pkcs7 -nocrl "+form, func(t *testing.T) {
			out := filepath.Join(dir, "chain."+form+".p7b")
			run("crl2pkcs7", "-nocrl", "-certfile", leafFile, "-certfile", chainFile, "-outform", form, "-out", out)
			b, err := Load("file", read(out), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkLoaded(t, f, b, want{format: FormatPKCS7, certs: 2, leafFirst: true})
		})
	}
	t.Run("req -new", func(t *testing.T) {
		out := filepath.Join(dir, "req.pem")
		run("req", "-new", "-key", keyFile, "-subj", "/CN=exch2.acme.com", "-addext", "subjectAltName=DNS:"+strings.Join(seedNames, ",DNS:"), "-out", out)
		data := bytes.ReplaceAll(read(out), []byte("CERTIFICATE REQUEST"), []byte("NEW CERTIFICATE REQUEST"))
		b, err := Load("file", crlf(data), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkLoaded(t, f, b, want{format: FormatPEM, csrs: 1})
	})
}
